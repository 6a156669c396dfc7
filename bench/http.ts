/**
 * The HTTP suites of `npm run bench` (bench/run.ts starts this once per suite): `node bench/http.ts --suite
 * <gateway|money|mcp> [options]`. Starts its own sandbox + gateway (+ the Workers the suite needs: the bench
 * forwarder, the bench money Worker, the MCP Worker) under `wrangler dev` on free ports, state in /dev/shm wiped
 * each run, so a running `npm start` is not disturbed; seeds the bench's copy of providers/ (rate limits raised,
 * bench/lib/providers.ts). Then measures every case of the suite with autocannon in interleaved rounds (round 1:
 * every case, round 2: every case…), and reports each figure as the median over rounds of that round's value.
 *
 * Options:
 *   --suite <name>        gateway, money, mcp or metrics (required)
 *   --rounds <n>          interleaved rounds (default 3)
 *   --duration <s>        seconds per case, shape and round (default 5)
 *   --connections <n>     connections of the throughput shape (default 10)
 *   --warmup <s>          unmeasured seconds before each measurement (default 1)
 *   --quick               smoke run: 1 s per case, 0.5 s warm-up (figures are not measurements)
 *   --strict              exit 1 when a target is missed (a non-2xx answer always exits 1)
 *   --state-dir <dir>     the Workers' local state (default /dev/shm/penumbra-bench-<suite> when there is one)
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { AdminClient } from "../scripts/lib/admin.ts";
import { gatewayDevVars, mcpDevVars } from "../scripts/lib/dev-vars.ts";
import { makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import {
	applyMigrations,
	ensureDevVars,
	firstExit,
	HOST,
	type PlannedWorker,
	type StackOptions,
	seedRegistry,
	startWorkersInOrder,
	WORKERS,
	type WorkerEntry,
} from "../scripts/lib/stack.ts";
import { benchProviders } from "./lib/providers.ts";
import { loadNow, medianTarget, type Target, writeSuiteResult } from "./lib/results.ts";
import { runBench } from "./lib/run.ts";
import { planBenchWorkers } from "./lib/stack.ts";
import { median } from "./lib/stats.ts";
import { type LoadShape, type Measurement, measure, preflight } from "./measure.ts";
import { type BenchContext, type Probe, SUITES, type SuiteResults } from "./suites.ts";

const root = resolve(import.meta.dirname, "..");
const loadAtStart = loadNow();
const say = makePrefixer("bench");

function usage(message: string): never {
	say(`${message} (options: the top of bench/http.ts, or npm run bench -- --help)`);
	process.exit(2);
}

function parseFlags() {
	try {
		return parseArgs({
			options: {
				suite: { type: "string" },
				rounds: { type: "string", default: "3" },
				duration: { type: "string", default: "5" },
				connections: { type: "string", default: "10" },
				warmup: { type: "string", default: "1" },
				quick: { type: "boolean", default: false },
				strict: { type: "boolean", default: false },
				"state-dir": { type: "string" },
			},
		}).values;
	} catch (error) {
		usage(error instanceof Error ? error.message : String(error));
	}
}

const args = parseFlags();

function positive(name: string, raw: string, integer: boolean): number {
	const value = Number(raw);
	if (!(value > 0) || (integer && !Number.isInteger(value))) usage(`--${name} must be a positive number`);
	return value;
}

const suite =
	SUITES.find((s) => s.name === args.suite) ??
	usage(`--suite must be one of ${SUITES.map((s) => s.name).join(", ")}`);
const rounds = positive("rounds", args.rounds, true);
const duration = args.quick ? 1 : positive("duration", args.duration, false);
const warmup = args.quick
	? 0.5
	: Number(args.warmup) >= 0
		? Number(args.warmup)
		: usage("--warmup must be ≥ 0");
const connections = positive("connections", args.connections, true);
const SHAPES: LoadShape[] = [
	{ name: "latency", connections: 1, durationSeconds: duration, warmupSeconds: warmup },
	{ name: "throughput", connections, durationSeconds: duration, warmupSeconds: warmup },
];
const stateDir = resolve(
	args["state-dir"] ??
		(existsSync("/dev/shm")
			? join("/dev/shm", `penumbra-bench-${suite.name}`)
			: join(root, ".wrangler", `bench-${suite.name}`)),
);

/** Workers only the bench starts; kept out of the `npm start` table in scripts/lib/stack.ts. */
const BENCH_WORKERS: readonly WorkerEntry[] = [
	{
		name: "forwarder",
		title: "Bench forwarder",
		config: "bench/forwarder/wrangler.toml",
		defaultPort: 8799,
		portEnv: "PENUMBRA_BENCH_FORWARDER_PORT",
		// Forwarded like everything else, so it answers once the sandbox behind it does too.
		healthPath: "/health",
		vars: (ports): Record<string, string> => ({ TARGET: `http://${HOST}:${ports.sandbox}` }),
	},
	{
		name: "money",
		title: "Bench money",
		config: "bench/money-worker/wrangler.toml",
		defaultPort: 8798,
		portEnv: "PENUMBRA_BENCH_MONEY_PORT",
		// The gateway's, answered through this Worker: 2xx means both are up.
		healthPath: "/v1/health",
		// One process: the money Worker's RPC to the gateway's AccountDO stays in it (no dev registry hop), and the
		// gateway (no port of its own there) is reached through the money Worker's origin.
		auxiliaries: ["gateway"],
	},
	{
		// The MCP Worker with a copy of the gateway inside its process (auxiliary config), so its service-binding RPC
		// is in-process as production runs it, not a hop through the dev registry; the gateway also runs on its own
		// (the REST baseline), with another credential: the processes share D1 and KV, never a Durable Object.
		name: "mcp-in-process",
		title: "MCP server, gateway in-process",
		config: "workers/mcp/wrangler.toml",
		defaultPort: 8795,
		portEnv: "PENUMBRA_BENCH_MCP_IN_PROCESS_PORT",
		healthPath: "/health",
		auxiliaries: ["gateway"],
		vars: (ports) => ({ ...mcpDevVars(ports), PUBLIC_URL: `http://${HOST}:${ports["mcp-in-process"]}` }),
	},
	{
		// The same gateway with metrics off (its own process, same state): the metrics suite's baseline.
		name: "gateway-metrics-off",
		title: "Gateway, metrics off",
		config: "wrangler.toml",
		defaultPort: 8797,
		portEnv: "PENUMBRA_BENCH_GATEWAY_OFF_PORT",
		healthPath: "/v1/health",
		vars: (ports, options) => ({ ...gatewayDevVars(ports, options.upstreamAllowlist), METRICS_STORE: "off" }),
	},
	{
		// The same gateway writing Analytics Engine data points, as deployed (locally the binding drops them).
		name: "gateway-metrics-ae",
		title: "Gateway, metrics to Analytics Engine",
		config: "wrangler.toml",
		defaultPort: 8796,
		portEnv: "PENUMBRA_BENCH_GATEWAY_AE_PORT",
		healthPath: "/v1/health",
		vars: (ports, options) => ({
			...gatewayDevVars(ports, options.upstreamAllowlist),
			METRICS_STORE: "analytics-engine",
		}),
	},
];

