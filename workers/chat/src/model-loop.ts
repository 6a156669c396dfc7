import type Anthropic from "@anthropic-ai/sdk";
import type { Tool, ToolResultBlockParam, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import type { ChatEventData, PendingQuote } from "@penumbra/core/contracts";
import { fitToBudget } from "./budget.ts";
import type { EventLog } from "./event-log.ts";
import { limitsOf } from "./limits.ts";
import type { McpConnection } from "./mcp-connection.ts";
import { summaryOf, type ToolCallResult, type ToolErrorShape, toolResultBlock } from "./tools.ts";
import type { Transcript, Unanswered } from "./transcript.ts";
import type { StopReason, Turn, TurnState } from "./turn.ts";

export const SYSTEM_PROMPT = `You are Penumbra's assistant. You help the user get real-world things done — food delivery, rides, restaurant tables, shopping, weather, travel — through Penumbra's five tools.

How to work:
- Find services with search_services, read a service's tools with list_tools, then call one with execute.
- Purchases: execute without quote_id returns a quote and charges nothing. Tell the user what it buys and the price, then call execute again with the same arguments plus the quote_id.
- Some purchases need the user's own confirmation. You cannot confirm on their behalf; the app will ask them. Never claim a purchase went through without a receipt.
- Amounts are integer cents: show them as dollars. Be brief and concrete.`;

/** Whether the API key a turn was started with is still live (docs/auth.md): the gateway asks its Account DO. */
export async function keyLive(env: ChatEnv, credentialId: string, keyId: string): Promise<boolean> {
	return (await env.GATEWAY.identity(credentialId, keyId)) !== null;
}

/** Thrown at the next step once the owner asked to stop the turn. */
export class Cancelled extends Error {}

/** Thrown at the next step once the API key the turn was started with is revoked (docs/auth.md). */
export class KeyRevoked extends Error {}

/** What the loop needs from the session whose turn it runs. */
export interface TurnHost {
	readonly env: ChatEnv;
	readonly events: EventLog<ChatEventData>;
	readonly transcript: Transcript;
	readonly turns: TurnState;
	/** Ends the turn with `assistant.completed`. */
	finish(turn: Turn, stopReason: StopReason): Promise<void>;
	/** Sets the conversation's status in D1, which the Worker checks before starting or resuming a turn. */
	settle(conversationId: string, status: "idle" | "awaiting_confirmation"): Promise<void>;
	/** The quote a paused purchase waits on, as the owner is shown it. */
	quote(credentialId: string, quoteId: string): Promise<PendingQuote>;
}

/** One running turn's connections: the model, the MCP server (connecting meanwhile) and its tools, the abort signal. */
export interface TurnTools {
	anthropic: Anthropic;
	mcp: McpConnection;
	tools: Tool[];
	signal: AbortSignal;
	/**
	 * A check of the turn's key made for this run and already under way (started with the turn, alongside its
	 * writes): the loop's first check awaits it instead of asking the gateway again. Every later check asks anew.
	 */
	keyCheck?: Promise<boolean> | undefined;
	/**
	 * Writes of the turn's start still under way (the user's message in D1, the alarm): the first model call goes out
	 * meanwhile, and nothing it says is shown until they and the key check are done (it is stopped if either fails).
	 */
	written?: Promise<unknown> | undefined;
}

/**
 * A turn's model/tool loop: call the model, run the tools it asks for, repeat until it answers, hits a limit, or a
 * purchase needs the owner (the turn then pauses and `run` picks it up again after the decision). Every step is
 * saved and logged as it happens, so a reader reconnecting mid-turn misses nothing.
 */
export class ModelLoop {
	readonly #host: TurnHost;
	readonly #with: TurnTools;
	#keyCheck: Promise<boolean> | undefined;
	/** A new turn's start, still being written: only its first model call may go out before it is. */
	#written: Promise<unknown> | undefined;

	constructor(host: TurnHost, tools: TurnTools) {
		this.#host = host;
		this.#with = tools;
		this.#keyCheck = tools.keyCheck;
		this.#written = tools.written;
	}

	async run(turn: Turn): Promise<void> {
		if (turn.pending?.decision) {
			// The owner's decision runs the paused call first: the key and the MCP server are checked before it.
			await this.#checkKey(turn);
			if (turn.pending.decision === "confirm") await this.#with.mcp.client();
			const paused = await this.#runPending(turn);
			if (paused) return;
		}
		await this.#loop(turn);
	}

	async #loop(turn: Turn): Promise<void> {
		const { env, transcript, turns } = this.#host;
		const { anthropic, tools, signal } = this.#with;
		const limits = limitsOf(env);
		while (true) {
			this.#checkCancelled();
			// The key is checked before every model call; a new turn's first call goes out while its start is still
			// written and its key checked (both begun with the turn), and shows nothing until they are done.
			const cleared = this.#startCleared(turn);
			if (!cleared) await this.#checkKey(turn);
			if (turn.usage.model_calls >= limits.maxModelCalls) {
				await this.#host.finish(turn, "tool_limit");
				return;
			}
			const fitted = await fitToBudget({
				anthropic,
				model: env.ANTHROPIC_MODEL,
				system: SYSTEM_PROMPT,
				tools,
				messages: transcript.messages(),
				budget: limits.tokenBudget,
				signal,
			});
			if (fitted.summarized) transcript.replace(fitted.messages);
			turn.usage.input_tokens += fitted.usage.input_tokens;
			turn.usage.output_tokens += fitted.usage.output_tokens;
			turn.usage.model_calls += fitted.usage.model_calls;

			const final = await this.#modelCall(turn, fitted.messages, cleared);
			turn.usage.input_tokens += final.usage.input_tokens;
			turn.usage.output_tokens += final.usage.output_tokens;
			turn.usage.model_calls += 1;
			transcript.push({ role: "assistant", content: final.content });
			turns.save(turn);

			const uses = final.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
			if (final.stop_reason !== "tool_use" || uses.length === 0) {
				await this.#host.finish(turn, final.stop_reason === "max_tokens" ? "max_tokens" : "end_turn");
				return;
			}
			const paused = await this.#runTools(turn, uses, []);
			if (paused) return;
		}
	}

	/**
	 * One streamed model call, its text shown as it comes. With `cleared` (a new turn's first call) the text is held
	 * until it resolves; if it fails the call is stopped and nothing is shown.
	 */
	async #modelCall(
		turn: Turn,
		messages: Anthropic.MessageParam[],
		cleared: Promise<void> | undefined,
	): Promise<Anthropic.Message> {
		const { env, events } = this.#host;
		const { anthropic, tools, signal, mcp } = this.#with;
		const stream = anthropic.messages.stream(
			{
				model: env.ANTHROPIC_MODEL,
				max_tokens: limitsOf(env).maxOutputTokens,
				system: SYSTEM_PROMPT,
				messages,
				tools,
			},
			{ signal },
		);
		// A new model call's text is a new paragraph of the same answer, live and when the answer is read back.
		let separator = turn.text === "" ? "" : "\n\n";
		const show = (delta: string) => {
			const text = `${separator}${delta}`;
			separator = "";
			turn.text += text;
			events.append("assistant.delta", { turn_id: turn.turn_id, text });
		};
		const held: string[] = [];
		let holding = cleared !== undefined;
		stream.on("text", (delta) => (holding ? held.push(delta) : show(delta)));
		// A tool call is coming: connect to the MCP server while the model writes its input (mcp-connection.ts).
		stream.on("streamEvent", (event) => {
			if (event.type === "content_block_start" && event.content_block.type === "tool_use") mcp.warm();
		});
		// Asked for at once and marked handled: a call that fails, or is stopped below, while `cleared` is awaited
		// must not be an unhandled rejection (the caller still gets its error from `final`).
		const final = stream.finalMessage();
		final.catch(() => {});
		if (cleared) {
			await cleared.catch((error: unknown) => {
				stream.abort();
				throw error;
			});
			holding = false;
			for (const delta of held.splice(0)) show(delta);
		}
		return final;
	}

	/** Runs one round's tool calls; pauses the turn (returns true) when a purchase needs the owner. */
	async #runTools(turn: Turn, uses: ToolUseBlock[], done: ToolResultBlockParam[]): Promise<boolean> {
		const { events, transcript, turns } = this.#host;
		const results = [...done];
		for (const [i, use] of uses.entries()) {
			this.#checkCancelled();
			if (!(await this.#keyLive(turn))) {
				// Every call of the round gets a result, so the transcript stays one the model API accepts.
				const why = "Not run: the API key of this chat was revoked.";
				transcript.closeUnanswered(
					{ tool_use_id: use.id, done: results, rest: uses.slice(i + 1) },
					why,
					"Stopped.",
				);
				throw new KeyRevoked();
			}
			const input = (use.input ?? {}) as Record<string, unknown>;
			events.append("mcp.tool.started", {
				turn_id: turn.turn_id,
				tool_use_id: use.id,
				name: use.name,
				input,
			});
			const result = await this.#callTool(use.name, input, {
				tool_use_id: use.id,
				done: results,
				rest: uses.slice(i + 1),
			});
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
				turns.save(turn);
				await this.#awaitDecision(turn, use, quoteId, structured.error.confirmation_url ?? null);
				return true;
			}
			results.push(this.#recordResult(turn, use, result));
		}
		transcript.push({ role: "user", content: results });
		turns.save(turn);
		return false;
	}

	async #awaitDecision(
		turn: Turn,
		use: ToolUseBlock,
		quoteId: string,
		confirmUrl: string | null,
	): Promise<void> {
		const quote = await this.#host.quote(turn.credential_id, quoteId);
		// The conversation's status first: a client that acts on the event at once must find it paused.
		await this.#host.settle(turn.conversation_id, "awaiting_confirmation");
		this.#host.events.append("purchase.confirmation_required", {
			turn_id: turn.turn_id,
			tool_use_id: use.id,
			quote,
			confirm_url: confirmUrl,
			decide_url: `/api/chat/${turn.conversation_id}/confirm`,
		});
	}

	/** After the owner's decision: the paused call (bought, or declined), then the rest of its round. */
	async #runPending(turn: Turn): Promise<boolean> {
		const { events, turns } = this.#host;
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
			events.append("mcp.tool.started", {
				turn_id: turn.turn_id,
				tool_use_id: use.id,
				name: use.name,
				input: pending.input,
			});
			const result = await this.#callTool(use.name, pending.input, null);
			done = [...done, this.#recordResult(turn, use, result)];
		} else {
			const declined = { isError: false, structuredContent: { status: "declined" } };
			events.append("mcp.tool.result", {
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
		turns.save(turn);
		return this.#runTools(turn, pending.rest, done);
	}

	/**
	 * One tool call, only of a tool the model was offered: any other name (a model inventing `confirm_purchase`) is
	 * answered here as a failed call, so it reaches nothing and the turn goes on. When the MCP connection (made
	 * while the model answered) failed, the call and the rest of its round are closed in the transcript as not run
	 * (`unanswered`; the paused call's connection was awaited before it), and the failure ends the turn.
	 */
	async #callTool(
		name: string,
		input: Record<string, unknown>,
		unanswered: Unanswered | null,
	): Promise<ToolCallResult> {
		if (this.#with.tools.some((tool) => tool.name === name)) {
			const mcp = await this.#with.mcp.client().catch((error: unknown) => {
				if (unanswered) {
					this.#host.transcript.closeUnanswered(
						unanswered,
						"Not run: the tools were unavailable.",
						"Stopped.",
					);
				}
				throw error;
			});
			return mcp.callTool({ name, arguments: input });
		}
		const offered = this.#with.tools.map((tool) => tool.name).join(", ");
		const detail = `There is no tool ${name}. The tools are: ${offered}.`;
		return {
			isError: true,
			structuredContent: { error: { code: "NOT_FOUND", detail } },
			content: [{ type: "text", text: detail }],
		};
	}

	#recordResult(turn: Turn, use: ToolUseBlock, result: ToolCallResult): ToolResultBlockParam {
		const summary = summaryOf(use.name, result);
		this.#host.events.append("mcp.tool.result", {
			turn_id: turn.turn_id,
			tool_use_id: use.id,
			name: use.name,
			is_error: result.isError === true,
			result: result.structuredContent ?? null,
			summary,
		});
		turn.tool_calls.push({ name: use.name, is_error: result.isError === true, summary });
		return toolResultBlock(use, result);
	}

	/** A turn started with an API key runs only while that key is live; the site's session has no key to check. */
	async #keyLive(turn: Turn): Promise<boolean> {
		if (turn.key_id === undefined) return true;
		const started = this.#keyCheck;
		this.#keyCheck = undefined;
		return started ?? keyLive(this.#host.env, turn.credential_id, turn.key_id);
	}

	/** For a new turn's first model call: the turn's start written and its key found live (else it throws). */
	#startCleared(turn: Turn): Promise<void> | undefined {
		const written = this.#written;
		this.#written = undefined;
		if (written === undefined) return undefined;
		const cleared = Promise.all([written, this.#checkKey(turn)]).then(() => undefined);
		cleared.catch(() => {});
		return cleared;
	}

	async #checkKey(turn: Turn): Promise<void> {
		if (!(await this.#keyLive(turn))) throw new KeyRevoked();
	}

	#checkCancelled(): void {
		// Read from storage: `cancel()` runs in another request and only writes the flag there.
		if (this.#host.turns.current()?.cancel_requested) throw new Cancelled();
	}
}
