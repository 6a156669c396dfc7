import type { CallToolResult } from "@modelcontextprotocol/server";
import { HealthSchema, ServiceHealthSchema } from "@penumbra/core/contracts";
import { z } from "zod";
import { linksOf, toolError, toolResult } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { serviceSearch } from "../search.ts";
import { SERVER_INFO } from "../server-info.ts";
import { type CallContext, gatewayOf, readOnly } from "./context.ts";

/**
 * A service id, checked like `ServiceId` but without advertising the pattern: the five tools' descriptions share a
 * token budget (bench `mcp-scale`), and search_services and list_tools already show what an id looks like.
 */
const QuietServiceId = z
	.string()
	.max(64)
	.refine((id) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(id), "a service id from search_services, e.g. fooddash");

/** Health routes answer 503 with their report when something is down; that report is what the model needs. */
const DOWN = [503];

async function health(env: McpEnv, gateway: Gateway, service: string | undefined): Promise<CallToolResult> {
	const started = Date.now();
	const [answer, provider, search] = await Promise.all([
		gateway.get(HealthSchema, "/v1/health", DOWN).catch(() => null),
		service ? gateway.get(ServiceHealthSchema, `/v1/services/${service}/health`, DOWN) : null,
		serviceSearch(env).catch(() => null),
	]);
	const latency = Date.now() - started;
	if (provider && !provider.ok) return toolError(provider, linksOf(env));
	const search_index = { loaded: search !== null, services: search?.size ?? 0 };
	const about = provider ? { service: provider.data } : {};
	if (!answer?.ok) {
		return toolResult({
			status: "down",
			gateway: { reachable: false, ...(answer && !answer.ok ? { error: answer.detail } : {}) },
			search_index,
			...about,
		});
	}
	const { status, reasons, checks, services, registry } = answer.data;
	return toolResult({
		status,
		...(reasons?.length ? { reasons } : {}),
		checks,
		services,
		registry,
		gateway: { reachable: true, latency_ms: latency },
		search_index,
		...about,
		server: SERVER_INFO,
	});
}

export const healthTool = {
	title: "Health",
	description: "Gateway, storage and registry status; with `service`, that provider's health.",
	inputSchema: z.object({ service: QuietServiceId.optional() }),
	annotations: readOnly,
	run: (call: CallContext, args: { service?: string | undefined } = {}) =>
		health(call.env, gatewayOf(call), args.service),
} as const;
