import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fromResult } from "../../../test/fake-anthropic/client.ts";
import type { ChatSession } from "../src/session.do.ts";
import { ChatSession as Session } from "../src/session.do.ts";
import { ConversationStore } from "../src/store.ts";
import { asOwner, chatFetch, createKey, fake, fooddashOrder, readEvents, readStream } from "./helpers.ts";

function marker(): string {
	return `m${crypto.randomUUID().slice(0, 8)}`;
}

interface TurnPoint {
	kind: string;
	outcome: string;
	caller: string;
	model_calls: number;
	tokens_in: number;
	tokens_out: number;
	latency_ms: number;
}

/** The `chat_turn` points of one request, once there are `count` (the D1 store inserts them after the turn). */
async function turnPoints(requestId: string, count = 1): Promise<TurnPoint[]> {
	const read = async () =>
		(
			await env.DB.prepare(
				"SELECT kind, outcome, caller, model_calls, tokens_in, tokens_out, latency_ms FROM metric_points WHERE request_id = ? AND kind = 'chat_turn'",
			)
				.bind(requestId)
				.all<TurnPoint>()
		).results;
	await expect.poll(async () => (await read()).length, { timeout: 15_000, interval: 50 }).toBe(count);
	return read();
}

describe("chat turn points", () => {
	it("records one chat_turn point per turn with the fake model's token counts", async () => {
		const { key } = await createKey("authenticated", 10_000);
		const id = marker();
		await fake().script({
			id,
			match: id,
			steps: [
				{
					text: "Let me look.",
					tool_uses: [{ name: "search_services", input: { query: "order some food" } }],
					usage: { input_tokens: 1234, output_tokens: 56 },
				},
				{ text: "FoodDash delivers.", usage: { input_tokens: 1500, output_tokens: 78 } },
			],
		});
		const requestId = `turn-metrics-${id}`;
		const response = await chatFetch("/api/chat", {
			as: { key },
			headers: { "x-request-id": requestId },
			json: { message: `${id} find me food` },
		});
		expect(response.headers.get("x-request-id")).toBe(requestId);
		const events = (await readStream(response)).events;
		const completed = events.at(-1);
		if (completed?.event !== "assistant.completed")
			throw new Error(`the turn ended with ${completed?.event}`);
		expect(completed.data.usage).toEqual({ input_tokens: 2734, output_tokens: 134, model_calls: 2 });

		const [point, ...more] = await turnPoints(requestId);
		expect(more).toEqual([]);
		expect(point).toMatchObject({
			kind: "chat_turn",
			outcome: "done",
			caller: "chat",
			model_calls: 2,
			tokens_in: 2734,
			tokens_out: 134,
		});
		expect(point?.latency_ms).toBeGreaterThan(0);
	});

	it("records a turn that ends in an error as failed, with no model calls", async () => {
		const { id: credentialId } = await createKey("authenticated", 10_000);
		const conversation = await new ConversationStore(env.DB).create(credentialId, "failing turn");
		const requestId = `turn-failed-${marker()}`;
		// A session without a model key (as turns.spec.ts runs one): the turn fails at once.
		await runInDurableObject(env.CHAT_SESSION.getByName(conversation.id), async (_i: ChatSession, state) => {
			const session = new Session(state, { ...env, ANTHROPIC_API_KEY: "" });
			const started = await session.startTurn({
				conversation_id: conversation.id,
				credential_id: credentialId,
				message: "hello",
				request_id: requestId,
			});
			expect(started.ok).toBe(true);
			await state.storage.deleteAlarm();
			await session.alarm();
		});
		const [point, ...more] = await turnPoints(requestId);
		expect(more).toEqual([]);
		expect(point).toMatchObject({ kind: "chat_turn", outcome: "failed", model_calls: 0, tokens_in: 0 });
	});

	it("records a turn paused for the owner as paused, and its continuation as its own point", async () => {
		const owner = await createKey("authenticated", 100_000, "buyer@example.com", { owner: true });
		// Every purchase needs the owner's confirmation: the turn pauses at the purchase.
		await asOwner(owner.key, "/v1/account/controls", {
			method: "PUT",
			body: { auto_approve_threshold_cents: 0 },
		});
		const order = await fooddashOrder();
		const id = marker();
		const usage = { input_tokens: 100, output_tokens: 10 };
		const checkout = { service: "fooddash", tool: "checkout", parameters: order };
		await fake().script({
			id,
			match: id,
			steps: [
				{ tool_uses: [{ name: "search_services", input: { query: "order some food" } }], usage },
				{ tool_uses: [{ name: "list_tools", input: { service: "fooddash" } }], usage },
				{ tool_uses: [{ name: "execute", input: checkout }], usage },
				{ tool_uses: [{ name: "execute", input: { ...checkout, quote_id: fromResult("quote_id") } }], usage },
				{ text: "Ordered.", usage: { input_tokens: 200, output_tokens: 20 } },
			],
		});
		const started = `turn-paused-${id}`;
		const events = await readEvents(
			await chatFetch("/api/chat", {
				as: { key: owner.key },
				headers: { "x-request-id": started },
				json: { message: `${id} order me dinner` },
			}),
		);
		const paused = events.at(-1);
		if (paused?.event !== "purchase.confirmation_required") throw new Error(`ended with ${paused?.event}`);
		const [pausedPoint] = await turnPoints(started);
		expect(pausedPoint).toMatchObject({ outcome: "paused", model_calls: 4, tokens_in: 400, tokens_out: 40 });

		const decided = `turn-decided-${id}`;
		const resumed = await readEvents(
			await chatFetch(paused.data.decide_url, {
				as: { key: owner.key },
				headers: { "x-request-id": decided },
				json: { quote_id: paused.data.quote.quote_id, decision: "confirm" },
			}),
		);
		expect(resumed.at(-1)?.event).toBe("assistant.completed");
		// The continuation counts only its own model call: nothing of the paused run twice.
		const [donePoint] = await turnPoints(decided);
		expect(donePoint).toMatchObject({ outcome: "done", model_calls: 1, tokens_in: 200, tokens_out: 20 });
		expect(await turnPoints(started)).toHaveLength(1);
	});
});
