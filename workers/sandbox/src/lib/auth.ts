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

/**
 * Refuses requests without `Authorization: Bearer <token>` (any non-empty token), as an OAuth 2.0 resource
 * server would, with a `WWW-Authenticate` challenge.
 */
export function requireBearerToken(realm: string): MiddlewareHandler {
	return async function requireBearerToken(c, next) {
		const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
		if (!match) {
			c.header("WWW-Authenticate", `Bearer realm="${realm}", error="invalid_token"`);
			throw new MerchantError(
				401,
				"unauthorized",
				"Send an OAuth 2.0 access token as `Authorization: Bearer <token>`.",
			);
		}
		await next();
	};
}

/** Refuses requests without a non-empty API key in the query parameter `param`, e.g. `?api_key=...`. */
export function requireQueryApiKey(param: string): MiddlewareHandler {
	return async function requireQueryApiKey(c, next) {
		if (!c.req.query(param)?.trim()) {
			throw new MerchantError(
				401,
				"unauthorized",
				`Missing API key: send it in the ${param} query parameter.`,
			);
		}
		await next();
	};
}

/** Refuses requests whose `header` is not `<prefix><non-empty key>`, e.g. `X-Tixhub-Signature: key=abc`. */
export function requirePrefixedKey(header: string, prefix: string): MiddlewareHandler {
	return async function requirePrefixedKey(c, next) {
		const value = c.req.header(header)?.trim() ?? "";
		if (!value.startsWith(prefix) || value.slice(prefix.length).trim() === "") {
			throw new MerchantError(
				401,
				"unauthorized",
				`Missing or malformed credentials: send the ${header} header as "${prefix}<your API key>".`,
			);
		}
		await next();
	};
}
