/**
 * `npx node bench/soak.ts` (Node 24, as npm scripts use): the seeded money simulation (workers/gateway/test/money/simulation.spec.ts) with many more
 * seeds and steps than CI runs, inside workerd with the sandbox merchants, as the tests do. Prints every failing seed
 * with the steps that led to it and how to replay it; exits 1 if any failed.
 *
 * Options:
 *   --seeds <list>    seeds to run, e.g. 1-200 or 5,9,40-45 (default 1-40)
 *   --steps <n>       steps per seed (default 150)
 *   --per-run <n>     seeds per vitest run (default: as many as keep a run near 600 steps). The test pool gets
 *                     slower with every request a test file makes (cloudflare/workers-sdk#15092), so long soaks
 *                     are split into several runs.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { makePrefixer, Supervisor } from "../scripts/lib/proc.ts";

const root = resolve(import.meta.dirname, "..");
const SPEC = "workers/gateway/test/money/simulation.spec.ts";
const STEPS_PER_RUN = 600;
const say = makePrefixer("soak");

function usage(message: string): never {
	say(`${message} (see the options at the top of bench/soak.ts)`);
	process.exit(2);
}

function flags() {
	try {
		return parseArgs({
			options: {
				seeds: { type: "string", default: "1-40" },
				steps: { type: "string", default: "150" },
				"per-run": { type: "string" },
			},
		}).values;
	} catch (error) {
		usage(error instanceof Error ? error.message : String(error));
	}
}

const args = flags();
if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(args.seeds)) usage("--seeds looks like 1-200 or 5,9,40-45");
const seeds = args.seeds.split(",").flatMap((part) => {
	const [from = 0, to = from] = part.split("-").map(Number);
	return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
});
const steps = Number(args.steps);
if (!Number.isInteger(steps) || steps < 1 || steps > 100_000) usage("--steps must be a whole number from 1");
const perRun = args["per-run"] ? Number(args["per-run"]) : Math.max(1, Math.floor(STEPS_PER_RUN / steps));
if (!Number.isInteger(perRun) || perRun < 1) usage("--per-run must be a whole number from 1");

/** Just what this script reads from vitest's JSON report. */
const ReportSchema = z.object({
	testResults: z.array(
		z.object({
			message: z.string().optional(),
			assertionResults: z.array(
				z.object({
					title: z.string(),
					status: z.string(),
					failureMessages: z.array(z.string()).default([]),
				}),
			),
		}),
	),
});

const supervisor = new Supervisor();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		if (supervisor.isStopping) return;
		say(`${signal}: stopping…`);
		void supervisor.stopAll().then(() => process.exit(130));
	});
}

interface Failure {
	seed: number | null;
	message: string;
}

async function runChunk(
	chunk: number[],
	dir: string,
	index: number,
): Promise<{ passed: number[]; failed: Failure[] }> {
	const output = join(dir, `report-${index}.json`);
	const proc = supervisor.spawn({
		name: "vitest",
		command: process.execPath,
		args: [
			join(root, "node_modules", "vitest", "vitest.mjs"),
			"run",
			"--project",
			"gateway",
			SPEC,
			"--reporter=json",
			`--outputFile=${output}`,
		],
		cwd: root,
		env: {
			VITE_PENUMBRA_SOAK_SEEDS: chunk.join(","),
			VITE_PENUMBRA_SOAK_STEPS: String(steps),
			CLOUDFLARE_CF_FETCH_ENABLED: "false",
			WRANGLER_SEND_METRICS: "false",
			PATH: [join(root, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter),
		},
		echo: false,
		keepLines: 60,
	});
	await proc.exited;
	let report: z.infer<typeof ReportSchema>;
	try {
		report = ReportSchema.parse(JSON.parse(readFileSync(output, "utf8")));
	} catch {
		return {
			passed: [],
			failed: [{ seed: null, message: `vitest ${proc.exitDescription}:\n${proc.lastLines(30).join("\n")}` }],
		};
	}
	const passed: number[] = [];
	const failed: Failure[] = [];
	for (const file of report.testResults) {
		if (file.assertionResults.length === 0 && file.message)
			failed.push({ seed: null, message: file.message });
		for (const test of file.assertionResults) {
			const seed = Number(/seed (\d+)/.exec(test.title)?.[1] ?? Number.NaN);
			if (test.status === "passed") passed.push(seed);
			else failed.push({ seed: Number.isNaN(seed) ? null : seed, message: test.failureMessages.join("\n") });
		}
	}
	return { passed, failed };
}

async function main(): Promise<number> {
	const dir = mkdtempSync(join(tmpdir(), "penumbra-soak-"));
	const started = Date.now();
	const passed: number[] = [];
	const failed: Failure[] = [];
	try {
		for (let i = 0; i * perRun < seeds.length; i++) {
			const chunk = seeds.slice(i * perRun, (i + 1) * perRun);
			say(`seeds ${chunk.join(",")} × ${steps} steps…`);
			const result = await runChunk(chunk, dir, i);
			passed.push(...result.passed);
			failed.push(...result.failed);
			for (const f of result.failed) say(`FAILED seed ${f.seed ?? "?"}`);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	for (const f of failed) {
		process.stdout.write(`\n── seed ${f.seed ?? "?"} ──\n${f.message.split("\n").slice(0, 40).join("\n")}\n`);
	}
	const minutes = ((Date.now() - started) / 60_000).toFixed(1);
	say(`${passed.length} seed(s) passed, ${failed.length} failed, ${steps} steps each, in ${minutes} min`);
	if (failed.length > 0) {
		const replay = failed.map((f) => f.seed).filter((s) => s !== null);
		if (replay.length > 0) say(`replay: npx node bench/soak.ts --seeds ${replay.join(",")} --steps ${steps}`);
	}
	return failed.length > 0 || passed.length !== seeds.length ? 1 : 0;
}

main()
	.then(async (code) => {
		await supervisor.stopAll();
		process.exit(code);
	})
	.catch(async (error: unknown) => {
		say(`failed: ${error instanceof Error ? error.message : String(error)}`);
		await supervisor.stopAll();
		process.exit(1);
	});
