/**
 * `npm run bench`: starts its own sandbox + gateway (`wrangler dev`, like `npm start`, but on free
 * ports with state in .wrangler/bench-state, wiped each run, so a running `npm start` is not
 * disturbed) plus the bench-only forwarder (bench/forwarder: one more hop, no logic), then loads
 * each case of each suite with autocannon on loopback and reports req/s, p50 and p99 per case
 * plus the suite's derived figures and targets. Results: stdout and
 * bench/results/<time>.json (gitignored).
 *
 * Options:
 *   --suite <name>        run only this suite (repeatable; default all: gateway, money)
 *   --duration <s>        seconds per case and load shape (default 10)
 *   --connections <n>     connections of the throughput shape (default 20)
 *   --warmup <s>          unmeasured seconds before each measurement (default 2)
 *   --strict              exit 1 when a target is missed (non-2xx responses always exit 1)
 *   --state-dir <dir>     where the Workers keep their local state (default: a folder in /dev/shm when there is
 *                         one, else .wrangler/bench-state). On this machine's disk every Durable Object commit
 *                         waits for a flush, which caps writes below what the code does; give a disk folder to
 *                         measure with it.
 *
 * The absolute figures depend on the machine (wrangler dev on the same cores as autocannon):
 * compare the ratios, which are measured against the same runtime in the same run.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { AdminClient, fundDevCredential } from "../scripts/lib/admin.ts";
import { freePort, makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import {
	applyMigrations,
	ensureDevVars,
	firstExit,
	HOST,
	type PlannedWorker,
	planWorkers,
	type StackOptions,
	seedRegistry,
	startWorkers,
	WORKERS,
	type WorkerEntry,
	waitHealthy,
} from "../scripts/lib/stack.ts";
import { type LoadShape, type Measurement, measure, preflight } from "./measure.ts";
import { type BenchContext, type Comparison, type Probe, SUITES, type SuiteResults } from "./suites.ts";
import { table } from "./table.ts";

const root = resolve(import.meta.dirname, "..");
const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const say = makePrefixer("bench");

function usage(message: string): never {
	say(message);
	process.exit(2);
}

function parseFlags() {
	try {
		return parseArgs({
			options: {
				suite: { type: "string", multiple: true },
				duration: { type: "string", default: "10" },
				connections: { type: "string", default: "20" },
				warmup: { type: "string", default: "2" },
				strict: { type: "boolean", default: false },
				"state-dir": { type: "string" },
			},
		}).values;
	} catch (error) {
		usage(
			`${error instanceof Error ? error.message : String(error)} (see the options at the top of bench/run.ts)`,
		);
	}
}

const args = parseFlags();

function positive(name: string, raw: string, integer: boolean): number {
	const value = Number(raw);
	if (!(value > 0) || (integer && !Number.isInteger(value))) usage(`--${name} must be a positive number`);
	return value;
}

const duration = positive("duration", args.duration, false);
const warmup = Number(args.warmup) >= 0 ? Number(args.warmup) : 2;
const SHAPES: LoadShape[] = [
	{ name: "latency", connections: 1, durationSeconds: duration, warmupSeconds: warmup },
	{
		name: "throughput",
		connections: positive("connections", args.connections, true),
		durationSeconds: duration,
		warmupSeconds: warmup,
	},
];
const stateDir = resolve(
	args["state-dir"] ??
		(existsSync("/dev/shm")
			? join("/dev/shm", "penumbra-bench-state")
			: join(root, ".wrangler", "bench-state")),
);
const suites = args.suite ? SUITES.filter((s) => args.suite?.includes(s.name)) : SUITES;
if (suites.length === 0) usage(`unknown suite; available: ${SUITES.map((s) => s.name).join(", ")}`);

/** Only the Workers the chosen suites need; ports are whatever the OS has free, so nothing collides. */
const NEEDED = [...new Set(suites.flatMap((s) => s.workers))];

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
		healthPath: "/health",
	},
];

/** Bench Workers whose only state is another Worker's (the money Worker calls the gateway's Durable Objects). */
const STATELESS = new Set(["money"]);

const supervisor = new Supervisor();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		if (supervisor.isStopping) return;
		say(`${signal}: stopping…`);
		void supervisor.stopAll().then(() => process.exit(130));
	});
}

async function planBenchWorkers(): Promise<PlannedWorker[]> {
	const used = new Set<number>();
	const nextPort = async (): Promise<number> => {
		for (;;) {
			const port = await freePort();
			if (!used.has(port)) {
				used.add(port);
				return port;
			}
		}
	};
	const planned = planWorkers(root, () => 0, [...WORKERS, ...BENCH_WORKERS]).filter((w) =>
		NEEDED.includes(w.name),
	);
	for (const worker of planned) {
		worker.port = await nextPort();
		worker.inspectorPort = await nextPort();
		worker.origin = `http://${HOST}:${worker.port}`;
	}
	const missing = NEEDED.filter((name) => !planned.some((w) => w.name === name));
	if (missing.length > 0) throw new Error(`missing Worker config for: ${missing.join(", ")}`);
	return planned;
}

