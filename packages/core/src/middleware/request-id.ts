import type { Context, MiddlewareHandler } from "hono";
import { log } from "../log.ts";
import { continueTrace, REQUEST_ID_SHAPE, TRACEPARENT_HEADER, type TraceContext } from "../trace.ts";

/** What `requestId()` sets on the context; an app's `Variables` must include it. */
export interface RequestIdVariables {
	requestId: string;
	/** This Worker's hop of the call's trace: continues a valid incoming `traceparent`, else a new trace. */
	trace: TraceContext;
}

export interface RequestIdEnv {
	Variables: RequestIdVariables;
}

/** The per-request access line: an info log, so the Worker's configured level can silence it. */
export interface AccessLogOptions<E extends RequestIdEnv> {
	/** The Worker's log level (e.g. its LOG_LEVEL var); "warn" and "error" turn the line off, e.g. for benchmarks. */
	level: (c: Context<E>) => string | undefined;
	/** Who called, read after the handlers ran (so authentication has run); logged as `caller`. */
	caller?: (c: Context<E>) => string | undefined;
}

export interface RequestIdOptions<E extends RequestIdEnv> {
	/** Read from the request and echoed on the response. Default `X-Request-Id`. */
	headerName?: string;
	/** An incoming id is kept only when it matches; anything else (log injection, huge values) is replaced. */
	accept?: RegExp;
	/** Makes an id when the request brings no acceptable one. Default `crypto.randomUUID()`. */
	generator?: () => string;
	/** Logs one `request` line per request. Default: no access line. */
	accessLog?: AccessLogOptions<E>;
}

const QUIET_LEVELS: ReadonlySet<string> = new Set(["warn", "error"]);

/** Whether a Worker at this log level writes access lines ("warn" and "error" turn them off). */
export function accessLinesOn(level: string | undefined): boolean {
	return !QUIET_LEVELS.has(level ?? "");
}

/** One request as every Worker's access line says it (docs/operating.md). */
export interface AccessLine {
	request_id: string;
	trace_id: string;
	method: string;
	/** The URL; only its path is logged (a query can carry what a log must not). */
	url: string;
	status: number;
	/** `performance.now()` when the request came in. */
	started: number;
	/** Who called, when known: the credential id. */
	caller?: string | undefined;
}

/** Writes one access line: an info log, so the Worker's configured level can silence it. */
export function logAccess(line: AccessLine): void {
	log("info", "request", {
		request_id: line.request_id,
		trace_id: line.trace_id,
		method: line.method,
		path: new URL(line.url).pathname,
		status: line.status,
		duration_ms: Math.round((performance.now() - line.started) * 10) / 10,
		caller: line.caller,
	});
}

/**
 * Accepts a sane incoming request id or makes one, exposes it as `requestId`, echoes it on the response and,
 * when `accessLog` is given, logs the request with its status, duration and trace id. The request's trace (`trace`)
 * continues a valid incoming `traceparent` with a new span, or starts one; a malformed header is dropped.
 */
export function requestId<E extends RequestIdEnv>(options: RequestIdOptions<E> = {}): MiddlewareHandler<E> {
	const headerName = options.headerName ?? "X-Request-Id";
	const accept = options.accept ?? REQUEST_ID_SHAPE;
	const generator = options.generator ?? (() => crypto.randomUUID());
	const { accessLog } = options;
	return async function requestIdMiddleware(c, next) {
		const incoming = c.req.header(headerName);
		const id = incoming !== undefined && accept.test(incoming) ? incoming : generator();
		c.set("requestId", id);
		const trace = continueTrace(c.req.header(TRACEPARENT_HEADER));
		c.set("trace", trace);
		const started = performance.now();
		await next();
		// After the handlers, not before: a handler that returns its own Response (a stream, a forwarded answer)
		// would otherwise drop the header.
		c.res.headers.set(headerName, id);
		if (accessLog && accessLinesOn(accessLog.level(c))) {
			logAccess({
				request_id: id,
				trace_id: trace.trace_id,
				method: c.req.method,
				url: c.req.url,
				status: c.res.status,
				started,
				caller: accessLog.caller?.(c),
			});
		}
	};
}
