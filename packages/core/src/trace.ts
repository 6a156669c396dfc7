import { toHex } from "./keys.ts";

/**
 * W3C Trace Context (`traceparent`, version 00) for following one call across the MCP and chat Workers, the gateway
 * and the upstream merchant in the logs (docs/operating.md). Only the header is carried; no spans are exported.
 */

/** The header name, as the W3C Trace Context recommendation spells it (HTTP header names are case-insensitive). */
export const TRACEPARENT_HEADER = "traceparent";

/** One hop of a trace: the whole call's id, this hop's span id, and the sampled flag (two hex digits). */
export interface TraceContext {
	/** 32 lowercase hex digits, not all zero: the same across every Worker and the upstream. */
	trace_id: string;
	/** 16 lowercase hex digits, not all zero: new for every hop. */
	span_id: string;
	/** Two lowercase hex digits; bit 0 is "sampled". */
	flags: string;
}

// Version 00 exactly: four fields, lowercase hex, nothing after the flags.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;
const SAMPLED = "01";

/**
 * The trace a `traceparent` header names, or null when it is absent or malformed (not version 00, wrong lengths,
 * upper case, an all-zero trace or span id): the caller then starts a new trace rather than forward garbage.
 */
export function parseTraceparent(header: string | null | undefined): TraceContext | null {
	if (typeof header !== "string") return null;
	const match = TRACEPARENT.exec(header.trim());
	if (!match) return null;
	const [, traceId = "", spanId = "", flags = ""] = match;
	if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return null;
	return { trace_id: traceId, span_id: spanId, flags };
}

/** Whether `header` is a valid version-00 `traceparent` (for zod refinements of contracts). */
export function isTraceparent(header: string): boolean {
	return parseTraceparent(header) !== null;
}

function randomHex(bytes: number): string {
	const hex = toHex(crypto.getRandomValues(new Uint8Array(bytes)));
	// 2^-64 at worst, but an all-zero id is invalid on the wire: never send one.
	return ALL_ZERO.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** A new trace (random trace and span ids), sampled. */
export function startTrace(): TraceContext {
	return { trace_id: randomHex(16), span_id: randomHex(8), flags: SAMPLED };
}

/** The next hop of `parent`'s trace: the same trace id and flags, a new span id. */
export function childSpan(parent: TraceContext): TraceContext {
	return { trace_id: parent.trace_id, span_id: randomHex(8), flags: parent.flags };
}

/**
 * This hop's trace: a child of the incoming `traceparent` when it is valid, else a new trace. A malformed header
 * is dropped, never forwarded.
 */
export function continueTrace(header: string | null | undefined): TraceContext {
	const parent = parseTraceparent(header);
	return parent ? childSpan(parent) : startTrace();
}

/** The `traceparent` header value of `trace`. */
export function formatTraceparent(trace: TraceContext): string {
	return `00-${trace.trace_id}-${trace.span_id}-${trace.flags}`;
}

/** The `traceparent` to send to the next hop from `trace`: a new span of the same trace. */
export function nextTraceparent(trace: TraceContext): string {
	return formatTraceparent(childSpan(trace));
}

/** An incoming request id is kept only in this shape; anything else (log injection, huge values) is replaced. */
export const REQUEST_ID_SHAPE = /^[A-Za-z0-9._-]{8,128}$/;

/** The incoming `x-request-id` when it has a sane shape, else a new one. */
export function requestIdFrom(header: string | null | undefined): string {
	return typeof header === "string" && REQUEST_ID_SHAPE.test(header) ? header : crypto.randomUUID();
}

/** What one hop hands the next about the call it serves: the request id and its own trace. */
export interface RequestTrace {
	request_id: string;
	trace: TraceContext;
}

/**
 * The request id and trace of an incoming request, from its headers (`header(name)`): a sane `x-request-id` kept,
 * else a new one; a valid `traceparent` continued with a new span, else a new trace.
 */
export function incomingTrace(header: (name: string) => string | null | undefined): RequestTrace {
	return {
		request_id: requestIdFrom(header("x-request-id")),
		trace: continueTrace(header(TRACEPARENT_HEADER)),
	};
}

/**
 * Tags an outgoing request (to an upstream merchant, another Worker) with the call's request id and a
 * `traceparent` of a new span of its trace, so the receiver logs the same ids.
 */
export function tagRequest(headers: Headers, call: RequestTrace): void {
	headers.set("x-request-id", call.request_id);
	headers.set(TRACEPARENT_HEADER, nextTraceparent(call.trace));
}
