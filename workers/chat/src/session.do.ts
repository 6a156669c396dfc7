import { DurableObject } from "cloudflare:workers";
import Anthropic from "@anthropic-ai/sdk";
import type {
	MessageParam,
	Tool,
	ToolResultBlockParam,
	ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { log } from "@penumbra/core/log";
import { fitToBudget } from "./budget.ts";
import {
	type ChatEvent,
	type ChatEventData,
	type ChatEventType,
	HEARTBEAT_MS,
	type QuoteView,
	SSE_RETRY_MS,
	sseFrame,
	TERMINAL_EVENTS,
	type Usage,
} from "./events.ts";
import { ConversationStore } from "./store.ts";

const SYSTEM_PROMPT = `You are Penumbra's assistant. You help the user get real-world things done — food delivery, rides, restaurant tables, shopping, weather, travel — through Penumbra's five tools.

How to work:
- Find services with search_services, read a service's tools with list_tools, then call one with execute.
- Purchases: execute without quote_id returns a quote and charges nothing. Tell the user what it buys and the price, then call execute again with the same arguments plus the quote_id.
- Some purchases need the user's own confirmation. You cannot confirm on their behalf; the app will ask them. Never claim a purchase went through without a receipt.
- Amounts are integer cents: show them as dollars. Be brief and concrete.`;

type TurnStatus = "running" | "awaiting_confirmation" | "done";

/** A tool call waiting for the owner's decision, and the rest of its round. */
interface Pending {
	tool_use_id: string;
	name: string;
	input: Record<string, unknown>;
	quote_id: string;
	/** Results of the round's tool calls that ran before this one. */
	done: ToolResultBlockParam[];
	/** Tool calls of the round still to run after this one. */
	rest: ToolUseBlock[];
	decision?: "confirm" | "decline";
}

interface Turn {
	turn_id: string;
	conversation_id: string;
	credential_id: string;
	status: TurnStatus;
	/** The assistant's text so far, across the turn's model calls. */
	text: string;
	usage: Usage;
	tool_calls: { name: string; is_error: boolean; summary: string }[];
	cancel_requested: boolean;
	pending?: Pending;
}

type StartResult =
	| { ok: true; after: number; turn_id: string }
	| { ok: false; code: string; message: string };

class Cancelled extends Error {}

function intVar(value: string | undefined, fallback: number): number {
	const n = Number(value);
	return Number.isInteger(n) && n > 0 ? n : fallback;
}

function newId(prefix: string): string {
	return `${prefix}${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Text of an MCP tool result, as the model reads it. */
function resultText(result: { content?: unknown }): string {
	const content = Array.isArray(result.content) ? result.content : [];
	return content
		.map((block: unknown) =>
			typeof block === "object" && block !== null && "text" in block && typeof block.text === "string"
				? block.text
				: "",
		)
		.join("\n");
}

interface ToolErrorShape {
	error?: { code?: string; detail?: string; confirmation_url?: string };
}

function summaryOf(name: string, result: { isError?: boolean; structuredContent?: unknown }): string {
	const structured = (result.structuredContent ?? {}) as Record<string, unknown> & ToolErrorShape;
	if (result.isError) return `${structured.error?.code ?? "ERROR"}: ${structured.error?.detail ?? "failed"}`;
	if (name === "search_services" && Array.isArray(structured.results)) {
		return `${structured.results.length} service(s) found`;
	}
	if (name === "list_tools" && Array.isArray(structured.tools)) return `${structured.tools.length} tool(s)`;
	if (typeof structured.status === "string") return structured.status;
	return "done";
}

/**
 * One conversation: its event log (every event with a sequence number, so a client resumes with Last-Event-ID and
 * gets exactly what it missed) and its turns' model/tool loop. A turn runs from an alarm, not from the request that
 * started it: a closed tab does not stop it, and a reconnect only reads the log (the model is never called again).
 */
export class ChatSession extends DurableObject<ChatEnv> {
	readonly #sql: SqlStorage;
	readonly #subscribers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
	#abort: AbortController | null = null;
	#running = false;

	constructor(ctx: DurableObjectState, env: ChatEnv) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(`
			CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, data TEXT NOT NULL, at INTEGER NOT NULL);
			CREATE TABLE IF NOT EXISTS transcript (idx INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL);
			CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
		`);
	}

	// ── state ──────────────────────────────────────────────────────────────────────────────────────────────────

	#turn(): Turn | null {
		const row = this.#sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'turn'").toArray()[0];
		return row ? (JSON.parse(row.value) as Turn) : null;
	}

	#saveTurn(turn: Turn): void {
		this.#sql.exec("INSERT OR REPLACE INTO state (key, value) VALUES ('turn', ?)", JSON.stringify(turn));
	}

	#lastSeq(): number {
		return this.#sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events").one().seq ?? 0;
	}

	#transcript(): MessageParam[] {
		return this.#sql
			.exec<{ role: "user" | "assistant"; content: string }>(
				"SELECT role, content FROM transcript ORDER BY idx",
			)
			.toArray()
			.map((row) => ({ role: row.role, content: JSON.parse(row.content) }));
	}

	#pushTranscript(message: MessageParam): void {
		this.#sql.exec(
			"INSERT INTO transcript (role, content) VALUES (?, ?)",
			message.role,
			JSON.stringify(message.content),
		);
	}

	#replaceTranscript(messages: MessageParam[]): void {
		this.ctx.storage.transactionSync(() => {
			this.#sql.exec("DELETE FROM transcript");
			for (const m of messages) this.#pushTranscript(m);
		});
	}

	/** Appends an event to the log and sends it to every live stream; a terminal event ends those streams. */
	#emit<T extends ChatEventType>(type: T, data: ChatEventData[T]): ChatEvent<T> {
		const seq = this.#sql
			.exec<{ seq: number }>(
				"INSERT INTO events (type, data, at) VALUES (?, ?, ?) RETURNING seq",
				type,
				JSON.stringify(data),
				Date.now(),
			)
			.one().seq;
		const event: ChatEvent<T> = { id: seq, type, data };
		const frame = sseFrame(event);
		for (const writer of this.#subscribers) {
			writer.write(frame).catch(() => this.#subscribers.delete(writer));
			if (TERMINAL_EVENTS.has(type)) this.#close(writer);
		}
		return event;
	}

	#close(writer: WritableStreamDefaultWriter<Uint8Array>): void {
		this.#subscribers.delete(writer);
		writer.close().catch(() => {});
	}

	// ── RPC ────────────────────────────────────────────────────────────────────────────────────────────────────

	async startTurn(input: {
		conversation_id: string;
		credential_id: string;
		message: string;
	}): Promise<StartResult> {
		const current = this.#turn();
		if (current?.status === "running") {
			return {
				ok: false,
				code: "TURN_IN_PROGRESS",
				message: "A turn is already running in this conversation.",
			};
		}
		if (current?.status === "awaiting_confirmation" && current.pending) {
			// Moving on without deciding: the pending purchase is not made, and the transcript stays well-formed.
			this.#abandonPending(
				current,
				"The user did not confirm this purchase; it was not made.",
				"The purchase was not confirmed.",
			);
		}
		const after = this.#lastSeq();
		const turn: Turn = {
			turn_id: newId("turn_"),
			conversation_id: input.conversation_id,
			credential_id: input.credential_id,
			status: "running",
			text: "",
			usage: { input_tokens: 0, output_tokens: 0, model_calls: 0 },
			tool_calls: [],
			cancel_requested: false,
		};
		this.ctx.storage.transactionSync(() => {
			this.#pushTranscript({ role: "user", content: input.message });
			this.#saveTurn(turn);
		});
		await new ConversationStore(this.env.DB).addMessage(input.conversation_id, {
			role: "user",
			text: input.message,
			turn_id: turn.turn_id,
		});
		this.#emit("session.started", {
			conversation_id: input.conversation_id,
			turn_id: turn.turn_id,
			model: this.env.ANTHROPIC_MODEL,
		});
		await this.ctx.storage.setAlarm(Date.now());
		return { ok: true, after, turn_id: turn.turn_id };
	}

	/** Continues a turn paused for the owner's decision (already recorded with the gateway by the Worker). */
	async resume(input: {
		credential_id: string;
		quote_id: string;
		decision: "confirm" | "decline";
	}): Promise<{ ok: true; after: number } | { ok: false; code: string; message: string }> {
		const turn = this.#turn();
		if (
			turn?.status !== "awaiting_confirmation" ||
			!turn.pending ||
			turn.credential_id !== input.credential_id
		) {
			return {
				ok: false,
				code: "CONFLICT",
				message: "No purchase in this conversation is waiting for a decision.",
			};
		}
		if (turn.pending.quote_id !== input.quote_id) {
			return { ok: false, code: "CONFLICT", message: "That quote is not the one waiting for a decision." };
		}
		const after = this.#lastSeq();
		turn.status = "running";
		turn.pending.decision = input.decision;
		this.#saveTurn(turn);
		await this.ctx.storage.setAlarm(Date.now());
		return { ok: true, after };
	}

	async cancel(): Promise<{ cancelled: boolean }> {
		const turn = this.#turn();
		if (!turn || turn.status === "done") return { cancelled: false };
		if (turn.status === "awaiting_confirmation") {
			this.#abandonPending(turn, "The user stopped the turn; the purchase was not made.", "Stopped.");
			await this.#finish(turn, "cancelled");
			return { cancelled: true };
		}
		turn.cancel_requested = true;
		this.#saveTurn(turn);
		this.#abort?.abort();
		return { cancelled: true };
	}

	async forget(): Promise<void> {
		this.#abort?.abort();
		for (const writer of this.#subscribers) this.#close(writer);
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
	}

	/** `GET /stream?after=<n>`: the events after n, then live ones until the running turn ends. */
	override async fetch(request: Request): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname !== "/stream") return new Response("not found", { status: 404 });
		const after = Number(url.searchParams.get("after") ?? "0");
		const from = Number.isInteger(after) && after >= 0 ? after : 0;
		const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
		const writer = writable.getWriter();
		writer.write(new TextEncoder().encode(`retry: ${SSE_RETRY_MS}\n\n`)).catch(() => {});
		// Replay and subscribe with no await between them: no event can fall in the gap.
		const rows = this.#sql
			.exec<{ seq: number; type: ChatEventType; data: string }>(
				"SELECT seq, type, data FROM events WHERE seq > ? ORDER BY seq",
				from,
			)
			.toArray();
		for (const row of rows) {
			writer.write(sseFrame({ id: row.seq, type: row.type, data: JSON.parse(row.data) })).catch(() => {});
		}
		if (this.#turn()?.status === "running") {
			this.#subscribers.add(writer);
			const heartbeat = setInterval(() => {
				if (!this.#subscribers.has(writer)) {
					clearInterval(heartbeat);
					return;
				}
				const frame = sseFrame({
					id: this.#lastSeq(),
					type: "heartbeat",
					data: { at: new Date().toISOString() },
				});
				writer.write(frame).catch(() => {
					clearInterval(heartbeat);
					this.#subscribers.delete(writer);
				});
			}, HEARTBEAT_MS);
		} else {
			writer.close().catch(() => {});
		}
		return new Response(readable, {
			headers: {
				"content-type": "text/event-stream; charset=utf-8",
				"cache-control": "no-cache, no-transform",
			},
		});
	}

	// ── the turn ───────────────────────────────────────────────────────────────────────────────────────────────

	override async alarm(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		try {
			await this.#run();
		} finally {
			this.#running = false;
		}
	}

	async #run(): Promise<void> {
		const turn = this.#turn();
		if (turn?.status !== "running") return;
		if (!this.env.ANTHROPIC_API_KEY) {
			await this.#fail(turn, {
				turn_id: turn.turn_id,
				code: "MODEL_NOT_CONFIGURED",
				message:
					"The chat has no model key. Set ANTHROPIC_API_KEY: `npx wrangler secret put ANTHROPIC_API_KEY -c workers/chat/wrangler.toml` in production, or ANTHROPIC_API_KEY=… in workers/chat/.dev.vars locally (npm start uses a local fake model unless you do).",
			});
			return;
		}
		this.#abort = new AbortController();
		let mcp: Client | null = null;
		try {
			mcp = await this.#mcpClient(turn.credential_id);
			const listed = await mcp.listTools();
			const tools: Tool[] = listed.tools.map((t) => ({
				name: t.name,
				description: t.description ?? "",
				input_schema: t.inputSchema as Tool.InputSchema,
			}));
			const anthropic = new Anthropic({
				apiKey: this.env.ANTHROPIC_API_KEY,
				baseURL: this.env.ANTHROPIC_BASE_URL,
				maxRetries: 2,
			});
			if (turn.pending?.decision) {
				const paused = await this.#runPending(turn, mcp);
				if (paused) return;
			}
			await this.#loop(turn, anthropic, mcp, tools);
		} catch (error) {
			if (error instanceof Cancelled || this.#abort.signal.aborted) {
				await this.#finish(this.#turn() ?? turn, "cancelled");
				return;
			}
			const message =
				error instanceof Anthropic.APIError
					? `The model failed (${error.status ?? "no status"}): ${error.message}`
					: "The turn failed; try again.";
			log("error", "chat turn failed", { turn_id: turn.turn_id, error });
			await this.#fail(this.#turn() ?? turn, { turn_id: turn.turn_id, code: "UPSTREAM_ERROR", message });
		} finally {
			this.#abort = null;
			await mcp?.close().catch(() => {});
		}
	}

	async #loop(turn: Turn, anthropic: Anthropic, mcp: Client, tools: Tool[]): Promise<void> {
		const maxCalls = intVar(this.env.MAX_MODEL_CALLS, 12);
		const budget = intVar(this.env.TOKEN_BUDGET, 60_000);
		while (true) {
			this.#checkCancelled();
			if (turn.usage.model_calls >= maxCalls) {
				await this.#finish(turn, "tool_limit");
				return;
			}
			const fitted = await fitToBudget({
				anthropic,
				model: this.env.ANTHROPIC_MODEL,
				system: SYSTEM_PROMPT,
				tools,
				messages: this.#transcript(),
				budget,
				signal: this.#abort?.signal,
			});
			if (fitted.summarized) this.#replaceTranscript(fitted.messages);
			turn.usage.input_tokens += fitted.usage.input_tokens;
			turn.usage.output_tokens += fitted.usage.output_tokens;
			turn.usage.model_calls += fitted.usage.model_calls;

			const stream = anthropic.messages.stream(
				{
					model: this.env.ANTHROPIC_MODEL,
					max_tokens: intVar(this.env.MAX_OUTPUT_TOKENS, 2048),
					system: SYSTEM_PROMPT,
					messages: fitted.messages,
					tools,
				},
				{ signal: this.#abort?.signal },
			);
			// A new model call's text is a new paragraph of the same answer, live and when the answer is read back.
			let separator = turn.text === "" ? "" : "\n\n";
			stream.on("text", (delta) => {
				const text = `${separator}${delta}`;
				separator = "";
				turn.text += text;
				this.#emit("assistant.delta", { turn_id: turn.turn_id, text });
			});
			const final = await stream.finalMessage();
			turn.usage.input_tokens += final.usage.input_tokens;
			turn.usage.output_tokens += final.usage.output_tokens;
			turn.usage.model_calls += 1;
			this.#pushTranscript({ role: "assistant", content: final.content });
			this.#saveTurn(turn);

			const uses = final.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
			if (final.stop_reason !== "tool_use" || uses.length === 0) {
				await this.#finish(turn, final.stop_reason === "max_tokens" ? "max_tokens" : "end_turn");
				return;
			}
			const paused = await this.#runTools(turn, mcp, uses, []);
			if (paused) return;
		}
	}

	/** Runs one round's tool calls; pauses the turn (returns true) when a purchase needs the owner. */
	async #runTools(
		turn: Turn,
		mcp: Client,
		uses: ToolUseBlock[],
		done: ToolResultBlockParam[],
	): Promise<boolean> {
		const results = [...done];
		for (const [i, use] of uses.entries()) {
			this.#checkCancelled();
			const input = (use.input ?? {}) as Record<string, unknown>;
			this.#emit("mcp.tool.started", { turn_id: turn.turn_id, tool_use_id: use.id, name: use.name, input });
			const result = await mcp.callTool({ name: use.name, arguments: input });
			const structured = (result.structuredContent ?? {}) as ToolErrorShape;
			const quoteId = typeof input.quote_id === "string" ? input.quote_id : null;
			if (result.isError && structured.error?.code === "CONFIRMATION_REQUIRED" && quoteId) {
				turn.status = "awaiting_confirmation";
				turn.pending = {
					tool_use_id: use.id,
					name: use.name,
					input,
					quote_id: quoteId,
					done: results,
					rest: uses.slice(i + 1),
				};
				this.#saveTurn(turn);
				const quote = await this.#quote(turn.credential_id, quoteId);
				// The conversation's status first: a client that acts on the event at once must find it paused.
				await this.#settle(turn.conversation_id, "awaiting_confirmation");
				this.#emit("purchase.confirmation_required", {
					turn_id: turn.turn_id,
					tool_use_id: use.id,
					quote,
					confirm_url: structured.error.confirmation_url ?? null,
					decide_url: `/api/chat/${turn.conversation_id}/confirm`,
				});
				return true;
			}
			results.push(this.#recordResult(turn, use, result));
		}
		this.#pushTranscript({ role: "user", content: results });
		this.#saveTurn(turn);
		return false;
	}

	/** After the owner's decision: the paused call (bought, or declined), then the rest of its round. */
	async #runPending(turn: Turn, mcp: Client): Promise<boolean> {
		const pending = turn.pending;
		if (!pending?.decision) return false;
		turn.pending = undefined;
		const use: ToolUseBlock = {
			type: "tool_use",
			id: pending.tool_use_id,
			name: pending.name,
			input: pending.input,
		} as ToolUseBlock;
		let done = pending.done;
		if (pending.decision === "confirm") {
			this.#emit("mcp.tool.started", {
				turn_id: turn.turn_id,
				tool_use_id: use.id,
				name: use.name,
				input: pending.input,
			});
			const result = await mcp.callTool({ name: use.name, arguments: pending.input });
			done = [...done, this.#recordResult(turn, use, result)];
		} else {
			const declined = { isError: false, structuredContent: { status: "declined" } };
			this.#emit("mcp.tool.result", {
				turn_id: turn.turn_id,
				tool_use_id: use.id,
				name: use.name,
				is_error: false,
				result: declined.structuredContent,
				summary: "declined by the user",
			});
			turn.tool_calls.push({ name: use.name, is_error: false, summary: "declined by the user" });
			done = [
				...done,
				{
					type: "tool_result",
					tool_use_id: use.id,
					content: "The user declined this purchase; it was not made.",
				},
			];
		}
		this.#saveTurn(turn);
		return this.#runTools(turn, mcp, pending.rest, done);
	}

	#recordResult(
		turn: Turn,
		use: ToolUseBlock,
		result: { isError?: boolean; structuredContent?: unknown; content?: unknown },
	): ToolResultBlockParam {
		const summary = summaryOf(use.name, result);
		this.#emit("mcp.tool.result", {
			turn_id: turn.turn_id,
			tool_use_id: use.id,
			name: use.name,
			is_error: result.isError === true,
			result: result.structuredContent ?? null,
			summary,
		});
		turn.tool_calls.push({ name: use.name, is_error: result.isError === true, summary });
		return {
			type: "tool_result",
			tool_use_id: use.id,
			content: resultText(result) || "(no output)",
			...(result.isError ? { is_error: true } : {}),
		};
	}

	async #quote(credentialId: string, quoteId: string): Promise<QuoteView> {
		const answer = await this.env.GATEWAY.call(credentialId, {
			method: "GET",
			path: `/v1/quotes/${encodeURIComponent(quoteId)}`,
		});
		// The gateway's view names the quote by its bare id; callers act with the signed one.
		if (answer.status === 200) return { ...(JSON.parse(answer.body) as QuoteView), quote_id: quoteId };
		return { quote_id: quoteId, service: "", tool: "", amount_cents: 0, expires_at: "" };
	}

	#checkCancelled(): void {
		if (this.#turn()?.cancel_requested) throw new Cancelled();
	}

	/**
	 * Closes a paused call in the transcript when the turn ends without the owner's decision: its result says `why`,
	 * and a short assistant line (`closing`) keeps user and assistant messages alternating.
	 */
	#abandonPending(turn: Turn, why: string, closing: string): void {
		if (!turn.pending) return;
		this.#pushTranscript({
			role: "user",
			content: [
				...turn.pending.done,
				{ type: "tool_result", tool_use_id: turn.pending.tool_use_id, content: why },
				...turn.pending.rest.map(
					(block): ToolResultBlockParam => ({
						type: "tool_result",
						tool_use_id: block.id,
						content: "Not run: the turn ended before this call.",
					}),
				),
			],
		});
		this.#pushTranscript({ role: "assistant", content: closing });
		turn.pending = undefined;
	}

	/** Ends the turn with `assistant.completed` and persists the assistant's message. */
	async #finish(turn: Turn, stopReason: ChatEventData["assistant.completed"]["stop_reason"]): Promise<void> {
		if (turn.status === "done") return;
		const last = this.#transcript().at(-1);
		if (last?.role === "user") {
			// A cancelled round leaves tool results without an answer: keep the transcript alternating.
			this.#pushTranscript({ role: "assistant", content: turn.text || "Stopped." });
		}
		turn.status = "done";
		turn.cancel_requested = false;
		this.#saveTurn(turn);
		// Stored before the event: a client that sends its next message at once must find the turn over.
		try {
			await new ConversationStore(this.env.DB).addMessage(turn.conversation_id, {
				role: "assistant",
				text: turn.text,
				turn_id: turn.turn_id,
				tool_calls: turn.tool_calls,
				usage: turn.usage,
			});
		} catch (error) {
			log("error", "could not store the assistant message", { turn_id: turn.turn_id, error });
		}
		await this.#settle(turn.conversation_id, "idle");
		this.#emit("assistant.completed", {
			turn_id: turn.turn_id,
			message: { role: "assistant", text: turn.text },
			usage: turn.usage,
			stop_reason: stopReason,
		});
	}

	/** The conversation's status in D1 (which the Worker checks before starting or resuming a turn). */
	async #settle(conversationId: string, status: "idle" | "awaiting_confirmation"): Promise<void> {
		try {
			await new ConversationStore(this.env.DB).endTurn(conversationId, status);
		} catch (error) {
			log("error", "could not update the conversation status", { conversation_id: conversationId, error });
		}
	}

	/** Ends a failed turn with an `error` event. */
	async #fail(turn: Turn, error: ChatEventData["error"]): Promise<void> {
		const last = this.#transcript().at(-1);
		if (last?.role === "user") this.#pushTranscript({ role: "assistant", content: turn.text || "(failed)" });
		turn.status = "done";
		this.#saveTurn(turn);
		await this.#settle(turn.conversation_id, "idle");
		this.#emit("error", error);
	}

	async #mcpClient(credentialId: string): Promise<Client> {
		const transport = new StreamableHTTPClientTransport(new URL("https://mcp.internal/mcp"), {
			// An AbortSignal cannot cross RPC: the request goes without one.
			fetch: (url, init) =>
				this.env.MCP.handle(
					credentialId,
					new Request(url, { method: init?.method, headers: init?.headers, body: init?.body }),
				),
		});
		const client = new Client({ name: "penumbra-chat", version: "0.1.0" });
		await client.connect(transport);
		return client;
	}
}
