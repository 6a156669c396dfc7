import { env } from "cloudflare:workers";
import { mcpInternalRequest } from "@penumbra/core/contracts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { accessLinesOf } from "../../../test/fixtures/access-lines.ts";
import worker, { McpInternal } from "../src/index.ts";
import { createKey, withHost } from "./helpers.ts";

afterEach(() => {
	vi.restoreAllMocks();
});

/** Tests run without access lines (vitest.config.ts); these calls get the production level. */
const logging = { ...env, LOG_LEVEL: "info" } as McpEnv;

/** A request as the Worker's entry receives it (what tests build has no incoming `cf` properties). */
function incoming(path: string, init?: RequestInit): Request<unknown, IncomingRequestCfProperties> {
	return withHost(`${env.PUBLIC_URL}${path}`, init) as Request<unknown, IncomingRequestCfProperties>;
}

const INITIALIZE = JSON.stringify({
	jsonrpc: "2.0",
	id: 1,
	method: "initialize",
	params: {
		protocolVersion: "2025-06-18",
		capabilities: {},
		clientInfo: { name: "access-test", version: "0" },
	},
});
const JSON_RPC = { accept: "application/json, text/event-stream", "content-type": "application/json" };

describe("the MCP Worker's access line", () => {
	const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
	const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;

	it("logs each request once, with its id and the incoming trace, and no query", async () => {
		const request = incoming("/health?token=not-for-logs", {
			headers: { "x-request-id": "mcp-access-1", traceparent },
		});
		const lines = await accessLinesOf((ctx) => worker.fetch(request, logging, ctx));
		expect(lines).toEqual([
			expect.objectContaining({
				level: "info",
				request_id: "mcp-access-1",
				trace_id: traceId,
				method: "GET",
				path: "/health",
				status: 200,
				duration_ms: expect.any(Number),
			}),
		]);
		expect(JSON.stringify(lines)).not.toContain("not-for-logs");
		expect(lines[0]?.caller).toBeUndefined();
		// At the configured level (warn in tests, as a bench runs): no line.
		expect(await accessLinesOf((ctx) => worker.fetch(incoming("/health"), env, ctx))).toEqual([]);
	});

	it("gives a request without an id or trace new ones, and names a key's credential, never the key", async () => {
		const { id, key } = await createKey("authenticated", 0);
		const request = incoming("/mcp", {
			method: "POST",
			headers: { ...JSON_RPC, authorization: `Bearer ${key}` },
			body: INITIALIZE,
		});
		const lines = await accessLinesOf((ctx) => worker.fetch(request, logging, ctx));
		expect(lines).toEqual([
			expect.objectContaining({ method: "POST", path: "/mcp", status: 200, caller: id }),
		]);
		expect(lines[0]?.request_id).toMatch(/^[A-Za-z0-9._-]{8,128}$/);
		expect(lines[0]?.trace_id).toMatch(/^[0-9a-f]{32}$/);
		expect(JSON.stringify(lines)).not.toContain(key);
	});

	it("names the credential the chat's lane acts for", async () => {
		const { id } = await createKey("authenticated", 0);
		const request = await mcpInternalRequest("https://mcp.internal/mcp", {
			method: "POST",
			headers: { ...JSON_RPC, "x-request-id": "mcp-access-chat-1", traceparent },
			body: INITIALIZE,
		});
		const lines = await accessLinesOf((ctx) => new McpInternal(ctx, logging).handle(id, request));
		expect(lines).toEqual([
			expect.objectContaining({
				request_id: "mcp-access-chat-1",
				trace_id: traceId,
				path: "/mcp",
				status: 200,
				caller: id,
			}),
		]);
	});
});
