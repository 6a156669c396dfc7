import type { Probe } from "../suites.ts";
import { median, percentile, round, timed } from "./stats.ts";

/** One way of making the same call: its name and one call, which throws when the answer is not the expected one. */
export interface Path {
	name: string;
	description: string;
	call: () => Promise<void>;
}

/**
 * Every path one call at a time, alternating call by call (a, b, c, a, b, c, …) so drift in the machine's load hits
 * every path alike: `warmup` calls of each first, then `rounds` rounds of `calls` calls of each. A failed call
 * stops the run: a figure of errors measures nothing. Returns each path's probe, with its p50 of every round.
 */
export async function alternate(
	paths: readonly Path[],
	options: { warmup: number; calls: number; rounds: number },
): Promise<Probe[]> {
	for (let i = 0; i < options.warmup; i++) for (const path of paths) await path.call();
	const times = paths.map((): number[][] => []);
	for (let r = 0; r < options.rounds; r++) {
		const round = paths.map((): number[] => []);
		for (let i = 0; i < options.calls; i++) {
			for (const [p, path] of paths.entries()) round[p]?.push((await timed(path.call)).ms);
		}
		for (const [p, ms] of round.entries()) times[p]?.push(ms);
	}
	return paths.map((path, p) => probeOf(path.name, path.description, times[p] ?? []));
}

/** A probe of one call at a time from its calls' times, round by round. */
export function probeOf(name: string, description: string, rounds: number[][]): Probe {
	const all = rounds.flat().sort((a, b) => a - b);
	const total = all.reduce((a, b) => a + b, 0);
	return {
		name,
		description,
		unit: "call",
		connections: 1,
		count: all.length,
		duration_s: round(total / 1000),
		per_s: round((all.length / total) * 1000, 1),
		latency_ms: {
			p50: round(percentile(all, 0.5)),
			p99: round(percentile(all, 0.99)),
			mean: round(total / Math.max(1, all.length)),
		},
		round_p50_ms: rounds.map((r) => round(median(r))),
		errors: 0,
		problems: [],
	};
}

export function probe(probes: readonly Probe[], name: string): Probe {
	const found = probes.find((p) => p.name === name);
	if (!found) throw new Error(`no probe ${name}`);
	return found;
}

/** The median over rounds of each round's p50 of `a` minus that of `b` (probes measured by {@link alternate}). */
export function pairedDelta(a: Probe, b: Probe): number {
	return median((a.round_p50_ms ?? []).map((m, i) => m - (b.round_p50_ms?.[i] ?? Number.NaN)));
}
