import type { TestProject } from "vitest/node";
import { unstable_startWorker } from "wrangler";
import { buildRegistryFromDir } from "../../packages/cli/src/registry-build.ts";

declare module "vitest" {
	export interface ProvidedContext {
		sandboxOrigin: string;
		registry: string;
	}
}

/** Starts the sandbox merchants on a free port and builds the registry from providers/ against it. */
export default async function setup(project: TestProject) {
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
	project.provide("sandboxOrigin", origin);
	project.provide("registry", JSON.stringify(registry.services));
	return async () => {
		await sandbox.dispose();
	};
}
