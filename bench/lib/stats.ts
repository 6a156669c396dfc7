export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
	return percentile(
		[...values].sort((a, b) => a - b),
		0.5,
	);
}

export interface Spread {
	p50: number;
	p99: number;
	max: number;
}

/** `emptyMax` is what `max` reads when there are no values (the benches' JSON differ there). */
export function spread(values: readonly number[], emptyMax = 0): Spread {
	const sorted = [...values].sort((a, b) => a - b);
	return {
		p50: round(percentile(sorted, 0.5)),
		p99: round(percentile(sorted, 0.99)),
		max: round(sorted.at(-1) ?? emptyMax),
	};
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
	const started = performance.now();
	const value = await run();
	return { ms: performance.now() - started, value };
}

export interface CountedSpread extends Spread {
	n: number;
}

/** A spread with its sample count; with no values every figure reads NaN. */
export function countedSpread(values: readonly number[]): CountedSpread {
	return { n: values.length, ...spread(values, Number.NaN) };
}
