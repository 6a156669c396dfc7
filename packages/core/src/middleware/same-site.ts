import type { Context, Env, MiddlewareHandler } from "hono";
import { PenumbraError } from "../errors.ts";

export interface SameSiteWritesOptions<E extends Env> {
	/** Origins besides the request's own whose pages may send state-changing requests (e.g. the site's). */
	allowedOrigins?: (c: Context<E>) => readonly string[];
}

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses cross-site request forgery: a browser always names the page that sent a state-changing request in
 * `Origin`, so a write whose Origin is neither this Worker nor an allowed site is FORBIDDEN. Requests without an
 * Origin (non-browser clients, which hold no ambient cookie) pass.
 */
export function sameSiteWrites<E extends Env>(options: SameSiteWritesOptions<E> = {}): MiddlewareHandler<E> {
	const allowedOrigins = options.allowedOrigins ?? (() => []);
	return async function sameSiteWritesMiddleware(c, next) {
		const origin = c.req.header("origin");
		if (
			!SAFE_METHODS.has(c.req.method) &&
			origin !== undefined &&
			origin !== new URL(c.req.url).origin &&
			!allowedOrigins(c).includes(origin)
		) {
			throw new PenumbraError("FORBIDDEN", { detail: "This request was sent from another site." });
		}
		await next();
	};
}
