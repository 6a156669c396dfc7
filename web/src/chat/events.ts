/** The chat stream's events as the chat Worker sends them (workers/chat/src/events.ts). */

export interface QuoteView {
	quote_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	expires_at: string;
	status?: string;
}

export interface EventData {
	"session.started": { conversation_id: string; turn_id: string; model: string };
	"assistant.delta": { turn_id: string; text: string };
	"mcp.tool.started": { turn_id: string; tool_use_id: string; name: string; input: unknown };
	"mcp.tool.result": {
		turn_id: string;
		tool_use_id: string;
		name: string;
		is_error: boolean;
		result: unknown;
		summary: string;
	};
	"purchase.confirmation_required": {
		turn_id: string;
		tool_use_id: string;
		quote: QuoteView;
		confirm_url: string | null;
		decide_url: string;
	};
	"assistant.completed": {
		turn_id: string;
		message: { role: "assistant"; text: string };
		usage: unknown;
		stop_reason: string;
	};
	error: { turn_id?: string; code: string; message: string };
}

export type EventType = keyof EventData;

export type ServerEvent = { [T in EventType]: { id: number; type: T; data: EventData[T] } }[EventType];

export type PurchaseEvent = Extract<ServerEvent, { type: "purchase.confirmation_required" }>;

const TYPES = new Set<string>([
	"session.started",
	"assistant.delta",
	"mcp.tool.started",
	"mcp.tool.result",
	"purchase.confirmation_required",
	"assistant.completed",
	"error",
]);

/** After these the server closes the turn's stream. */
export const TERMINAL = new Set<EventType>([
	"assistant.completed",
	"error",
	"purchase.confirmation_required",
]);

export function isEventType(type: string): type is EventType {
	return TYPES.has(type);
}
