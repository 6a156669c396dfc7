/**
 * `npm run deploy`: remote D1 migrations, registry seed, `wrangler deploy` of each Worker, then the chat site:
 * `vite build` of web/ and `wrangler pages deploy dist --project-name penumbra-web` run in web/ (Pages reads its
 * wrangler.toml, with the CHAT service binding, and the Functions folder from the working directory). The site goes
 * last: its binding needs the chat Worker deployed.
 * `npm run deploy -- --dry-run` builds every Worker, the site and its Pages Function without touching Cloudflare
 * (used to check the bundles) and prints the Pages deploy it would run.
 * `--with-sandbox` also deploys the sandbox merchants (for a demo account).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
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

/** The chat site (a Pages project); its folder holds wrangler.toml, functions/ and the built dist/. */
const site = { project: "penumbra-web", dir: "web", output: "dist" };

function run(step: string, args: string[], cwd = "."): void {
	console.log(`\n▶ ${step}: ${cwd === "." ? "" : `(in ${cwd}/) `}npx ${args.join(" ")}`);
	const result = spawnSync("npx", args, {
		cwd,
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
if (existsSync(join(site.dir, "wrangler.toml"))) {
	run("build the site", ["vite", "build"], site.dir);
	const deploy = ["wrangler", "pages", "deploy", site.output, "--project-name", site.project];
	if (dryRun) {
		// Pages has no dry run: bundle the Function (what the upload would compile) and show the command.
		run(
			"build the Pages Function",
			["wrangler", "pages", "functions", "build", "--outdir", "../dist/web-functions"],
			site.dir,
		);
		console.log(`\n▷ would deploy the site: (in ${site.dir}/) npx ${deploy.join(" ")}`);
	} else {
		run("deploy the site", deploy, site.dir);
	}
}
console.log(dryRun ? "\n✔ every Worker and the site build (dry run, nothing deployed)" : "\n✔ deployed");
