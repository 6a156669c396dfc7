import { PenumbraError } from "@penumbra/core/errors";
import type { Metrics } from "@penumbra/core/metrics";

/** Who an upstream call belongs to: the request's recorder (`RequestMetrics` is one), its id, the tool it runs. */
export interface UpstreamObserver {
	readonly metrics: Metrics;
	readonly request_id: string;
	readonly tool?: string;
}

type UpstreamOutcome = "ok" | "http_error" | "5xx" | "timeout" | "network";

/**
 * What a failed upstream call was: a timeout, an HTTP answer (4xx or a redirect the gateway does not follow: the
 * caller's business; 5xx: the provider's), or no usable answer at all (unreachable, unreadable, too large).
 */
function failureOf(error: unknown): { outcome: UpstreamOutcome; status: number } {
	if (error instanceof PenumbraError) {
		if (error.code === "UPSTREAM_TIMEOUT") return { outcome: "timeout", status: 0 };
		const status = error.extras.upstream_status;
		if (typeof status === "number" && status >= 100 && status <= 999)
			return { outcome: status >= 500 ? "5xx" : "http_error", status };
	}
	return { outcome: "network", status: 0 };
}

/** Runs one upstream call and records its `upstream` point (status, latency, outcome); the answer is untouched. */
export async function observeUpstream<T extends { status: number }>(
	observer: UpstreamObserver | undefined,
	service: string,
	call: () => Promise<T>,
): Promise<T> {
	if (!observer) return call();
	const started = performance.now();
	const record = (outcome: UpstreamOutcome, status: number) =>
		observer.metrics.record({
			kind: "upstream",
			at_ms: Date.now(),
			service,
			tool: observer.tool ?? "",
			status,
			outcome,
			latency_ms: performance.now() - started,
			request_id: observer.request_id,
		});
	try {
		const result = await call();
		record("ok", result.status);
		return result;
	} catch (error) {
		const failed = failureOf(error);
		record(failed.outcome, failed.status);
		throw error;
	}
}

export type PurchaseOutcome = "bought" | "released" | "unknown" | "refused";

/** A purchase's answer from the Account DO as a metric outcome; null for a replay or a call still in flight. */
export function purchaseOutcomeOf(
	answer: { ok: true; replayed: boolean } | { ok: false; extras?: object },
): PurchaseOutcome | null {
	if (answer.ok) return answer.replayed ? null : "bought";
	const said: unknown = answer.extras ? Reflect.get(answer.extras, "outcome") : undefined;
	if (said === "pending") return null;
	if (said === "unknown") return "unknown";
	// Settled without a sale, or refused by the merchant (its answer is in the failure): the hold was released.
	const merchantSaid = answer.extras ? Reflect.get(answer.extras, "upstream_status") !== undefined : false;
	if (said === "released" || merchantSaid) return "released";
	// Refused before any merchant call: funds, limits, the quote's state.
	return "refused";
}

/** Records one `purchase` point: what the merchant or the Account DO decided, and how long it took to know. */
export function recordPurchase(
	observer: UpstreamObserver | undefined,
	service: string,
	outcome: PurchaseOutcome | null,
	amount_cents: number,
	started_ms: number,
): void {
	if (!observer || !outcome) return;
	observer.metrics.record({
		kind: "purchase",
		at_ms: Date.now(),
		service,
		tool: observer.tool ?? "",
		outcome,
		latency_ms: Math.max(0, performance.now() - started_ms),
		amount_cents: outcome === "bought" ? amount_cents : 0,
		request_id: observer.request_id,
	});
}
