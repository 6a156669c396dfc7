import { type Metrics, metricsOf } from "@penumbra/core/metrics";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes, routePath } from "hono/route";
import { backgroundOf } from "../background.ts";
import type { AppEnv } from "../types.ts";

/**
 * What one gateway request records, gathered while it runs (docs/operating.md): the handler names the service and
 * tool of a tool call and the usage fee captured; the request middleware writes the `request` point at the end.
 */
export interface RequestMetrics {
	readonly metrics: Metrics;
	readonly request_id: string;
	service?: string;
	tool?: string;
	fee_cents: number;
}

const perRequest = new WeakMap<Context<AppEnv>, RequestMetrics>();

/**
 * Requests made by the RPC entrypoint for the MCP or chat Worker, keyed by the request object it built: their
 * points say `mcp` / `chat` as the caller (only code in this Worker can put a request here).
 */
export const rpcCallers = new WeakMap<Request, "mcp" | "chat">();

/** A request id as a point carries it (an accepted incoming id may be longer than a point's 64 characters). */
export function pointId(requestId: string | undefined): string {
	return (requestId ?? "").slice(0, 64);
}

/** This request's metrics: one recorder per request, never awaited. */
export function requestMetricsOf(c: Context<AppEnv>): RequestMetrics {
	let found = perRequest.get(c);
	if (!found) {
		const ctx = { waitUntil: backgroundOf(c) };
		found = { metrics: metricsOf(c.env, ctx), request_id: pointId(c.get("requestId")), fee_cents: 0 };
		perRequest.set(c, found);
	}
	return found;
}

/** Names the service and tool this request calls, so its point counts toward them rather than the gateway. */
export function noteTool(c: Context<AppEnv>, service: string, tool: string): RequestMetrics {
	const metrics = requestMetricsOf(c);
	metrics.service = service;
	metrics.tool = tool;
	return metrics;
}

/** `/v1/services/:id/tools/:tool` as `/v1/services/{id}/tools/{tool}`; regex constraints dropped. */
function readablePattern(path: string): string {
	return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
}

/**
 * The route a request reached, as a pattern (never the raw path, which holds ids): the handler's if it ran, else the
 * first route with a method after the middleware that stopped it (a refused key, a missing config).
 */
function routeOf(c: Context<AppEnv>): string {
	const routes = matchedRoutes(c);
	const handler = routes.slice(c.req.routeIndex).find((route) => route.method !== "ALL");
	const path = handler?.path ?? routePath(c);
	return path === "*" || path === "/*" ? "(no route)" : readablePattern(path);
}

function callerKindOf(c: Context<AppEnv>): string {
	if (c.req.path.startsWith("/v1/admin")) return "admin";
	const via = rpcCallers.get(c.req.raw);
	if (via) return via;
	const caller = c.get("caller");
	if (!caller?.credential) return "anonymous";
	return caller.authority;
}

function outcomeOf(status: number): "ok" | "error" | "fault" {
	return status >= 500 ? "fault" : status >= 400 ? "error" : "ok";
}

/**
 * Writes one `request` point per gateway request after it answered (never awaited, never throws): tool calls count
 * toward their service and tool, everything else toward `gateway` with the route pattern as the tool.
 */
export function recordRequests(): MiddlewareHandler<AppEnv> {
	return async function recordRequestsMiddleware(c, next) {
		const started = performance.now();
		await next();
		try {
			const noted = requestMetricsOf(c);
			const status = c.res.status;
			noted.metrics.record({
				kind: "request",
				at_ms: Date.now(),
				service: noted.service ?? "gateway",
				tool: noted.tool ?? `${c.req.method} ${routeOf(c)}`.slice(0, 128),
				status,
				outcome: outcomeOf(status),
				caller: callerKindOf(c),
				latency_ms: performance.now() - started,
				amount_cents: status < 400 ? noted.fee_cents : 0,
				request_id: noted.request_id,
			});
		} catch {
			// Metrics never fail a request.
		}
	};
}

/** Records one `search` point: the query (trimmed, at most 200 characters) and whether anything was found. */
export function recordSearch(c: Context<AppEnv>, query: string, found: boolean): void {
	requestMetricsOf(c).metrics.record({
		kind: "search",
		at_ms: Date.now(),
		outcome: found ? "found" : "empty",
		caller: callerKindOf(c),
		text: query.trim().slice(0, 200),
		request_id: pointId(c.get("requestId")),
	});
}

/**
 * The `request` point of an RPC call refused before it reached a route (its credential or key is no longer known):
 * it never passes the request middleware.
 */
export function recordRefusedRpc(
	env: GatewayEnv,
	ctx: ExecutionContext,
	call: { method: string; via?: string; authority?: string; request_id?: string },
	status: number,
): void {
	metricsOf(env, ctx).record({
		kind: "request",
		at_ms: Date.now(),
		service: "gateway",
		tool: `${call.method} (rpc: credential refused)`,
		status,
		outcome: outcomeOf(status),
		caller: call.via ?? call.authority ?? "agent",
		request_id: pointId(call.request_id),
	});
}
