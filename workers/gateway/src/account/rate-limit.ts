/** Past this many buckets, those whose state no longer matters (theoretical arrival in the past) are dropped. */
const PRUNE_ABOVE = 256;

/** A call admitted by {@link RateLimits.take}, or the seconds to wait before the next one may go. */
export type RateDecision = { admitted: true; undo: () => void } | { admitted: false; wait: number };

/**
 * GCRA (generic cell rate algorithm): `perMinute` sustained with up to `burst` at once, per bucket (a provider), for
 * one credential. Kept in the Account DO's memory, not its storage: a rate limit is no money, and a free call then
 * writes nothing. When the object restarts, the buckets start empty: at most one extra burst per provider, which is
 * also what any idle longer than the burst window gives.
 */
export class RateLimits {
	readonly #tat = new Map<string, number>();

	/** Admits the call now (recorded; `undo` gives its token back if the call does not go ahead), or says how long to wait. */
	take(bucket: string, perMinute: number, burst: number, now: number): RateDecision {
		const interval = 60_000 / Math.max(1, perMinute);
		const tolerance = interval * Math.max(0, burst - 1);
		const before = this.#tat.get(bucket);
		const tat = Math.max(before ?? now, now);
		const next = tat + interval;
		if (next - now > tolerance + interval) {
			return { admitted: false, wait: Math.ceil((next - now - tolerance - interval) / 1000) || 1 };
		}
		if (before === undefined && this.#tat.size >= PRUNE_ABOVE) this.#prune(now);
		this.#tat.set(bucket, next);
		return {
			admitted: true,
			undo: () => {
				// Only while nothing was admitted since: a later call's state is not rolled back under it.
				if (this.#tat.get(bucket) !== next) return;
				if (before === undefined) this.#tat.delete(bucket);
				else this.#tat.set(bucket, before);
			},
		};
	}

	#prune(now: number): void {
		for (const [bucket, tat] of this.#tat) if (tat <= now) this.#tat.delete(bucket);
	}
}
