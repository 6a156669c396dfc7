/**
 * Search suite of `npm run bench` (alone: `node bench/search-change.ts [--services N] [--quick] [--strict]`).
 * A gateway under `wrangler dev` (free ports, state in /dev/shm, wiped) whose registry holds N synthetic services
 * (default 10,000; 1,000 with --quick; bench/registry.ts's generator, seed 7). Through the real route, `GET /v1/search` with a key:
 *
 * 1. Warm: searches over a fixed list of queries, alternating with `GET /v1/health` (the same runtime's bare
 *    route, the HTTP hop's own cost), in rounds; p99 of each round, median over rounds. Target ≤ 5 ms.
 * 2. After an index change: the search index in KV is rewritten with a new version stamp (what a reseed or the
 *    spec refresh does), the bench waits out the isolate's cache time (REGISTRY_CACHE_SECONDS) and times the next
 *    100 searches. No request may wait for the reload: p99 and max of those 100 ≤ 10 ms, median over changes.
 *
 * Times are the client's (this process, keep-alive): they include the local HTTP hop, shown by the health route.
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { synthProviders } from "@penumbra/cli/synth";
import {
	buildRegistry,
	REGISTRY_INDEX_KEY,
	REGISTRY_SEARCH_KEY,
	REGISTRY_SEARCH_VERSION_KEY,
} from "@penumbra/core/registry";
import { parseSearchIndex, serializeSearchIndex } from "@penumbra/core/search";
import { AdminClient } from "../scripts/lib/admin.ts";
import { makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import {
	applyMigrations,
	ensureDevVars,
	type StackOptions,
	startWorkersInOrder,
} from "../scripts/lib/stack.ts";
import { parseSuiteFlags } from "./lib/flags.ts";
import { loadNow, medianTarget, target, writeSuiteResult } from "./lib/results.ts";
import { runBench } from "./lib/run.ts";
import { kvBulkPut, planBenchWorkers } from "./lib/stack.ts";
import { median, spread, timed } from "./lib/stats.ts";
import { QUERIES } from "./mcp/config.ts";

const root = resolve(import.meta.dirname, "..");
const loadAtStart = loadNow();
const say = makePrefixer("bench:search");

const args = parseSuiteFlags(say, { services: { type: "string" }, "state-dir": { type: "string" } });
const SERVICES = Number(args.services ?? (args.quick ? 1000 : 10000));
if (!Number.isInteger(SERVICES) || SERVICES < 1) {
	say("--services takes a positive integer");
	process.exit(2);
}
/** The gateway's shipped REGISTRY_CACHE_SECONDS (wrangler.toml), set explicitly so the wait below matches it. */
const CACHE_SECONDS = 5;
const AFTER_CHANGE = 100;
const ROUNDS = args.quick ? 1 : 3;
const WARM_CALLS = args.quick ? 50 : 500;
const CHANGES = args.quick ? 1 : 3;
const stateDir = resolve(args["state-dir"] ?? "/dev/shm/penumbra-bench-search");

const supervisor = new Supervisor();

async function get(url: string, key: string): Promise<void> {
	const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
	const text = await response.text();
	if (response.status !== 200)
		throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
}

function searchUrl(gateway: string, i: number): string {
	const q = QUERIES[i % QUERIES.length] ?? { query: "food" };
	const params = new URLSearchParams({ q: q.query, ...(q.category ? { category: q.category } : {}) });
	return `${gateway}/v1/search?${params}`;
}

/** Searches alternating with the bare health route, in rounds: p99 of each round. */
async function warm(gateway: string, key: string) {
	for (let i = 0; i < 50; i++) await get(searchUrl(gateway, i), key);
	const rounds: { search: number[]; health: number[] }[] = [];
	for (let r = 0; r < ROUNDS; r++) {
		const round = { search: [] as number[], health: [] as number[] };
		for (let i = 0; i < WARM_CALLS; i++) {
			round.search.push((await timed(() => get(searchUrl(gateway, i), key))).ms);
			round.health.push((await timed(() => get(`${gateway}/v1/health`, key))).ms);
		}
		rounds.push(round);
	}
	return rounds.map((r) => ({ search: spread(r.search), health: spread(r.health) }));
}

/** Rewrites the search index under a new version stamp, waits out the cache, times the next searches. */
async function afterChanges(options: StackOptions, gateway: string, key: string, searchJson: string) {
	const figures = [];
	for (let c = 0; c < CHANGES; c++) {
		const stamp = new Date().toISOString();
		const data = parseSearchIndex(searchJson);
		if (data.version !== 2) throw new Error("buildRegistry wrote a search index in format 1");
		await kvBulkPut(supervisor, options, [
			{ key: REGISTRY_SEARCH_KEY, value: serializeSearchIndex({ ...data, refreshed_at: stamp }) },
			{ key: REGISTRY_SEARCH_VERSION_KEY, value: stamp },
		]);
		await sleep((CACHE_SECONDS + 1) * 1000);
		// The client's keep-alive connection closed during the wait (undici keeps an idle one 4 s): open it again
		// on a route that never reads the search index, so the first search times the reload, not a TCP handshake.
		await get(`${gateway}/v1/health`, key);
		const times: number[] = [];
		for (let i = 0; i < AFTER_CHANGE; i++)
			times.push((await timed(() => get(searchUrl(gateway, i), key))).ms);
		figures.push({ ...spread(times), first_ms: Math.round((times[0] ?? Number.NaN) * 100) / 100 });
	}
	return figures;
}

