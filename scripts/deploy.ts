/**
 * `npm run deploy`: remote D1 migrations, registry seed, then `wrangler deploy` of each Worker.
 * `npm run deploy -- --dry-run` builds every Worker without touching Cloudflare (used to check the bundles).
 * `--with-sandbox` also deploys the sandbox merchants (for a demo account).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
	options: {
		"dry-run": { type: "boolean", default: false },
		"with-sandbox": { type: "boolean", default: false },
	},
});
const dryRun = values["dry-run"];

const workers = [
	{ name: "gateway", config: "wrangler.toml" },
	{ name: "sandbox", config: "workers/sandbox/wrangler.toml", optional: !values["with-sandbox"] },
	{ name: "mcp", config: "workers/mcp/wrangler.toml" },
	{ name: "chat", config: "workers/chat/wrangler.toml" },
];

function run(step: string, args: string[]): void {
	console.log(`\n▶ ${step}: npx ${args.join(" ")}`);
	const result = spawnSync("npx", args, {
		stdio: "inherit",
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
	});
	if (result.status !== 0) {
		console.error(`✖ ${step} failed (exit ${result.status ?? result.signal}). Nothing after it was run.`);
		process.exit(1);
	}
}

if (!dryRun) {
	run("D1 migrations", ["wrangler", "d1", "migrations", "apply", "DB", "--remote"]);
	run("registry seed", ["penumbra", "providers", "seed", "--remote"]);
}
for (const worker of workers) {
	if (worker.optional || !existsSync(worker.config)) continue;
	run(
		`deploy ${worker.name}`,
		dryRun
			? ["wrangler", "deploy", "-c", worker.config, "--dry-run", "--outdir", `dist/${worker.name}`]
			: ["wrangler", "deploy", "-c", worker.config],
	);
}
console.log(dryRun ? "\n✔ every Worker builds (dry run, nothing deployed)" : "\n✔ deployed");
