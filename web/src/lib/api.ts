/**
 * Same-origin JSON calls to the chat Worker (through the Pages Function in production, the Vite proxy in
 * development). Failures become `ApiError` carrying the RFC 9457 problem, so every page shows the server's words.
 */

export interface FieldError {
	pointer: string;
	message: string;
}

export interface Problem {
	status: number;
	code: string;
	title?: string;
	detail: string;
	errors?: FieldError[];
	retry_after_seconds?: number;
	[extra: string]: unknown;
}

export class ApiError extends Error {
	readonly problem: Problem;

	constructor(problem: Problem) {
		super(problem.detail);
		this.name = "ApiError";
		this.problem = problem;
	}

	get status(): number {
		return this.problem.status;
	}

	get code(): string {
		return this.problem.code;
	}
}

/** Fired on any 401 so the app drops its signed-in state wherever the expiry was noticed. */
export const AUTH_LOST_EVENT = "penumbra:auth-lost";

const STATUS_CODES: Record<number, string> = {
	400: "VALIDATION_FAILED",
	401: "AUTH_REQUIRED",
	403: "FORBIDDEN",
	404: "NOT_FOUND",
	409: "CONFLICT",
	410: "QUOTE_EXPIRED",
	413: "PAYLOAD_TOO_LARGE",
	429: "RATE_LIMITED",
	502: "UPSTREAM_ERROR",
	504: "UPSTREAM_TIMEOUT",
};

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function networkProblem(): Problem {
	return {
		status: 0,
		code: "NETWORK",
		detail: "Can’t reach Penumbra right now. Check your connection and try again.",
	};
}

/** The problem in an error response, or one made up from its status when the body is not a problem. */
export async function problemFrom(response: Response): Promise<Problem> {
	let body: unknown = null;
	try {
		body = await response.json();
	} catch {
		// Not JSON (a proxy's error page): the status speaks.
	}
	const retryHeader = Number(response.headers.get("retry-after"));
	const base: Problem = {
		status: response.status,
		code: STATUS_CODES[response.status] ?? (response.status >= 500 ? "INTERNAL" : "ERROR"),
		detail:
			response.status >= 500
				? "Something went wrong on our side. Try again in a moment."
				: `The request failed (${response.status}).`,
		...(Number.isFinite(retryHeader) && retryHeader > 0 ? { retry_after_seconds: retryHeader } : {}),
	};
	if (!isRecord(body)) return base;
	const errors = Array.isArray(body.errors)
		? body.errors.filter(
				(e): e is FieldError => isRecord(e) && typeof e.pointer === "string" && typeof e.message === "string",
			)
		: undefined;
	return {
		...base,
		...body,
		status: response.status,
		code: typeof body.code === "string" ? body.code : base.code,
		detail: typeof body.detail === "string" && body.detail !== "" ? body.detail : base.detail,
		...(errors ? { errors } : {}),
	};
}

export function noticeAuthLost(problem: Problem): void {
	if (problem.status === 401) window.dispatchEvent(new Event(AUTH_LOST_EVENT));
}

interface CallOptions {
	method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
	body?: unknown;
	signal?: AbortSignal;
	/** For /api/me: a 401 there is an answer, not a lost session. */
	quietAuth?: boolean;
	/** For `POST /api/account/top-ups`: the same key answers with the same top-up. */
	idempotencyKey?: string;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
	const headers: Record<string, string> = { accept: "application/json" };
	if (options.body !== undefined) headers["content-type"] = "application/json";
	if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
	let response: Response;
	try {
		response = await fetch(path, {
			method: options.method ?? "GET",
			headers,
			credentials: "same-origin",
			...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
			...(options.signal ? { signal: options.signal } : {}),
		});
	} catch (error) {
		if (options.signal?.aborted) throw error;
		throw new ApiError(networkProblem());
	}
	if (!response.ok) {
		const problem = await problemFrom(response);
		if (!options.quietAuth) noticeAuthLost(problem);
		throw new ApiError(problem);
	}
	if (response.status === 204) return undefined as T;
	return (await response.json()) as T;
}

/** A message for any failure, in words a person can act on. */
export function describeError(error: unknown): string {
	if (error instanceof ApiError) return friendlyDetail(error.problem);
	if (error instanceof Error) return error.message;
	return "Something went wrong.";
}

export function friendlyDetail(problem: Problem): string {
	switch (problem.code) {
		case "AUTH_REQUIRED":
			return "Your session has ended. Sign in again to continue.";
		case "RATE_LIMITED":
			return problem.retry_after_seconds
				? `${problem.detail} Try again in ${Math.ceil(problem.retry_after_seconds)} s.`
				: problem.detail;
		default:
			return problem.detail;
	}
}

/** Field errors keyed by the first pointer segment that names one of `fields` (pointers are re-rooted by proxies). */
export function fieldErrors<F extends string>(
	problem: Problem,
	fields: readonly F[],
): Partial<Record<F, string>> {
	const out: Partial<Record<F, string>> = {};
	for (const error of problem.errors ?? []) {
		const segments = error.pointer.split("/");
		const field = fields.find((f) => segments.includes(f));
		if (field && out[field] === undefined) out[field] = error.message;
	}
	return out;
}
