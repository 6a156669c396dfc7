import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import Anthropic from "@anthropic-ai/sdk";
import { type ChatEventData, TERMINAL_EVENTS } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { EventLog } from "../src/event-log.ts";
import { McpConnection } from "../src/mcp-connection.ts";
import { ModelLoop, type TurnHost } from "../src/model-loop.ts";
import { Transcript } from "../src/transcript.ts";
import { newTurn, TurnState } from "../src/turn.ts";
import { fake } from "./helpers.ts";

/**
 * A new turn's first model call goes out while the turn's start is still being written (docs/chat-stream.md, "Before
 * the first token"). Here the model's whole answer reaches the loop before that write settles: its text must stay
 * unshown until then, and never be shown when the write fails.
 */
async function firstCall(settle: "resolve" | "reject") {
	const id = `m${crypto.randomUUID().slice(0, 8)}`;
	await fake().script({ id, match: id, steps: [{ text: "Held until the start is written." }] });
	const stub = env.CHAT_SESSION.getByName(`first-call-${id}`);
	return runInDurableObject(stub, async (_instance, state) => {
		const events = new EventLog<ChatEventData>(state.storage.sql, { terminal: TERMINAL_EVENTS });
		const transcript = new Transcript(state.storage);
		const turns = new TurnState(state.storage.sql);
		const turn = newTurn({ conversation_id: `conv_${id}`, credential_id: "cred_firstCall000000001" });
		transcript.push({ role: "user", content: `${id} hello` });
		turns.save(turn);
		let finished = false;
		const host: TurnHost = {
			env,
			events,
			transcript,
			turns,
			finish: async () => {
				finished = true;
			},
			settle: async () => {},
			quote: () => Promise.reject(new Error("no purchase here")),
		};
		// The model's answer read to its end by the SDK (the last pull after its last chunk): then the write settles.
		let answered!: () => void;
		const read = new Promise<void>((resolve) => {
			answered = resolve;
		});
		const anthropic = new Anthropic({
			apiKey: env.ANTHROPIC_API_KEY,
			baseURL: env.ANTHROPIC_BASE_URL,
			maxRetries: 0,
			fetch: async (url, init) => {
				const response = await fetch(url, init);
				const body = response.body?.pipeThrough(new TransformStream({ flush: () => answered() }));
				return new Response(body, response);
			},
		});
		const written = read.then(() => {
			if (settle === "reject") throw new Error("the user's message could not be written");
		});
		const loop = new ModelLoop(host, {
			anthropic,
			mcp: new McpConnection(() => Promise.reject(new Error("no tools here"))),
			tools: [],
			signal: new AbortController().signal,
			written,
		});
		const outcome = await loop.run(turn).then(
			() => "done",
			(error: unknown) => String(error),
		);
		const shown = events
			.read(0)
			.events.flatMap((e) => (e.type === "assistant.delta" ? [(e.data as { text: string }).text] : []))
			.join("");
		return { outcome, shown, finished, text: turn.text };
	});
}

describe("a new turn's first model call", () => {
	it("shows the model's text only once the turn's start is written", async () => {
		const run = await firstCall("resolve");
		expect(run).toEqual({
			outcome: "done",
			shown: "Held until the start is written.",
			finished: true,
			text: "Held until the start is written.",
		});
	});

	it("shows nothing of it when that write fails, and the turn fails", async () => {
		const run = await firstCall("reject");
		expect(run).toEqual({
			outcome: "Error: the user's message could not be written",
			shown: "",
			finished: false,
			text: "",
		});
	});
});
