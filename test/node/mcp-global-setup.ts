import type { TestProject } from "vitest/node";
import { bundleWorker } from "./bundles.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** Absolute path of the gateway bundled by `wrangler deploy --dry-run`, for auxiliary Workers. */
		gatewayScript: string;
	}
}

/** Bundles the gateway as the MCP project's auxiliary Worker. */
export default async function setup(project: TestProject) {
	const gateway = await bundleWorker("wrangler.toml");
	project.provide("gatewayScript", gateway.script);
	return gateway.release;
}
