import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { accessLinesOf } from "../../../test/fixtures/access-lines.ts";
import worker from "../src/index.ts";
import { CHAT_ORIGIN, createKey } from "./helpers.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

/** Tests run without access lines (vitest.config.ts); these calls get the production level. */
const logging = { ...env, LOG_LEVEL: "info" } as ChatEnv;

/** A request to the chat Worker's entry with `headers` (workerd's `new Request` has no Host header). */
function chatRequest(path: string, headers: Record<string, string> = {}): Request {
	return new Request(new URL(path, CHAT_ORIGIN), {
		headers: { host: new URL(CHAT_ORIGIN).host, ...headers },
	});
}

/** The access lines the Worker wrote answering `request` with `workerEnv`. */
function accessLines(request: Request, workerEnv: ChatEnv = logging): Promise<Record<string, unknown>[]> {
	return accessLinesOf((ctx) => worker.fetch(request, workerEnv, ctx));
}

describe("the chat Worker's access line", () => {
	const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

	it("logs each request once, with its id and the incoming trace, and no query", async () => {
		const request = chatRequest("/health?token=not-for-logs", {
			"x-request-id": "chat-access-1",
			traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
		});
		const lines = await accessLines(request);
		expect(lines).toEqual([
			expect.objectContaining({
				level: "info",
				request_id: "chat-access-1",
				trace_id: traceId,
				method: "GET",
				path: "/health",
				status: 200,
				duration_ms: expect.any(Number),
			}),
		]);
		expect(lines[0]?.caller).toBeUndefined();
		expect(JSON.stringify(lines)).not.toContain("not-for-logs");
		// At the configured level (warn in tests, as a bench runs): no line.
		expect(await accessLines(chatRequest("/health"), env)).toEqual([]);
	});

	it("names the caller's credential once it is known, and never the key", async () => {
		const { id, key } = await createKey("authenticated", 0);
		const lines = await accessLines(chatRequest("/api/account", { authorization: `Bearer ${key}` }));
		expect(lines).toEqual([expect.objectContaining({ path: "/api/account", status: 200, caller: id })]);
		expect(JSON.stringify(lines)).not.toContain(key);
		const refused = await accessLines(chatRequest("/api/account", { authorization: `Bearer ${key}x` }));
		expect(refused).toEqual([expect.objectContaining({ path: "/api/account", status: 401 })]);
		expect(refused[0]?.caller).toBeUndefined();
	});
});
