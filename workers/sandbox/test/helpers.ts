import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const ORIGIN = "http://sandbox.test";
export const FOODDASH_KEY = { "x-api-key": "sandbox-test-key" };

export interface CallOptions {
	method?: string;
	headers?: Record<string, string>;
	body?: unknown;
	signal?: AbortSignal;
}

/** Calls the sandbox Worker through its real entry point. */
export function call(path: string, options: CallOptions = {}): Promise<Response> {
	const headers = new Headers(options.headers);
	if (options.body !== undefined && typeof options.body !== "string")
		headers.set("content-type", "application/json");
	return exports.default.fetch(
		new Request(`${ORIGIN}${path}`, {
			method: options.method ?? (options.body === undefined ? "GET" : "POST"),
			headers,
			...(options.body === undefined
				? {}
				: { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
			...(options.signal ? { signal: options.signal } : {}),
		}),
	);
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
	return (await response.json()) as T;
}

/** Asserts a merchant error (`{error, message}` JSON with this status and code) and returns its body. */
export async function expectError(
	response: Response,
	status: number,
	code: string,
): Promise<Record<string, unknown> & { message: string }> {
	const body = await json<Record<string, unknown> & { message: string }>(response);
	expect({ status: response.status, error: body.error }).toEqual({ status, error: code });
	expect(response.headers.get("content-type")).toContain("application/json");
	expect(typeof body.message).toBe("string");
	expect(body.message.length).toBeGreaterThan(0);
	return body;
}

export const minutes = (n: number): string => `clock=${Math.round(n * 60)}`;
