import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error a fictional merchant answers with. Deliberately not `PenumbraError`: the sandbox plays third-party
 * APIs, so its errors must look like a foreign upstream's (`{error, message}`), not like Penumbra's problem documents.
 */
export class MerchantError extends Error {
	readonly status: ContentfulStatusCode;
	readonly code: string;
	readonly extras: Record<string, unknown>;

	constructor(
		status: ContentfulStatusCode,
		code: string,
		message: string,
		extras: Record<string, unknown> = {},
	) {
		super(message);
		this.name = "MerchantError";
		this.status = status;
		this.code = code;
		this.extras = extras;
	}
}

/** The JSON error body every sandbox merchant uses. */
export function errorBody(code: string, message: string, extras: Record<string, unknown> = {}) {
	return { error: code, message, ...extras };
}

export function renderError(c: Context, error: unknown): Response {
	if (error instanceof MerchantError) {
		return c.json(errorBody(error.code, error.message, error.extras), error.status);
	}
	console.error("sandbox: unhandled error", error);
	return c.json(errorBody("internal_error", "The merchant failed to process the request."), 500);
}
