/**
 * Registry scale bench (part of `npm run bench`, or alone: `node bench/registry.ts [--sizes 100,1000,10000]
 * [--quick] [--strict]`; --quick: sizes 100,1000). Results: bench/results/<run>-registry.json and .md.
 *
 * 1. Build: synthesize N providers (5–40 operations each), compile them and lay out the KV registry; time per
 *    service at each N shows whether the build scales linearly.
 * 2. Cold index load: a gateway with its isolate cache off (REGISTRY_CACHE_SECONDS=0) reads and parses the one
 *    index key on every `GET /v1/health`. Its latency at N services minus the same route over an empty registry,
 *    measured in the same run, is what discovery pays to load the index cold. Target: ≤ 50 ms at 10,000.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { synthProviders } from "@penumbra/cli/synth";
import { buildRegistry, REGISTRY_INDEX_KEY } from "@penumbra/core/registry";
import { makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import {
	childEnv,
	type StackOptions,
	startWorkers,
	waitHealthy,
	wranglerCommand,
} from "../scripts/lib/stack.ts";
import { parseSuiteFlags } from "./lib/flags.ts";
import { loadNow, target, writeSuiteResult } from "./lib/results.ts";
import { runBench } from "./lib/run.ts";
import { planBenchWorkers } from "./lib/stack.ts";

const root = resolve(import.meta.dirname, "..");
const say = makePrefixer("bench:registry");
const loadAtStart = loadNow();

const values = parseSuiteFlags(say, { sizes: { type: "string" } });
const sizes = (values.sizes ?? (values.quick ? "100,1000" : "100,1000,10000"))
	.split(",")
	.map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
	say("--sizes takes positive integers, e.g. 100,1000,10000");
	process.exit(2);
}

const REQUESTS = 200;
const STATE_DIR = existsSync("/dev/shm")
	? "/dev/shm/penumbra-bench-registry"
	: join(root, ".wrangler", "bench-registry-state");

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

interface BuildFigure {
	services: number;
	tools: number;
	compile_ms: number;
	layout_ms: number;
	per_service_ms: number;
	index_bytes: number;
}

function measureBuild(count: number): { figure: BuildFigure; indexJson: string } {
	const synth = synthProviders({ count, seed: 7 });
	if (synth.problems.length > 0) throw new Error(`synth produced ${synth.problems.length} compile problems`);
	const started = performance.now();
	const { entries } = buildRegistry(synth.services, new Date().toISOString());
	const layoutMs = performance.now() - started;
	const indexJson = entries.find((e) => e.key === REGISTRY_INDEX_KEY)?.value ?? "";
	const tools = synth.services.reduce((sum, s) => sum + s.tools.length, 0);
	return {
		figure: {
			services: count,
			tools,
			compile_ms: round(synth.timings.generateMs + synth.timings.compileMs, 0),
			layout_ms: round(layoutMs, 0),
			per_service_ms: round((synth.timings.compileMs + layoutMs) / count, 3),
			index_bytes: Buffer.byteLength(indexJson),
		},
		indexJson,
	};
}

async function measureColdLoad(
	supervisor: Supervisor,
	options: StackOptions,
	indexJson: string | null,
): Promise<{ p50: number; p90: number; p99: number }> {
	rmSync(options.persistTo, { recursive: true, force: true });
	mkdirSync(options.persistTo, { recursive: true });
	if (indexJson !== null) {
		const file = `${options.persistTo}-index.json`;
		writeFileSync(file, indexJson);
		const { command, args } = wranglerCommand(root, [
			"kv",
			"key",
			"put",
			REGISTRY_INDEX_KEY,
			"--path",
			file,
			"--binding",
			"REGISTRY",
			"--local",
			"--persist-to",
			options.persistTo,
		]);
		await supervisor.run({ name: "seed", command, args, cwd: root, env: childEnv(options), echo: false });
		rmSync(file, { force: true });
	}
	const running = startWorkers(supervisor, options);
	try {
		await waitHealthy(running, 60_000);
		const url = `${options.workers[0]?.origin}/v1/health`;
		for (let i = 0; i < 20; i++) await (await fetch(url)).text();
		const times: number[] = [];
		for (let i = 0; i < REQUESTS; i++) {
			const t = performance.now();
			const response = await fetch(url);
			await response.text();
			if (!response.ok) throw new Error(`GET /v1/health answered ${response.status}`);
			times.push(performance.now() - t);
		}
		times.sort((a, b) => a - b);
		return {
			p50: round(percentile(times, 0.5)),
			p90: round(percentile(times, 0.9)),
			p99: round(percentile(times, 0.99)),
		};
	} finally {
		await Promise.all(running.map(({ proc }) => proc.stop()));
	}
}

const supervisor = new Supervisor();

async function main(): Promise<number> {
	const builds: BuildFigure[] = [];
	const indexes = new Map<number, string>();
	for (const n of sizes) {
		say(`building ${n} synthetic services…`);
		const { figure, indexJson } = measureBuild(n);
		builds.push(figure);
		indexes.set(n, indexJson);
	}

	const options: StackOptions = {
		root,
		persistTo: STATE_DIR,
		registryPath: join(root, ".wrangler", "bench-registry-dev"),
		workers: await planBenchWorkers(root, ["gateway"]),
		echo: false,
		logLevel: "warn",
		vars: { gateway: { LOG_LEVEL: "warn", REGISTRY_CACHE_SECONDS: "0" } },
	};

	say("cold index load: empty registry (baseline)…");
	const baseline = await measureColdLoad(supervisor, options, null);
	const loads: { services: number; p50: number; p90: number; p99: number; load_p50_ms: number }[] = [];
	for (const n of sizes) {
		say(`cold index load: ${n} services…`);
		const figure = await measureColdLoad(supervisor, options, indexes.get(n) ?? "");
		loads.push({ services: n, ...figure, load_p50_ms: round(figure.p50 - baseline.p50) });
	}
	await stopEverything();

	console.log("\nRegistry build (synthesize + compile + KV layout)");
	console.table(builds);
	console.log("\nCold index load through GET /v1/health, isolate cache off (ms)");
	console.table([{ services: 0, ...baseline, load_p50_ms: 0 }, ...loads]);
	const first = builds[0];
	const last = builds.at(-1);
	const largest = loads.at(-1);
	const targets = [
		target(
			`index load p50 at ${largest?.services ?? 0} services (cold, − empty registry)`,
			largest?.load_p50_ms ?? Number.NaN,
			"ms",
			"<=",
			50,
		),
		target(
			`per-service build time at ${last?.services ?? 0} ÷ at ${first?.services ?? 0} (1 = linear)`,
			first && last ? last.per_service_ms / first.per_service_ms : Number.NaN,
			"×",
		),
	];
	writeSuiteResult(root, {
		suite: "registry",
		description: "Registry build time per service, and the gateway's cold index load (isolate cache off)",
		quick: values.quick,
		loadAtStart,
		targets,
		tables: [
			{
				title: "Build",
				rows: [
					["services", "tools", "compile ms", "layout ms", "per service ms", "index bytes"],
					...builds.map((b) =>
						[b.services, b.tools, b.compile_ms, b.layout_ms, b.per_service_ms, b.index_bytes].map(String),
					),
				],
			},
			{
				title: `Cold index load: GET /v1/health, ${REQUESTS} requests (ms)`,
				rows: [
					["services", "p50", "p90", "p99", "p50 − empty"],
					...[{ services: 0, ...baseline, load_p50_ms: 0 }, ...loads].map((l) =>
						[l.services, l.p50, l.p90, l.p99, l.load_p50_ms].map(String),
					),
				],
			},
		],
		figures: { builds, baseline, loads },
	});
	const missed = targets.filter((t) => t.met === false);
	return values.strict && missed.length > 0 ? 1 : 0;
}

async function stopEverything(): Promise<void> {
	await supervisor.stopAll();
	rmSync(STATE_DIR, { recursive: true, force: true });
}

runBench(say, main, stopEverything);
