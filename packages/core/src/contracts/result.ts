import { ERROR_STATUS, type ErrorCode, PenumbraError } from "../errors.ts";

type Scalar = string | number | boolean | null;

/**
 * A failure's extra fields (`shortfall_cents`, `retry_after_seconds`, `errors`, …): JSON two levels deep at most,
 * because RPC stub types refuse `unknown` and a recursive JSON type is too deep for them.
 */
export type FailureExtras = Record<
	string,
	Scalar | Scalar[] | Record<string, Scalar> | Record<string, Scalar>[]
>;

/** Why a call across a Worker or Durable Object boundary failed: error classes do not survive the crossing. */
export interface Failure {
	ok: false;
	code: ErrorCode;
	detail: string;
	/** Only when it differs from the code's usual status (e.g. 503 for a provider not configured yet). */
	status?: number;
	extras?: FailureExtras;
}

/** What every RPC method and Durable Object method that can fail for the caller's reasons returns. */
export type Result<T extends object> = ({ ok: true } & T) | Failure;

export function fail(code: ErrorCode, detail: string, extras?: FailureExtras, status?: number): Failure {
	return {
		ok: false,
		code,
		detail,
		...(extras && Object.keys(extras).length > 0 ? { extras } : {}),
		...(status !== undefined ? { status } : {}),
	};
}

/** The one error type again on this side of the boundary. */
export function failureError(failure: Omit<Failure, "extras"> & { extras?: object }): PenumbraError {
	return new PenumbraError(failure.code, {
		detail: failure.detail,
		...(failure.status !== undefined ? { status: failure.status } : {}),
		...(failure.extras ? { extras: { ...failure.extras } } : {}),
	});
}

/**
 * The success value, or the failure thrown as the one error type (rendered once by the app's error handler).
 * Generic over the answer's own type: an RPC stub hands back `Result<T>` re-typed for the wire (`… & Disposable`).
 */
export function unwrap<R extends { ok: true } | (Omit<Failure, "extras"> & { extras?: object })>(
	result: R,
): Extract<R, { ok: true }> {
	if (result.ok) return result as Extract<R, { ok: true }>;
	throw failureError(result);
}

/** A thrown error as a failure to send across a boundary (internal messages and stacks stay behind). */
export function failureOf(error: PenumbraError): Failure {
	const extras = JSON.parse(JSON.stringify(error.extras)) as FailureExtras;
	return fail(
		error.code,
		error.detail,
		extras,
		error.status === ERROR_STATUS[error.code] ? undefined : error.status,
	);
}

/** The HTTP status a failure renders as. */
export function failureStatus(failure: Pick<Failure, "code" | "status">): number {
	return failure.status ?? ERROR_STATUS[failure.code];
}
