import { PenumbraError } from "@penumbra/core/errors";
import { fromHttpException, problemResponse as renderProblem } from "@penumbra/core/http";
import { log } from "@penumbra/core/log";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { AppEnv } from "./types.ts";

export { toPointer, validationError } from "@penumbra/core/validation";

export function problemResponse(c: Context<AppEnv>, error: unknown): Response {
	return renderProblem(error, { instance: new URL(c.req.url).pathname, requestId: c.get("requestId") });
}

/** The one place errors become HTTP responses. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
	const error = fromHttpException(err);
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
