import type { CallToolResult } from "@modelcontextprotocol/server";
import { ToolListSchema, type ToolView } from "@penumbra/core/contracts";
import { z } from "zod";
import { linksOf, toolError, toolResult } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { type CallContext, gatewayOf, readOnly, ServiceId } from "./context.ts";

/** One tool as the model sees it: only the flags that apply, and the description only when it adds to the summary. */
function toolEntry(t: ToolView, signedIn: boolean) {
	return {
		name: t.name,
		summary: t.summary,
		...(t.description && t.description !== t.summary ? { description: t.description } : {}),
		input_schema: t.input_schema,
		fee_cents: t.fee_cents,
		auth_level: t.auth_level,
		...(t.purchase?.kind === "purchase"
			? { purchase: true, how: "execute without quote_id returns a quote; then execute with quote_id buys" }
			: {}),
		...(t.purchase?.kind === "precheck" ? { prices_a_purchase: true } : {}),
		...(!signedIn && t.auth_level !== "anonymous" ? { needs_account: true } : {}),
	};
}

async function listTools(env: McpEnv, gateway: Gateway, service: string): Promise<CallToolResult> {
	const links = linksOf(env);
	const answer = await gateway.get(ToolListSchema, `/v1/services/${encodeURIComponent(service)}/tools`);
	if (!answer.ok) return toolError(answer, links);
	const signedIn = gateway.session !== null;
	return toolResult({
		service: answer.data.service,
		tools: answer.data.tools.map((t) => toolEntry(t, signedIn)),
	});
}

export const listToolsTool = {
	title: "List a service's tools",
	description:
		"A service's tools: name, summary, JSON input schema, usage fee in cents, required auth level and whether it is a purchase.",
	inputSchema: z.object({ service: ServiceId }),
	annotations: readOnly,
	run: (call: CallContext, args: { service: string }) => listTools(call.env, gatewayOf(call), args.service),
} as const;
