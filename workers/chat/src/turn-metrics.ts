import type { ChatEventData, Usage } from "@penumbra/core/contracts";
import type { Metrics } from "@penumbra/core/metrics";
import type { EventLog } from "./event-log.ts";
import type { Turn } from "./turn.ts";

/** Where a run of a turn started: its clock, its usage so far, and the last event before it. */
export interface TurnRunStart {
	started_ms: number;
	usage: Usage;
	last_event_id: number;
}

/** Taken when a run of the turn (its start, or its continuation after the owner's decision) begins. */
export function turnRunStart(turn: Turn, events: EventLog<ChatEventData>): TurnRunStart {
	return { started_ms: Date.now(), usage: { ...turn.usage }, last_event_id: events.lastId() };
}

/**
 * One `chat_turn` point per run of a turn (docs/operating.md): `paused` when it waits on the owner's decision (its
 * continuation then records its own point), `failed` when it ended with an `error` event, else `done` (answered,
 * a limit, or cancelled). Tokens and model calls are this run's own, so a paused turn is never counted twice.
 */
export function recordTurnRun(
	metrics: Metrics,
	start: TurnRunStart,
	turn: Turn,
	events: EventLog<ChatEventData>,
): void {
	const failed = (events.lastIdOf("error") ?? 0) > start.last_event_id;
	const outcome = turn.status === "awaiting_confirmation" ? "paused" : failed ? "failed" : "done";
	metrics.record({
		kind: "chat_turn",
		at_ms: Date.now(),
		outcome,
		caller: "chat",
		latency_ms: Math.max(0, Date.now() - start.started_ms),
		model_calls: Math.max(0, turn.usage.model_calls - start.usage.model_calls),
		tokens_in: Math.max(0, turn.usage.input_tokens - start.usage.input_tokens),
		tokens_out: Math.max(0, turn.usage.output_tokens - start.usage.output_tokens),
		request_id: turn.request_id ?? "",
	});
}
