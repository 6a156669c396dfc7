import autocannon from "autocannon";

export interface RequestSpec {
	method: "GET" | "POST";
	url: string;
	headers?: Record<string, string>;
	body?: string;
}

/** How hard to push: many connections measure throughput, one connection measures latency. */
export interface LoadShape {
	name: string;
	connections: number;
	durationSeconds: number;
	warmupSeconds: number;
}

export interface Measurement {
	connections: number;
	duration_s: number;
	/** Completed responses of any status. */
	responses: number;
	req_per_s: number;
	latency_ms: { p50: number; p90: number; p99: number; mean: number; max: number };
	/** Non-2xx responses plus connection errors and timeouts; a run with any is not a valid figure. */
	errors: number;
	non_2xx: number;
	connection_errors: number;
	timeouts: number;
	status_counts: Record<string, number>;
}

/**
 * One request before the load, so a misconfigured case fails with the response it got
 * instead of producing a table of fast 404s.
 */
export async function preflight(request: RequestSpec): Promise<void> {
	const response = await fetch(request.url, {
		method: request.method,
		headers: request.headers,
		body: request.body,
		signal: AbortSignal.timeout(15_000),
	});
	const text = await response.text();
	if (!response.ok) {
		throw new Error(`${request.method} ${request.url} answered ${response.status}: ${text.slice(0, 400)}`);
	}
}

function percentile(sorted: Float64Array, p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
	return sorted[Math.max(0, index)] ?? Number.NaN;
}

function run(
	request: RequestSpec,
	connections: number,
	durationSeconds: number,
	onLatency?: (ms: number) => void,
) {
	const instance = autocannon({
		url: request.url,
		method: request.method,
		headers: request.headers ?? {},
		...(request.body === undefined ? {} : { body: request.body }),
		connections,
		duration: durationSeconds,
		timeout: 10,
	});
	// autocannon's own histogram has 1 ms resolution, too coarse for a 2 ms budget: keep every sample.
	if (onLatency) instance.on("response", (_client, _status, _bytes, ms) => onLatency(ms));
	return instance;
}

/** Warms up, then loads `request` for the shape's duration and summarises what came back. */
export async function measure(request: RequestSpec, shape: LoadShape): Promise<Measurement> {
	if (shape.warmupSeconds > 0) await run(request, shape.connections, shape.warmupSeconds);
	const samples: number[] = [];
	const result = await run(request, shape.connections, shape.durationSeconds, (ms) => samples.push(ms));
	const sorted = Float64Array.from(samples).sort();
	const elapsed = (result.finish.getTime() - result.start.getTime()) / 1000 || result.duration;
	const statusCounts = Object.fromEntries(
		Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]),
	);
	const sum = samples.reduce((a, b) => a + b, 0);
	return {
		connections: shape.connections,
		duration_s: round(elapsed, 2),
		responses: samples.length,
		req_per_s: round(samples.length / elapsed, 1),
		latency_ms: {
			p50: round(percentile(sorted, 50), 2),
			p90: round(percentile(sorted, 90), 2),
			p99: round(percentile(sorted, 99), 2),
			mean: round(sum / Math.max(1, samples.length), 2),
			max: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
		},
		errors: result.non2xx + result.errors,
		non_2xx: result.non2xx,
		connection_errors: result.errors,
		timeouts: result.timeouts,
		status_counts: statusCounts,
	};
}

export function round(value: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}
