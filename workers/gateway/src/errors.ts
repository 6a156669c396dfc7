import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { type FieldError, PenumbraError, toProblem } from "../../../packages/core/src/errors.ts";
import { log } from "../../../packages/core/src/log.ts";
import type { AppEnv } from "./types.ts";

function escapePointerToken(token: PropertyKey): string {
	return String(token).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** RFC 6901 pointer for a path of keys, rooted at `root` (e.g. "/body"). */
export function toPointer(path: readonly PropertyKey[], root = ""): string {
	return root + path.map((p) => `/${escapePointerToken(p)}`).join("");
}

/** Turns a zod failure into VALIDATION_FAILED with one JSON pointer per bad field. */
export function validationError(error: ZodError, root: string): PenumbraError {
	const errors: FieldError[] = error.issues.map((issue) => ({
		pointer: toPointer(issue.path, root),
		message: issue.message,
		...("expected" in issue && typeof issue.expected === "string" ? { expected: issue.expected } : {}),
	}));
	const first = errors[0];
	return new PenumbraError("VALIDATION_FAILED", {
		detail: first
			? `Invalid request: ${first.pointer || "/"} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`
			: "Invalid request.",
		extras: { errors },
	});
}

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
