import type { ToolResultBlockParam, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import type { ChatEventData, Usage } from "@penumbra/core/contracts";

export type TurnStatus = "running" | "awaiting_confirmation" | "done";

export type StopReason = ChatEventData["assistant.completed"]["stop_reason"];

/** A tool call waiting for the owner's decision, and the rest of its round. */
export interface Pending {
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

/** The conversation's current (or last) turn, saved after every step so an evicted object picks it up again. */
export interface Turn {
	turn_id: string;
	conversation_id: string;
	credential_id: string;
	/** The API key the turn was started with (none for the site's session): once it is revoked, the turn stops. */
	key_id?: string;
	/** The request that started (or last resumed) the turn, and its `traceparent`: the turn's MCP calls carry both. */
	request_id?: string;
	traceparent?: string;
	status: TurnStatus;
	/** The assistant's text so far, across the turn's model calls. */
	text: string;
	usage: Usage;
	tool_calls: { name: string; is_error: boolean; summary: string }[];
	cancel_requested: boolean;
	pending?: Pending;
}

export function newTurn(input: {
	conversation_id: string;
	credential_id: string;
	key_id?: string;
	request_id?: string;
	traceparent?: string;
}): Turn {
	return {
		turn_id: `turn_${crypto.randomUUID().replaceAll("-", "")}`,
		conversation_id: input.conversation_id,
		credential_id: input.credential_id,
		...(input.key_id === undefined ? {} : { key_id: input.key_id }),
		...(input.request_id === undefined ? {} : { request_id: input.request_id }),
		...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
		status: "running",
		text: "",
		usage: { input_tokens: 0, output_tokens: 0, model_calls: 0 },
		tool_calls: [],
		cancel_requested: false,
	};
}

/** The turn in the Durable Object's storage (table `state`, key `turn`). */
export class TurnState {
	readonly #sql: SqlStorage;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
		sql.exec("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
	}

	current(): Turn | null {
		const row = this.#sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'turn'").toArray()[0];
		return row ? (JSON.parse(row.value) as Turn) : null;
	}

	save(turn: Turn): void {
		this.#sql.exec("INSERT OR REPLACE INTO state (key, value) VALUES ('turn', ?)", JSON.stringify(turn));
	}
}