/** Enough for every paid call of a long run (fees are a few cents). */
const BENCH_CREDIT_CENTS = 1_000_000_000;

const supervisor = new Supervisor();
let died: string | undefined;

/** Workers whose auxiliaries are copies: each of those also runs as its own process, at its own origin. */
const HOLDS_COPIES = new Set(["mcp-in-process"]);

/** A Worker another one runs in its own process (`auxiliaries`) answers at that Worker's origin. */
function hostOf(workers: readonly PlannedWorker[], name: string): PlannedWorker | undefined {
	return workers.find((w) => w.auxiliaries?.includes(name) && !HOLDS_COPIES.has(w.name));
}

async function startStack(): Promise<StackOptions> {
	const workers = await planBenchWorkers(root, suite.workers, [...WORKERS, ...BENCH_WORKERS]);
	for (const w of workers) {
		const host = hostOf(workers, w.name);
		if (host) Object.assign(w, { port: host.port, inspectorPort: host.inspectorPort, origin: host.origin });
	}
	const options: StackOptions = {
		root,
		persistTo: stateDir,
		registryPath: join(root, ".wrangler", `bench-${suite.name}-registry`),
		workers,
		echo: false,
		// Per-request log lines would cost more than the routes being measured.
		logLevel: "warn",
		vars: {
			gateway: { LOG_LEVEL: "warn", METRICS_STORE: suite.gatewayMetricsStore ?? "analytics-engine" },
			"gateway-metrics-off": { LOG_LEVEL: "warn" },
			"gateway-metrics-ae": { LOG_LEVEL: "warn" },
			mcp: { LOG_LEVEL: "warn" },
			"mcp-in-process": { LOG_LEVEL: "warn" },
		},
		providersDir: benchProviders(root, `${stateDir}-providers`),
	};
	rmSync(stateDir, { recursive: true, force: true });
	// Before any Worker starts: wrangler reads .dev.vars (the admin token) once, at start.
	ensureDevVars(root);
	say(`state in ${stateDir}; migrating, seeding and starting ${workers.map((w) => w.name).join(" + ")}…`);
	await applyMigrations(supervisor, options);
	await seedRegistry(supervisor, options);
	// One at a time: workerd processes opening the same SQLite state at once can fail (SQLITE_BUSY). A Worker that
	// runs inside another's process is started with it.
	const running = await startWorkersInOrder(
		supervisor,
		options,
		60_000,
		workers.filter((w) => !hostOf(workers, w.name)),
	);
	void firstExit(running).then(({ worker, proc }) => {
		if (!supervisor.isStopping)
			died = `${worker.name} ${proc.exitDescription}: ${proc.lastLines(10).join(" | ")}`;
	});
	return options;
}

