// autocannon ships no types and @types/autocannon is not installed: the subset bench/ uses.
declare module "autocannon" {
	import type { EventEmitter } from "node:events";

	interface Options {
		url: string;
		connections?: number;
		/** Seconds. */
		duration?: number;
		/** Seconds to wait for each response. */
		timeout?: number;
		method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
		headers?: Record<string, string>;
		body?: string;
		pipelining?: number;
		title?: string;
	}

	interface Histogram {
		average: number;
		mean: number;
		stddev: number;
		min: number;
		max: number;
		p50: number;
		p99: number;
		total: number;
	}

	interface Result {
		title?: string;
		url: string;
		connections: number;
		/** Seconds. */
		duration: number;
		requests: Histogram;
		latency: Histogram;
		throughput: Histogram;
		errors: number;
		timeouts: number;
		mismatches: number;
		non2xx: number;
		"2xx": number;
		statusCodeStats: Record<string, { count: number }>;
		start: Date;
		finish: Date;
	}

	interface Instance extends EventEmitter, PromiseLike<Result> {
		stop(): void;
		on(
			event: "response",
			listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
		): this;
		on(event: "reqError", listener: (error: Error) => void): this;
		on(event: "done", listener: (result: Result) => void): this;
	}

	function autocannon(options: Options): Instance;
	export default autocannon;
}
