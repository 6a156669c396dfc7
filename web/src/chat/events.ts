/** The chat stream's events as the chat Worker sends them: the shared contracts (types only). */

import type { ChatEventData } from "@penumbra/core/contracts";

export type { PendingQuote as QuoteView } from "@penumbra/core/contracts";

/** Heartbeats only keep the connection open; the page never sees them. */
export type EventData = Omit<ChatEventData, "heartbeat">;

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
