/**
 * MCP scale bench (suite `mcp-scale` of `npm run bench`, or alone: `node bench/mcp.ts [--sizes 1000,10000]
 * [--quick] [--strict] [--state-dir DIR]`; --quick: size 1000 only).
 * Registries: providers/ (the real services) and synthetic ones of each `--sizes` count (bench/registry.ts's
 * generator, seed 7). Each runs on its own local stack (gateway + MCP Worker + bench search Worker, `wrangler dev`,
 * state in /dev/shm, wiped per registry) seeded with the registry's index and search keys.
 *
 * 1. Tokens: the five tools as the running MCP Worker lists them (`tools/list` through the MCP SDK client, the
 *    tools array as JSON), against the naive list of one MCP tool per operation (name `<service>__<tool>`,
 *    description, inputSchema) for the same registry. o200k_base counts (gpt-tokenizer): Claude's own tokenizer is
 *    only reachable through Anthropic's count_tokens API. Target: ours ≤ 1,000 tokens, the same at every size.
 * 2. Search latency in-Worker, at the synthetic sizes: bench/search-worker runs the MCP Worker's search path
 *    (`loadSearchIndex` over the KV index, then `search`) on a fixed set of queries inside workerd. Target: p99 ≤
 *    5 ms at 10,000 services. For context, the `search_services` tool end to end through the MCP client, against a
 *    `health` call and a schema-rejected `search_services` call (pure MCP round trip) in the same run.
 * 3. Cold isolate: restart the MCP Worker, connect, then the first `search_services` (KV read + JSON parse + index
 *    load + search) minus the same call right after (warm), median of a few restarts; with the search Worker's
 *    in-isolate breakdown of the same steps.
 *
 * Results: stdout and bench/results/<run>-mcp-scale.json and .md. Absolute figures depend on the machine (local KV is SQLite
 * and files, not Cloudflare's): compare them with the baselines measured in the same run.
 */
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import type { StackOptions } from "../scripts/lib/stack.ts";
import { parseSuiteFlags } from "./lib/flags.ts";
import { loadNow, writeSuiteResult } from "./lib/results.ts";
import { runBench } from "./lib/run.ts";
import { round } from "./lib/stats.ts";
import {
	type ColdFigure,
	type EndToEndFigure,
	measureCold,
	measureEndToEnd,
	type ToolsFigure,
	toolsList,
} from "./mcp/client.ts";
import { COLD_RESTARTS, QUERIES } from "./mcp/config.ts";
import { type Registry, realRegistry, synthRegistry } from "./mcp/registries.ts";
import { int, printReport, type SizeReport } from "./mcp/report.ts";
import { measureSearch, type SearchFigure } from "./mcp/search.ts";
import { planStack, searchPgid, startStack, stopStack } from "./mcp/stack.ts";

const root = resolve(import.meta.dirname, "..");
const loadAtStart = loadNow();
const say = makePrefixer("bench:mcp");

const args = parseSuiteFlags(say, { sizes: { type: "string" }, "state-dir": { type: "string" } });
const sizes = (args.sizes ?? (args.quick ? "1000" : "1000,10000")).split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
	say("--sizes takes positive integers, e.g. 1000,10000");
	process.exit(2);
}
const stateDir = resolve(
	args["state-dir"] ??
		(existsSync("/dev/shm") ? join("/dev/shm", "penumbra-bench-mcp") : join(root, ".wrangler", "bench-mcp")),
);

const supervisor = new Supervisor();

async function measureSize(
	options: StackOptions,
	registry: Registry,
	deep: boolean,
): Promise<{
	tools: ToolsFigure;
	search?: SearchFigure;
	end_to_end?: EndToEndFigure;
	cold?: ColdFigure;
}> {
	say(`${registry.label}: seeding and starting gateway + MCP Worker + search Worker…`);
	const stack = await startStack(supervisor, options, registry);
	try {
		const tools = await toolsList(stack.mcp.origin);
		if (!deep) return { tools };
		say(`${registry.label}: search in-Worker…`);
		const search = await measureSearch(stack.search.origin, searchPgid(stack));
		say(`${registry.label}: search_services end to end…`);
		const end_to_end = await measureEndToEnd(stack.mcp.origin);
		say(`${registry.label}: cold isolate (${COLD_RESTARTS} restarts)…`);
		const cold = await measureCold(supervisor, stack);
		return { tools, search, end_to_end, cold };
	} finally {
		await stopStack(stack);
	}
}

async function main(): Promise<number> {
	const started = performance.now();
	const options = await planStack(root, stateDir);
	const reports: SizeReport[] = [];
	const listings = new Set<string>();
	const plans: { build: () => Promise<Registry> | Registry; deep: boolean }[] = [
		{ build: () => realRegistry(root), deep: false },
		...sizes.map((n) => ({ build: () => synthRegistry(n), deep: true })),
	];
	for (const plan of plans) {
		const registry = await plan.build();
		say(
			`${registry.label}: ${int(registry.services)} services, ${int(registry.naive.tools)} operations, built in ${int(registry.build_ms)} ms`,
		);
		const measured = await measureSize(options, registry, plan.deep);
		listings.add(measured.tools.json);
		reports.push({
			label: registry.label,
			services: registry.services,
			build_ms: registry.build_ms,
			search_index_bytes: registry.search_bytes,
			naive: registry.naive,
			ours: { tokens: measured.tools.tokens, bytes: measured.tools.bytes, tools: measured.tools.tools },
			ratio: round(registry.naive.tokens / measured.tools.tokens, 1),
			...(measured.search ? { search: measured.search } : {}),
			...(measured.end_to_end ? { end_to_end: measured.end_to_end } : {}),
			...(measured.cold ? { cold: measured.cold } : {}),
		});
	}
	await stopEverything();

	const comparisons = printReport(reports, listings.size === 1);
	writeSuiteResult(root, {
		suite: "mcp-scale",
		description: "MCP Worker at scale: tools/list tokens, in-Worker search, a cold isolate's first search",
		quick: args.quick,
		loadAtStart,
		targets: comparisons.map((c) => ({ name: c.name, value: c.value, unit: "", target: "", met: c.met })),
		figures: {
			run_seconds: Math.round((performance.now() - started) / 1000),
			tokenizer: "o200k_base (gpt-tokenizer 4.0.0); Claude's tokenizer needs Anthropic's count_tokens API",
			queries: QUERIES,
			sizes: reports,
		},
	});
	return args.strict && comparisons.some((c) => !c.met) ? 1 : 0;
}

/** Stops every Worker and gives the memory of the default state folder back. */
async function stopEverything(): Promise<void> {
	await supervisor.stopAll();
	if (!args["state-dir"]) rmSync(stateDir, { recursive: true, force: true });
}

runBench(say, main, stopEverything);
