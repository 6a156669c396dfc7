import { type RequestIdVariables, requestId } from "@penumbra/core/middleware";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";

interface TestEnv {
	Bindings: { LOG_LEVEL?: string };
	Variables: RequestIdVariables & { caller?: string };
}

function appWith(middleware: ReturnType<typeof requestId<TestEnv>>): Hono<TestEnv> {
	const app = new Hono<TestEnv>();
	app.use("*", middleware);
	app.use("*", async (c, next) => {
		const caller = c.req.header("authorization");
		if (caller) c.set("caller", caller);
		await next();
	});
	app.get("/id", (c) => c.text(c.get("requestId")));
	app.get("/trace", (c) => c.json(c.get("trace")));
	// A handler that builds its own Response, as a stream or a forwarded answer does.
	app.get("/raw", () => new Response("raw", { status: 202 }));
	app.get("/boom", () => {
		throw new Error("boom");
	});
	app.onError((_err, c) => c.text("failed", 500));
	return app;
}

/** The JSON lines written to console.log while `run` ran. */
async function logged(run: () => unknown): Promise<Record<string, unknown>[]> {
	const spy = vi.spyOn(console, "log").mockImplementation(() => {});
	try {
		await run();
		return spy.mock.calls.map(([line]) => JSON.parse(String(line)));
	} finally {
		spy.mockRestore();
	}
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe("requestId", () => {
	it("keeps a sane incoming id, exposes it to handlers and echoes it", async () => {
		const response = await appWith(requestId()).request("/id", {
			headers: { "x-request-id": "trace-12345678" },
		});
		expect(await response.text()).toBe("trace-12345678");
		expect(response.headers.get("x-request-id")).toBe("trace-12345678");
	});

	it("replaces a missing, malformed or oversized id with a fresh one", async () => {
		const app = appWith(requestId());
		const ids = new Set<string>();
		for (const incoming of [undefined, "bad id!", "short", "x".repeat(129), "semi;colon-1234"]) {
			const response = await app.request(
				"/id",
				incoming === undefined ? {} : { headers: { "x-request-id": incoming } },
			);
			const id = response.headers.get("x-request-id");
			expect(id).toMatch(/^[0-9a-f-]{36}$/);
			expect(await response.text()).toBe(id);
			ids.add(id ?? "");
		}
		expect(ids.size).toBe(5);
	});

	it("echoes the id on a Response a handler built itself and on an error answer", async () => {
		const app = appWith(requestId());
		const raw = await app.request("/raw", { headers: { "x-request-id": "trace-raw-0001" } });
		expect(raw.status).toBe(202);
		expect(raw.headers.get("x-request-id")).toBe("trace-raw-0001");
		const failed = await app.request("/boom", { headers: { "x-request-id": "trace-boom-001" } });
		expect(failed.status).toBe(500);
		expect(failed.headers.get("x-request-id")).toBe("trace-boom-001");
	});

	it("takes the header name, the accepted shape and the generator as options", async () => {
		const app = appWith(
			requestId({ headerName: "X-Trace", accept: /^t-\d+$/, generator: () => "made-here" }),
		);
		const kept = await app.request("/id", { headers: { "x-trace": "t-42" } });
		expect(await kept.text()).toBe("t-42");
		expect(kept.headers.get("x-trace")).toBe("t-42");
		expect(kept.headers.get("x-request-id")).toBeNull();
		const made = await app.request("/id", { headers: { "x-trace": "trace-12345678" } });
		expect(made.headers.get("x-trace")).toBe("made-here");
	});

	it("writes no access line unless asked to", async () => {
		const lines = await logged(() => appWith(requestId()).request("/id"));
		expect(lines).toEqual([]);
	});

	it("logs one access line with the caller unless the level is warn or error", async () => {
		const app = appWith(
			requestId({ accessLog: { level: (c) => c.env.LOG_LEVEL, caller: (c) => c.get("caller") } }),
		);
		const lines = await logged(() =>
			app.request(
				"/raw?q=secret",
				{ headers: { "x-request-id": "trace-logged-1", authorization: "cred_1" } },
				{ LOG_LEVEL: "info" },
			),
		);
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatchObject({
			level: "info",
			msg: "request",
			request_id: "trace-logged-1",
			method: "GET",
			path: "/raw",
			status: 202,
			caller: "cred_1",
		});
		expect(lines[0]?.duration_ms).toEqual(expect.any(Number));
		// The query string is not part of the line.
		expect(JSON.stringify(lines)).not.toContain("secret");

		for (const level of ["warn", "error"]) {
			expect(await logged(() => app.request("/id", {}, { LOG_LEVEL: level }))).toEqual([]);
		}
		// No level configured: the default (info) logs.
		expect(await logged(() => app.request("/id", {}, {}))).toHaveLength(1);
	});

	it("continues a valid incoming traceparent with a new span and logs its trace id", async () => {
		const app = appWith(requestId({ accessLog: { level: () => "info" } }));
		const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
		let trace: Record<string, unknown> = {};
		const lines = await logged(async () => {
			trace = await (await app.request("/trace", { headers: { traceparent: incoming } })).json();
		});
		expect(trace).toMatchObject({ trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", flags: "01" });
		expect(trace.span_id).toMatch(/^[0-9a-f]{16}$/);
		expect(trace.span_id).not.toBe("00f067aa0ba902b7");
		expect(lines[0]).toMatchObject({ msg: "request", trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" });
	});

	it("starts a new trace when the incoming traceparent is missing or malformed", async () => {
		const app = appWith(requestId());
		const seen = new Set<string>();
		for (const incoming of [
			undefined,
			"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
			"garbage",
		]) {
			const response = await app.request(
				"/trace",
				incoming === undefined ? {} : { headers: { traceparent: incoming } },
			);
			const trace = (await response.json()) as { trace_id: string };
			expect(trace.trace_id).toMatch(/^[0-9a-f]{32}$/);
			expect(trace.trace_id).not.toBe("00000000000000000000000000000000");
			seen.add(trace.trace_id);
		}
		expect(seen.size).toBe(3);
	});
});
