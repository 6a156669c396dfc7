import { requestId as requestIdMiddleware } from "@penumbra/core/middleware";
import type { MiddlewareHandler } from "hono";
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
