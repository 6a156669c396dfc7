import { PenumbraError } from "@penumbra/core/errors";
import { timingSafeEqual } from "@penumbra/core/keys";
import type { MiddlewareHandler } from "hono";
import { assertOperatorMay, looksLikeOperatorToken } from "../operator.ts";
import type { AppEnv } from "../types.ts";

/**
 * Guards operator routes with the ADMIN_TOKEN secret (compared in constant time). An operator session token
 * (`POST /v1/admin/sessions`, the site's dashboard) passes only for the few reads it may make (`operator.ts`).
 */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
	return async function requireAdminMiddleware(c, next) {
		const expected = c.env.ADMIN_TOKEN;
		if (!expected) {
			throw new PenumbraError("FORBIDDEN", {
				detail: "The admin API is disabled: set the ADMIN_TOKEN secret.",
			});
		}
		const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
		if (!presented) {
			throw new PenumbraError("AUTH_REQUIRED", {
				detail: "The admin API needs `Authorization: Bearer <ADMIN_TOKEN>`.",
			});
		}
		if (!timingSafeEqual(presented, expected)) {
			if (!looksLikeOperatorToken(presented)) {
				throw new PenumbraError("FORBIDDEN", { detail: "That admin token is not valid." });
			}
			await assertOperatorMay(c.env, presented, c.req.method, c.req.path);
		}
		await next();
	};
}