async function context(options: StackOptions): Promise<BenchContext> {
	const origin = (name: string) => options.workers.find((w) => w.name === name)?.origin;
	const gateway = origin("gateway");
	const sandbox = origin("sandbox");
	if (!gateway || !sandbox) throw new Error("no gateway or sandbox");
	const { adminToken } = ensureDevVars(root);
	const admin = new AdminClient(gateway, adminToken);
	const credential = await admin.createCredential({ email: "bench@penumbra.local", name: "bench" });
	await admin.credit(credential.id, BENCH_CREDIT_CENTS, `bench-credit:${credential.id}`);
	const registry = await buildRegistryFromDir(options.providersDir ?? join(root, "providers"), {
		vars: { SANDBOX_ORIGIN: sandbox },
	});
	for (const p of registry.problems)
		say(`providers problem: ${p.file}${p.path ? `#${p.path}` : ""}: ${p.message}`);
	// Each other gateway process gets a credential of its own: the processes share D1 and KV, never a Durable Object.
	const otherGateway = async (name: string) => {
		const at = origin(name);
		if (!at) return undefined;
		const made = await admin.createCredential({
			email: `bench-${name}@penumbra.local`,
			name: `bench ${name}`,
		});
		await admin.credit(made.id, BENCH_CREDIT_CENTS, `bench-credit:${made.id}`);
		return { gateway: at, key: made.key };
	};
	const metricsOff = await otherGateway("gateway-metrics-off");
	const metricsAe = await otherGateway("gateway-metrics-ae");
	const inProcess = await otherGateway("mcp-in-process");
	const secrets = parseEnv(readFileSync(join(root, ".dev.vars"), "utf8"));
	return {
		gateway,
		sandbox,
		forwarder: origin("forwarder"),
		money: origin("money"),
		mcp: origin("mcp"),
		...(metricsOff ? { metricsOff } : {}),
		...(metricsAe ? { metricsAe } : {}),
		...(inProcess ? { mcpInProcess: { mcp: inProcess.gateway, key: inProcess.key } } : {}),
		key: credential.key,
		adminToken,
		services: registry.services,
		secrets: (name) => secrets[name] || undefined,
	};
}

function alive(): void {
	if (died) throw new Error(`a Worker stopped during the bench: ${died}`);
}

/**
 * Every case under every shape, round after round, the order reversed every other round (A, B, C, C, B, A…): a case
 * never always follows the same neighbour, whose after-effects (a flush, a compaction) would land on it alone.
 */
async function measureRounds(ctx: BenchContext): Promise<SuiteResults[]> {
	const cases = suite.cases(ctx);
	for (const c of cases) await preflight(c.request);
	const perRound: SuiteResults[] = [];
	for (let r = 1; r <= rounds && cases.length > 0; r++) {
		const results: SuiteResults = {};
		for (const shape of SHAPES) {
			for (const c of r % 2 === 0 ? [...cases].reverse() : cases) {
				say(
					`round ${r}/${rounds} ${suite.name}/${c.name}: ${shape.connections} connection(s), ${duration} s…`,
				);
				results[c.name] = { ...results[c.name], [shape.name]: await measure(c.request, shape) };
				alive();
			}
		}
		perRound.push(results);
	}
	return perRound;
}

/** Each figure's median over the rounds. */
function medianTargets(perRound: SuiteResults[], probes: readonly Probe[]): Target[] {
	const rounds = (perRound.length > 0 ? perRound : [{}]).map((r) => suite.compare(r, probes));
	return (rounds[0] ?? []).map((c, i) =>
		medianTarget(
			c.name,
			rounds.map((r) => r[i]?.value ?? Number.NaN),
			c.unit,
			c.target?.op,
			c.target?.limit,
		),
	);
}

function errorsOf(perRound: SuiteResults[], probes: readonly Probe[]): string[] {
	const out: string[] = [];
	for (const [r, results] of perRound.entries()) {
		for (const [name, shapes] of Object.entries(results)) {
			for (const [shape, m] of Object.entries(shapes)) {
				if (m.errors > 0) out.push(`round ${r + 1} ${name}@${shape}: ${describeErrors(m)}`);
			}
		}
	}
	for (const p of probes.filter((p) => p.errors > 0))
		out.push(`${p.name}: ${p.errors} error(s): ${p.problems.slice(0, 3).join("; ")}`);
	return out;
}

function describeErrors(m: Measurement): string {
	const statuses = Object.entries(m.status_counts)
		.filter(([status]) => !status.startsWith("2"))
		.map(([status, count]) => `${count}× HTTP ${status}`);
	if (m.connection_errors > 0)
		statuses.push(`${m.connection_errors} connection errors (${m.timeouts} timeouts)`);
	return statuses.join(", ");
}

/** Per case and shape: the median over rounds of req/s, p50 and p99. */
function caseRows(perRound: SuiteResults[]): string[][] {
	const rows = [["case", "connections", "req/s", "p50 ms", "p99 ms", "responses", "non-2xx"]];
	const names = Object.keys(perRound[0] ?? {});
	for (const shape of SHAPES) {
		for (const name of names) {
			const ms = perRound.map((r) => r[name]?.[shape.name]).filter((m) => m !== undefined);
			rows.push([
				name,
				String(shape.connections),
				median(ms.map((m) => m.req_per_s)).toFixed(0),
				median(ms.map((m) => m.latency_ms.p50)).toFixed(2),
				median(ms.map((m) => m.latency_ms.p99)).toFixed(2),
				String(ms.reduce((n, m) => n + m.responses, 0)),
				String(ms.reduce((n, m) => n + m.errors, 0)),
			]);
		}
	}
	return rows;
}

function probeRows(probes: readonly Probe[]): string[][] {
	return [
		["probe", "at once", "ops/s", "unit", "p50 ms", "p99 ms", "ops", "errors"],
		...probes.map((p) => [
			p.name,
			String(p.connections),
			p.per_s.toFixed(0),
			p.unit,
			p.latency_ms.p50.toFixed(2),
			p.latency_ms.p99.toFixed(2),
			String(p.count),
			String(p.errors),
		]),
	];
}

async function main(): Promise<number> {
	const options = await startStack();
	const ctx = await context(options);
	const perRound = await measureRounds(ctx);
	const probeOptions = {
		durationSeconds: duration,
		warmupSeconds: warmup,
		connections,
		rounds,
		quick: args.quick,
	};
	const probes = suite.probes ? await suite.probes(ctx, probeOptions) : [];
	alive();
	await stopEverything();

	const errors = errorsOf(perRound, probes);
	const targets = medianTargets(perRound, probes);
	const cases = suite.cases(ctx);
	writeSuiteResult(root, {
		suite: suite.name,
		description: suite.description,
		quick: args.quick,
		loadAtStart,
		targets,
		tables: [
			...(cases.length > 0
				? [{ title: `Cases, median of ${rounds} interleaved rounds`, rows: caseRows(perRound) }]
				: []),
			...(probes.length > 0 ? [{ title: "Probes", rows: probeRows(probes) }] : []),
		],
		notes: [
			...cases.map((c) => `${c.name}: ${c.description}`),
			...probes.map((p) => `${p.name}: ${p.description}`),
			...(suite.notes ?? []),
		],
		invalid: errors,
		figures: { shapes: SHAPES, rounds: perRound, probes },
	});
	if (errors.length > 0) {
		say(
			`INVALID: some answers were not 2xx; these figures do not measure success:\n  ${errors.join("\n  ")}`,
		);
		return 1;
	}
	const missed = targets.filter((t) => t.met === false);
	if (missed.length > 0)
		say(`${missed.length} target(s) missed${args.strict ? "" : " (--strict fails on this)"}`);
	return args.strict && missed.length > 0 ? 1 : 0;
}

async function stopEverything(): Promise<void> {
	await supervisor.stopAll();
	if (!args["state-dir"]) {
		// Memory, not disk: give it back.
		for (const dir of [stateDir, `${stateDir}-providers`, `${stateDir}-gateway-config`])
			rmSync(dir, { recursive: true, force: true });
	}
}

runBench(say, main, stopEverything);
