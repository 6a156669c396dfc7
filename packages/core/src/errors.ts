/** Stable error codes (docs/errors.md) and the HTTP status each one renders as. */
export const ERROR_STATUS = {
	AUTH_REQUIRED: 401,
	FORBIDDEN: 403,
	NOT_FOUND: 404,
	VALIDATION_FAILED: 400,
	INSUFFICIENT_FUNDS: 402,
	QUOTE_EXPIRED: 410,
	CONFIRMATION_REQUIRED: 409,
	CONFLICT: 409,
	BUDGET_EXCEEDED: 403,
	RATE_LIMITED: 429,
	UPSTREAM_ERROR: 502,
	UPSTREAM_TIMEOUT: 504,
	PAYLOAD_TOO_LARGE: 413,
	INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Record<ErrorCode, string> = {
	AUTH_REQUIRED: "Authentication required",
	FORBIDDEN: "Forbidden",
	NOT_FOUND: "Not found",
	VALIDATION_FAILED: "Validation failed",
	INSUFFICIENT_FUNDS: "Insufficient funds",
	QUOTE_EXPIRED: "Quote expired",
	CONFIRMATION_REQUIRED: "Confirmation required",
	CONFLICT: "Conflict",
	BUDGET_EXCEEDED: "Budget exceeded",
	RATE_LIMITED: "Rate limited",
	UPSTREAM_ERROR: "Upstream error",
	UPSTREAM_TIMEOUT: "Upstream timeout",
	PAYLOAD_TOO_LARGE: "Payload too large",
	INTERNAL: "Internal error",
};

/** One invalid input field, located by RFC 6901 JSON pointer. */
export interface FieldError {
	pointer: string;
	message: string;
	expected?: string;
}

export interface PenumbraErrorOptions {
	/** Safe to show to users and models. */
	detail: string;
	/** For logs only; never rendered. Defaults to `detail`. */
	internal?: string;
	/** Overrides the code's default status (e.g. an upstream 404 passed through). */
	status?: number;
	/** Extra members rendered into the problem document (RFC 9457 extensions). */
	extras?: Record<string, unknown>;
	cause?: unknown;
}

/**
 * The one error type of the system. `detail` is what a user sees, `message` (internal) is what logs see.
 * Rendered once: as problem+json over HTTP, as a structured tool error over MCP.
 */
export class PenumbraError extends Error {
	readonly code: ErrorCode;
	readonly status: number;
	readonly detail: string;
	readonly extras: Record<string, unknown>;

	constructor(code: ErrorCode, options: PenumbraErrorOptions) {
		super(options.internal ?? options.detail, { cause: options.cause });
		this.name = "PenumbraError";
		this.code = code;
		this.status = options.status ?? ERROR_STATUS[code];
		this.detail = options.detail;
		this.extras = options.extras ?? {};
	}
}

export interface Problem {
	type: string;
	title: string;
	status: number;
	detail: string;
	code: ErrorCode;
	instance?: string;
	request_id?: string;
	[extension: string]: unknown;
}

export function problemType(code: ErrorCode): string {
	return `https://penumbra.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`;
}

/** Renders any thrown value as an RFC 9457 problem; unknown errors become a bare INTERNAL. */
export function toProblem(error: unknown, context: { instance?: string; requestId?: string } = {}): Problem {
	const e =
		error instanceof PenumbraError
			? error
			: new PenumbraError("INTERNAL", { detail: "An internal error occurred.", cause: error });
	return {
		...e.extras,
		type: problemType(e.code),
		title: TITLES[e.code],
		status: e.status,
		detail: e.detail,
		code: e.code,
		...(context.instance ? { instance: context.instance } : {}),
		...(context.requestId ? { request_id: context.requestId } : {}),
	};
}

/** A readable message for any thrown value (never prints `false` or `[object Object]`). */
export function toErrorMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	if (typeof error === "string") return error;
	try {
		return JSON.stringify(error);
	} catch {
		return String(error);
	}
}
