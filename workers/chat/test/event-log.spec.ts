import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EVENT_RETENTION_MS } from "../src/event-log.ts";
import type { ChatSession } from "../src/session.do.ts";
import { newTurn, TurnState } from "../src/turn.ts";
import { chatFetch, createKey, fake, readEvents, readStream } from "./helpers.ts";

const DAY_MS = 24 * 3600_000;

/** A ChatSession of its own (no conversation in D1): the log is exercised through the real Durable Object. */
function session() {
	return env.CHAT_SESSION.getByName(`event-log-${crypto.randomUUID()}`);
}

type Stub = ReturnType<typeof session>;

/** Logs one whole turn (started, two deltas, completed) and returns its event ids. */
function logTurn(stub: Stub, turnId: string): Promise<number[]> {
	return runInDurableObject(stub, (instance: ChatSession) => {
		const { events } = instance;
		return [
			events.append("session.started", { conversation_id: "conv_x", turn_id: turnId, model: "m" }),
			events.append("assistant.delta", { turn_id: turnId, text: "Hel" }),
			events.append("assistant.delta", { turn_id: turnId, text: "lo" }),
			events.append("assistant.completed", {
				turn_id: turnId,
				message: { role: "assistant", text: "Hello" },
				usage: { input_tokens: 1, output_tokens: 1, model_calls: 1 },
				stop_reason: "end_turn",
			}),
		].map((e) => e.id);
	});
}

/** Moves the logged time of events `ids` back to `at`: the clock cannot be advanced a week in a test. */
function backdate(stub: Stub, ids: number[], at: number): Promise<void> {
	return runInDurableObject(stub, (_instance: ChatSession, state) => {
		for (const id of ids) state.storage.sql.exec("UPDATE events SET at = ? WHERE seq = ?", at, id);
	});
}

function keptIds(stub: Stub): Promise<number[]> {
	return runInDurableObject(stub, (_instance: ChatSession, state) =>
		state.storage.sql
			.exec<{ seq: number }>("SELECT seq FROM events ORDER BY seq")
			.toArray()
			.map((row) => row.seq),
	);
}

/** Runs the object's alarm as the runtime would, from an alarm that is due (whatever it was set for). */
async function runAlarm(stub: Stub): Promise<void> {
	await runInDurableObject(stub, (_instance: ChatSession, state) =>
		state.storage.setAlarm(Date.now() + DAY_MS),
	);
	expect(await runDurableObjectAlarm(stub)).toBe(true);
}

function scheduledAlarm(stub: Stub): Promise<number | null> {
	return runInDurableObject(stub, (_instance: ChatSession, state) => state.storage.getAlarm());
}

/** Polls `probe` until it returns a value; fails loudly when it never does. */
async function waitFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
	for (let attempt = 0; attempt < 200; attempt++) {
		const value = await probe();
		if (value !== null) return value;
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	throw new Error(`timed out waiting for ${what}`);
}

function streamAfter(stub: Stub, after: number): Promise<Response> {
	return stub.fetch(`https://session/stream?after=${after}`);
}

describe("the event log", () => {
	it("replays exactly the events after an id, and ends at once when no turn is running", async () => {
		const stub = session();
		const ids = await logTurn(stub, "turn_a");
		expect(ids).toEqual([1, 2, 3, 4]);
		const stream = await readStream(await streamAfter(stub, 2));
		expect(stream.cancelled).toBe(false);
		expect(stream.retry).toBeGreaterThan(0);
		expect(stream.events.map((e) => [Number(e.id), e.event])).toEqual([
			[3, "assistant.delta"],
			[4, "assistant.completed"],
		]);
		expect(stream.comments).toEqual([]);
		expect(await readEvents(await streamAfter(stub, 4))).toEqual([]);
	});

	it("streams events appended after a reader connected, and closes on the terminal event", async () => {
		const stub = session();
		await runInDurableObject(stub, (instance: ChatSession, state) => {
			new TurnState(state.storage.sql).save(newTurn({ conversation_id: "conv_x", credential_id: "cred_x" }));
			instance.events.append("session.started", {
				conversation_id: "conv_x",
				turn_id: "turn_live",
				model: "m",
			});
		});
		// The turn is running: the stream stays open after the replay.
		const response = await streamAfter(stub, 0);
		await runInDurableObject(stub, (instance: ChatSession) => {
			instance.events.append("assistant.delta", { turn_id: "turn_live", text: "live" });
			instance.events.append("error", { turn_id: "turn_live", code: "UPSTREAM_ERROR", message: "stop" });
			// After the terminal event: not sent to the closed stream.
			instance.events.append("assistant.delta", { turn_id: "turn_live", text: "late" });
		});
		const events = await readEvents(response);
		expect(events.map((e) => [Number(e.id), e.event])).toEqual([
			[1, "session.started"],
			[2, "assistant.delta"],
			[3, "error"],
		]);
	});
});

