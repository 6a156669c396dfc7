import type { CallToolResult } from "@modelcontextprotocol/server";
import { HealthSchema } from "@penumbra/core/contracts";
import { z } from "zod";
import { toolResult } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { serviceSearch } from "../search.ts";
import { SERVER_INFO } from "../server-info.ts";
import { type CallContext, gatewayOf, readOnly } from "./context.ts";

async function health(env: McpEnv, gateway: Gateway): Promise<CallToolResult> {
	const started = Date.now();
	const answer = await gateway.get(HealthSchema, "/v1/health").catch(() => null);
	const latency = Date.now() - started;
	const search = await serviceSearch(env).catch(() => null);
	if (!answer?.ok) {
		return toolResult({
			status: "down",
			gateway: { reachable: false, ...(answer && !answer.ok ? { error: answer.detail } : {}) },
			search_index: { loaded: search !== null, services: search?.size ?? 0 },
		});
	}
	const { status, services, registry } = answer.data;
	return toolResult({
		status,
		services,
		registry,
		gateway: { reachable: true, latency_ms: latency },
		search_index: { loaded: search !== null, services: search?.size ?? 0 },
		server: SERVER_INFO,
	});
}

export const healthTool = {
	title: "Health",
	description: "System status: gateway reachability, registry freshness and service count.",
	inputSchema: z.object({}),
	annotations: readOnly,
	run: (call: CallContext) => health(call.env, gatewayOf(call)),
} as const;
