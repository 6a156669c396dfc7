import { rmSync, writeFileSync } from "node:fs";
import type { Supervisor } from "../../scripts/lib/proc.ts";
import {
	childEnv,
	type PlannedWorker,
	planOnFreePorts,
	type StackOptions,
	WORKERS,
	type WorkerEntry,
	wranglerCommand,
} from "../../scripts/lib/stack.ts";

/** The named Workers on ports free right now (a bench runs beside `npm start`); fails when one has no config. */
export async function planBenchWorkers(
	root: string,
	names: readonly string[],
	entries: readonly WorkerEntry[] = WORKERS,
): Promise<PlannedWorker[]> {
	const workers = await planOnFreePorts(root, names, entries);
	const missing = names.filter((name) => !workers.some((w) => w.name === name));
	if (missing.length > 0) throw new Error(`missing Worker config for: ${missing.join(", ")}`);
	return workers;
}

export function worker(options: StackOptions, name: string): PlannedWorker {
	const found = options.workers.find((w) => w.name === name);
	if (!found) throw new Error(`no ${name} Worker`);
	return found;
}

/**
 * Writes KV entries into the stack's local `REGISTRY` (`wrangler kv bulk put --local`): one writer at a time, since
 * two lose writes.
 */
export async function kvBulkPut(
	supervisor: Supervisor,
	options: StackOptions,
	entries: readonly { key: string; value: string }[],
): Promise<void> {
	const file = `${options.persistTo}-put.json`;
	writeFileSync(file, JSON.stringify(entries));
	const { command, args } = wranglerCommand(options.root, [
		"kv",
		"bulk",
		"put",
		file,
		"--binding",
		"REGISTRY",
		"--local",
		"--persist-to",
		options.persistTo,
	]);
	await supervisor.run({ name: "kv", command, args, cwd: options.root, env: childEnv(options), echo: false });
	rmSync(file, { force: true });
}