/**
 * The KV entries to seed and the search index's JSON. Only these outlive the call: this process times requests,
 * and the 10,000 synthesized services (hundreds of MB) left on its heap would put its own garbage-collection
 * pauses into the figures.
 */
function seedEntries(): { seed: { key: string; value: string }[]; searchJson: string } {
	say(`synthesizing ${SERVICES} services…`);
	const synth = synthProviders({ count: SERVICES, seed: 7 });
	if (synth.problems.length > 0) throw new Error(`synth produced ${synth.problems.length} compile problems`);
	const { entries } = buildRegistry(synth.services, new Date().toISOString());
	const keep = new Set([REGISTRY_INDEX_KEY, REGISTRY_SEARCH_KEY, REGISTRY_SEARCH_VERSION_KEY]);
	const seed = entries.filter((e) => keep.has(e.key));
	return { seed, searchJson: seed.find((e) => e.key === REGISTRY_SEARCH_KEY)?.value ?? "" };
}

async function main(): Promise<number> {
	const { seed, searchJson } = seedEntries();

	const options: StackOptions = {
		root,
		persistTo: stateDir,
		registryPath: join(root, ".wrangler", "bench-search-registry"),
		workers: await planBenchWorkers(root, ["gateway"]),
		echo: false,
		logLevel: "warn",
		vars: { gateway: { LOG_LEVEL: "warn", REGISTRY_CACHE_SECONDS: String(CACHE_SECONDS) } },
	};
	rmSync(stateDir, { recursive: true, force: true });
	// Before the gateway starts: wrangler reads .dev.vars (the admin token) once, at start.
	const { adminToken } = ensureDevVars(root);
	await applyMigrations(supervisor, options);
	await kvBulkPut(supervisor, options, seed);
	const [gatewayWorker] = options.workers;
	if (!gatewayWorker) throw new Error("no gateway");
	say(`starting the gateway with ${SERVICES} services…`);
	await startWorkersInOrder(supervisor, options, 60_000);
	const gateway = gatewayWorker.origin;
	const { key } = await new AdminClient(gateway, adminToken).createCredential({
		email: "bench-search@penumbra.local",
		name: "bench-search",
	});

	say(`warm: ${ROUNDS} round(s) of ${WARM_CALLS} searches, alternating with /v1/health…`);
	const warmRounds = await warm(gateway, key);
	say(`${CHANGES} index change(s), ${AFTER_CHANGE} searches after each…`);
	const changes = await afterChanges(options, gateway, key, searchJson);
	await stopEverything();

	const targets = [
		medianTarget(
			`search p99 warm at ${SERVICES} services`,
			warmRounds.map((r) => r.search.p99),
			"ms",
			"<=",
			5,
		),
		medianTarget(
			`p99 of the first ${AFTER_CHANGE} searches after an index change`,
			changes.map((c) => c.p99),
			"ms",
			"<=",
			10,
		),
		medianTarget(
			`slowest of the first ${AFTER_CHANGE} after a change (no request waits)`,
			changes.map((c) => c.max),
			"ms",
			"<=",
			10,
		),
		target(
			"p99 after a change − p99 warm (the wait the reload adds, same run)",
			Math.round((median(changes.map((c) => c.p99)) - median(warmRounds.map((r) => r.search.p99))) * 100) /
				100,
			"ms",
		),
		medianTarget(
			"search p50 warm",
			warmRounds.map((r) => r.search.p50),
			"ms",
		),
		medianTarget(
			"GET /v1/health p99 (the HTTP hop alone)",
			warmRounds.map((r) => r.health.p99),
			"ms",
		),
		medianTarget(
			"first search after a change",
			changes.map((c) => c.first_ms),
			"ms",
		),
	];
	writeSuiteResult(root, {
		suite: "search",
		description: `GET /v1/search on a gateway holding ${SERVICES} synthetic services: warm, and right after an index change`,
		quick: args.quick,
		loadAtStart,
		targets,
		notes: [
			`Warm: ${ROUNDS} round(s) of ${WARM_CALLS} searches (${QUERIES.length} queries in turn), each followed by GET /v1/health; medians over rounds.`,
			`After a change: the index rewritten in local KV with a new version stamp, then ${CACHE_SECONDS + 1} s (the cache time + 1), then ${AFTER_CHANGE} searches; medians over ${CHANGES} change(s).`,
			"Client-side times through the local HTTP hop: compare with the health route's figure.",
		],
		figures: { services: SERVICES, cache_seconds: CACHE_SECONDS, warm: warmRounds, after_change: changes },
	});
	const missed = targets.filter((t) => t.met === false);
	if (missed.length > 0)
		say(`${missed.length} target(s) missed${args.strict ? "" : " (--strict fails on this)"}`);
	return args.strict && missed.length > 0 ? 1 : 0;
}

async function stopEverything(): Promise<void> {
	await supervisor.stopAll();
	if (!args["state-dir"]) rmSync(stateDir, { recursive: true, force: true });
}

runBench(say, main, stopEverything);
