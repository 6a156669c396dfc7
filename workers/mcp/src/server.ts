import { type McpRequestContext, McpServer } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { incomingTrace, type RequestTrace } from "@penumbra/core/trace";
import { liveCheckOf } from "./auth/live.ts";
import { multiRoundTripConfirm } from "./confirmation.ts";
import { INSTRUCTIONS, SERVER_INFO } from "./server-info.ts";
import { callerOf, callerPropsOf } from "./streamable-http.ts";
import type { CallContext } from "./tools/context.ts";
import { executeTool } from "./tools/execute.tools.ts";
import { getStartedTool } from "./tools/get-started.tools.ts";
import { healthTool } from "./tools/health.tools.ts";
import { listToolsTool } from "./tools/list-tools.tools.ts";
import { searchServicesTool } from "./tools/search-services.tools.ts";

/**
 * The five meta-tools, transport-neutral: the Streamable HTTP server (below) and the legacy SSE session register
 * the same definitions.
 */
export const TOOLS = {
	get_started: getStartedTool,
	search_services: searchServicesTool,
	list_tools: listToolsTool,
	execute: executeTool,
	health: healthTool,
} as const;

function clientIp(ctx: McpRequestContext): string | undefined {
	return ctx.requestInfo?.headers.get("cf-connecting-ip") ?? undefined;
}

/**
 * The request's id (a sane incoming `x-request-id`, else a new one) and trace (a valid incoming `traceparent`
 * continued with a new span; a malformed one is dropped): every gateway call of the request carries both.
 */
function originOf(ctx: McpRequestContext): RequestTrace {
	return incomingTrace((name) => ctx.requestInfo?.headers.get(name));
}

/** A fresh server per request (stateless Streamable HTTP): the five meta-tools, acting as the request's caller. */
export function buildServer(env: McpEnv, ctx: McpRequestContext): McpServer {
	const server = new McpServer(SERVER_INFO, {
		instructions: INSTRUCTIONS,
		jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
	});
	const session = callerOf(ctx);
	const live = liveCheckOf(callerPropsOf(ctx));
	let origin: RequestTrace | undefined;
	const call = (): CallContext => {
		origin ??= originOf(ctx);
		return { env, session, clientIp: clientIp(ctx), origin, live };
	};
	const { run: _gs, ...getStartedDef } = TOOLS.get_started;
	server.registerTool("get_started", getStartedDef, async () => TOOLS.get_started.run(call()));
	const { run: _ss, ...searchDef } = TOOLS.search_services;
	server.registerTool("search_services", searchDef, async (args) => TOOLS.search_services.run(call(), args));
	const { run: _lt, ...listDef } = TOOLS.list_tools;
	server.registerTool("list_tools", listDef, async (args) => TOOLS.list_tools.run(call(), args));
	const { run: _ex, ...executeDef } = TOOLS.execute;
	server.registerTool("execute", executeDef, async (args, extra) =>
		TOOLS.execute.run({ ...call(), confirm: multiRoundTripConfirm(env, server, ctx, session, extra) }, args),
	);
	const { run: _h, ...healthDef } = TOOLS.health;
	server.registerTool("health", healthDef, async (args) => TOOLS.health.run(call(), args));
	return server;
}
