import { HTTPException } from "hono/http-exception";
import { PenumbraError, toProblem } from "./errors.ts";

/** An error as problem+json, with `retry-after` and the Bearer challenge where the code calls for them. */
export function problemResponse(error: unknown, context: { instance: string; requestId?: string }): Response {
	const problem = toProblem(error, context);
	const headers: Record<string, string> = { "content-type": "application/problem+json" };
	if (error instanceof PenumbraError) {
		const retryAfter = error.extras.retry_after_seconds;
		if (typeof retryAfter === "number") headers["retry-after"] = String(Math.ceil(retryAfter));
		if (error.code === "AUTH_REQUIRED") headers["www-authenticate"] = 'Bearer realm="penumbra"';
	}
	return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

/**
 * Hono raises HTTPExceptions for malformed requests (e.g. invalid JSON) before our validators run: they become
 * AUTH_REQUIRED (401) or VALIDATION_FAILED with Hono's status. Anything else is returned as it is.
 */
export function fromHttpException(error: Error): unknown {
	if (!(error instanceof HTTPException) || error instanceof PenumbraError) return error;
	return new PenumbraError(error.status === 401 ? "AUTH_REQUIRED" : "VALIDATION_FAILED", {
		detail: error.message || "Malformed request.",
		status: error.status,
		cause: error,
	});
}

/** A body's bytes, read chunk by chunk up to `maxBytes`: null, with the rest cancelled, once more than that arrived. */
export async function readBounded(
	body: ReadableStream<Uint8Array>,
	maxBytes: number,
): Promise<Uint8Array | null> {
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > maxBytes) {
			await reader.cancel();
			return null;
		}
		chunks.push(value);
	}
	const out = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		out.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return out;
}
