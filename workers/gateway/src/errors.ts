import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { PenumbraError, toProblem } from "../../../packages/core/src/errors.ts";
import { log } from "../../../packages/core/src/log.ts";
import type { AppEnv } from "./types.ts";

export { toPointer, validationError } from "../../../packages/core/src/validation.ts";

export function problemResponse(c: Context<AppEnv>, error: unknown): Response {
	const problem = toProblem(error, { instance: new URL(c.req.url).pathname, requestId: c.get("requestId") });
	const headers: Record<string, string> = { "content-type": "application/problem+json" };
	if (error instanceof PenumbraError) {
		const retryAfter = error.extras.retry_after_seconds;
		if (typeof retryAfter === "number") headers["retry-after"] = String(Math.ceil(retryAfter));
		if (error.code === "AUTH_REQUIRED") headers["www-authenticate"] = 'Bearer realm="penumbra"';
	}
	return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

/** The one place errors become HTTP responses. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
	let error: unknown = err;
	if (err instanceof HTTPException && !(err instanceof PenumbraError)) {
		// Hono raises these for malformed bodies (e.g. invalid JSON) before our validators run.
		error = new PenumbraError(err.status === 401 ? "AUTH_REQUIRED" : "VALIDATION_FAILED", {
			detail: err.message || "Malformed request.",
			status: err.status,
			cause: err,
		});
	}
	if (!(error instanceof PenumbraError) || error.status >= 500) {
		log("error", "request failed", {
			request_id: c.get("requestId"),
			path: new URL(c.req.url).pathname,
			error: err,
			cause: err.cause,
		});
	}
	return problemResponse(c, error);
};

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
	problemResponse(
		c,
		new PenumbraError("NOT_FOUND", {
			detail: `No route for ${c.req.method} ${new URL(c.req.url).pathname}. See /docs for the API.`,
		}),
	);
