import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { table } from "../table.ts";
import { median } from "./stats.ts";

/** A figure checked against a target of issue 17 ("Done means"); `met` is undefined for context-only figures. */
export interface Target {
	name: string;
	/** A number, or a sentence where the figure is not one (e.g. "identical tools/list"). */
	value: number | string;
	unit: string;
	/** e.g. "≥ 0.85" or "≤ 1"; empty for context-only figures. */
	target: string;
	met?: boolean;
	/** Each round's (or change's) own figure, when `value` is their median: how far apart they fell in one run. */
	rounds?: number[];
}

/** A target's value with its unit, and each round's figure after it when there were several. */
function shownValue(t: Target): string {
	const value = `${t.value} ${t.unit}`.trim();
	// Figures from a one-off probe repeat in every round: nothing to show then.
	return t.rounds && new Set(t.rounds).size > 1 ? `${value} (rounds: ${t.rounds.join(", ")})` : value;
}

/** `value` checked against `op limit`, rounded to 2 decimals. */
export function target(name: string, value: number, unit: string, op?: "<=" | ">=", limit?: number): Target {
	const rounded = round2(value);
	if (op === undefined || limit === undefined) return { name, value: rounded, unit, target: "" };
	const met = Number.isFinite(rounded) && (op === "<=" ? rounded <= limit : rounded >= limit);
	return { name, value: rounded, unit, target: `${op === "<=" ? "≤" : "≥"} ${limit}`, met };
}

/** {@link target} of the median of `rounds`, each round's figure kept beside it. */
export function medianTarget(
	name: string,
	rounds: number[],
	unit: string,
	op?: "<=" | ">=",
	limit?: number,
): Target {
	return { ...target(name, median(rounds), unit, op, limit), rounds: rounds.map(round2) };
}

function round2(value: number): number {
	return Math.round(value * 100) / 100;
}

export const loadNow = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);

/** The run's timestamp: given by `npm run bench` (bench/run.ts) so every suite's files share it, else now. */
export function runStamp(): string {
	return (
		process.env.PENUMBRA_BENCH_RUN ??
		new Date()
			.toISOString()
			.replaceAll(":", "-")
			.replace(/\.\d+Z$/, "Z")
	);
}

function git(root: string, args: string[]): string {
	try {
		return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
	} catch {
		return "unknown";
	}
}

/** Where and on what a result was measured: figures from different machines or loads do not compare. */
export function machine(root: string, loadAtStart: number[]) {
	const wrangler = JSON.parse(
		readFileSync(join(root, "node_modules", "wrangler", "package.json"), "utf8"),
	) as {
		version: string;
	};
	const dirty = git(root, ["status", "--porcelain", "--untracked-files=no"]) !== "";
	return {
		cores: availableParallelism(),
		cpu_model: cpus()[0]?.model ?? "unknown",
		// Other work on the machine skews every figure: a load above the core count makes a run noisy.
		load_average_at_start: loadAtStart,
		load_average_at_end: loadNow(),
		node: process.version,
		wrangler: wrangler.version,
		commit: `${git(root, ["rev-parse", "--short", "HEAD"])}${dirty ? " (uncommitted changes)" : ""}`,
	};
}

export interface SuiteResult {
	suite: string;
	description: string;
	quick: boolean;
	loadAtStart: number[];
	targets: Target[];
	/** Why the run measured nothing (a non-2xx answer, a failed operation): shown first, in capitals. */
	invalid?: string[];
	/** Extra markdown tables: a title and rows (the first row is the header). */
	tables?: { title: string; rows: string[][] }[];
	notes?: string[];
	/** The suite's own figures, kept whole in the JSON. */
	figures: unknown;
}

function markdownTable(rows: string[][]): string {
	const [head = [], ...body] = rows;
	const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
	return [line(head), line(head.map(() => "---")), ...body.map(line)].join("\n");
}

function markdown(result: SuiteResult, m: ReturnType<typeof machine>, at: string): string {
	const out = [
		`## ${result.suite}${result.quick ? " (quick smoke run: not a measurement)" : ""}`,
		"",
		result.description,
		"",
		...(result.invalid?.length
			? [`**INVALID: these figures do not measure success.** ${result.invalid.join("; ")}`, ""]
			: []),
		`${at} · ${m.cores} cores (${m.cpu_model}) · load average ${m.load_average_at_start.join(" ")} at start, ${m.load_average_at_end.join(" ")} at end · node ${m.node} · wrangler ${m.wrangler} · commit ${m.commit}`,
		"",
		markdownTable([
			["figure", "value", "target", ""],
			...result.targets.map((t) => [
				t.name,
				shownValue(t),
				t.target ? `${t.target} ${t.unit}`.trim() : "",
				t.met === undefined ? "" : t.met ? "pass" : "**FAIL**",
			]),
		]),
	];
	for (const t of result.tables ?? []) out.push("", `${t.title}`, "", markdownTable(t.rows));
	if (result.notes?.length) out.push("", ...result.notes.map((n) => `- ${n}`));
	return `${out.join("\n")}\n`;
}

/**
 * Writes `bench/results/<run>-<suite>.json` and `.md` (gitignored) and prints the targets; returns the markdown
 * file's path.
 */
export function writeSuiteResult(root: string, result: SuiteResult): string {
	const dir = join(root, "bench", "results");
	mkdirSync(dir, { recursive: true });
	const at = new Date().toISOString();
	const m = machine(root, result.loadAtStart);
	const base = join(dir, `${runStamp()}-${result.suite}`);
	const { loadAtStart: _, tables: __, ...rest } = result;
	const valid = !result.invalid?.length;
	writeFileSync(`${base}.json`, `${JSON.stringify({ at, machine: m, valid, ...rest }, null, "\t")}\n`);
	writeFileSync(`${base}.md`, markdown(result, m, at));
	const rows = [["target", "value", "wanted", ""]];
	for (const t of result.targets)
		rows.push([t.name, shownValue(t), t.target, t.met === undefined ? "" : t.met ? "pass" : "FAIL"]);
	process.stdout.write(
		`\n${result.suite}: ${m.cores} cores, load ${m.load_average_at_start.join(" ")} → ${m.load_average_at_end.join(" ")}\n${table(rows)}\n\nresults: ${base}.json, ${base}.md\n`,
	);
	return `${base}.md`;
}
