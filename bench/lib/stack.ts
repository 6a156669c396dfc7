import {
	type PlannedWorker,
	planOnFreePorts,
	type StackOptions,
	WORKERS,
	type WorkerEntry,
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
