import type { CallToolResult } from "@modelcontextprotocol/server";
import { fail, ToolListSchema, type ToolView } from "@penumbra/core/contracts";
import { z } from "zod";
import { type Links, linksOf, toolError, toolResult } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { schemaAt } from "../schema-summary.ts";
import { resultLimit } from "../shape.ts";
import { fitSchema, fitToolList, type ToolEntry } from "../tool-list.ts";
import { type CallContext, gatewayOf, readOnly, ServiceId, ToolName } from "./context.ts";

/** One tool as the model sees it: only the flags that apply, and the description only when it adds to the summary. */
function toolEntry(t: ToolView, signedIn: boolean): ToolEntry {
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

interface ListArgs {
	service: string;
	tool?: string | undefined;
	schema_path?: string | undefined;
	offset?: number | undefined;
}

/** One tool with its whole input schema, or the part of it at `schema_path`, within the budget. */
function oneTool(
	service: string,
	entry: ToolEntry,
	args: ListArgs,
	limit: number,
	links: Links,
): CallToolResult {
	const path = args.schema_path?.split(".").filter((p) => p !== "") ?? [];
	if (path.length === 0) {
		const { input_schema, ...rest } = entry;
		const fitted = fitSchema({ service, tool: rest }, input_schema, limit);
		return toolResult(
			{
				service,
				tool: { ...rest, input_schema: fitted.schema },
				...(fitted.note ? { note: fitted.note } : {}),
			},
			fitted.note,
		);
	}
	const part = schemaAt(entry.input_schema, path);
	if (!part.ok) {
		const where = part.at ? `"${part.at}"` : "the input";
		return toolError(
			fail(
				"VALIDATION_FAILED",
				`schema_path "${args.schema_path}": ${where} has no property "${path[part.at ? part.at.split(".").length : 0]}".`,
				{
					errors: [
						{ pointer: "/schema_path", message: `properties here: ${part.available.join(", ") || "none"}` },
					],
				},
			),
			links,
		);
	}
	const frame = { service, tool: entry.name, schema_path: path.join(".") };
	const fitted = fitSchema(frame, part.schema, limit);
	return toolResult(
		{ ...frame, schema: fitted.schema, ...(fitted.note ? { note: fitted.note } : {}) },
		fitted.note,
	);
}

async function listTools(env: McpEnv, gateway: Gateway, args: ListArgs): Promise<CallToolResult> {
	const links = linksOf(env);
	const answer = await gateway.get(ToolListSchema, `/v1/services/${encodeURIComponent(args.service)}/tools`);
	if (!answer.ok) return toolError(answer, links);
	const signedIn = gateway.session !== null;
	const entries = answer.data.tools.map((t) => toolEntry(t, signedIn));
	const limit = resultLimit(env);
	if (args.tool !== undefined) {
		const entry = entries.find((e) => e.name === args.tool);
		if (entry) return oneTool(answer.data.service, entry, args, limit, links);
		const needle = args.tool.toLowerCase();
		const suggestions = entries
			.map((e) => e.name)
			.filter((name) => name.toLowerCase().includes(needle) || needle.includes(name.toLowerCase()))
			.slice(0, 5);
		return toolError(
			fail(
				"NOT_FOUND",
				`Service "${args.service}" has no tool "${args.tool}".`,
				suggestions.length ? { suggestions } : {},
			),
			links,
		);
	}
	const fitted = fitToolList(entries, limit, args.offset ?? 0);
	return toolResult({ service: answer.data.service, ...fitted }, fitted.note);
}

export const listToolsTool = {
	title: "List a service's tools",
	description:
		"A service's tools: name, summary, JSON input schema, usage fee in cents, auth level, whether it is a purchase. Large services come summarized (`input_schema_summarized`) and paged (`next_offset`): pass `tool` for one tool's full schema, with `schema_path` for one part of it.",
	inputSchema: z.object({
		service: ServiceId,
		tool: ToolName.optional().describe("One tool's name: answers that tool with its full input schema."),
		schema_path: z
			.string()
			.max(500)
			.optional()
			.describe(
				'With `tool`: property names joined by dots (e.g. "body.items"), for that part of its input schema in full.',
			),
		offset: z
			.number()
			.int()
			.min(0)
			.optional()
			.describe("Skip this many tools (from `next_offset` of a paged answer)."),
	}),
	annotations: readOnly,
	run: (call: CallContext, args: ListArgs) => listTools(call.env, gatewayOf(call), args),
} as const;
