import type { MiddlewareHandler } from "hono";
import { errorBody, MerchantError } from "./errors.ts";

/** Header carrying a fault spec, e.g. `X-Sandbox-Fault: latency=300,status=503`. */
export const FAULT_HEADER = "x-sandbox-fault";

/** Default for `hang`: longer than any gateway timeout, short enough that a forgotten request ends. */
export const DEFAULT_HANG_MS = 120_000;

const MAX_WAIT_MS = 300_000;
const MAX_LARGE_BYTES = 32 * 1024 * 1024;
const MAX_AMOUNT_DELTA_CENTS = 1_000_000;
const MAX_CLOCK_SECONDS = 366 * 24 * 3600;

/** What a request asked to go wrong, parsed from its fault spec. */
export interface Faults {
	latencyMs: number;
	status?: number;
	hangMs?: number;
	malformed: boolean;
	amountDeltaCents: number;
	largeBytes?: number;
	/** Shifts the merchant's clock, so expiry and order tracking can be seen without waiting. */
	clockOffsetMs: number;
	/** When set, the faults apply only to requests whose last path segment is this (e.g. `checkout`). */
	only?: string;
	/**
	 * What goes wrong after the route ran (a purchase is placed and charged first): the answer replaced by a 5xx,
	 * withheld for `ms` then 504, or cut off mid-body (the connection drops).
	 */
	afterCharge?: { kind: "status"; status: number } | { kind: "hang"; ms: number } | { kind: "drop" };
}

export const NO_FAULTS: Faults = { latencyMs: 0, malformed: false, amountDeltaCents: 0, clockOffsetMs: 0 };

const FAULT_NAMES = [
	"latency",
	"status",
	"hang",
	"malformed",
	"amount-delta",
	"large",
	"clock",
	"only",
	"charge-then-status",
	"charge-then-hang",
	"charge-then-drop",
] as const;

function integer(name: string, raw: string | undefined, min: number, max: number): number {
	const value = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) {
		throw new MerchantError(
			400,
			"invalid_fault",
			`Fault "${name}" needs an integer between ${min} and ${max}.`,
		);
	}
	return value;
}

/**
 * Parses a comma-separated fault spec (`latency=<ms>`, `status=<code>`, `hang[=<ms>]`, `malformed`,
 * `amount-delta=<±cents>`, `large=<bytes>`, `clock=<±seconds>`, `charge-then-status=<500-599>`,
 * `charge-then-hang[=<ms>]`, `charge-then-drop`, and `only=<segment>` to limit them to requests whose last path
 * segment is that, e.g. a purchase but not its quote); later entries win.
 */
export function parseFaults(spec: string): Faults {
	const faults: Faults = { ...NO_FAULTS };
	for (const token of spec.split(",")) {
		const entry = token.trim();
		if (entry === "") continue;
		const eq = entry.indexOf("=");
		const name = (eq === -1 ? entry : entry.slice(0, eq)).trim().toLowerCase();
		const value = eq === -1 ? undefined : entry.slice(eq + 1);
		switch (name) {
			case "latency":
				faults.latencyMs = integer(name, value, 0, MAX_WAIT_MS);
				break;
			case "status":
				faults.status = integer(name, value, 400, 599);
				break;
			case "hang":
				faults.hangMs = value === undefined ? DEFAULT_HANG_MS : integer(name, value, 1, MAX_WAIT_MS);
				break;
			case "malformed":
				faults.malformed = true;
				break;
			case "amount-delta":
				faults.amountDeltaCents = integer(name, value, -MAX_AMOUNT_DELTA_CENTS, MAX_AMOUNT_DELTA_CENTS);
				break;
			case "large":
				faults.largeBytes = integer(name, value, 1, MAX_LARGE_BYTES);
				break;
			case "clock":
				faults.clockOffsetMs = integer(name, value, -MAX_CLOCK_SECONDS, MAX_CLOCK_SECONDS) * 1000;
				break;
			case "charge-then-status":
				faults.afterCharge = { kind: "status", status: integer(name, value, 500, 599) };
				break;
			case "charge-then-hang":
				faults.afterCharge = {
					kind: "hang",
					ms: value === undefined ? DEFAULT_HANG_MS : integer(name, value, 1, MAX_WAIT_MS),
				};
				break;
			case "charge-then-drop":
				faults.afterCharge = { kind: "drop" };
				break;
			case "only":
				if (!value || !/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
					throw new MerchantError(
						400,
						"invalid_fault",
						'Fault "only" needs a path segment, e.g. only=checkout.',
					);
				}
				faults.only = value;
				break;
			default:
				throw new MerchantError(
					400,
					"invalid_fault",
					`Unknown fault "${name}". Supported: ${FAULT_NAMES.join(", ")}.`,
				);
		}
	}
	return faults;
}