function originOf(workers: PlannedWorker[], name: string): string {
	const worker = workers.find((w) => w.name === name);
	if (!worker) throw new Error(`no ${name} Worker`);
	return worker.origin;
}

async function main(): Promise<number> {
	const workers = await planBenchWorkers();
	const options: StackOptions = {
		root,
		persistTo: stateDir,
		registryPath: join(root, ".wrangler", "bench-registry"),
		workers,
		echo: false,
		// Per-request log lines would cost more than the routes being measured.
		logLevel: "warn",
		vars: { gateway: { LOG_LEVEL: "warn" } },
	};
	// Bench Workers that keep no state of their own get their own folder: two workerd processes opening the same
	// SQLite files at start-up race (SQLITE_BUSY) and one of them dies.
	const ownState = { ...options, persistTo: `${stateDir}-aux` };
	rmSync(options.persistTo, { recursive: true, force: true });
	rmSync(ownState.persistTo, { recursive: true, force: true });
	const { adminToken } = ensureDevVars(root);

	say(`state in ${stateDir}; migrating, seeding and starting ${workers.map((w) => w.name).join(" + ")}…`);
	await applyMigrations(supervisor, options);
	await seedRegistry(supervisor, options);
	const running = [
		...startWorkers(supervisor, { ...options, workers: workers.filter((w) => !STATELESS.has(w.name)) }),
		...startWorkers(supervisor, { ...ownState, workers: workers.filter((w) => STATELESS.has(w.name)) }),
	];
	let died: string | undefined;
	void firstExit(running).then(({ worker, proc }) => {
		if (!supervisor.isStopping)
			died = `${worker.name} ${proc.exitDescription}: ${proc.lastLines(10).join(" | ")}`;
	});
	await waitHealthy(running, 60_000);

	const gateway = originOf(workers, "gateway");
	const admin = new AdminClient(gateway, adminToken);
	const credential = await admin.createCredential({ email: "bench@penumbra.local", name: "bench" });
	await fundDevCredential(admin, credential);
	const registry = await buildRegistryFromDir(join(root, "providers"), {
		vars: { SANDBOX_ORIGIN: originOf(workers, "sandbox") },
	});
	for (const p of registry.problems)
		say(`providers/ problem: ${p.file}${p.path ? `#${p.path}` : ""}: ${p.message}`);
	const ctx: BenchContext = {
		gateway,
		sandbox: originOf(workers, "sandbox"),
		forwarder: workers.find((w) => w.name === "forwarder")?.origin,
		money: workers.find((w) => w.name === "money")?.origin,
		key: credential.key,
		adminToken,
		services: registry.services,
	};

	const report: SuiteReport[] = [];
	for (const suite of suites) {
		const cases = suite.cases(ctx);
		for (const c of cases) await preflight(c.request);
		const results: SuiteResults = {};
		for (const shape of SHAPES) {
			for (const c of cases) {
				say(`${suite.name}/${c.name}: ${shape.connections} connection(s), ${shape.durationSeconds} s…`);
				const m = await measure(c.request, shape);
				if (died) throw new Error(`a Worker stopped during the bench: ${died}`);
				results[c.name] = { ...results[c.name], [shape.name]: m };
			}
		}
		const probes = suite.probes
			? await suite.probes(ctx, {
					durationSeconds: duration,
					warmupSeconds: warmup,
					connections: positive("connections", args.connections, true),
				})
			: [];
		if (died) throw new Error(`a Worker stopped during the bench: ${died}`);
		report.push({
			suite: suite.name,
			description: suite.description,
			notes: suite.notes ?? [],
			cases: cases.map((c) => ({ name: c.name, description: c.description, results: results[c.name] ?? {} })),
			probes,
			comparisons: suite.compare(results, probes).map(evaluate),
		});
	}
	await supervisor.stopAll();
	if (!args["state-dir"] && stateDir.startsWith("/dev/shm/")) {
		// Memory, not disk: give it back.
		rmSync(options.persistTo, { recursive: true, force: true });
		rmSync(ownState.persistTo, { recursive: true, force: true });
	}

	printReport(report);
	const file = writeResults(report);
	say(`results written to ${file}`);

	const withErrors = report.flatMap((s) =>
		s.cases.flatMap((c) =>
			Object.entries(c.results)
				.filter(([, m]) => m.errors > 0)
				.map(([shape, m]) => `${s.suite}/${c.name}@${shape}: ${describeErrors(m)}`),
		),
	);
	withErrors.push(
		...report.flatMap((s) =>
			s.probes
				.filter((p) => p.errors > 0)
				.map((p) => `${s.suite}/${p.name}: ${p.errors} error(s): ${p.problems.slice(0, 3).join("; ")}`),
		),
	);
	if (withErrors.length > 0) {
		say(
			`INVALID: some responses were errors, the figures above do not measure success:\n  ${withErrors.join("\n  ")}`,
		);
		return 1;
	}
	const missed = report.flatMap((s) => s.comparisons.filter((c) => c.met === false));
	if (missed.length > 0)
		say(`${missed.length} target(s) missed${args.strict ? "" : " (pass --strict to fail on this)"}`);
	return args.strict && missed.length > 0 ? 1 : 0;
}

interface EvaluatedComparison extends Comparison {
	met?: boolean;
}

interface SuiteReport {
	suite: string;
	description: string;
	notes: string[];
	cases: { name: string; description: string; results: Record<string, Measurement> }[];
	probes: Probe[];
	comparisons: EvaluatedComparison[];
}

function evaluate(c: Comparison): EvaluatedComparison {
	const value = Math.round(c.value * 100) / 100;
	if (!c.target) return { ...c, value };
	return { ...c, value, met: c.target.op === "<=" ? value <= c.target.limit : value >= c.target.limit };
}

function describeErrors(m: Measurement): string {
	const statuses = Object.entries(m.status_counts)
		.filter(([status]) => !status.startsWith("2"))
		.map(([status, count]) => `${count}× HTTP ${status}`);
	if (m.connection_errors > 0)
		statuses.push(`${m.connection_errors} connection errors (${m.timeouts} timeouts)`);
	return statuses.join(", ");
}

function printReport(report: SuiteReport[]): void {
	const out: string[] = [];
	for (const s of report) {
		out.push("", `Suite ${s.suite}: ${s.description}`, "");
		const nameWidth = Math.max(...s.cases.map((c) => c.name.length), ...s.probes.map((p) => p.name.length));
		for (const c of s.cases) out.push(`  ${c.name.padEnd(nameWidth)}  ${c.description}`);
		out.push("");
		const rows = [["case", "conns", "req/s", "p50 ms", "p99 ms", "responses", "errors"]];
		for (const shape of SHAPES) {
			for (const c of s.cases) {
				const m = c.results[shape.name];
				if (!m) continue;
				rows.push([
					c.name,
					String(m.connections),
					m.req_per_s.toFixed(0),
					m.latency_ms.p50.toFixed(2),
					m.latency_ms.p99.toFixed(2),
					String(m.responses),
					String(m.errors),
				]);
			}
		}
		out.push(table(rows), "");
		if (s.probes.length > 0) {
			for (const p of s.probes) out.push(`  ${p.name.padEnd(nameWidth)}  ${p.description}`);
			out.push("");
			const probeRows = [["probe", "at once", "ops/s", "unit", "p50 ms", "p99 ms", "ops", "errors"]];
			for (const p of s.probes) {
				probeRows.push([
					p.name,
					String(p.connections),
					p.per_s.toFixed(0),
					p.unit,
					p.latency_ms.p50.toFixed(2),
					p.latency_ms.p99.toFixed(2),
					String(p.count),
					String(p.errors),
				]);
			}
			out.push(table(probeRows), "");
		}
		const comparisonRows = [["figure", "value", "target", ""]];
		for (const c of s.comparisons) {
			comparisonRows.push([
				c.name,
				`${c.value.toFixed(2)} ${c.unit}`,
				c.target ? `${c.target.op} ${c.target.limit} ${c.unit}` : "",
				c.met === undefined ? "" : c.met ? "met" : "MISSED",
			]);
		}
		out.push(table(comparisonRows));
		if (s.notes.length > 0) out.push("", ...s.notes.map((n) => `  ${n}`));
	}
	process.stdout.write(`${out.join("\n")}\n\n`);
}

function writeResults(report: SuiteReport[]): string {
	const dir = join(root, "bench", "results");
	mkdirSync(dir, { recursive: true });
	const at = new Date().toISOString();
	const file = join(dir, `${at.replaceAll(":", "-").replace(/\.\d+Z$/, "Z")}.json`);
	const document = {
		at,
		machine: {
			state_dir: stateDir,
			node: process.version,
			cpus: availableParallelism(),
			cpu_model: cpus()[0]?.model ?? "unknown",
			// Other work on the machine skews every figure; recorded so a noisy run can be recognised.
			load_average_at_start: loadAtStart,
		},
		shapes: SHAPES,
		note: "latency figures from every response (ms, float); errors = non-2xx + connection errors",
		suites: report,
	};
	writeFileSync(file, `${JSON.stringify(document, null, "\t")}\n`);
	writeFileSync(join(dir, "latest.json"), `${JSON.stringify(document, null, "\t")}\n`);
	return file;
}

main()
	.then(async (code) => {
		await supervisor.stopAll();
		process.exit(code);
	})
	.catch(async (error: unknown) => {
		if (supervisor.isStopping) return;
		say(`failed: ${error instanceof Error ? error.message : String(error)}`);
		await supervisor.stopAll();
		process.exit(1);
	});
