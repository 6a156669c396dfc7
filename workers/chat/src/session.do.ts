import { DurableObject } from "cloudflare:workers";
import Anthropic from "@anthropic-ai/sdk";
import type { Client } from "@modelcontextprotocol/client";
import { type ChatEventData, type PendingQuote, TERMINAL_EVENTS } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { metricsOf } from "@penumbra/core/metrics";
import { parseTraceparent } from "@penumbra/core/trace";
import { EventLog } from "./event-log.ts";
import { McpConnection, toolsFor } from "./mcp-connection.ts";
import { Cancelled, KeyRevoked, keyLive, ModelLoop, type TurnHost } from "./model-loop.ts";
import { ConversationStore } from "./store.ts";
import { mcpClient, originFields } from "./tools.ts";
import { Transcript } from "./transcript.ts";
import { newTurn, type StopReason, type Turn, TurnState } from "./turn.ts";
import { recordTurnRun, turnRunStart } from "./turn-metrics.ts";

type StartResult =
	| { ok: true; after: number; turn_id: string }
	| { ok: false; code: string; message: string };

/**
 * One conversation: its event log (event-log.ts: every event with a sequence number, so a client resumes with
 * Last-Event-ID and gets exactly what it missed) and its turns' model/tool loop (model-loop.ts). A turn runs from an
 * alarm, not from the request that started it: a closed tab does not stop it, and a reconnect only reads the log
 * (the model is never called again). The alarm also prunes the log once a turn has stopped (see `#prune`).
 */
export class ChatSession extends DurableObject<ChatEnv> {
	/** The conversation's log. An instance field, so never reachable over RPC; tests reach it in-process. */
	readonly events: EventLog<ChatEventData>;
	readonly #transcript: Transcript;
	readonly #turns: TurnState;
	/** What the model loop may do to this session; not methods of the class, which RPC would expose. */
	readonly #host: TurnHost;
	#abort: AbortController | null = null;
	/** The run of the current turn in progress, if any (see `#runOnce`). */
	#running: Promise<void> | null = null;
	/** The check of a new turn's key started by `startTurn`, for its run's first model call (model-loop.ts). */
	#keyCheck: Promise<boolean> | undefined;
	/** `startTurn`'s writes still under way when its run starts: the first model call shows nothing before them. */
	#written: Promise<unknown> | undefined;
	/** Set by `startTurn`: called once its run has handed its first model request to the runtime, or has ended. */
	#requestSent: (() => void) | undefined;

