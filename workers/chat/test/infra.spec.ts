import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	callTool,
	chatFetch,
	createKey,
	fake,
	fooddashOrder,
	fund,
	mcpAs,
	providerServices,
	readEvents,
	readStream,
	signIn,
} from "./helpers.ts";

// The test setup itself: the chat Worker with the real gateway and MCP Worker behind its bindings, sharing D1 and KV,
// and the fake model reachable from inside workerd.
describe("chat test infrastructure", () => {
	it("serves /health", async () => {
		const response = await chatFetch("/health");
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ status: "ok", service: "penumbra-chat" });
	});

	it("points the model client at the fake, with the key it accepts", () => {
		expect(env.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(env.ANTHROPIC_API_KEY).toMatch(/^sk-ant-test-/);
		// Limits stay as wrangler.toml sets them.
		expect(env.MAX_CONCURRENT_TURNS).toBe("2");
		expect(env.TOKEN_BUDGET).toBe("60000");
	});

	it("reaches the fake model by plain fetch from inside workerd", async () => {
		const model = fake();
		await model.script({ id: "infra-fetch", match: "[infra-fetch]", steps: [{ text: "pong" }] });
		try {
			const response = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
				method: "POST",
				headers: {
					"content-type": "application/json",
					"x-api-key": env.ANTHROPIC_API_KEY,
					"anthropic-version": "2023-06-01",
				},
				body: JSON.stringify({
					model: env.ANTHROPIC_MODEL,
					max_tokens: 64,
					messages: [{ role: "user", content: "[infra-fetch] ping" }],
				}),
			});
			expect(response.status).toBe(200);
			expect(await response.json()).toMatchObject({ content: [{ type: "text", text: "pong" }] });
			const calls = await model.calls("infra-fetch");
			expect(calls.map((c) => c.step)).toEqual([0]);
		} finally {
			await model.reset("infra-fetch");
		}
	});

	it("shares one D1 database: a credential made through the gateway is in the chat Worker's DB", async () => {
		const { id, key } = await createKey("authenticated", 0, "infra-d1@example.com");
		const row = await env.DB.prepare("SELECT id, email FROM credentials WHERE id = ?")
			.bind(id)
			.first<{ id: string; email: string }>();
		expect(row).toEqual({ id, email: "infra-d1@example.com" });
		expect(await env.GATEWAY.identify(key)).toMatchObject({ credential_id: id });
	});

	it("reaches the MCP Worker's McpInternal entrypoint, which reads the seeded registry", async () => {
		const { id } = await createKey("authenticated", 0, "infra-mcp@example.com");
		const client = await mcpAs(id);
		try {
			const { tools } = await client.listTools();
			expect(tools.map((t) => t.name).sort()).toEqual([
				"execute",
				"get_started",
				"health",
				"list_tools",
				"search_services",
			]);
			const started = await callTool<{ auth_level: string }>(client, "get_started");
			expect(started.structuredContent).toMatchObject({ auth_level: "authenticated" });
			// The MCP Worker's own REGISTRY binding holds the seeded search index.
			const search = await callTool<{ results: { id: string }[] }>(client, "search_services", {
				query: "order some food from FoodDash",
			});
			expect(search.structuredContent?.results[0]?.id).toBe("fooddash");
			// Found through the MCP Worker → gateway → sandbox: the registry and the merchants are there.
			const order = await fooddashOrder(2);
			expect(order).toMatchObject({ restaurant_id: expect.any(String), items: [{ quantity: 2 }] });
		} finally {
			await client.close();
		}
		expect(providerServices().map((s) => s.card.id)).toContain("fooddash");
	});

	it("signs in through the chat Worker's email routes and the dev mailbox", async () => {
		const user = await signIn(`infra-${crypto.randomUUID()}@example.com`);
		expect(user.credential_id).toMatch(/\S/);
		const me = await chatFetch("/api/me", { as: { cookie: user.cookie } });
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({ credential_id: user.credential_id, email: user.email });
		await fund(user.credential_id, 500);
		const account = await env.GATEWAY.call(user.credential_id, { method: "GET", path: "/v1/account" });
		expect(JSON.parse(account.body)).toMatchObject({ balance_cents: 500 });
	});
});

describe("readStream", () => {
	const body = (...chunks: string[]) =>
		new Response(
			new ReadableStream<Uint8Array>({
				start(controller) {
					for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
					controller.close();
				},
			}),
			{ headers: { "content-type": "text/event-stream" } },
		);

	it("parses retry, comments, multi-line data and CRLF split across chunks", async () => {
		const read = await readStream(
			body(
				"retry: 3000\n: hello\n\n",
				'id: 1\nevent: session.started\ndata: {"turn_id":"t"}\r',
				'\n\r\nid: 2\nevent: assistant.delta\ndata:{"text":\ndata: "a"}\n\n',
				"id: 3\nevent: heartbeat\ndata: x\n\nid: 4\ndata: cut",
			),
		);
		expect(read.retry).toBe(3000);
		expect(read.comments).toEqual(["hello"]);
		expect(read.cancelled).toBe(false);
		expect(read.events).toEqual([
			{ id: "1", event: "session.started", data: { turn_id: "t" } },
			{ id: "2", event: "assistant.delta", data: { text: "a" } },
			{ id: "3", event: "heartbeat", data: "x" },
		]);
	});

	it("cancels the stream after N events or at a matching event", async () => {
		let cancelled = 0;
		const endless = () =>
			new Response(
				new ReadableStream<Uint8Array>({
					pull(controller) {
						controller.enqueue(
							new TextEncoder().encode(`id: ${Date.now()}\nevent: assistant.delta\ndata: {}\n\n`),
						);
					},
					cancel() {
						cancelled++;
					},
				}),
				{ headers: { "content-type": "text/event-stream" } },
			);
		const two = await readStream(endless(), { stopAfter: 2 });
		expect(two.events).toHaveLength(2);
		expect(two.cancelled).toBe(true);
		const first = await readEvents(endless(), { stopAfter: (e) => e.event === "assistant.delta" });
		expect(first).toHaveLength(1);
		expect(cancelled).toBe(2);
	});

	it("refuses an answer that is not an event stream", async () => {
		const problem = Response.json({ code: "CONFLICT" }, { status: 409 });
		await expect(readEvents(problem)).rejects.toThrow(/expected an event stream, got 409/);
	});
});
