import type { ServerEvent } from "./events.ts";

/** The conversation as the page shows it, built from stored messages and then from live events. */

export type ToolStatus = "running" | "done" | "error" | "awaiting";

export interface ToolCall {
	id: string;
	name: string;
	input: unknown;
	status: ToolStatus;
	summary: string | null;
	result: unknown;
}

export type Part = { kind: "text"; text: string } | { kind: "tool"; call: ToolCall };

export interface UserMessage {
	kind: "user";
	key: string;
	turnId: string | null;
	text: string;
}

export type AssistantState = "streaming" | "done" | "cancelled" | "error" | "awaiting";

export interface AssistantMessage {
	kind: "assistant";
	key: string;
	turnId: string | null;
	parts: Part[];
	state: AssistantState;
	error: { code: string; message: string } | null;
	stopReason: string | null;
	/** Loaded from the stored conversation: its turn is over, and replayed events of it are not shown again. */
	stored: boolean;
}

export type Message = UserMessage | AssistantMessage;

export type Action =
	| { type: "reset"; messages: Message[] }
	| { type: "send"; key: string; text: string }
	| { type: "unsend"; key: string }
	| { type: "event"; event: ServerEvent }
	| { type: "interrupted"; message: string };

/** A stored message of GET /api/conversations/:id. */
export interface StoredMessage {
	role: "user" | "assistant";
	text: string;
	turn_id?: string | null;
	created_at?: string;
	tool_calls?: unknown;
}

function storedToolCalls(value: unknown, turnId: string): ToolCall[] {
	if (!Array.isArray(value)) return [];
	return value.flatMap((entry, i): ToolCall[] => {
		if (typeof entry !== "object" || entry === null) return [];
		const call = entry as { name?: unknown; is_error?: unknown; summary?: unknown };
		if (typeof call.name !== "string") return [];
		return [
			{
				id: `${turnId}:${i}`,
				name: call.name,
				input: null,
				status: call.is_error === true ? "error" : "done",
				summary: typeof call.summary === "string" ? call.summary : null,
				result: null,
			},
		];
	});
}

export function fromStored(messages: StoredMessage[]): Message[] {
	return messages.map((m, i): Message => {
		const turnId = m.turn_id ?? null;
		const key = `stored-${i}`;
		if (m.role === "user") return { kind: "user", key, turnId, text: m.text };
		const tools = storedToolCalls(m.tool_calls, turnId ?? key).map((call): Part => ({ kind: "tool", call }));
		return {
			kind: "assistant",
			key,
			turnId,
			parts: [...tools, ...(m.text ? [{ kind: "text" as const, text: m.text }] : [])],
			state: "done",
			error: null,
			stopReason: null,
			stored: true,
		};
	});
}

function newAssistant(turnId: string): AssistantMessage {
	return {
		kind: "assistant",
		key: `turn-${turnId}`,
		turnId,
		parts: [],
		state: "streaming",
		error: null,
		stopReason: null,
		stored: false,
	};
}

/** The assistant message of `turnId`, created right after that turn's user message when there is none yet. */
function withAssistant(
	messages: Message[],
	turnId: string,
	update: (m: AssistantMessage) => AssistantMessage,
): Message[] {
	const index = messages.findIndex((m) => m.kind === "assistant" && m.turnId === turnId);
	if (index >= 0) {
		const current = messages[index] as AssistantMessage;
		if (current.stored) return messages;
		const next = messages.slice();
		next[index] = update(current);
		return next;
	}
	const userIndex = messages.findLastIndex((m) => m.kind === "user" && m.turnId === turnId);
	const at = userIndex >= 0 ? userIndex + 1 : messages.length;
	const next = messages.slice();
	next.splice(at, 0, update(newAssistant(turnId)));
	return next;
}

function upsertTool(parts: Part[], call: ToolCall): Part[] {
	const index = parts.findIndex((p) => p.kind === "tool" && p.call.id === call.id);
	if (index < 0) return [...parts, { kind: "tool", call }];
	const next = parts.slice();
	next[index] = { kind: "tool", call };
	return next;
}

function toolById(parts: Part[], id: string): ToolCall | null {
	for (const p of parts) if (p.kind === "tool" && p.call.id === id) return p.call;
	return null;
}

