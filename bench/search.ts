/**
 * Service search bench: `node bench/search.ts [--sizes 1000,10000] [--rounds 20]`.
 *
 * For the 13 sandbox providers (the baseline, same run) and synthetic registries of each size: index build time,
 * serialized size (one KV value, limit 25 MiB), cold load (parseSearchIndex + loadSearchIndex, as an MCP isolate does it
 * once), heap the loaded index holds, and search latency over a fixed list of realistic queries.
 * Target: p99 ≤ 5 ms at 10,000 services. Writes bench/results/search-latest.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { synthProviders } from "@penumbra/cli/synth";
import type { CompiledService } from "@penumbra/core/registry";
import {
	buildSearchIndex,
	loadSearchIndex,
	parseSearchIndex,
	type ServiceSearch,
	serializeSearchIndex,
} from "@penumbra/core/search";

const root = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
	options: { sizes: { type: "string", default: "1000,10000" }, rounds: { type: "string", default: "20" } },
});
const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
const rounds = Number(values.rounds);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(rounds) || rounds < 1) {
	console.error("--sizes takes positive integers (e.g. 1000,10000), --rounds a positive integer");
	process.exit(2);
}

/** What people ask an assistant for, typos and filler included. */
const QUERIES = [
	"order some food",
	"I'm hungry",
	"dordash",
	"skycats",
	"get me a cab",
	"track my order",
	"resturant",
	"book a table for two",
	"sports tickets",
	"weather forecast for tomorrow",
	"will it rain",
	"makeup",
	"buy lipstick",
	"cheap flights to tokyo",
	"send a package",
	"find a job",
	"dog food",
	"plumber",
	"yoga class",
	"hotel in paris",
	"electronics laptop",
	"pizza delivery",
	"sushi near me",
	"ride to the airport",
	"uber",
	"concert tickets this weekend",
	"nba scores",
	"football standings",
	"latest headlines",
	"news about technology",
	"groceries delivered",
	"buy milk and eggs",
	"ship a parcel overnight",
	"track shipment",
	"cancel my reservation",
	"book a hotel room",
	"flight status",
	"skincare for dry skin",
	"remote software jobs",
	"currency exchange rate",
	"apartment for rent",
	"rent a car",
	"movie showtimes",
	"translate to spanish",
	"directions to the museum",
	"flowers for mom",
	"parking downtown",
	"buy running shoes",
	"new phone",
	"zzqxv blorptang",
];

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

interface Figure {
	registry: string;
	services: number;
	tools: number;
	build_ms: number;
	bytes: number;
	parse_ms: number;
	load_ms: number;
	heap_mb: number;
	p50_ms: number;
	p90_ms: number;
	p99_ms: number;
	max_ms: number;
	slowest: string;
}

function median(samples: number[]): number {
	return percentile(
		[...samples].sort((a, b) => a - b),
		0.5,
	);
}

function measure(registry: string, services: CompiledService[]): Figure {
	const tools = services.reduce((n, s) => n + s.tools.length, 0);
	const builtAt = performance.now();
	const json = serializeSearchIndex(buildSearchIndex(services, new Date().toISOString()));
	const buildMs = performance.now() - builtAt;

	// Cold load, as an isolate pays it: median of a few, each from the string.
	const parses: number[] = [];
	const loads: number[] = [];
	let search: ServiceSearch | undefined;
	for (let i = 0; i < 5; i++) {
		search = undefined;
		gc();
		const t0 = performance.now();
		const data = parseSearchIndex(json);
		const t1 = performance.now();
		search = loadSearchIndex(data);
		loads.push(performance.now() - t1);
		parses.push(t1 - t0);
	}
	gc();
	const heapBefore = process.memoryUsage().heapUsed;
	search = loadSearchIndex(parseSearchIndex(json));
	gc();
	const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
	if (!search) throw new Error("no index loaded");

	for (const query of QUERIES) search.search(query);
	const all: number[] = [];
	const perQuery = new Map<string, number[]>(QUERIES.map((q) => [q, []]));
	for (let r = 0; r < rounds; r++) {
		for (const query of QUERIES) {
			const t = performance.now();
			search.search(query);
			const ms = performance.now() - t;
			all.push(ms);
			perQuery.get(query)?.push(ms);
		}
	}
	all.sort((a, b) => a - b);
	const [slowest, slowestMs] = [...perQuery]
		.map(([q, t]) => [q, median(t)] as const)
		.sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
	return {
		registry,
		services: services.length,
		tools,
		build_ms: round(buildMs, 0),
		bytes: Buffer.byteLength(json),
		parse_ms: round(median(parses), 1),
		load_ms: round(median(loads), 1),
		heap_mb: round(heapMb, 1),
		p50_ms: round(percentile(all, 0.5)),
		p90_ms: round(percentile(all, 0.9)),
		p99_ms: round(percentile(all, 0.99)),
		max_ms: round(all.at(-1) ?? Number.NaN),
		slowest: `${slowest} (${round(slowestMs)} ms median)`,
	};
}

async function main(): Promise<number> {
	const figures: Figure[] = [];
	const sandbox = await buildRegistryFromDir(join(root, "providers"), {
		vars: { SANDBOX_ORIGIN: "http://127.0.0.1:8791" },
	});
	if (sandbox.problems.length > 0)
		throw new Error(`providers/ has ${sandbox.problems.length} compile problems`);
	console.log(`baseline: the ${sandbox.services.length} sandbox providers…`);
	figures.push(measure("sandbox", sandbox.services));
	for (const count of sizes) {
		console.log(`synthesizing ${count} services…`);
		const synth = synthProviders({ count, seed: 7 });
		if (synth.problems.length > 0)
			throw new Error(`synth produced ${synth.problems.length} compile problems`);
		figures.push(measure(`synth ${count}`, synth.services));
	}

	console.log(`\nService search: ${QUERIES.length} queries × ${rounds} rounds, one isolate, times in ms`);
	console.table(
		figures.map(({ slowest: _, bytes, ...f }) => ({ ...f, size_mib: round(bytes / 1024 / 1024, 2) })),
	);
	for (const f of figures) console.log(`slowest query at ${f.registry}: ${f.slowest}`);
	const largest = figures.at(-1);
	if (largest && largest !== figures[0]) {
		const fits = largest.bytes < 25 * 1024 * 1024;
		console.log(
			`at ${largest.services} services: p99 ${largest.p99_ms} ms (target ≤ 5 ms: ${largest.p99_ms <= 5 ? "met" : "MISSED"}), index ${round(largest.bytes / 1024 / 1024, 1)} MiB (one KV value ≤ 25 MiB: ${fits ? "fits" : "TOO BIG"})`,
		);
	}

	const out = join(root, "bench", "results");
	mkdirSync(out, { recursive: true });
	writeFileSync(
		join(out, "search-latest.json"),
		`${JSON.stringify({ at: new Date().toISOString(), node: process.version, rounds, queries: QUERIES, figures }, null, "\t")}\n`,
	);
	return 0;
}

process.exitCode = await main();
