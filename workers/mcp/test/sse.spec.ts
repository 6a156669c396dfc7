import { exports } from "cloudflare:workers";
import { StreamableHTTPClientTransport, Client as V2Client } from "@modelcontextprotocol/client";
import { MCP_MAX_BODY_BYTES, mcpInternalRequest } from "@penumbra/core/contracts";
import { parseTraceparent } from "@penumbra/core/trace";
import { describe, expect, it } from "vitest";
import { echoService } from "../../../test/fixtures/echo.ts";
import {
	callTool,
	connectSse,
	createKey,
	mcpFetch,
	mcpOrigin,
	providerServices,
	seedRegistry,
} from "./helpers.ts";

describe("legacy HTTP+SSE transport (/sse)", () => {
	it("serves the same five tools and answers a search", async () => {
		const client = await connectSse();
		const { tools } = await client.listTools();
		expect(tools.map((t) => t.name).sort()).toEqual([
			"execute",
			"get_started",
			"health",
			"list_tools",
			"search_services",
		]);
		const result = await client.callTool({ name: "get_started", arguments: {} });
		expect(result.structuredContent).toMatchObject({ auth_level: "anonymous" });
		await client.close();
	});

	it("a tool call carries the id and trace of the message that asked for it, to the merchant", async () => {
		await seedRegistry([...providerServices(), echoService(providerServices())]);
		try {
			const { key } = await createKey("authenticated");
			const traceId = "0af7651916cd43dd8448eb211c80319c";
			const client = await connectSse({
				headers: {
					authorization: `Bearer ${key}`,
					"x-request-id": "sse-message-trace-1",
					traceparent: `00-${traceId}-b7ad6b7169203331-01`,
				},
			});
			const result = await client.callTool({
				name: "execute",
				arguments: { service: "echo", tool: "search_restaurants", parameters: { city: "austin" } },
			});
			await client.close();
			expect(result.isError, JSON.stringify(result)).toBeFalsy();
			const echoed = result.structuredContent as { result: { headers: Record<string, string> } };
			expect(parseTraceparent(echoed.result.headers.traceparent)?.trace_id).toBe(traceId);
			expect(echoed.result.headers["x-request-id"]).toBe("sse-message-trace-1");
		} finally {
			await seedRegistry(providerServices());
		}
	});
});

describe("signed-in transports", () => {
	it("/mcp/signin challenges a caller without a token, so OAuth clients start signing in", async () => {
		const response = await mcpFetch("/mcp/signin", {
			method: "POST",
			headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
			body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
		});
		expect(response.status).toBe(401);
		expect(response.headers.get("www-authenticate")).toContain(
			`resource_metadata="${mcpOrigin()}/.well-known/oauth-protected-resource/mcp"`,
		);
	});

	it("/mcp/signin with a key is the same server, as that key's account", async () => {
		const { key } = await createKey("authenticated", 1234);
		const transport = new StreamableHTTPClientTransport(new URL("/mcp/signin", mcpOrigin()), {
			fetch: (url, init) => {
				const request = new Request(url, init);
				request.headers.set("host", new URL(request.url).host);
				return exports.default.fetch(request);
			},
			requestInit: { headers: { authorization: `Bearer ${key}` } },
		});
		const client = new V2Client({ name: "signin-test", version: "0.0.0" });
		await client.connect(transport);
		const result = await callTool<{ account: { balance_cents: number } }>(client, "get_started");
		expect(result.structuredContent?.account.balance_cents).toBe(1234);
	});

	it("/sse accepts an API key too", async () => {
		const { key } = await createKey("authenticated", 777);
		const client = await connectSse({ headers: { authorization: `Bearer ${key}` } });
		const result = await client.callTool({ name: "get_started", arguments: {} });
		expect(result.structuredContent).toMatchObject({
			auth_level: "authenticated",
			account: { balance_cents: 777 },
		});
		await client.close();
	});
});

/** Typed by hand: each Worker's generated types declare the main module, and the first one read wins. */
const internal = (
	exports as unknown as {
		McpInternal: { handle(id: string, request: unknown, keyId?: string): Promise<Response> };
	}
).McpInternal;

describe("McpInternal (our own Workers, over a service binding)", () => {
	it("serves /mcp as the named credential, and refuses an unknown one", async () => {
		const { id } = await createKey("authenticated", 4321);
		const transport = new StreamableHTTPClientTransport(new URL("https://mcp.internal/mcp"), {
			// An AbortSignal cannot cross RPC: send the request without one.
			fetch: async (url, init) => internal.handle(id, await mcpInternalRequest(url, init)),
		});
		const client = new V2Client({ name: "internal-test", version: "0.0.0" });
		await client.connect(transport);
		const result = await callTool<{ auth_level: string; account: { balance_cents: number } }>(
			client,
			"get_started",
		);
		expect(result.structuredContent).toMatchObject({
			auth_level: "authenticated",
			account: { balance_cents: 4321 },
		});

		const refused = await internal.handle(
			"cred_doesnotexist",
			await mcpInternalRequest("https://mcp.internal/mcp"),
		);
		expect(refused.status).toBe(401);
	});

	it("takes the request as plain data only, and refuses any other shape before it asks who the caller is", async () => {
		const { id } = await createKey("authenticated", 100);
		const post = await mcpInternalRequest("https://mcp.internal/mcp", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: "{}",
		});
		expect(post).toMatchObject({ method: "POST", body: "{}" });
		for (const bad of [
			// Without a body: one the other side never reads is cancelled by the runtime as hung (the reason for this rule).
			new Request("https://mcp.internal/mcp", { method: "POST" }),
			{ ...post, url: "not a url" },
			{ ...post, method: "PUT" },
			{ ...post, headers: { "content-type": "application/json" } },
			{ ...post, body: "x".repeat(MCP_MAX_BODY_BYTES + 1) },
		]) {
			const response = await internal.handle("cred_doesnotexist", bad);
			expect(response.status).toBe(400);
			expect(await response.json()).toEqual({ error: "invalid_request" });
		}
		const elsewhere = await internal.handle(id, { ...post, url: "https://mcp.internal/sse" });
		expect(elsewhere.status).toBe(404);
	});
});
