import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REGISTRY_INDEX_KEY, REGISTRY_SEARCH_KEY } from "@penumbra/core/registry";
import type { Supervisor } from "../../scripts/lib/proc.ts";
import {
	type PlannedWorker,
	type RunningWorker,
	type StackOptions,
	startWorkers,
	WORKERS,
	type WorkerEntry,
	waitHealthy,
} from "../../scripts/lib/stack.ts";
import { kvBulkPut, planBenchWorkers, worker } from "../lib/stack.ts";
import type { Registry } from "./registries.ts";

/** The search Worker is bench-only, so it stays out of the `npm start` table. */
const SEARCH_WORKER: WorkerEntry = {
	name: "search",
	title: "Bench search",
	config: "bench/search-worker/wrangler.toml",
	defaultPort: 8797,
	portEnv: "PENUMBRA_BENCH_SEARCH_PORT",
	healthPath: "/health",
};

export interface Stack {
	options: StackOptions;
	mcp: PlannedWorker;
	search: PlannedWorker;
	running: RunningWorker[];
}

export async function planStack(root: string, stateDir: string): Promise<StackOptions> {
	const workers = await planBenchWorkers(root, ["gateway", "mcp", "search"], [...WORKERS, SEARCH_WORKER]);
	const mcp = workers.find((w) => w.name === "mcp");
	return {
		root,
		persistTo: stateDir,
		registryPath: join(root, ".wrangler", "bench-mcp-registry"),
		workers,
		echo: false,
		logLevel: "warn",
		vars: { gateway: { LOG_LEVEL: "warn" }, mcp: { LOG_LEVEL: "warn", PUBLIC_URL: mcp?.origin ?? "" } },
	};
}

function only(options: StackOptions, name: string): StackOptions {
	return { ...options, workers: options.workers.filter((w) => w.name === name) };
}

/** Fresh state with the registry's two discovery keys, then gateway + MCP Worker, then the search Worker. */
export async function startStack(
	supervisor: Supervisor,
	options: StackOptions,
	registry: Registry,
): Promise<Stack> {
	const { persistTo: stateDir } = options;
	rmSync(stateDir, { recursive: true, force: true });
	mkdirSync(stateDir, { recursive: true });
	await kvBulkPut(supervisor, options, [
		{ key: REGISTRY_INDEX_KEY, value: registry.index },
		{ key: REGISTRY_SEARCH_KEY, value: registry.search },
	]);
	const running = startWorkers(supervisor, {
		...options,
		workers: options.workers.filter((w) => w.name !== "search"),
	});
	await waitHealthy(running, 60_000);
	// Started after the others: workerd processes opening the same SQLite state at once can race (SQLITE_BUSY).
	const search = startWorkers(supervisor, only(options, "search"));
	await waitHealthy(search, 60_000);
	return {
		options,
		mcp: worker(options, "mcp"),
		search: worker(options, "search"),
		running: [...running, ...search],
	};
}

export async function stopStack(stack: Stack): Promise<void> {
	await Promise.all(stack.running.map(({ proc }) => proc.stop()));
}

/** The search Worker's process group (wrangler, its workerd processes): whose CPU time the bench reads. */
export function searchPgid(stack: Stack): number {
	const pid = stack.running.find((r) => r.worker.name === "search")?.proc.child.pid;
	if (pid === undefined) throw new Error("the search Worker is not running");
	return pid;
}

/** A fresh MCP Worker process, so the next call meets a fresh isolate. */
export async function restartMcp(supervisor: Supervisor, stack: Stack): Promise<void> {
	const index = stack.running.findIndex((r) => r.worker.name === "mcp");
	const current = stack.running[index];
	if (!current) throw new Error("the MCP Worker is not running");
	await current.proc.stop();
	const [started] = startWorkers(supervisor, only(stack.options, "mcp"));
	if (!started) throw new Error("the MCP Worker did not start");
	stack.running[index] = started;
	await waitHealthy([started], 60_000);
}
