import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { estimateInputTokens } from "../../../test/fake-anthropic/script.ts";
import { inputTokenBound } from "../src/budget.ts";
import { forgetTools, McpConnection, TOOLS_CACHE_MS, toolsFor } from "../src/mcp-connection.ts";
import type { ChatSession } from "../src/session.do.ts";
import { ChatSession as Session } from "../src/session.do.ts";
import { ConversationStore } from "../src/store.ts";
import { mcpClient } from "../src/tools.ts";
import type { Turn } from "../src/turn.ts";
import { chatFetch, createKey, fake, gatewayFetch, readEvents, readStream } from "./helpers.ts";

function marker(): string {
	return `m${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Runs turns on a conversation's Durable Object with other settings than the project's (no key, a tiny budget):
 * a second ChatSession over the same storage, with the alarm run by hand so the configured instance never does.
 */
async function withSettings(
	settings: Partial<ChatEnv>,
	messages: string[],
): Promise<{ events: { type: string; data: Record<string, unknown> }[]; conversationId: string }> {
	const { id: credentialId } = await createKey("authenticated", 10_000);
	const conversation = await new ConversationStore(env.DB).create(credentialId, "settings test");
	const stub = env.CHAT_SESSION.getByName(conversation.id);
	await runInDurableObject(stub, async (_instance: ChatSession, state) => {
		const session = new Session(state, { ...env, ...settings });
		for (const message of messages) {
			const started = await session.startTurn({
				conversation_id: conversation.id,
				credential_id: credentialId,
				message,
			});
			expect(started.ok).toBe(true);
			await state.storage.deleteAlarm();
			await session.alarm();
		}
	});
	const response = await runInDurableObject(stub, (_instance: ChatSession, state) =>
		new Session(state, env).fetch(new Request("https://session/stream?after=0")),
	);
	const events = (await readEvents(response)).map((e) => ({
		type: e.event,
		data: e.data as Record<string, unknown>,
	}));
	return { events, conversationId: conversation.id };
}

describe("without a model key", () => {
	it("ends the stream with a clear error event that says how to set one", async () => {
		const { events } = await withSettings({ ANTHROPIC_API_KEY: "" }, ["hello"]);
		expect(events.map((e) => e.type)).toEqual(["session.started", "error"]);
		expect(events[1]?.data).toMatchObject({ code: "MODEL_NOT_CONFIGURED" });
		expect(String(events[1]?.data.message)).toContain("ANTHROPIC_API_KEY");
	});
});

describe("the token budget", () => {
	it("keeps every model call of a long conversation under the budget by summarizing the middle", async () => {
		const id = marker();
		await fake().script({
			id,
			match: id,
			steps: Array.from({ length: 20 }, (_, i) => ({ text: `Reply ${i}.` })),
		});
		const budget = 2_500;
		const long = (i: number) =>
			`${id} message ${i}: ${"I would like to hear about delivery options. ".repeat(30)}`;
		const { events } = await withSettings(
			{ TOKEN_BUDGET: String(budget) },
			Array.from({ length: 6 }, (_, i) => long(i)),
		);
		const completed = events.filter((e) => e.type === "assistant.completed");
		expect(completed).toHaveLength(6);
		// Once summarized, the first message no longer carries the marker, so the fake answers as its default model:
		// find this conversation's calls by their latest message instead.
		const calls = await fake().calls();
		const turns = calls.filter(
			(c) => Array.isArray(c.tools) && c.tools.length > 0 && JSON.stringify(c.messages.at(-1)).includes(id),
		);
		expect(turns).toHaveLength(6);
		for (const call of turns) {
			expect(
				estimateInputTokens({ system: call.system, messages: call.messages, tools: call.tools }),
			).toBeLessThanOrEqual(budget);
		}
		// The later calls carry a summary of the earlier turns, and still the latest message.
		const last = JSON.stringify(turns.at(-1)?.messages);
		expect(last).toContain("Summary of the earlier conversation");
		expect(last).toContain("message 5:");
		// Usage is reported per turn.
		for (const e of completed) {
			expect(e.data.usage).toMatchObject({
				input_tokens: expect.any(Number),
				output_tokens: expect.any(Number),
			});
		}
	});
});

describe("counting tokens", () => {
	it("skips count_tokens when the request's bytes prove it under the budget, and counts otherwise", async () => {
		const id = marker();
		const script = { id, match: id, steps: [{ text: "Short." }] };
		await fake().script(script);
		await withSettings({}, [`${id} hello`]);
		const [call] = await fake().calls(id);
		if (!call) throw new Error("no model call");
		expect(await fake().calls(id, "count_tokens")).toHaveLength(0);
		const bound = inputTokenBound(String(call.system), (call.tools ?? []) as Tool[], call.messages);
		if (bound === null) throw new Error("a text-only request has a bound");
		expect(bound).toBeLessThanOrEqual(Number(env.TOKEN_BUDGET));
		const tokens = estimateInputTokens(call);
		expect(tokens).toBeLessThan(bound);

		// A budget under the bound but over the count: counted first, then sent as it is.
		await fake().reset(id);
		await fake().script(script);
		const { events } = await withSettings({ TOKEN_BUDGET: String(Math.floor((tokens + bound) / 2)) }, [
			`${id} hello`,
		]);
		expect(events.at(-1)?.type).toBe("assistant.completed");
		expect(await fake().calls(id, "count_tokens")).toHaveLength(1);
		expect((await fake().calls(id))[0]?.messages).toEqual(call.messages);
	});

	it("has no bound for blocks that may take more tokens than bytes", () => {
		const image = {
			type: "image" as const,
			source: { type: "base64" as const, media_type: "image/png" as const, data: "iVBORw0KGgo=" },
		};
		expect(inputTokenBound("", [], [{ role: "user", content: [image] }])).toBeNull();
		expect(inputTokenBound("", [], [{ role: "user", content: "héllo" }])).toBeGreaterThan(
			new TextEncoder().encode("héllo").length,
		);
	});
});

describe("a turn's run", () => {
	it("starts with the turn; the alarm joins the run in progress and returns once it ended", async () => {
		const owner = await createKey("authenticated", 10_000);
		const id = marker();
		await fake().script({
			id,
			match: id,
			steps: [{ text: "One word at a time. ".repeat(10), chunk_size: 5, delay_ms_per_chunk: 10 }],
		});
		const started = await readStream(
			await chatFetch("/api/chat", { as: { key: owner.key }, json: { message: `${id} go` } }),
			{ stopAfter: (e) => e.event === "assistant.delta" },
		);
		const first = started.events[0];
		if (first?.event !== "session.started") throw new Error("no session.started");
		const stub = env.CHAT_SESSION.getByName(first.data.conversation_id);
		const status = await runInDurableObject(stub, async (instance: ChatSession, state) => {
			await instance.alarm();
			const row = state.storage.sql
				.exec<{ value: string }>("SELECT value FROM state WHERE key = 'turn'")
				.toArray()[0];
			return row ? (JSON.parse(row.value) as Turn).status : null;
		});
		expect(status).toBe("done");
		// One run: one model call, one completion.
		expect(await fake().calls(id)).toHaveLength(1);
		const events = await readEvents(await stub.fetch("https://session/stream?after=0"));
		expect(events.filter((e) => e.event === "assistant.completed")).toHaveLength(1);
	});

	it("checks the turn's key with its first model call: a revoked one ends the turn and nothing the model says is shown", async () => {
		const { id: credentialId, key_id } = await createKey("authenticated", 0);
		const revoked = await gatewayFetch(`/v1/admin/credentials/${credentialId}`, {
			method: "DELETE",
			headers: { authorization: `Bearer ${env.TEST_ADMIN_TOKEN}` },
		});
		expect(revoked.status).toBe(200);
		const id = marker();
		await fake().script({ id, match: id, steps: [{ text: "Never said." }] });
		const conversation = await new ConversationStore(env.DB).create(credentialId, "revoked key");
		const stub = env.CHAT_SESSION.getByName(conversation.id);
		// Straight to the session, as if the key had been revoked after the request's own check.
		const started = await stub.startTurn({
			conversation_id: conversation.id,
			credential_id: credentialId,
			key_id,
			message: `${id} hello`,
		});
		expect(started.ok).toBe(true);
		const events = await readEvents(await stub.fetch("https://session/stream?after=0"));
		expect(events.map((e) => e.event)).toEqual(["session.started", "error"]);
		expect(events[1]?.data).toMatchObject({ code: "AUTH_REQUIRED" });
		// The first call may have gone out while the key was checked (and been stopped); never a second one.
		expect((await fake().calls(id)).length).toBeLessThanOrEqual(1);
		const stored = await new ConversationStore(env.DB).messages(conversation.id);
		expect(stored.map((m) => m.text).join(" ")).not.toContain("Never said");
	});
});

/** `target` with `name` replaced by a wrapper that first notes `label` in `order`; the other members as they were. */
function noting<T extends object>(target: T, name: string, label: string, order: string[]): T {
	return new Proxy(target, {
		get(object, property) {
			const value: unknown = Reflect.get(object, property);
			if (typeof value !== "function") return value;
			// Reflect.apply, not .bind: a method of an RPC stub would take `bind` for another remote method.
			return (...args: unknown[]) => {
				if (property === name) order.push(label);
				return Reflect.apply(value, object, args);
			};
		},
	});
}

describe("a new turn's first model request", () => {
	it("goes out before the user's message is written to D1 and before the key check, so it waits behind neither", async () => {
		const { id: credentialId, key_id } = await createKey("authenticated", 0);
		const id = marker();
		await fake().script({ id, match: id, steps: [{ text: "First." }] });
		const conversation = await new ConversationStore(env.DB).create(credentialId, "order");
		const stub = env.CHAT_SESSION.getByName(conversation.id);
		const order = await runInDurableObject(stub, async (_instance: ChatSession, state) => {
			const order: string[] = [];
			const realFetch = globalThis.fetch;
			globalThis.fetch = (input, init) => {
				if (String(input instanceof Request ? input.url : input).endsWith("/v1/messages")) {
					order.push("model request");
				}
				return realFetch(input, init);
			};
			try {
				const session = new Session(state, {
					...env,
					DB: noting(env.DB, "batch", "D1 write", order),
					GATEWAY: noting(env.GATEWAY, "identity", "key check", order),
				});
				const started = await session.startTurn({
					conversation_id: conversation.id,
					credential_id: credentialId,
					key_id,
					message: `${id} hello`,
				});
				expect(started.ok).toBe(true);
				await state.storage.deleteAlarm();
				await session.alarm();
			} finally {
				globalThis.fetch = realFetch;
			}
			return order;
		});
		expect(order[0]).toBe("model request");
		expect(order).toContain("D1 write");
		expect(order).toContain("key check");
		const stored = await new ConversationStore(env.DB).messages(conversation.id);
		expect(stored.map((m) => [m.role, m.text])).toEqual([
			["user", `${id} hello`],
			["assistant", "First."],
		]);
	});
});

describe("a new conversation's turn slot", () => {
	it("refused: the session forgets the turn and its alarm, never calls the model, and answers TURN_LIMIT", async () => {
		const { id: credentialId } = await createKey("authenticated", 0);
		const id = marker();
		await fake().script({ id, match: id, steps: [{ text: "Never said." }] });
		const conversationId = `conv_${crypto.randomUUID().replaceAll("-", "")}`;
		const stub = env.CHAT_SESSION.getByName(conversationId);
		const started = await stub.startTurn({
			conversation_id: conversationId,
			credential_id: credentialId,
			message: `${id} hello`,
			claim: async () => false,
		});
		expect(started).toMatchObject({ ok: false, code: "TURN_LIMIT" });
		const left = await runInDurableObject(stub, async (_instance: ChatSession, state) => ({
			alarm: await state.storage.getAlarm(),
			tables: [
				...state.storage.sql.exec<{ name: string }>(
					"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
				),
			].map((row) => row.name),
		}));
		expect(left).toEqual({ alarm: null, tables: [] });
		expect(await fake().calls(id)).toHaveLength(0);
	});
});

describe("a turn whose start cannot be written", () => {
	it("fails its start, shows nothing the model says, and ends the stream with an error event", async () => {
		const { id: credentialId } = await createKey("authenticated", 0);
		const id = marker();
		await fake().script({ id, match: id, steps: [{ text: "Never shown." }] });
		// No conversation row in D1: the user's message (a foreign key to it) cannot be written.
		const conversationId = `conv_${crypto.randomUUID()}`;
		const stub = env.CHAT_SESSION.getByName(conversationId);
		const refused = await stub
			.startTurn({ conversation_id: conversationId, credential_id: credentialId, message: `${id} hello` })
			.then(
				() => null,
				(error: unknown) => error,
			);
		expect(String(refused)).toContain("FOREIGN KEY");
		const events = await readEvents(await stub.fetch("https://session/stream?after=0"));
		expect(events.map((e) => e.event)).toEqual(["session.started", "error"]);
		expect(events[1]?.data).toMatchObject({ code: "UPSTREAM_ERROR" });
		// The first call may have gone out while the start was written (and been stopped); never a second one.
		expect((await fake().calls(id)).length).toBeLessThanOrEqual(1);
	});
});

describe("the MCP server's tools", () => {
	it("are listed once per isolate while fresh, without connecting again, and listed anew once stale", async () => {
		forgetTools();
		const { id } = await createKey("authenticated", 0);
		let connects = 0;
		const connection = () =>
			new McpConnection(() => {
				connects += 1;
				return mcpClient(env, id);
			});
		const t0 = Date.now();
		const [first, second, third] = [connection(), connection(), connection()];
		const tools = await toolsFor(first, t0);
		expect(tools.map((t) => t.name).sort()).toEqual([
			"execute",
			"get_started",
			"health",
			"list_tools",
			"search_services",
		]);
		expect(await toolsFor(second, t0 + TOOLS_CACHE_MS - 1)).toBe(tools);
		expect(connects).toBe(1);
		expect(await toolsFor(third, t0 + TOOLS_CACHE_MS)).toEqual(tools);
		expect(connects).toBe(2);
		await Promise.all([first.close(), second.close(), third.close()]);
	});
});

describe("cancel", () => {
	it("stops a turn in progress; the stream ends with a cancelled completion", async () => {
		const owner = await createKey("authenticated", 10_000);
		const id = marker();
		await fake().script({
			id,
			match: id,
			steps: [{ text: "A very long answer. ".repeat(200), delay_ms_per_chunk: 20, chunk_size: 10 }],
		});
		const started = await readStream(
			await chatFetch("/api/chat", { as: { key: owner.key }, json: { message: `${id} tell me a story` } }),
			{ stopAfter: (e) => e.event === "assistant.delta" },
		);
		const first = started.events[0];
		if (first?.event !== "session.started") throw new Error("no session.started");
		const conversationId = first.data.conversation_id;
		const cancelled = await chatFetch(`/api/chat/${conversationId}/cancel`, {
			as: { key: owner.key },
			method: "POST",
		});
		expect(await cancelled.json()).toEqual({ cancelled: true });
		const rest = await readEvents(
			await chatFetch(`/api/chat/${conversationId}/stream`, {
				as: { key: owner.key },
				headers: { "last-event-id": String(started.events.at(-1)?.id) },
			}),
		);
		const end = rest.at(-1);
		if (end?.event !== "assistant.completed") throw new Error(`ended with ${end?.event}`);
		expect(end.data.stop_reason).toBe("cancelled");
		// The conversation takes a new message afterwards.
		const next = await chatFetch("/api/chat", {
			as: { key: owner.key },
			json: { conversation_id: conversationId, message: `${id} again` },
		});
		expect(next.status).toBe(200);
		await readEvents(next);
	});
});
