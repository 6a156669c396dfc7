import { PenumbraError } from "@penumbra/core/errors";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types.ts";

/** The shortest QUOTE_SIGNING_KEY accepted (quotes.ts refuses shorter ones too). */
const MIN_SIGNING_KEY_LENGTH = 16;

/**
 * Secrets and vars a deployed gateway cannot work without, by name, in the order `npm run deploy` sets them.
 * Development (`npm start`, the tests) is exempt: `.dev.vars` and scripts/lib/dev-vars.ts provide them, and tests
 * take single ones away on purpose.
 */
export function missingConfig(env: GatewayEnv): string[] {
	if (env.ENVIRONMENT === "development") return [];
	const missing: string[] = [];
	if (!env.QUOTE_SIGNING_KEY || env.QUOTE_SIGNING_KEY.length < MIN_SIGNING_KEY_LENGTH) {
		missing.push("QUOTE_SIGNING_KEY");
	}
	if (!env.ADMIN_TOKEN) missing.push("ADMIN_TOKEN");
	if (!env.WEB_URL) missing.push("WEB_URL");
	return missing;
}

/**
 * Fails every request loudly, naming what is missing, while the deployment lacks a required secret or var: a
 * purchase would otherwise fail late with a bare INTERNAL. `GET /v1/health` is left out and reports the same list.
 */
export function requireConfig(): MiddlewareHandler<AppEnv> {
	return async function requireConfigMiddleware(c, next) {
		const missing = missingConfig(c.env);
		if (missing.length > 0) {
			throw new PenumbraError("INTERNAL", {
				status: 503,
				detail: `This gateway is not configured: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set. The operator sets ${missing.length === 1 ? "it" : "them"} with \`npm run deploy\` (or \`npx wrangler secret put NAME\`).`,
				extras: { missing_config: missing },
			});
		}
		await next();
	};
}
