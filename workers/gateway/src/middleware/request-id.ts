import { log } from "@penumbra/core/log";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types.ts";

const INCOMING_ID = /^[A-Za-z0-9._-]{8,128}$/;

export interface RequestIdOptions {
	header?: string;
}

// LOG_LEVEL (a var) above info turns the per-request access line off, e.g. for benchmarks.
const QUIET = new Set(["warn", "error"]);

/** Accepts a sane incoming request id or makes one, exposes it as `requestId`, echoes it back, logs the request unless LOG_LEVEL is warn or error. */
export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<AppEnv> {
	const header = options.header ?? "X-Request-Id";
	return async function requestIdMiddleware(c, next) {
		const incoming = c.req.header(header);
		const id = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
		c.set("requestId", id);
		const started = performance.now();
		await next();
		c.res.headers.set(header, id);
		if (!QUIET.has(c.env.LOG_LEVEL)) {
			log("info", "request", {
				request_id: id,
				method: c.req.method,
				path: new URL(c.req.url).pathname,
				status: c.res.status,
				duration_ms: Math.round((performance.now() - started) * 10) / 10,
				caller: c.get("caller")?.credential?.id,
			});
		}
	};
}
