/**
 * `npm run bench [-- options]`: runs every bench suite (or those named), one after the other, each in its own
 * process with its own local stack on free ports; a suite's stack is stopped before the next starts. Each suite
 * writes bench/results/<run>-<suite>.json and .md; this writes bench/results/<run>.md and latest.md, every suite's
 * markdown of this run together. Before each suite after the first it waits for the machine to settle (below).
 * `--help` lists the suites and options.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");

interface SuiteEntry {
	name: string;
	what: string;
	/** Script and arguments, relative to the repository root. */
	command: string[];
}

const SUITES: readonly SuiteEntry[] = [
	{
		name: "gateway",
		what: "path proxy, REST tool call and a paid tool against the bare forwarding Worker (req/s at 10 connections, p50 at 1)",
		command: ["bench/http.ts", "--suite", "gateway"],
	},
	{
		name: "money",
		what: "hold + capture pairs/s on one credential and on 100, quote → purchase flows, books checked after",
		command: ["bench/http.ts", "--suite", "money"],
	},
	{
		name: "mcp",
		what: "MCP execute of a free tool through the SDK client against the same call on the REST route (p50)",
		command: ["bench/http.ts", "--suite", "mcp"],
	},
	{
		name: "metrics",
		what: "the gateway with metrics recorded against the same gateway with metrics off (req/s at 10 connections)",
		command: ["bench/http.ts", "--suite", "metrics"],
	},
	{
		name: "search",
		what: "GET /v1/search at 10,000 synthetic services: p99 warm, and the first 100 searches after an index change",
		command: ["bench/search-change.ts"],
	},
	{
		name: "chat",
		what: "time to the first assistant.delta against the fake model's first chunk streamed directly; SSE relay; 100 streams",
		command: ["bench/chat.ts"],
	},
	{
		name: "registry",
		what: "registry build time per service, and the gateway's cold index load at 100 to 10,000 services",
		command: ["bench/registry.ts"],
	},
	{
		name: "mcp-scale",
		what: "tools/list tokens, in-Worker search p99 and a cold isolate's first search at 1,000 and 10,000 services",
		command: ["bench/mcp.ts"],
	},
];

const HELP = `Usage: npm run bench [-- [--suite NAME]... [--quick] [--strict]]

Runs every suite below in sequence (or only those given with --suite, in the order given), each on its own local
stack (wrangler dev, free ports, state in /dev/shm), and writes bench/results/<run>-<suite>.json and .md plus
bench/results/latest.md. Each suite after the first waits (at most 90 s) until the 1-minute load average is at
most half the cores. Details: bench/README.md.

Suites:
${SUITES.map((s) => `  ${s.name.padEnd(10)} ${s.what}`).join("\n")}

Options:
  --suite NAME   run this suite (repeatable, or comma-separated)
  --quick        smoke run: few rounds, short durations, small sizes; checks every case runs, measures nothing
  --strict       exit 1 when a target is missed (an invalid run, e.g. a non-2xx answer, always exits 1)
  --help         this text
`;

function parse() {
	try {
		return parseArgs({
			options: {
				suite: { type: "string", multiple: true },
				quick: { type: "boolean", default: false },
				strict: { type: "boolean", default: false },
				help: { type: "boolean", default: false },
			},
		}).values;
	} catch (error) {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
		process.exit(2);
	}
}

function pickSuites(names: string[] | undefined): SuiteEntry[] {
	if (!names) return [...SUITES];
	const picked: SuiteEntry[] = [];
	for (const name of names.flatMap((n) => n.split(",")).map((n) => n.trim())) {
		const found = SUITES.find((s) => s.name === name);
		if (!found) {
			process.stderr.write(`unknown suite "${name}"; suites: ${SUITES.map((s) => s.name).join(", ")}\n`);
			process.exit(2);
		}
		picked.push(found);
	}
	return picked;
}

let current: ChildProcess | null = null;
let interrupted = false;

/**
 * A suite that starts while the last one's processes still wind down (wrangler and workerd exiting, their garbage
 * collected) measures that too: on 2 cores, MCP execute − REST p50 right after the gateway suite was 2.01-3.16 ms
 * against 1.28-1.35 ms alone. So the next suite waits until the 1-minute load average is at most half the cores,
 * for at most MOST_SETTLE_MS.
 */
const SETTLED_LOAD_PER_CORE = 0.5;
const MOST_SETTLE_MS = 90_000;

async function settle(): Promise<void> {
	const target = availableParallelism() * SETTLED_LOAD_PER_CORE;
	const oneMinute = () => Math.round((loadavg()[0] ?? 0) * 100) / 100;
	const from = oneMinute();
	const started = Date.now();
	while (oneMinute() > target && Date.now() - started < MOST_SETTLE_MS && !interrupted) {
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	const waited = Math.round((Date.now() - started) / 1000);
	const settled = oneMinute() <= target ? "settled" : "still busy, going on";
	process.stdout.write(
		`[bench] load ${from} → ${oneMinute()} in ${waited} s (≤ ${target} wanted): ${settled}\n`,
	);
}

/** Runs one suite's script with this Node (Node 24 under npm) and resolves with its exit code. */
function runSuite(suite: SuiteEntry, flags: string[], stamp: string): Promise<number> {
	const [script = "", ...rest] = suite.command;
	return new Promise((done) => {
		const child = spawn(process.execPath, [join(root, script), ...rest, ...flags], {
			cwd: root,
			stdio: "inherit",
			env: { ...process.env, PENUMBRA_BENCH_RUN: stamp },
		});
		current = child;
		child.on("exit", (code, signal) => {
			current = null;
			done(code ?? (signal ? 130 : 1));
		});
	});
}

// The running suite stops its own stack on SIGINT or SIGTERM (a terminal's Ctrl-C reaches it directly; a kill of
// this process is passed on); no further suite starts.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		interrupted = true;
		current?.kill(signal);
	});
}

async function main(): Promise<number> {
	const args = parse();
	if (args.help) {
		process.stdout.write(HELP);
		return 0;
	}
	const suites = pickSuites(args.suite);
	const flags = [...(args.quick ? ["--quick"] : []), ...(args.strict ? ["--strict"] : [])];
	const stamp = new Date()
		.toISOString()
		.replaceAll(":", "-")
		.replace(/\.\d+Z$/, "Z");
	const codes: [string, number][] = [];
	for (const [index, suite] of suites.entries()) {
		if (interrupted) break;
		process.stdout.write(`\n=== bench suite ${suite.name}: ${suite.what}\n`);
		// A quick run measures nothing: no wait.
		if (index > 0 && !args.quick) await settle();
		codes.push([suite.name, await runSuite(suite, flags, stamp)]);
	}
	const dir = join(root, "bench", "results");
	mkdirSync(dir, { recursive: true });
	const parts = suites
		.map((s) => join(dir, `${stamp}-${s.name}.md`))
		.filter((file) => existsSync(file))
		.map((file) => readFileSync(file, "utf8"));
	const summary = join(dir, `${stamp}.md`);
	writeFileSync(summary, `# Bench run ${stamp}${args.quick ? " (quick)" : ""}\n\n${parts.join("\n")}`);
	copyFileSync(summary, join(dir, "latest.md"));
	process.stdout.write(
		`\n${codes.map(([name, code]) => `${name}: ${code === 0 ? "ok" : `exit ${code}`}`).join(", ")}\nsummary: ${summary} (also bench/results/latest.md)\n`,
	);
	return codes.some(([, code]) => code !== 0) || interrupted ? 1 : 0;
}

process.exitCode = await main();
