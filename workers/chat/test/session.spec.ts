import { describe, expect, it } from "vitest";
import { fromResult } from "../../../test/fake-anthropic/client.ts";
import {
	asOwner,
	chatFetch,
	createKey,
	fake,
	fooddashOrder,
	readEvents,
	readStream,
	type StreamEvent,
	signIn,
} from "./helpers.ts";

function marker(): string {
	return `m${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * A funded owner key whose purchases are auto-approved below `threshold` cents: it sets the controls and decides
 * paused purchases through the chat API (agent keys may not: adversarial.spec.ts).
 */
async function buyer(threshold: number): Promise<{ id: string; key: string }> {
	const owner = await createKey("authenticated", 100_000, "buyer@example.com", { owner: true });
	await asOwner(owner.key, "/v1/account/controls", {
		method: "PUT",
		body: { auto_approve_threshold_cents: threshold },
	});
	return owner;
}

/** The model's side of "order me dinner": search, list tools, quote, buy, then say so. */
function shoppingSteps(order: Record<string, unknown>) {
	return [
		{
			text: "Let me find food delivery.",
			tool_uses: [{ name: "search_services", input: { query: "order some food" } }],
		},
		{ tool_uses: [{ name: "list_tools", input: { service: "fooddash" } }] },
		{ tool_uses: [{ name: "execute", input: { service: "fooddash", tool: "checkout", parameters: order } }] },
		{
			text: "Here is the price; buying now.",
			tool_uses: [
				{
					name: "execute",
					input: {
						service: "fooddash",
						tool: "checkout",
						parameters: order,
						quote_id: fromResult("quote_id"),
					},
				},
			],
		},
		{ text: "Done: your order is placed." },
	];
}

function conversationOf(events: StreamEvent[]): string {
	const first = events[0];
	if (first?.event !== "session.started") throw new Error(`the stream began with ${first?.event}`);
	return first.data.conversation_id;
}

const types = (events: StreamEvent[]) => events.filter((e) => e.event !== "heartbeat").map((e) => e.event);

describe("a turn that searches, lists tools, quotes and buys", () => {
	it("streams the events in order with their payloads and a receipt; the model is called once per step", async () => {
		const owner = await buyer(1_000_000);
		const order = await fooddashOrder();
		const id = marker();
		await fake().script({ id, match: id, steps: shoppingSteps(order) });
		const before = await asOwner<{ balance_cents: number }>(owner.key, "/v1/account");

		const response = await chatFetch("/api/chat", {
			as: { key: owner.key },
			json: { message: `${id} order me dinner` },
		});
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toContain("text/event-stream");
		const stream = await readStream(response);
		expect(stream.retry).toBeGreaterThan(0);
		const events = stream.events.filter((e) => e.event !== "heartbeat");
		// The order of the kinds, ignoring how the text was chunked.
		const kinds = types(events).filter(
			(t, i, all) => t !== "assistant.delta" || all[i - 1] !== "assistant.delta",
		);
		expect(kinds).toEqual([
			"session.started",
			"assistant.delta",
			"mcp.tool.started",
			"mcp.tool.result",
			"mcp.tool.started",
			"mcp.tool.result",
			"mcp.tool.started",
			"mcp.tool.result",
			"assistant.delta",
			"mcp.tool.started",
			"mcp.tool.result",
			"assistant.delta",
			"assistant.completed",
		]);
		// Every event has a distinct, increasing id.
		const ids = events.map((e) => Number(e.id));
		expect(ids).toEqual([...ids].sort((a, b) => a - b));
		expect(new Set(ids).size).toBe(ids.length);

		const results = events.filter((e) => e.event === "mcp.tool.result");
		expect(
			results.map((e) => (e.event === "mcp.tool.result" ? [e.data.name, e.data.is_error] : null)),
		).toEqual([
			["search_services", false],
			["list_tools", false],
			["execute", false],
			["execute", false],
		]);
		const quoted = results[2]?.data as { result: { status: string; quote: { amount_cents: number } } };
		expect(quoted.result.status).toBe("quoted");
		const bought = results[3]?.data as {
			result: { status: string; receipt: { id: string; amount_cents: number } };
		};
		expect(bought.result.status).toBe("bought");
		expect(bought.result.receipt.amount_cents).toBe(quoted.result.quote.amount_cents);

		const completed = events.at(-1);
		if (completed?.event !== "assistant.completed") throw new Error("no assistant.completed");
		expect(completed.data.message.text).toBe(
			"Let me find food delivery.\n\nHere is the price; buying now.\n\nDone: your order is placed.",
		);
		expect(completed.data.usage.model_calls).toBe(5);
		expect(completed.data.usage.input_tokens).toBeGreaterThan(0);
		expect(completed.data.stop_reason).toBe("end_turn");

		const after = await asOwner<{ balance_cents: number }>(owner.key, "/v1/account");
		expect(before.balance_cents - after.balance_cents).toBeGreaterThanOrEqual(
			bought.result.receipt.amount_cents,
		);
		// One model call per step, no retries, no extra calls.
		expect(await fake().calls(id)).toHaveLength(5);
	});
});

describe("resuming with Last-Event-ID", () => {
	it("a stream cut at a random event and resumed yields exactly the uninterrupted sequence", async () => {
		const owner = await buyer(1_000_000);
		const order = await fooddashOrder();
		const id = marker();
		await fake().script({
			id,
			match: id,
			steps: shoppingSteps(order).map((s) => ({ ...s, delay_ms_per_chunk: 5, chunk_size: 4 })),
		});
		const cutAt = 2 + Math.floor(Math.random() * 10);
		const first = await readStream(
			await chatFetch("/api/chat", { as: { key: owner.key }, json: { message: `${id} order me dinner` } }),
			{ stopAfter: cutAt },
		);
		expect(first.cancelled).toBe(true);
		const lastId = first.events.at(-1)?.id;
		const conversation = first.events[0]?.data as { conversation_id: string };
		const rest = await readEvents(
			await chatFetch(`/api/chat/${conversation.conversation_id}/stream`, {
				as: { key: owner.key },
				headers: { "last-event-id": String(lastId) },
			}),
		);
		const all = [...first.events, ...rest].filter((e) => e.event !== "heartbeat");
		const ids = all.map((e) => Number(e.id));
		// No gap, no duplicate.
		expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => (ids[0] ?? 0) + i));
		expect(all.at(-1)?.event).toBe("assistant.completed");

		// The whole log replayed from the start is the same sequence: this is what an uninterrupted client saw.
		const replay = await readEvents(
			await chatFetch(`/api/chat/${conversation.conversation_id}/stream?last_event_id=0`, {
				as: { key: owner.key },
			}),
		);
		expect(replay.filter((e) => e.event !== "heartbeat")).toEqual(all);
		// The reconnect read the log: the model saw one call per step.
		expect(await fake().calls(id)).toHaveLength(5);
	});
});

describe("purchases above the auto-approve threshold", () => {
	it("pause with purchase.confirmation_required and continue after the owner confirms", async () => {
		const owner = await buyer(0);
		const order = await fooddashOrder();
		const id = marker();
		await fake().script({ id, match: id, steps: shoppingSteps(order) });
		const events = await readEvents(
			await chatFetch("/api/chat", { as: { key: owner.key }, json: { message: `${id} order me dinner` } }),
		);
		const paused = events.at(-1);
		if (paused?.event !== "purchase.confirmation_required") throw new Error(`ended with ${paused?.event}`);
		expect(paused.data.quote).toMatchObject({ service: "fooddash", tool: "checkout", status: "open" });
		expect(paused.data.quote.amount_cents).toBeGreaterThan(0);
		const conversationId = conversationOf(events);
		expect(paused.data.decide_url).toBe(`/api/chat/${conversationId}/confirm`);
		// Nothing was bought yet, and the model waits: four calls so far.
		expect(await fake().calls(id)).toHaveLength(4);

		const resumed = await readEvents(
			await chatFetch(paused.data.decide_url, {
				as: { key: owner.key },
				json: { quote_id: paused.data.quote.quote_id, decision: "confirm" },
			}),
		);
		const kinds = types(resumed);
		expect(kinds[0]).toBe("mcp.tool.started");
		expect(kinds.at(-1)).toBe("assistant.completed");
		const result = resumed.find((e) => e.event === "mcp.tool.result");
		expect((result?.data as { result: { status: string } } | undefined)?.result.status).toBe("bought");
		expect(Number(resumed[0]?.id)).toBe(Number(paused.id) + 1);
		expect(await fake().calls(id)).toHaveLength(5);
	});

	it("a declined purchase buys nothing and the model is told", async () => {
		const owner = await buyer(0);
		const order = await fooddashOrder();
		const id = marker();
		const steps = shoppingSteps(order);
		steps[4] = { text: "Okay, I did not buy it." };
		await fake().script({ id, match: id, steps });
		const events = await readEvents(
			await chatFetch("/api/chat", { as: { key: owner.key }, json: { message: `${id} order me dinner` } }),
		);
		const paused = events.at(-1);
		if (paused?.event !== "purchase.confirmation_required") throw new Error(`ended with ${paused?.event}`);
		const before = await asOwner<{ balance_cents: number }>(owner.key, "/v1/account");
		const resumed = await readEvents(
			await chatFetch(paused.data.decide_url, {
				as: { key: owner.key },
				json: { quote_id: paused.data.quote.quote_id, decision: "decline" },
			}),
		);
		expect(resumed.at(-1)?.event).toBe("assistant.completed");
		expect((await asOwner<{ balance_cents: number }>(owner.key, "/v1/account")).balance_cents).toBe(
			before.balance_cents,
		);
		const lastCall = (await fake().calls(id)).at(-1);
		expect(JSON.stringify(lastCall?.messages)).toContain("declined");
	});
});

describe("access", () => {
	it("another user cannot resume or read the conversation", async () => {
		const owner = await buyer(1_000_000);
		const id = marker();
		await fake().script({ id, match: id, steps: [{ text: "Hello there." }] });
		const events = await readEvents(
			await chatFetch("/api/chat", { as: { key: owner.key }, json: { message: `${id} hi` } }),
		);
		const conversationId = conversationOf(events);
		const stranger = await signIn(`stranger-${marker()}@example.com`);
		for (const path of [`/api/chat/${conversationId}/stream`, `/api/conversations/${conversationId}`]) {
			const response = await chatFetch(path, { as: { cookie: stranger.cookie } });
			expect(response.status, path).toBe(404);
		}
		const hijack = await chatFetch("/api/chat", {
			as: { cookie: stranger.cookie },
			json: { conversation_id: conversationId, message: "mine now" },
		});
		expect(hijack.status).toBe(404);
	});
});
