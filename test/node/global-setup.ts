import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import type { TestProject } from "vitest/node";
import { unstable_startWorker } from "wrangler";

declare module "vitest" {
	export interface ProvidedContext {
		sandboxOrigin: string;
		registry: string;
	}
}

interface Sandbox {
	origin: string;
	registry: string;
	dispose: () => Promise<void>;
}

interface Shared {
	sandbox: Promise<Sandbox>;
	users: number;
}

/**
 * Vitest runs a project's global setup in that project's own module runner, so module state is per project; the
 * sandbox lives on globalThis instead, and projects that list this file share one sandbox per run.
 */
const SHARED = Symbol.for("penumbra.test.sandbox");
type SharedGlobal = typeof globalThis & { [SHARED]?: Shared };

async function startSandbox(): Promise<Sandbox> {
	const sandbox = await unstable_startWorker({
		config: "workers/sandbox/wrangler.toml",
		dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, persist: false, logLevel: "warn" },
	});
	await sandbox.ready;
	const origin = new URL(await sandbox.url).origin;
	const registry = await buildRegistryFromDir("providers", { vars: { SANDBOX_ORIGIN: origin } });
	if (registry.problems.length > 0) {
		await sandbox.dispose();
		throw new Error(
			`providers/ does not compile:\n${registry.problems.map((p) => `${p.file}${p.path ? `#${p.path}` : ""}: ${p.message}`).join("\n")}`,
		);
	}
	return { origin, registry: JSON.stringify(registry.services), dispose: () => sandbox.dispose() };
}

/** Starts the sandbox merchants on a free port and builds the registry from providers/ against it. */
export default async function setup(project: TestProject) {
	const global = globalThis as SharedGlobal;
	let shared = global[SHARED];
	if (!shared) {
		shared = { sandbox: startSandbox(), users: 0 };
		global[SHARED] = shared;
	}
	shared.users++;
	const current = shared;
	let sandbox: Sandbox;
	try {
		sandbox = await current.sandbox;
	} catch (error) {
		if (global[SHARED] === current) delete global[SHARED];
		throw error;
	}
	project.provide("sandboxOrigin", sandbox.origin);
	project.provide("registry", sandbox.registry);
	return async () => {
		current.users--;
		if (current.users > 0) return;
		if (global[SHARED] === current) delete global[SHARED];
		await sandbox.dispose();
	};
}
