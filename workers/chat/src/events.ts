/**
 * The chat stream's events (seed spec §2.3, DESIGN.md §6). Every event has a per-conversation sequence number, sent
 * as the SSE `id:`; a client that reconnects with `Last-Event-ID: <n>` gets exactly the events after n.
 */

export interface Usage {
	input_tokens: number;
	output_tokens: number;
	/** Model calls this turn made (one per tool round, plus any summary). */
	model_calls: number;
}

export interface QuoteView {
	quote_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	expires_at: string;
	status?: string;
}

export interface ChatEventData {
	"session.started": { conversation_id: string; turn_id: string; model: string };
	"assistant.delta": { turn_id: string; text: string };
	"mcp.tool.started": { turn_id: string; tool_use_id: string; name: string; input: unknown };
	"mcp.tool.result": {
		turn_id: string;
		tool_use_id: string;
		name: string;
		is_error: boolean;
		/** The tool's structured result (as the MCP server shaped it). */
		result: unknown;
		/** One line for a tool card. */
		summary: string;
	};
	"purchase.confirmation_required": {
		turn_id: string;
		tool_use_id: string;
		quote: QuoteView;
		/** Where the owner can also confirm (the MCP server's confirmation page). */
		confirm_url: string | null;
		/** POST here with `{ quote_id, decision: "confirm" | "decline" }` as the owner; the turn then continues. */
		decide_url: string;
	};
	"assistant.completed": {
		turn_id: string;
		message: { role: "assistant"; text: string };
		usage: Usage;
		stop_reason: "end_turn" | "max_tokens" | "tool_limit" | "cancelled" | "declined";
	};
	error: { turn_id?: string; code: string; message: string };
	heartbeat: { at: string };
}

export type ChatEventType = keyof ChatEventData;

export interface ChatEvent<T extends ChatEventType = ChatEventType> {
	id: number;
	type: T;
	data: ChatEventData[T];
}

/** Events after which a turn's stream closes. */
export const TERMINAL_EVENTS: ReadonlySet<ChatEventType> = new Set([
	"assistant.completed",
	"error",
	"purchase.confirmation_required",
]);
