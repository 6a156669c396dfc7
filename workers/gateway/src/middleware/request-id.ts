import { requestId as requestIdMiddleware } from "@penumbra/core/middleware";
import type { RequestTrace } from "@penumbra/core/trace";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../types.ts";

/** The shared request id middleware, with the gateway's access line: LOG_LEVEL decides, the caller's key is named. */
export function requestId(): MiddlewareHandler<AppEnv> {
	return requestIdMiddleware<AppEnv>({
		accessLog: {
			level: (c) => c.env.LOG_LEVEL,
			caller: (c) => c.get("caller")?.credential?.id,
		},
	});
}

/** The request's id and trace, which every upstream call it makes carries (`tagRequest`). */
export function requestTraceOf(c: Context<AppEnv>): RequestTrace {
	return { request_id: c.get("requestId"), trace: c.get("trace") };
}
