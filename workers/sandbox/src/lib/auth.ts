import type { MiddlewareHandler } from "hono";
import { MerchantError } from "./errors.ts";

/** Refuses requests without a non-empty API key header, as a merchant's own gateway would. */
export function requireApiKey(header: string): MiddlewareHandler {
	return async function requireApiKey(c, next) {
		if (!c.req.header(header)?.trim()) {
			throw new MerchantError(401, "unauthorized", `Missing API key: send it in the ${header} header.`);
		}
		await next();
	};
}