const STATUS_ERRORS: Record<number, string> = {
	400: "bad_request",
	401: "unauthorized",
	403: "forbidden",
	404: "not_found",
	409: "conflict",
	422: "unprocessable_entity",
	429: "rate_limited",
	500: "internal_error",
	502: "bad_gateway",
	503: "service_unavailable",
	504: "gateway_timeout",
};

function injectedStatus(status: number): Response {
	const code = STATUS_ERRORS[status] ?? (status >= 500 ? "server_error" : "client_error");
	const headers = new Headers({ "content-type": "application/json; charset=UTF-8" });
	// Clients that honour Retry-After should get one, as from a real rate limiter or overloaded upstream.
	if (status === 429 || status === 503) headers.set("retry-after", "1");
	return new Response(JSON.stringify(errorBody(code, `Injected fault: the merchant answered ${status}.`)), {
		status,
		headers,
	});
}

const encoder = new TextEncoder();

function pad(text: string, targetBytes: number): string {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return text;
	}
	const object =
		value !== null && typeof value === "object" && !Array.isArray(value) ? value : { data: value };
	const base = JSON.stringify(object);
	const overhead = base === "{}" ? '"_padding":""'.length : ',"_padding":""'.length;
	const fill = Math.max(0, targetBytes - encoder.encode(base).byteLength - overhead);
	return JSON.stringify({ ...object, _padding: "x".repeat(fill) });
}

function truncate(text: string): string {
	// A prefix of a JSON object or array is never valid JSON; it reads like a connection cut mid-body.
	const cut = text.slice(0, Math.max(1, Math.floor(text.length * 0.6)));
	return cut.startsWith("{") || cut.startsWith("[") ? cut : `{"data": ${cut}`;
}

async function reshape(response: Response, faults: Faults): Promise<Response> {
	let text = await response.text();
	if (faults.largeBytes !== undefined) text = pad(text, faults.largeBytes);
	if (faults.malformed) text = truncate(text);
	const headers = new Headers(response.headers);
	headers.delete("content-length");
	headers.set("content-type", "application/json; charset=UTF-8");
	return new Response(text, { status: faults.malformed ? 200 : response.status, headers });
}

/** A merchant that took the order and then failed to say so (the charge stands: see `afterCharge` in Faults). */
async function afterCharge(response: Response, fault: NonNullable<Faults["afterCharge"]>): Promise<Response> {
	if (fault.kind === "status") {
		await response.body?.cancel();
		return injectedStatus(fault.status);
	}
	if (fault.kind === "hang") {
		await response.body?.cancel();
		await scheduler.wait(fault.ms);
		return new Response(
			JSON.stringify(
				errorBody("gateway_timeout", "Injected fault: the merchant charged, then never answered."),
			),
			{ status: 504, headers: { "content-type": "application/json; charset=UTF-8" } },
		);
	}
	const text = await response.text();
	const part = encoder.encode(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
	const headers = new Headers(response.headers);
	headers.delete("content-length");
	// Headers and half the body go out, then the stream errors: the client sees the connection drop mid-answer.
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			controller.enqueue(part);
			await scheduler.wait(10);
			controller.error(new Error("Injected fault: the connection dropped after the charge."));
		},
	});
	return new Response(body, { status: response.status, headers });
}

/**
 * Injects the faults named in the `X-Sandbox-Fault` header: waits, hangs or fails before the route runs,
 * and pads or breaks its JSON after. Routes read `faults` for what only they can do (amount delta, clock).
 */
export function faultInjection(): MiddlewareHandler<{ Variables: { faults: Faults } }> {
	return async function faultInjection(c, next) {
		const parsed = parseFaults(c.req.header(FAULT_HEADER) ?? "");
		const segment = new URL(c.req.url).pathname.split("/").filter(Boolean).at(-1);
		const faults = parsed.only === undefined || parsed.only === segment ? parsed : NO_FAULTS;
		c.set("faults", faults);
		if (faults.latencyMs > 0) await scheduler.wait(faults.latencyMs);
		if (faults.hangMs !== undefined) {
			await scheduler.wait(faults.hangMs);
			return c.json(errorBody("gateway_timeout", "Injected fault: the merchant never finished."), 504);
		}
		if (faults.status !== undefined) return injectedStatus(faults.status);
		await next();
		if (faults.malformed || faults.largeBytes !== undefined) c.res = await reshape(c.res, faults);
		if (faults.afterCharge) c.res = await afterCharge(c.res, faults.afterCharge);
	};
}
