import { existsSync, readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { median, round, type Spread, spread, timed } from "../lib/stats.ts";
import { CPU_PER_QUERY_MS, EACH_REPEAT, EACH_ROUNDS, LOOP_REPEAT, QUERIES } from "./config.ts";

interface LoadFigure {
	fresh_isolate: boolean;
	services: number;
	first_results: number;
	kv_read_ms: number;
	parse_ms: number;
	index_load_ms: number;
	first_search_ms: number;
	total_ms: number;
}

interface BatchAnswer {
	mode: string;
	results: number;
	elapsed_ms: number;
	times_ms: number[];
}

async function post<T>(url: string, body: unknown = {}): Promise<T> {
	const response = await fetch(url, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 300)}`);
	return JSON.parse(text) as T;
}

/**
 * CPU time (ns) of every thread of every process in a process group, from /proc/<pid>/task/<tid>/schedstat: exact,
 * and blind to time the threads spent waiting for a core, unlike any clock. Null where there is no /proc.
 */
function groupCpuNs(pgid: number): number | null {
	if (!existsSync("/proc/self/schedstat")) return null;
	let total = 0;
	for (const pid of readdirSync("/proc")) {
		if (!/^\d+$/.test(pid)) continue;
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
			for (const tid of readdirSync(`/proc/${pid}/task`)) {
				total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
			}
		} catch {
			// The process or thread ended while we read.
		}
	}
	return total;
}

export interface SearchFigure {
	/** Every call timed alone by workerd's clock (whole milliseconds under wrangler dev, so ±1 ms), all rounds. */
	per_call_ms: Spread & { calls: number };
	/** p99 of each round of EACH_REPEAT × the queries; the lowest is the one least disturbed by other processes. */
	per_call_p99_by_round_ms: number[];
	/** The slowest single calls, to tell one query's cost from a pause (GC, or the OS running something else). */
	slowest_calls: { query: string; ms: number }[];
	/** (batch − the same batch without searching) / calls, wall time from outside: needs no clock inside workerd. */
	outside_mean_ms: number;
	/** The same batches in CPU time of the search Worker's processes. */
	cpu_mean_ms?: number;
	/** Each query's CPU time, over `repeat` runs of it minus an empty request: the spread across the queries. */
	cpu_per_query_ms?: Spread & { slowest: string; repeat: number };
	results_per_query: number;
	load_fresh_isolate: LoadFigure;
	load_warm_isolate_median: LoadFigure;
	/** 1-minute load average when the search measurement ended (the machine has `cpus` cores). */
	load_average: number;
}

type Query = (typeof QUERIES)[number];

function batch(
	origin: string,
	mode: string,
	repeat: number,
	queries: Query[] = QUERIES,
): Promise<BatchAnswer> {
	return post<BatchAnswer>(`${origin}/search-batch`, { queries, repeat, mode });
}

/** Wall and CPU time of one batch request. */
async function cost(
	origin: string,
	pgid: number,
	mode: string,
	repeat: number,
	queries: Query[] = QUERIES,
): Promise<{ ms: number; cpuMs: number | null }> {
	const cpu = groupCpuNs(pgid);
	const { ms } = await timed(() => batch(origin, mode, repeat, queries));
	const after = groupCpuNs(pgid);
	return { ms, cpuMs: cpu === null || after === null ? null : (after - cpu) / 1e6 };
}

export async function measureSearch(origin: string, pgid: number): Promise<SearchFigure> {
	const fresh = await post<LoadFigure>(`${origin}/load`);
	const reloads: LoadFigure[] = [];
	for (let i = 0; i < 3; i++) reloads.push(await post<LoadFigure>(`${origin}/load`));
	await batch(origin, "each", 2);
	const rounds: BatchAnswer[] = [];
	for (let i = 0; i < EACH_ROUNDS; i++) rounds.push(await batch(origin, "each", EACH_REPEAT));
	const calls = rounds.flatMap((r) =>
		r.times_ms.map((ms, i) => ({ query: QUERIES[i % QUERIES.length]?.query ?? "", ms })),
	);
	const { outsideMean, cpuMean } = await loopMeans(origin, pgid);
	const perQuery = cpuMean !== undefined ? await cpuPerQuery(origin, pgid, cpuMean) : undefined;
	return {
		per_call_ms: { ...spread(calls.map((c) => c.ms)), calls: calls.length },
		per_call_p99_by_round_ms: rounds.map((r) => spread(r.times_ms).p99),
		slowest_calls: [...calls].sort((a, b) => b.ms - a.ms).slice(0, 8),
		outside_mean_ms: round(outsideMean, 3),
		...(cpuMean !== undefined ? { cpu_mean_ms: round(cpuMean, 3) } : {}),
		...(perQuery ? { cpu_per_query_ms: perQuery } : {}),
		results_per_query: round(rounds.reduce((n, r) => n + r.results, 0) / calls.length),
		load_fresh_isolate: fresh,
		load_warm_isolate_median: warmMedian(fresh, reloads),
		load_average: round(loadavg()[0] ?? 0),
	};
}

async function loopMeans(origin: string, pgid: number): Promise<{ outsideMean: number; cpuMean?: number }> {
	const loops: { ms: number; cpuMs: number | null }[] = [];
	const nones: { ms: number; cpuMs: number | null }[] = [];
	for (let i = 0; i < 3; i++) {
		loops.push(await cost(origin, pgid, "loop", LOOP_REPEAT));
		nones.push(await cost(origin, pgid, "none", LOOP_REPEAT));
	}
	const loopCalls = QUERIES.length * LOOP_REPEAT;
	const outsideMean = (median(loops.map((l) => l.ms)) - median(nones.map((n) => n.ms))) / loopCalls;
	const cpuLoops = loops.map((l) => l.cpuMs).filter((n) => n !== null);
	const cpuNones = nones.map((n) => n.cpuMs).filter((n) => n !== null);
	const cpuMean =
		cpuLoops.length === loops.length ? (median(cpuLoops) - median(cpuNones)) / loopCalls : undefined;
	return { outsideMean, cpuMean };
}

async function cpuPerQuery(
	origin: string,
	pgid: number,
	cpuMean: number,
): Promise<NonNullable<SearchFigure["cpu_per_query_ms"]>> {
	// Enough runs per query for about CPU_PER_QUERY_MS of work, so an empty request's own cost is small beside it.
	const repeat = Math.min(500, Math.max(10, Math.ceil(CPU_PER_QUERY_MS / Math.max(cpuMean, 0.01))));
	const empty: number[] = [];
	for (let i = 0; i < 5; i++)
		empty.push((await cost(origin, pgid, "none", repeat, QUERIES.slice(0, 1))).cpuMs ?? 0);
	const base = median(empty);
	const each: number[] = [];
	for (const q of QUERIES)
		each.push((((await cost(origin, pgid, "loop", repeat, [q])).cpuMs ?? 0) - base) / repeat);
	const slowest = each.reduce((best, t, i) => (t > (each[best] ?? 0) ? i : best), 0);
	return { ...spread(each), slowest: QUERIES[slowest]?.query ?? "", repeat };
}

function warmMedian(fresh: LoadFigure, reloads: LoadFigure[]): LoadFigure {
	const medianOf = (key: keyof LoadFigure) => round(median(reloads.map((r) => Number(r[key]))));
	return {
		fresh_isolate: false,
		services: fresh.services,
		first_results: fresh.first_results,
		kv_read_ms: medianOf("kv_read_ms"),
		parse_ms: medianOf("parse_ms"),
		index_load_ms: medianOf("index_load_ms"),
		first_search_ms: medianOf("first_search_ms"),
		total_ms: medianOf("total_ms"),
	};
}