	constructor(ctx: DurableObjectState, env: ChatEnv) {
		super(ctx, env);
		this.events = new EventLog<ChatEventData>(ctx.storage.sql, { terminal: TERMINAL_EVENTS });
		this.#transcript = new Transcript(ctx.storage);
		this.#turns = new TurnState(ctx.storage.sql);
		this.#host = {
			env,
			events: this.events,
			transcript: this.#transcript,
			turns: this.#turns,
			finish: (turn, stopReason) => this.#finish(turn, stopReason),
			settle: (conversationId, status) => this.#settle(conversationId, status),
			quote: (credentialId, quoteId) => this.#quote(credentialId, quoteId),
		};
	}

	// ── RPC ────────────────────────────────────────────────────────────────────────────────────────────────────

	async startTurn(input: {
		conversation_id: string;
		credential_id: string;
		/** The API key the request came with, if any: the turn stops once it is revoked. */
		key_id?: string;
		message: string;
		/** The request that starts the turn (its id and `traceparent`): the turn's calls carry them. */
		request_id?: string;
		traceparent?: string;
		/**
		 * A new conversation's turn slot, claimed by the caller while this starts (routes/chat.ts): the run starts
		 * only once it says true; on false this session forgets the turn and answers `TURN_LIMIT`.
		 */
		claim?: () => Promise<boolean>;
	}): Promise<StartResult> {
		const claimed = input.claim?.();
		claimed?.catch(() => {});
		const current = this.#turns.current();
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
		const after = this.events.lastId();
		const turn = newTurn(input);
		this.ctx.storage.transactionSync(() => {
			this.#transcript.push({ role: "user", content: input.message });
			this.#turns.save(turn);
		});
		this.events.append("session.started", {
			conversation_id: input.conversation_id,
			turn_id: turn.turn_id,
			model: this.env.ANTHROPIC_MODEL,
		});
		// With the turn's rows: a turn stored as running always has the alarm that runs it.
		const alarm = this.ctx.storage.setAlarm(Date.now());
		if (claimed) {
			const granted = await claimed.catch(async (error: unknown) => {
				await this.forget();
				throw error;
			});
			if (!granted) {
				await this.forget();
				return { ok: false, code: "TURN_LIMIT", message: "The account's turn limit was reached." };
			}
		}
		// The key check and the user's message in D1 are handed to the run before they start. They start once its
		// first model request has been handed to the runtime and the event loop has turned once, so that request goes
		// out first instead of queued behind them (docs/chat-stream.md). Nothing the model says is shown until both
		// are done (model-loop.ts): a failed write or a revoked key stops it and ends the turn with an `error` event,
		// and this call fails.
		const keyCheck = Promise.withResolvers<boolean>();
		const message = Promise.withResolvers<unknown>();
		const written = Promise.all([message.promise, alarm]);
		for (const pending of [keyCheck.promise, written]) pending.catch(() => {});
		this.#keyCheck = turn.key_id === undefined ? undefined : keyCheck.promise;
		this.#written = written;
		const sent = Promise.withResolvers<void>();
		this.#requestSent = sent.resolve;
		this.#startRun();
		await sent.promise;
		await new Promise((resolve) => setTimeout(resolve, 0));
		if (turn.key_id !== undefined) keyCheck.resolve(keyLive(this.env, turn.credential_id, turn.key_id));
		message.resolve(
			new ConversationStore(this.env.DB).addMessage(input.conversation_id, {
				role: "user",
				text: input.message,
				turn_id: turn.turn_id,
			}),
		);
		await written;
		return { ok: true, after, turn_id: turn.turn_id };
	}

	/** The purchase a paused turn waits on, and the API key the turn was started with (if any); null when none. */
	async paused(): Promise<{ quote_id: string; key_id?: string } | null> {
		const turn = this.#turns.current();
		if (turn?.status !== "awaiting_confirmation" || !turn.pending) return null;
		return { quote_id: turn.pending.quote_id, ...(turn.key_id === undefined ? {} : { key_id: turn.key_id }) };
	}

	/** Continues a turn paused for the owner's decision (already recorded with the gateway by the Worker). */
	async resume(input: {
		credential_id: string;
		quote_id: string;
		decision: "confirm" | "decline";
		/** The request with the owner's decision: the continuation's calls carry its id and trace. */
		request_id?: string;
		traceparent?: string;
	}): Promise<{ ok: true; after: number } | { ok: false; code: string; message: string }> {
		const turn = this.#turns.current();
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
		const after = this.events.lastId();
		turn.status = "running";
		turn.pending.decision = input.decision;
		if (input.request_id !== undefined) turn.request_id = input.request_id;
		if (input.traceparent !== undefined) turn.traceparent = input.traceparent;
		this.#turns.save(turn);
		await this.ctx.storage.setAlarm(Date.now());
		this.#startRun();
		return { ok: true, after };
	}

	async cancel(): Promise<{ cancelled: boolean }> {
		const turn = this.#turns.current();
		if (!turn || turn.status === "done") return { cancelled: false };
		if (turn.status === "awaiting_confirmation") {
			this.#abandonPending(turn, "The user stopped the turn; the purchase was not made.", "Stopped.");
			await this.#finish(turn, "cancelled");
			return { cancelled: true };
		}
		turn.cancel_requested = true;
		this.#turns.save(turn);
		this.#abort?.abort();
		return { cancelled: true };
	}

	async forget(): Promise<void> {
		this.#abort?.abort();
		this.events.closeReaders();
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
	}

	/** `GET /stream?after=<n>`: the events after n, then live ones until the running turn ends. */
	override async fetch(request: Request): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname !== "/stream") return new Response("not found", { status: 404 });
		const after = Number(url.searchParams.get("after") ?? "0");
		const from = Number.isInteger(after) && after >= 0 ? after : 0;
		return this.events.stream(from, { follow: this.#turns.current()?.status === "running" });
	}

	// ── the turn ───────────────────────────────────────────────────────────────────────────────────────────────

	override async alarm(): Promise<void> {
		await this.#runOnce();
		await this.#prune();
	}

	/**
	 * Starts the turn's run at once, without waiting for the alarm to be delivered (which would delay the first model
	 * call). The alarm set just before stays the turn's guarantee: when it fires it joins this run and stays open
	 * until the run ends, so a run cut short (an evicted object, a failure) is picked up again by the alarm's retry.
	 */
	#startRun(): void {
		this.#runOnce().catch((error: unknown) => log("error", "chat turn run failed", { error }));
	}

	/** The current turn's run: the one in progress if any (never two at once), else a new one. */
	#runOnce(): Promise<void> {
		this.#running ??= this.#run().finally(() => {
			this.#running = null;
		});
		return this.#running;
	}

	/** Tells a waiting `startTurn` that the run's model request is out (or that none is coming). */
	#sent(): void {
		this.#requestSent?.();
		this.#requestSent = undefined;
	}

	/**
	 * Retention of the event log: the latest turn's events are kept whatever their age (a reader attaching to the
	 * conversation replays that turn whole, even one paused for a purchase for weeks); older turns' events go once
	 * they are older than EVENT_RETENTION_MS (event-log.ts). Their text stays in D1 (`messages`), which is what a
	 * conversation is read back from. The next alarm is set for when the oldest such event falls due.
	 */
	async #prune(): Promise<void> {
		const latestTurn = this.events.lastIdOf("session.started");
		this.events.prune(Date.now(), latestTurn);
		const next = this.events.nextPruneAt(latestTurn);
		if (next === null) return;
		// Inside the alarm handler getAlarm() is null unless a turn was started or resumed meanwhile: that earlier
		// alarm must not be pushed back.
		const pending = await this.ctx.storage.getAlarm();
		if (pending === null || pending > next) await this.ctx.storage.setAlarm(next);
	}

	async #run(): Promise<void> {
		const turn = this.#turns.current();
		if (turn?.status !== "running") {
			this.#sent();
			return;
		}
		const start = turnRunStart(turn, this.events);
		try {
			await this.#runTurn(turn);
		} finally {
			this.#sent();
			// Never waits: the point goes out on waitUntil (d1) or at once (Analytics Engine).
			recordTurnRun(metricsOf(this.env, this.ctx), start, this.#turns.current() ?? turn, this.events);
		}
	}

	async #runTurn(turn: Turn): Promise<void> {
		if (!this.env.ANTHROPIC_API_KEY) {
			await this.#fail(turn, {
				turn_id: turn.turn_id,
				code: "MODEL_NOT_CONFIGURED",
				message:
					"The chat has no model key. Set ANTHROPIC_API_KEY: `npx wrangler secret put ANTHROPIC_API_KEY -c workers/chat/wrangler.toml` in production, or ANTHROPIC_API_KEY=… in workers/chat/.dev.vars locally (npm start uses a local fake model unless you do).",
			});
			return;
		}
		const abort = new AbortController();
		this.#abort = abort;
		// Connects on first need, at the latest while the model writes: the first model call waits for the MCP server
		// only when this isolate has no tool list yet (mcp-connection.ts).
		const mcp = new McpConnection(() => this.#connectMcp(turn));
		const keyCheck = this.#keyCheck;
		const written = this.#written;
		this.#keyCheck = undefined;
		this.#written = undefined;
		try {
			const tools = await toolsFor(mcp);
			const anthropic = new Anthropic({
				apiKey: this.env.ANTHROPIC_API_KEY,
				baseURL: this.env.ANTHROPIC_BASE_URL,
				maxRetries: 2,
				fetch: (url, init) => {
					const response = fetch(url, init);
					this.#sent();
					return response;
				},
			});
			const loop = new ModelLoop(this.#host, {
				anthropic,
				mcp,
				tools,
				signal: abort.signal,
				keyCheck,
				written,
			});
			await loop.run(turn);
		} catch (error) {
			if (error instanceof Cancelled || abort.signal.aborted) {
				await this.#finish(this.#turns.current() ?? turn, "cancelled");
				return;
			}
			if (error instanceof KeyRevoked) {
				const current = this.#turns.current() ?? turn;
				// A purchase the owner decided on after the key was revoked is not made either.
				this.#abandonPending(
					current,
					"The API key of this chat was revoked; the purchase was not made.",
					"Stopped.",
				);
				await this.#fail(current, {
					turn_id: turn.turn_id,
					code: "AUTH_REQUIRED",
					message: "The API key this chat was started with has been revoked; the turn stopped.",
				});
				return;
			}
			const message =
				error instanceof Anthropic.APIError
					? `The model failed (${error.status ?? "no status"}): ${error.message}`
					: "The turn failed; try again.";
			log("error", "chat turn failed", {
				turn_id: turn.turn_id,
				request_id: turn.request_id,
				trace_id: parseTraceparent(turn.traceparent)?.trace_id,
				error,
			});
			await this.#fail(this.#turns.current() ?? turn, {
				turn_id: turn.turn_id,
				code: "UPSTREAM_ERROR",
				message,
			});
		} finally {
			this.#abort = null;
			await mcp.close();
		}
	}

	async #connectMcp(turn: Turn): Promise<Client> {
		return mcpClient(this.env, turn.credential_id, turn.key_id, turn).catch(async (error: unknown) => {
			// The MCP server refuses a turn whose key was revoked: say that, not "the turn failed".
			if (turn.key_id && !(await this.env.GATEWAY.identity(turn.credential_id, turn.key_id))) {
				throw new KeyRevoked();
			}
			throw error;
		});
	}

	/** The paused call closed in the transcript (see Transcript.closeUnanswered); the turn no longer waits on it. */
	#abandonPending(turn: Turn, why: string, closing: string): void {
		if (!turn.pending) return;
		this.#transcript.closeUnanswered(turn.pending, why, closing);
		turn.pending = undefined;
	}

	/** Ends the turn with `assistant.completed` and persists the assistant's message. */
	async #finish(turn: Turn, stopReason: StopReason): Promise<void> {
		if (turn.status === "done") return;
		if (this.#transcript.endsWithUser()) {
			// A cancelled round leaves tool results without an answer: keep the transcript alternating.
			this.#transcript.push({ role: "assistant", content: turn.text || "Stopped." });
		}
		turn.status = "done";
		turn.cancel_requested = false;
		this.#turns.save(turn);
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
		this.events.append("assistant.completed", {
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

	async #quote(credentialId: string, quoteId: string): Promise<PendingQuote> {
		const answer = await this.env.GATEWAY.call(credentialId, {
			method: "GET",
			path: `/v1/quotes/${encodeURIComponent(quoteId)}`,
			...originFields(this.#turns.current() ?? {}),
		});
		// The gateway's view names the quote by its bare id; callers act with the signed one.
		if (answer.status === 200) return { ...(JSON.parse(answer.body) as PendingQuote), quote_id: quoteId };
		return { quote_id: quoteId, service: "", tool: "", amount_cents: 0, expires_at: "" };
	}

	/** Ends a failed turn with an `error` event. */
	async #fail(turn: Turn, error: ChatEventData["error"]): Promise<void> {
		if (this.#transcript.endsWithUser())
			this.#transcript.push({ role: "assistant", content: turn.text || "(failed)" });
		turn.status = "done";
		this.#turns.save(turn);
		await this.#settle(turn.conversation_id, "idle");
		this.events.append("error", error);
	}
}
