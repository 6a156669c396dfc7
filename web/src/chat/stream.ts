import { networkProblem, noticeAuthLost, type Problem, problemFrom } from "../lib/api.ts";
import { type EventData, isEventType, type ServerEvent, TERMINAL } from "./events.ts";
import { readSse } from "./sse.ts";

/** Where a conversation's stream is: shared by every stream of the conversation so none repeats an event. */
export interface StreamCursor {
	conversationId: string | null;
	/** The highest event id handled; events at or below it are duplicates (a replay after reconnecting). */
	lastEventId: number;
}

export interface StreamHandlers {
	onEvent: (event: ServerEvent) => void;
	onConversation: (id: string) => void;
	/** `attempt` counts from 1; null once a reconnect succeeded. */
	onReconnecting: (attempt: number | null) => void;
}

export type StreamEnd =
	| { kind: "terminal"; event: ServerEvent }
	| { kind: "refused"; problem: Problem }
	| { kind: "lost"; problem: Problem }
	| { kind: "aborted" };

export const MAX_RECONNECTS = 5;

function backoff(attempt: number): number {
	return Math.min(500 * 2 ** (attempt - 1), 8000);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal.removeEventListener("abort", done);
			resolve();
		}
		signal.addEventListener("abort", done, { once: true });
	});
}

function resume(cursor: StreamCursor, signal: AbortSignal): Promise<Response> {
	return fetch(`/api/chat/${encodeURIComponent(cursor.conversationId ?? "")}/stream`, {
		headers: { accept: "text/event-stream", "last-event-id": String(cursor.lastEventId) },
		credentials: "same-origin",
		cache: "no-store",
		signal,
	});
}

/**
 * Follows one turn's events to their terminal event. `open` makes the first request (POST /api/chat, the confirm
 * POST, or a GET to attach to a running turn); if the connection drops, or ends before a terminal event, it
 * reconnects with `Last-Event-ID` and exponential backoff, and events already seen are skipped.
 * With `replay` (attaching from the start of a conversation) earlier turns' terminal events pass by, and the
 * server closing the stream after a terminal event ends it.
 */
export async function followTurn(
	open: (signal: AbortSignal) => Promise<Response>,
	cursor: StreamCursor,
	handlers: StreamHandlers,
	signal: AbortSignal,
	options: { replay?: boolean } = {},
): Promise<StreamEnd> {
	let attempt = 0;
	let last: ServerEvent | null = null;
	let first = true;
	let lastProblem: Problem = networkProblem();
	while (true) {
		if (signal.aborted) return { kind: "aborted" };
		let response: Response | null = null;
		try {
			response = first ? await open(signal) : await resume(cursor, signal);
		} catch {
			if (signal.aborted) return { kind: "aborted" };
			if (first) return { kind: "refused", problem: networkProblem() };
		}
		if (response && !response.ok) {
			const problem = await problemFrom(response);
			noticeAuthLost(problem);
			// Only server trouble is worth another try; a refusal stays a refusal.
			if (first || (problem.status < 500 && problem.status !== 429)) return { kind: "refused", problem };
			lastProblem = problem;
			response = null;
		}
		if (response && first) {
			const id = response.headers.get("x-conversation-id");
			if (id && id !== cursor.conversationId) {
				cursor.conversationId = id;
				handlers.onConversation(id);
			}
		}
		first = false;
		if (response?.body) {
			if (attempt > 0) handlers.onReconnecting(null);
			try {
				for await (const message of readSse(response.body)) {
					if (!isEventType(message.event)) continue;
					const id = Number(message.id);
					if (!Number.isSafeInteger(id) || id <= cursor.lastEventId) continue;
					let data: unknown;
					try {
						data = JSON.parse(message.data);
					} catch {
						continue;
					}
					cursor.lastEventId = id;
					attempt = 0;
					const event = { id, type: message.event, data } as ServerEvent;
					if (event.type === "session.started") {
						const started = data as EventData["session.started"];
						if (started.conversation_id && started.conversation_id !== cursor.conversationId) {
							cursor.conversationId = started.conversation_id;
							handlers.onConversation(started.conversation_id);
						}
					}
					handlers.onEvent(event);
					last = event;
					if (!options.replay && TERMINAL.has(event.type)) return { kind: "terminal", event };
				}
				if (last && TERMINAL.has(last.type)) return { kind: "terminal", event: last };
			} catch {
				if (signal.aborted) return { kind: "aborted" };
			}
		}
		// The connection dropped, or closed before the turn ended: pick up where it stopped.
		if (signal.aborted) return { kind: "aborted" };
		if (!cursor.conversationId) return { kind: "lost", problem: lastProblem };
		attempt += 1;
		if (attempt > MAX_RECONNECTS) {
			handlers.onReconnecting(null);
			return { kind: "lost", problem: lastProblem };
		}
		handlers.onReconnecting(attempt);
		await sleep(backoff(attempt), signal);
	}
}
