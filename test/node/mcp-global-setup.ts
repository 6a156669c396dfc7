import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

declare module "vitest" {
	export interface ProvidedContext {
		/** Absolute path of the gateway bundled by `wrangler deploy --dry-run`, for the MCP tests' auxiliary Worker. */
		gatewayScript: string;
	}
}

const CACHE_DIR = resolve("node_modules/.cache/penumbra-test");

/**
 * Bundles the gateway as the MCP project's auxiliary Worker: Miniflare auxiliaries must be plain JS, so they go
 * through wrangler's own bundler (the same one `wrangler deploy` uses). A fresh folder per run keeps parallel runs
 * from overwriting each other's bundle.
 */
export default async function setup(project: TestProject) {
	await mkdir(CACHE_DIR, { recursive: true });
	const outdir = await mkdtemp(join(CACHE_DIR, "gateway-"));
	const wrangler = join(
		dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
		"bin/wrangler.js",
	);
	try {
		await promisify(execFile)(
			process.execPath,
			[wrangler, "deploy", "--dry-run", "--outdir", outdir, "-c", "wrangler.toml"],
			{
				env: {
					...process.env,
					CLOUDFLARE_CF_FETCH_ENABLED: "false",
					WRANGLER_SEND_METRICS: "false",
					WRANGLER_LOG: "error",
				},
			},
		);
	} catch (error) {
		await rm(outdir, { recursive: true, force: true });
		const { stdout, stderr } = error as { stdout?: string; stderr?: string };
		throw new Error(`bundling the gateway failed:\n${stderr || stdout || String(error)}`);
	}
	project.provide("gatewayScript", join(outdir, "index.js"));
	return async () => {
		await rm(outdir, { recursive: true, force: true });
	};
}
