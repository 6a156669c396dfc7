import { type ErrorCode, PenumbraError, toErrorMessage } from "@penumbra/core/errors";
import { readBounded } from "@penumbra/core/http";
import { redactWith } from "@penumbra/core/redact";
import { assertUpstreamUrl } from "@penumbra/core/ssrf";
import type { UpstreamRequest } from "@penumbra/core/upstream-request";

export interface UpstreamResult {
	status: number;
	contentType: string;
	body: unknown;
	durationMs: number;
	attempts: number;
}

export interface UpstreamOptions {
	timeoutMs: number;
	maxBytes: number;
	/** Extra attempts for idempotent methods on network errors and 502/503/504. */
	retries?: number;
	allowlist: readonly string[];
	/** For tests: injectable sleep. */
	sleep?: (ms: number) => Promise<void>;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const RETRYABLE_STATUS = new Set([502, 503, 504]);

function upstreamMessage(body: unknown): string | undefined {
	if (typeof body === "string") return body.trim().slice(0, 300) || undefined;
	if (typeof body !== "object" || body === null) return undefined;
	for (const key of ["message", "detail", "error_description", "error", "title"]) {
		const value = Reflect.get(body, key);
		if (typeof value === "string" && value) return value.slice(0, 300);
	}
	return undefined;
}

/** Maps an upstream error status to our stable codes: the caller's mistakes keep their meaning, ours become 502. */
function errorFor(status: number, body: unknown, retryAfter: string | null): PenumbraError {
	const message = upstreamMessage(body);
	const extras: Record<string, unknown> = { upstream_status: status };
	if (message) extras.upstream_message = message;
	const passThrough: Partial<Record<number, ErrorCode>> = {
		400: "VALIDATION_FAILED",
		404: "NOT_FOUND",
		409: "CONFLICT",
		410: "NOT_FOUND",
		422: "VALIDATION_FAILED",
		429: "RATE_LIMITED",
	};
	const code = status < 500 ? passThrough[status] : undefined;
	if (code) {
		if (code === "RATE_LIMITED")
			extras.retry_after_seconds = Number(retryAfter) > 0 ? Number(retryAfter) : 60;
		return new PenumbraError(code, {
			detail: `The service answered ${status}${message ? `: ${message}` : "."}`,
			status,
			extras,
		});
	}
	return new PenumbraError("UPSTREAM_ERROR", {
		detail: `The service failed (HTTP ${status})${message ? `: ${message}` : "."}`,
		extras,
	});
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
	const tooLarge = () =>
		new PenumbraError("PAYLOAD_TOO_LARGE", {
			detail: `The service's answer is larger than this gateway's limit of ${maxBytes} bytes. Narrow the request (filters, fewer fields, a smaller page).`,
			extras: { limit_bytes: maxBytes },
		});
	const declared = Number(response.headers.get("content-length"));
	if (declared > maxBytes) {
		await response.body?.cancel();
		throw tooLarge();
	}
	if (!response.body) return new Uint8Array();
	// A declared, unencoded length within the cap is the body's exact size: one read instead of a chunk loop.
	const encoding = response.headers.get("content-encoding");
	if (/^\d+$/.test(response.headers.get("content-length") ?? "") && (!encoding || encoding === "identity")) {
		return new Uint8Array(await response.arrayBuffer());
	}
	const bytes = await readBounded(response.body, maxBytes);
	if (!bytes) throw tooLarge();
	return bytes;
}

function decode(bytes: Uint8Array, contentType: string): unknown {
	const text = new TextDecoder().decode(bytes);
	if (!/[/+]json\b/i.test(contentType)) return text;
	if (text.trim() === "") return null;
	try {
		return JSON.parse(text);
	} catch (cause) {
		throw new PenumbraError("UPSTREAM_ERROR", {
			detail: "The service answered with malformed JSON.",
			internal: `upstream JSON parse failed: ${toErrorMessage(cause)}`,
			cause,
		});
	}
}

function duration(ms: number): string {
	return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls the upstream with an overall deadline, bounded retries with exponential backoff and jitter (idempotent
 * methods only), a response size cap, and maps failures to stable codes. Returned bodies are redacted.
 */
export async function callUpstream(
	request: UpstreamRequest,
	options: UpstreamOptions,
): Promise<UpstreamResult> {
	assertUpstreamUrl(request.url.href, options.allowlist);
	const started = Date.now();
	const deadline = started + options.timeoutMs;
	const maxAttempts = IDEMPOTENT.has(request.method) ? 1 + (options.retries ?? 2) : 1;
	const sleep = options.sleep ?? defaultSleep;
	let lastError: PenumbraError | undefined;
	for (let attempt = 1; attempt <= maxAttempts; attempt++) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) break;
		let response: Response;
		try {
			response = await fetch(request.url, {
				method: request.method,
				headers: request.headers,
				body: request.body ?? null,
				redirect: "manual",
				signal: AbortSignal.timeout(remaining),
			});
		} catch (cause) {
			if (cause instanceof DOMException && (cause.name === "TimeoutError" || cause.name === "AbortError")) {
				throw new PenumbraError("UPSTREAM_TIMEOUT", {
					detail: `The service did not answer within ${duration(options.timeoutMs)}.`,
					extras: { timeout_ms: options.timeoutMs },
					cause,
				});
			}
			lastError = new PenumbraError("UPSTREAM_ERROR", {
				detail: "The service could not be reached.",
				internal: `upstream fetch failed: ${toErrorMessage(cause)}`,
				cause,
			});
			if (attempt < maxAttempts) await backoff(attempt, deadline, sleep);
			continue;
		}
		const contentType = response.headers.get("content-type") ?? "";
		if (response.status >= 300 && response.status < 400) {
			await response.body?.cancel();
			throw new PenumbraError("UPSTREAM_ERROR", {
				detail: `The service answered with a redirect (HTTP ${response.status}), which the gateway does not follow.`,
				extras: { upstream_status: response.status },
			});
		}
		if (response.status >= 400) {
			const body = await readCapped(response, options.maxBytes).then(
				(bytes) => {
					try {
						return decode(bytes, contentType);
					} catch {
						return undefined;
					}
				},
				() => undefined,
			);
			lastError = errorFor(
				response.status,
				redactWith(body, request.secrets),
				response.headers.get("retry-after"),
			);
			if (RETRYABLE_STATUS.has(response.status) && attempt < maxAttempts) {
				await backoff(attempt, deadline, sleep);
				continue;
			}
			throw lastError;
		}
		const body = decode(await readCapped(response, options.maxBytes), contentType);
		return {
			status: response.status,
			contentType,
			body: redactWith(body, request.secrets),
			durationMs: Date.now() - started,
			attempts: attempt,
		};
	}
	throw (
		lastError ??
		new PenumbraError("UPSTREAM_TIMEOUT", {
			detail: `The service did not answer within ${duration(options.timeoutMs)}.`,
			extras: { timeout_ms: options.timeoutMs },
		})
	);
}

async function backoff(
	attempt: number,
	deadline: number,
	sleep: (ms: number) => Promise<void>,
): Promise<void> {
	const base = 100 * 2 ** (attempt - 1);
	const delay = Math.min(base * (0.5 + Math.random()), Math.max(0, deadline - Date.now() - 1));
	if (delay > 0) await sleep(delay);
}
