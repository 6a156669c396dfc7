import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types.ts";

/**
 * Runs `middleware` for every path except `paths`: exact paths, or `/prefix/*` (the prefix itself and everything
 * under it). One string comparison per pattern, where hono's `except` matches a router and adds two async layers
 * on every request.
 */
export function unless(
	paths: readonly string[],
	middleware: MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
	const exact = new Set(paths.filter((p) => !p.endsWith("/*")));
	const prefixes = paths.filter((p) => p.endsWith("/*")).map((p) => p.slice(0, -2));
	const skipped = (path: string) =>
		exact.has(path) || prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
	return function unlessMiddleware(c, next) {
		return skipped(c.req.path) ? next() : middleware(c, next);
	};
}