describe("retention, by the Durable Object's alarm", () => {
	it("deletes older turns' events past the retention, keeps the latest turn whatever its age", async () => {
		const stub = session();
		const first = await logTurn(stub, "turn_1");
		const second = await logTurn(stub, "turn_2");
		const old = Date.now() - EVENT_RETENTION_MS - DAY_MS;
		await backdate(stub, [...first, ...second], old);

		await runAlarm(stub);

		expect(await keptIds(stub)).toEqual(second);
		// Nothing left that could be pruned until another turn starts: no alarm.
		expect(await scheduledAlarm(stub)).toBeNull();
	});

	it("keeps events younger than the retention, and sets the alarm for when the oldest falls due", async () => {
		const stub = session();
		const first = await logTurn(stub, "turn_1");
		const second = await logTurn(stub, "turn_2");
		const third = await logTurn(stub, "turn_3");
		const expired = Date.now() - EVENT_RETENTION_MS - DAY_MS;
		const recent = Date.now() - DAY_MS;
		await backdate(stub, first, expired);
		await backdate(stub, second, recent);

		await runAlarm(stub);

		expect(await keptIds(stub)).toEqual([...second, ...third]);
		expect(await scheduledAlarm(stub)).toBe(recent + EVENT_RETENTION_MS);
	});

	it("a reader resuming from a pruned id starts at the oldest kept event, told what was pruned", async () => {
		const stub = session();
		const first = await logTurn(stub, "turn_1");
		const second = await logTurn(stub, "turn_2");
		await backdate(stub, first, Date.now() - EVENT_RETENTION_MS - DAY_MS);
		await runAlarm(stub);

		for (const after of [0, first[1] ?? 0]) {
			const stream = await readStream(await streamAfter(stub, after));
			expect(stream.comments).toEqual([`pruned through ${first.at(-1)}`]);
			expect(stream.events.map((e) => Number(e.id))).toEqual(second);
		}
		// At or after the oldest kept event nothing is missing: no notice.
		const caughtUp = await readStream(await streamAfter(stub, first.at(-1) ?? 0));
		expect(caughtUp.comments).toEqual([]);
		expect(caughtUp.events.map((e) => Number(e.id))).toEqual(second);
		// Ids go on from where they were: a new event never reuses a pruned id.
		const next = await runInDurableObject(stub, (instance: ChatSession) =>
			instance.events.append("assistant.delta", { turn_id: "turn_2", text: "!" }),
		);
		expect(next.id).toBe((second.at(-1) ?? 0) + 1);
	});

	it("does not push back an earlier alarm (a turn started while the alarm ran)", async () => {
		const stub = session();
		await logTurn(stub, "turn_1");
		await logTurn(stub, "turn_2");
		const soon = Date.now() + 60_000;
		await runInDurableObject(stub, async (instance: ChatSession, state) => {
			await state.storage.setAlarm(soon);
			await instance.alarm();
		});
		expect(await scheduledAlarm(stub)).toBe(soon);
	});

	it("prunes a real conversation after its turns, which still reads back whole from its messages", async () => {
		const owner = await createKey("authenticated", 10_000);
		const marker = `m${crypto.randomUUID().slice(0, 8)}`;
		await fake().script({
			id: marker,
			match: marker,
			steps: [{ text: "First answer." }, { text: "Second." }],
		});
		const firstTurn = await readEvents(
			await chatFetch("/api/chat", { as: { key: owner.key }, json: { message: `${marker} one` } }),
		);
		const started = firstTurn[0];
		if (started?.event !== "session.started") throw new Error(`the stream began with ${started?.event}`);
		const conversationId = started.data.conversation_id;
		const secondTurn = await readEvents(
			await chatFetch("/api/chat", {
				as: { key: owner.key },
				json: { conversation_id: conversationId, message: `${marker} two` },
			}),
		);
		expect(secondTurn.at(-1)?.event).toBe("assistant.completed");

		const stub = env.CHAT_SESSION.getByName(conversationId);
		const firstIds = firstTurn.map((e) => Number(e.id));
		// The second turn's alarm, once done, schedules the next pruning: when the first turn's events fall due.
		const due = await waitFor("the pruning alarm", () => scheduledAlarm(stub));
		expect(due).toBeGreaterThan(Date.now() + EVENT_RETENTION_MS - DAY_MS);

		await backdate(stub, firstIds, Date.now() - EVENT_RETENTION_MS - DAY_MS);
		expect(await runDurableObjectAlarm(stub)).toBe(true);

		const replay = await readStream(
			await chatFetch(`/api/chat/${conversationId}/stream?last_event_id=0`, { as: { key: owner.key } }),
		);
		expect(replay.comments).toEqual([`pruned through ${firstIds.at(-1)}`]);
		expect(replay.events.map((e) => e.id)).toEqual(secondTurn.map((e) => e.id));
		const read = await chatFetch(`/api/conversations/${conversationId}`, { as: { key: owner.key } });
		const { messages } = (await read.json()) as { messages: { role: string; text: string }[] };
		expect(messages.map((m) => m.text)).toEqual([
			`${marker} one`,
			"First answer.",
			`${marker} two`,
			"Second.",
		]);
	});
});
