/**
 * Registry scale bench (part of `npm run bench`, or alone: `node bench/registry.ts [--sizes 100,1000,10000]`).
 *
 * 1. Build: synthesize N providers (5–40 operations each), compile them and lay out the KV registry; time per
 *    service at each N shows whether the build scales linearly.
 * 2. Cold index load: a gateway with its isolate cache off (REGISTRY_CACHE_SECONDS=0) reads and parses the one
 *    index key on every `GET /v1/health`. Its latency at N services minus the same route over an empty registry,
 *    measured in the same run, is what discovery pays to load the index cold. Target: ≤ 50 ms at 10,000.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { synthProviders } from "@penumbra/cli/synth";
import { buildRegistry, REGISTRY_INDEX_KEY } from "@penumbra/core/registry";
import { freePort, makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import {
	childEnv,
	HOST,
	planWorkers,
	type StackOptions,
	startWorkers,
	WORKERS,
	waitHealthy,
	wranglerCommand,
} from "../scripts/lib/stack.ts";

const root = resolve(import.meta.dirname, "..");
const say = makePrefixer("bench:registry");
const { values } = parseArgs({ options: { sizes: { type: "string", default: "100,1000,10000" } } });
const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
	say("--sizes takes positive integers, e.g. 100,1000,10000");
	process.exit(2);
}

const REQUESTS = 200;

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
		const file = join(options.persistTo, "..", "bench-registry-index.json");
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

async function main(): Promise<number> {
	const supervisor = new Supervisor();
	const builds: BuildFigure[] = [];
	const indexes = new Map<number, string>();
	for (const n of sizes) {
		say(`building ${n} synthetic services…`);
		const { figure, indexJson } = measureBuild(n);
		builds.push(figure);
		indexes.set(n, indexJson);
	}

	const port = await freePort();
	const workers = planWorkers(root, () => port, WORKERS).filter((w) => w.name === "gateway");
	const options: StackOptions = {
		root,
		persistTo: join(root, ".wrangler", "bench-registry-state"),
		registryPath: join(root, ".wrangler", "bench-registry-dev"),
		workers: workers.map((w) => ({ ...w, inspectorPort: 0, origin: `http://${HOST}:${port}` })),
		echo: false,
		logLevel: "warn",
		vars: { gateway: { LOG_LEVEL: "warn", REGISTRY_CACHE_SECONDS: "0" } },
	};
	const inspector = await freePort();
	options.workers = options.workers.map((w) => ({ ...w, inspectorPort: inspector }));

	say("cold index load: empty registry (baseline)…");
	const baseline = await measureColdLoad(supervisor, options, null);
	const loads: { services: number; p50: number; p90: number; p99: number; load_p50_ms: number }[] = [];
	for (const n of sizes) {
		say(`cold index load: ${n} services…`);
		const figure = await measureColdLoad(supervisor, options, indexes.get(n) ?? "");
		loads.push({ services: n, ...figure, load_p50_ms: round(figure.p50 - baseline.p50) });
	}
	await supervisor.stopAll();

	console.log("\nRegistry build (synthesize + compile + KV layout)");
	console.table(builds);
	const first = builds[0];
	const last = builds.at(-1);
	if (first && last && last !== first) {
		console.log(
			`per-service build time at ${last.services} vs ${first.services}: ${round(last.per_service_ms / first.per_service_ms)}× (1× = linear)`,
		);
	}
	console.log("\nCold index load through GET /v1/health, isolate cache off (ms)");
	console.table([{ services: 0, ...baseline, load_p50_ms: 0 }, ...loads]);
	const largest = loads.at(-1);
	const verdict = largest && largest.load_p50_ms <= 50 ? "met" : "MISSED";
	if (largest)
		console.log(
			`index load at ${largest.services} services: ${largest.load_p50_ms} ms p50 (target ≤ 50 ms: ${verdict})`,
		);

	const out = join(root, "bench", "results");
	mkdirSync(out, { recursive: true });
	writeFileSync(
		join(out, "registry-latest.json"),
		`${JSON.stringify({ at: new Date().toISOString(), builds, baseline, loads }, null, "\t")}\n`,
	);
	return 0;
}

process.exitCode = await main();
