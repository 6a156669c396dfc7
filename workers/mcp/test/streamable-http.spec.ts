import { describe, expect, it } from "vitest";
import { createKey, mcpFetch } from "./helpers.ts";

// The `/mcp` endpoint as a raw HTTP client sees it (src/streamable-http.ts): 2025-era requests answered in one JSON
// body, the body read once and refused clearly when it is not JSON-RPC, browsers only from our own origins.

const ACCEPT = "application/json, text/event-stream";

function post(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
	return mcpFetch("/mcp", {
		method: "POST",
		headers: { "content-type": "application/json", accept: ACCEPT, ...headers },
		body,
	});
}

const rpc = (id: number, method: string, params?: unknown) =>
	JSON.stringify({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });

describe("/mcp over Streamable HTTP", () => {
	it("answers a 2025-era request in one JSON body, with CORS headers", async () => {
		const response = await post(rpc(7, "tools/list"), { "mcp-protocol-version": "2025-11-25" });
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toContain("application/json");
		expect(response.headers.get("access-control-allow-origin")).toBe("*");
		const body = (await response.json()) as { id: number; result: { tools: { name: string }[] } };
		expect(body.id).toBe(7);
		expect(body.result.tools.map((t) => t.name).sort()).toEqual([
			"execute",
			"get_started",
			"health",
			"list_tools",
			"search_services",
		]);
	});

	it("acts for the key's account on a tool call", async () => {
		const { key } = await createKey("authenticated", 1234);
		const response = await post(rpc(1, "tools/call", { name: "get_started", arguments: {} }), {
			authorization: `Bearer ${key}`,
		});
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toContain("application/json");
		const text = await response.text();
		expect(text).toContain("$12.34");
	});

	it("answers a notification with 202 and no body", async () => {
		const response = await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
		expect(response.status).toBe(202);
		expect(await response.text()).toBe("");
	});

	it("refuses a body that is not JSON with a JSON-RPC parse error", async () => {
		const response = await post("{not json");
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32700 }, id: null });
	});

	it("refuses a JSON body that is not a JSON-RPC message", async () => {
		const response = await post(JSON.stringify({ hello: "world" }));
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: { code: expect.any(Number) } });
	});

	it("refuses a body over 4 MiB before parsing it", async () => {
		const big = rpc(1, "tools/call", {
			name: "search_services",
			arguments: { query: "x".repeat(4 * 1024 * 1024) },
		});
		const response = await post(big);
		expect(response.status).toBe(413);
		expect(await response.json()).toMatchObject({ error: { code: -32000 } });
	});

	it("refuses a streamed body that declares no length once it passes 4 MiB", async () => {
		const chunk = new Uint8Array(1024 * 1024).fill(0x20);
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent++ < 6) controller.enqueue(chunk);
				else controller.close();
			},
		});
		const response = await post(body);
		expect(response.status).toBe(413);
		expect(sent).toBeLessThanOrEqual(6);
	});

	it("reads a streamed body that declares no length", async () => {
		const body = new Blob([rpc(3, "tools/list")]).stream();
		const response = await post(body);
		expect(response.status).toBe(200);
		expect(((await response.json()) as { id: number }).id).toBe(3);
	});

	it("refuses a content type other than JSON", async () => {
		const response = await post(rpc(1, "tools/list"), { "content-type": "text/plain" });
		expect(response.status).toBe(415);
	});

	it("has no sessions to open or end: GET and DELETE are not allowed", async () => {
		for (const method of ["GET", "DELETE"]) {
			const response = await mcpFetch("/mcp", { method, headers: { accept: ACCEPT } });
			expect(response.status, method).toBe(405);
		}
	});

	it("refuses a browser on another origin, and answers a preflight from ours", async () => {
		const foreign = await post(rpc(1, "tools/list"), { origin: "https://evil.example" });
		expect(foreign.status).toBe(403);
		const preflight = await mcpFetch("/mcp", {
			method: "OPTIONS",
			headers: { origin: "http://localhost:5173" },
		});
		expect(preflight.status).toBe(200);
		expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
	});
});
