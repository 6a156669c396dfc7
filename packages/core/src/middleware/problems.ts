import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { PenumbraError } from "../errors.ts";
import { fromHttpException, problemResponse } from "../http.ts";
import { log } from "../log.ts";
import type { RequestIdEnv } from "./request-id.ts";

/** `error` as problem+json for this request: its path as `instance`, its id as `request_id`. */
export function problemFor<E extends RequestIdEnv>(c: Context<E>, error: unknown): Response {
	return problemResponse(error, { instance: new URL(c.req.url).pathname, requestId: c.get("requestId") });
}

/**
 * The app's one `onError`: every thrown error becomes problem+json. Expected errors (a PenumbraError below 500) are
 * the caller's business and are not logged; anything else is, with the request id that the response also carries.
 */
export function onErrorHandler<E extends RequestIdEnv>(): ErrorHandler<E> {
	return function onError(err, c) {
		const error = fromHttpException(err);
		if (!(error instanceof PenumbraError) || error.status >= 500) {
			// Never the body or the query string: they can carry users' messages and secrets. A failed query's bound
			// values are dropped by log()'s redaction.
			log("error", "request failed", {
				request_id: c.get("requestId"),
				// Unset when the error came before the request id middleware ran.
				trace_id: c.get("trace")?.trace_id,
				method: c.req.method,
				path: new URL(c.req.url).pathname,
				error: err,
				cause: err.cause,
			});
		}
		return problemFor(c, error);
	};
}

export interface NotFoundOptions {
	/** Appended to the detail, e.g. where the API is documented. */
	hint?: string;
}

/** The app's `notFound`: a NOT_FOUND problem naming the method and path that matched no route. */
export function notFoundHandler<E extends RequestIdEnv>(options: NotFoundOptions = {}): NotFoundHandler<E> {
	const hint = options.hint ? ` ${options.hint}` : "";
	return function notFound(c) {
		const detail = `No route for ${c.req.method} ${new URL(c.req.url).pathname}.${hint}`;
		return problemFor(c, new PenumbraError("NOT_FOUND", { detail }));
	};
}