function applyEvent(messages: Message[], event: ServerEvent): Message[] {
	switch (event.type) {
		case "session.started": {
			const turnId = event.data.turn_id;
			let next = messages;
			// The message just sent is this turn's (a replay finds it already named).
			if (!messages.some((m) => m.kind === "user" && m.turnId === turnId)) {
				const pending = messages.findLastIndex((m) => m.kind === "user" && m.turnId === null);
				if (pending >= 0) {
					next = messages.slice();
					next[pending] = { ...(messages[pending] as UserMessage), turnId };
				}
			}
			// A purchase left waiting when a new turn began was not made (the server closed it the same way).
			next = next.map((m) =>
				m.kind === "assistant" && !m.stored && m.turnId !== turnId && m.state === "awaiting"
					? { ...settle(m, "Not confirmed"), state: "done" }
					: m,
			);
			return withAssistant(next, turnId, (m) => ({ ...m, state: "streaming", error: null }));
		}
		case "assistant.delta":
			return withAssistant(messages, event.data.turn_id, (m) => {
				const last = m.parts.at(-1);
				const parts =
					last?.kind === "text"
						? [...m.parts.slice(0, -1), { kind: "text" as const, text: last.text + event.data.text }]
						: [...m.parts, { kind: "text" as const, text: event.data.text }];
				return { ...m, parts, state: "streaming" };
			});
		case "mcp.tool.started":
			return withAssistant(messages, event.data.turn_id, (m) => ({
				...m,
				state: "streaming",
				parts: upsertTool(m.parts, {
					id: event.data.tool_use_id,
					name: event.data.name,
					input: event.data.input,
					status: "running",
					summary: null,
					result: null,
				}),
			}));
		case "mcp.tool.result":
			return withAssistant(messages, event.data.turn_id, (m) => {
				const before = toolById(m.parts, event.data.tool_use_id);
				return {
					...m,
					parts: upsertTool(m.parts, {
						id: event.data.tool_use_id,
						name: event.data.name,
						input: before?.input ?? null,
						status: event.data.is_error ? "error" : "done",
						summary: event.data.summary,
						result: event.data.result,
					}),
				};
			});
		case "purchase.confirmation_required":
			return withAssistant(messages, event.data.turn_id, (m) => {
				const before = toolById(m.parts, event.data.tool_use_id);
				return {
					...m,
					state: "awaiting",
					parts: upsertTool(m.parts, {
						id: event.data.tool_use_id,
						name: before?.name ?? "execute",
						input: before?.input ?? null,
						status: "awaiting",
						summary: "Waiting for your confirmation",
						result: before?.result ?? null,
					}),
				};
			});
		case "assistant.completed":
			return withAssistant(messages, event.data.turn_id, (m) => {
				const hasText = m.parts.some((p) => p.kind === "text" && p.text.trim() !== "");
				const { parts } = settle(m, "Not completed");
				return {
					...m,
					parts:
						!hasText && event.data.message.text
							? [...parts, { kind: "text", text: event.data.message.text }]
							: parts,
					state: event.data.stop_reason === "cancelled" ? "cancelled" : "done",
					stopReason: event.data.stop_reason,
				};
			});
		case "error": {
			const error = { code: event.data.code, message: event.data.message };
			const turnId = event.data.turn_id;
			if (!turnId) return interrupt(messages, error);
			return withAssistant(messages, turnId, (m) => ({
				...settle(m, "Not completed"),
				state: "error",
				error,
			}));
		}
	}
}

/** Tool calls still running or waiting when their turn ended did not finish. */
function settle(m: AssistantMessage, summary: string): AssistantMessage {
	return {
		...m,
		parts: m.parts.map(
			(p): Part =>
				p.kind === "tool" && (p.call.status === "running" || p.call.status === "awaiting")
					? { kind: "tool", call: { ...p.call, status: "error", summary } }
					: p,
		),
	};
}

/** Marks the turn being written as failed (the stream was lost, or an error came without a turn). */
function interrupt(messages: Message[], error: { code: string; message: string }): Message[] {
	const index = messages.findLastIndex(
		(m) => m.kind === "assistant" && (m.state === "streaming" || m.state === "awaiting"),
	);
	if (index < 0) {
		return [
			...messages,
			{ ...newAssistant(`local-${messages.length}`), turnId: null, state: "error", error },
		];
	}
	const next = messages.slice();
	next[index] = { ...(messages[index] as AssistantMessage), state: "error", error };
	return next;
}

export function reduce(messages: Message[], action: Action): Message[] {
	switch (action.type) {
		case "reset":
			return action.messages;
		case "send":
			return [...messages, { kind: "user", key: action.key, turnId: null, text: action.text }];
		case "unsend":
			return messages.filter((m) => m.key !== action.key);
		case "event":
			return applyEvent(messages, action.event);
		case "interrupted":
			return interrupt(messages, { code: "CONNECTION_LOST", message: action.message });
	}
}

/** The latest tool call with this id, to tell the purchase dialog what is being bought. */
export function findToolCall(messages: Message[], id: string): ToolCall | null {
	for (let i = messages.length - 1; i >= 0; i--) {
		const m = messages[i];
		if (m?.kind === "assistant") {
			const call = toolById(m.parts, id);
			if (call) return call;
		}
	}
	return null;
}

/** The quote an earlier `execute` returned (it names the merchant and the details), by quote id. */
export function findQuoteResult(
	messages: Message[],
	quoteId: string,
): { merchant?: string; details?: unknown } | null {
	for (let i = messages.length - 1; i >= 0; i--) {
		const m = messages[i];
		if (m?.kind !== "assistant") continue;
		for (const p of m.parts) {
			if (p.kind !== "tool" || typeof p.call.result !== "object" || p.call.result === null) continue;
			const quote = (p.call.result as { quote?: unknown }).quote;
			if (typeof quote !== "object" || quote === null) continue;
			const q = quote as { quote_id?: unknown; merchant?: unknown; details?: unknown };
			if (q.quote_id === quoteId) {
				return {
					...(typeof q.merchant === "string" ? { merchant: q.merchant } : {}),
					...(q.details === undefined ? {} : { details: q.details }),
				};
			}
		}
	}
	return null;
}
