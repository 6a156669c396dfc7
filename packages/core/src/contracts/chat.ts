import { z } from "zod";
import { QuoteSchema } from "./money.ts";

/**
 * The chat stream's events (docs/chat-stream.md). Every event has a per-conversation sequence number, sent as the
 * SSE `id:`; a client that reconnects with `Last-Event-ID: <n>` gets exactly the events after n.
 */

export const UsageSchema = z.object({
	input_tokens: z.number().int(),
	output_tokens: z.number().int(),
	model_calls: z
		.number()
		.int()
		.describe("Model calls this turn made (one per tool round, plus any summary)."),
});
export type Usage = z.infer<typeof UsageSchema>;

/** The quote a paused purchase waits on, as the chat shows it. */
export const PendingQuoteSchema = QuoteSchema.pick({
	quote_id: true,
	service: true,
	tool: true,
	amount_cents: true,
	expires_at: true,
}).extend({ status: z.string().optional() });
export type PendingQuote = z.infer<typeof PendingQuoteSchema>;

export const STOP_REASONS = ["end_turn", "max_tokens", "tool_limit", "cancelled", "declined"] as const;

/** Each event type's payload. */
export const ChatEventSchemas = {
	"session.started": z.object({ conversation_id: z.string(), turn_id: z.string(), model: z.string() }),
	"assistant.delta": z.object({ turn_id: z.string(), text: z.string() }),
	"mcp.tool.started": z.object({
		turn_id: z.string(),
		tool_use_id: z.string(),
		name: z.string(),
		input: z.unknown(),
	}),
	"mcp.tool.result": z.object({
		turn_id: z.string(),
		tool_use_id: z.string(),
		name: z.string(),
		is_error: z.boolean(),
		result: z.unknown().describe("The tool's structured result, as the MCP server shaped it."),
		summary: z.string().describe("One line for a tool card."),
	}),
	"purchase.confirmation_required": z.object({
		turn_id: z.string(),
		tool_use_id: z.string(),
		quote: PendingQuoteSchema,
		confirm_url: z
			.string()
			.nullable()
			.describe("Where the owner can also confirm (the MCP confirmation page)."),
		decide_url: z
			.string()
			.describe(
				'POST `{ quote_id, decision: "confirm" | "decline" }` here as the owner; the turn continues.',
			),
	}),
	"assistant.completed": z.object({
		turn_id: z.string(),
		message: z.object({ role: z.literal("assistant"), text: z.string() }),
		usage: UsageSchema,
		stop_reason: z.enum(STOP_REASONS),
	}),
	error: z.object({ turn_id: z.string().optional(), code: z.string(), message: z.string() }),
	heartbeat: z.object({ at: z.string() }),
} as const;

export type ChatEventData = { [T in keyof typeof ChatEventSchemas]: z.infer<(typeof ChatEventSchemas)[T]> };
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
