import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

const CACHE_DIR = resolve("node_modules/.cache/penumbra-test");

interface Bundle {
	script: Promise<string>;
	users: number;
}

/**
 * Vitest runs each project's global setup in its own module runner, so module state is per project; bundles live
 * on globalThis instead, and every project that needs a Worker shares one build of it per run.
 */
const SHARED = Symbol.for("penumbra.test.bundles");
type SharedGlobal = typeof globalThis & { [SHARED]?: Map<string, Bundle> };

async function build(config: string): Promise<string> {
	await mkdir(CACHE_DIR, { recursive: true });
	// A fresh folder per run keeps parallel runs from overwriting each other's bundle.
	const outdir = await mkdtemp(join(CACHE_DIR, `${config.replaceAll(/\W+/g, "-")}-`));
	const wrangler = join(
		dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
		"bin/wrangler.js",
	);
	try {
		await promisify(execFile)(
			process.execPath,
			[wrangler, "deploy", "--dry-run", "--outdir", outdir, "-c", config],
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
		throw new Error(`bundling ${config} failed:\n${stderr || stdout || String(error)}`);
	}
	return join(outdir, "index.js");
}

/**
 * A Worker bundled by `wrangler deploy --dry-run` (the bundler `wrangler deploy` uses), for another project's
 * Miniflare: auxiliary Workers must be plain JS. Returns the script's absolute path and a release function that
 * deletes the bundle once its last user is done.
 */
export async function bundleWorker(
	config: string,
): Promise<{ script: string; release: () => Promise<void> }> {
	const global = globalThis as SharedGlobal;
	global[SHARED] ??= new Map();
	const bundles = global[SHARED];
	let bundle = bundles.get(config);
	if (!bundle) {
		bundle = { script: build(config), users: 0 };
		bundles.set(config, bundle);
	}
	bundle.users++;
	const current = bundle;
	let script: string;
	try {
		script = await current.script;
	} catch (error) {
		current.users--;
		if (bundles.get(config) === current) bundles.delete(config);
		throw error;
	}
	let released = false;
	return {
		script,
		release: async () => {
			if (released) return;
			released = true;
			current.users--;
			if (current.users > 0) return;
			if (bundles.get(config) === current) bundles.delete(config);
			await rm(dirname(script), { recursive: true, force: true });
		},
	};
}
