import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRegistryFromDir, type RegistryFromDir } from "@penumbra/cli/registry-build";
import { TOP_UP_WEBHOOK_EVENTS } from "@penumbra/core/contracts";
import { serviceKey } from "@penumbra/core/registry";
import { requiredSecrets } from "@penumbra/core/upstream-auth";
import { z } from "zod";
import {
	accountId,
	DeployError,
	ensureD1,
	ensureKv,
	ensurePages,
	jsonOf,
	must,
	RESOURCES,
	type Say,
	workersSubdomain,
} from "./account.ts";
import {
	DEPLOYED_WORKERS,
	type Ids,
	type Origins,
	originsFor,
	productionVars,
	readState,
	type WorkerName,
	writeDeployConfigs,
	writeState,
} from "./config.ts";
import type { DeployRunner } from "./runner.ts";
import { planSecrets, type SecretPlan, secretNames } from "./secrets.ts";

export interface DeployOptions {
	root: string;
	/** The generated, gitignored deploy config: `.deploy/` (state with the real ids, one wrangler config per Worker). */
	stateDir: string;
	dryRun: boolean;
	/** A zone of the account: site at it, gateway at api.<domain>, MCP at mcp.<domain>. */
	domain: string | null;
	env: NodeJS.ProcessEnv;
	runner: DeployRunner;
	say: Say;
}

export interface DeployOutcome {
	origins: Origins;
	/** Secrets this run generated (the admin token is shown once, here). */
	generated: Record<string, string>;
	missing: SecretPlan["missing"];
	services: number;
	refused: string[];
}

/** The chat site: a Pages project built from web/ (its wrangler.toml binds CHAT to the chat Worker). */
const SITE = { dir: "web", output: "dist" };

/** `npm run deploy`: from an empty account or a complete one, to the running system (steps: scripts/deploy.ts). */
export async function deploy(options: DeployOptions): Promise<DeployOutcome | null> {
	const { runner, say } = options;
	say("▶ production catalog (providers/ without development providers)");
	const catalog = await productionCatalog(options);
	if (options.dryRun) {
		await dryRun(options, catalog);
		return null;
	}
	say("▶ Cloudflare account");
	const account = await accountId(runner, options.env);
	const subdomain = await workersSubdomain(runner, account);
	say(subdomain ? `workers.dev subdomain: ${subdomain}` : "workers.dev subdomain: none yet");
	const ids: Ids = { account, d1: await ensureD1(runner, say), kv: await ensureKv(runner, say) };
	const pagesHost = await ensurePages(runner, say);
	const origins = originsFor(subdomain, pagesHost, options.domain);
	const configs = writeDeployConfigs(options.root, options.stateDir, ids, origins, options.domain);
	writeState(options.stateDir, {
		account_id: account,
		d1_id: ids.d1,
		kv: ids.kv,
		pages_host: pagesHost,
		workers_subdomain: subdomain,
		domain: options.domain,
		origins,
		deployed_at: new Date().toISOString(),
	});
	say(`deploy config: ${options.stateDir} (real ids; gitignored)`);

	say("▶ secrets");
	const existing = await existingSecrets(runner, configs);
	const secrets = await planSecrets(runner, existing, options.env, upstreamKeys(catalog), say);

	say("▶ D1 migrations (remote)");
	await must(
		runner.wrangler(["d1", "migrations", "apply", "DB", "--remote", "-c", configs.gateway], {
			env: { CI: "true" },
		}),
		"D1 migrations",
	);
	say("▶ registry seed (remote REGISTRY namespace)");
	await seedRemote(options, configs.gateway, catalog);
	for (const { name } of DEPLOYED_WORKERS) {
		say(`▶ deploy ${name}`);
		await deployWorker(options, name, configs[name], secrets.upload[name]);
	}
	say("▶ chat site (Pages)");
	await publishSite(options, account);
	return {
		origins,
		generated: secrets.generated,
		missing: secrets.missing,
		services: catalog.services.length,
		refused: catalog.skipped,
	};
}

/** Compiled before anything touches the account: a provider problem stops the deploy with nothing changed. */
async function productionCatalog(options: DeployOptions): Promise<RegistryFromDir> {
	const catalog = await buildRegistryFromDir(join(options.root, "providers"), { catalog: "production" });
	for (const p of catalog.problems) options.say(`  ${p.file}#${p.path}: ${p.message}`);
	if (catalog.problems.length > 0) {
		throw new DeployError(
			`the production catalog has ${catalog.problems.length} problem(s) (above); nothing was deployed`,
		);
	}
	options.say(
		`${catalog.services.length} service(s) to publish; refused ${catalog.skipped.length} development provider(s) (dev: true): ${catalog.skipped.join(", ") || "none"}`,
	);
	return catalog;
}

function upstreamKeys(catalog: RegistryFromDir): string[] {
	return catalog.services.flatMap((s) => requiredSecrets(s.card.id, s.auth));
}

async function existingSecrets(
	runner: DeployRunner,
	configs: Record<WorkerName, string>,
): Promise<Record<WorkerName, Set<string>>> {
	return {
		gateway: await secretNames(runner, configs.gateway, "gateway"),
		mcp: new Set(),
		chat: await secretNames(runner, configs.chat, "chat"),
	};
}

const KeyListSchema = z.array(z.looseObject({ name: z.string() }));

/** `providers seed --remote` through the runner: bulk put, then delete the keys of services no longer built. */
async function seedRemote(options: DeployOptions, config: string, catalog: RegistryFromDir): Promise<void> {
	const { runner, stateDir } = options;
	const common = ["--binding", "REGISTRY", "--remote", "-c", config];
	const file = join(stateDir, "registry.json");
	writeFileSync(file, `${JSON.stringify(catalog.entries)}\n`);
	await must(runner.wrangler(["kv", "bulk", "put", file, ...common], { capture: true }), "registry seed");
	const listed = jsonOf(
		KeyListSchema,
		await runner.wrangler(["kv", "key", "list", "--prefix", serviceKey(""), ...common], { capture: true }),
		"wrangler kv key list",
	);
	const keep = new Set(catalog.entries.map((e) => e.key));
	const stale = listed.map((k) => k.name).filter((name) => !keep.has(name));
	if (stale.length > 0) {
		const staleFile = join(stateDir, "registry.stale.json");
		writeFileSync(staleFile, JSON.stringify(stale));
		await must(
			runner.wrangler(["kv", "bulk", "delete", staleFile, "--force", ...common], { capture: true }),
			"removing stale registry keys",
		);
		rmSync(staleFile, { force: true });
	}
	options.say(`seeded ${catalog.services.length} service(s); removed ${stale.length} stale key(s)`);
}

/** `wrangler deploy` with the Worker's new secrets in the same upload (a first deploy never runs without them). */
async function deployWorker(
	options: DeployOptions,
	name: WorkerName,
	config: string,
	secrets: Record<string, string>,
): Promise<void> {
	const names = Object.keys(secrets);
	const secretsFile = join(options.stateDir, `${name}.secrets.json`);
	if (names.length > 0) {
		writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
		chmodSync(secretsFile, 0o600);
	}
	try {
		const args = ["deploy", "-c", config, ...(names.length > 0 ? ["--secrets-file", secretsFile] : [])];
		await must(options.runner.wrangler(args), `deploy ${name}`);
	} finally {
		rmSync(secretsFile, { force: true });
	}
	if (names.length > 0) options.say(`${name}: uploaded secrets ${names.join(", ")}`);
}

async function publishSite(options: DeployOptions, account: string): Promise<void> {
	const cwd = join(options.root, SITE.dir);
	await must(options.runner.local("vite", ["build"], { cwd }), "vite build of the site");
	const deployArgs = ["pages", "deploy", SITE.output, "--project-name", RESOURCES.pages, "--branch", "main"];
	await must(options.runner.wrangler([...deployArgs, "--commit-dirty=true"], { cwd }), "deploy the site");
	if (options.domain) await attachPagesDomain(options, account, options.domain);
}

const DomainListSchema = z.array(z.looseObject({ name: z.string() }));

async function attachPagesDomain(options: DeployOptions, account: string, domain: string): Promise<void> {
	const path = `/accounts/${account}/pages/projects/${RESOURCES.pages}/domains`;
	const listed = await options.runner.api("GET", path);
	const names = listed.ok ? DomainListSchema.parse(listed.result).map((d) => d.name) : [];
	if (names.includes(domain)) {
		options.say(`site domain ${domain}: attached earlier`);
		return;
	}
	const added = await options.runner.api("POST", path, { name: domain });
	if (!added.ok) throw new DeployError(`attaching ${domain} to the Pages project failed: ${added.message}`);
	options.say(
		`site domain ${domain}: attached (Cloudflare adds the DNS record when the zone is in this account)`,
	);
}

/** Every step with what it would do; builds every bundle locally; no call reaches Cloudflare, nothing is written. */
async function dryRun(options: DeployOptions, catalog: RegistryFromDir): Promise<void> {
	const { say, runner } = options;
	const state = readState(options.stateDir);
	const origins = state?.origins ?? dryRunOrigins(options.domain);
	const would = (line: string) => say(`  would ${line}`);
	say("▶ Cloudflare account");
	would(
		`use ${state ? `account ${state.account_id}` : "the account of `wrangler whoami` (or CLOUDFLARE_ACCOUNT_ID)"}`,
	);
	would(`find or create D1 database ${RESOURCES.d1}${state ? ` (recorded: ${state.d1_id})` : ""}`);
	for (const [binding, title] of Object.entries(RESOURCES.kv))
		would(`find or create KV namespace ${title} (${binding})`);
	would(`find or create Pages project ${RESOURCES.pages}`);
	would(`write ${options.stateDir}/ (real ids and one wrangler config per Worker)`);
	say("▶ secrets");
	would("generate QUOTE_SIGNING_KEY and ADMIN_TOKEN for the gateway unless it has them");
	would(
		"set EMAIL_API_URL, EMAIL_API_KEY, EMAIL_FROM, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET (gateway) and ANTHROPIC_API_KEY (chat) from the environment, or ask",
	);
	for (const name of upstreamKeys(catalog)) would(`set ${name} from the environment, or ask`);
	say("▶ D1 migrations (remote)");
	would("npx wrangler d1 migrations apply DB --remote");
	say("▶ registry seed (remote REGISTRY namespace)");
	would(
		`write ${catalog.entries.length} KV entries (${catalog.services.length} services) and delete stale service keys`,
	);
	const scratch = mkdtempSync(join(tmpdir(), "penumbra-deploy-dry-"));
	try {
		const ids: Ids = {
			account: state?.account_id ?? "0".repeat(32),
			d1: state?.d1_id ?? "00000000-0000-4000-8000-000000000000",
			kv: state?.kv ?? { REGISTRY: "0".repeat(32), OAUTH_KV: `${"0".repeat(31)}1` },
		};
		const configs = writeDeployConfigs(options.root, scratch, ids, origins, options.domain);
		for (const { name } of DEPLOYED_WORKERS) {
			say(`▶ deploy ${name}`);
			const vars = Object.entries(productionVars(name, origins)).map(([k, v]) => `${k}=${v || '""'}`);
			would(`npx wrangler deploy (vars ${vars.join(", ")}); bundling it now:`);
			const outdir = join(options.root, "dist", name);
			await must(
				runner.wrangler(["deploy", "-c", configs[name], "--dry-run", "--outdir", outdir]),
				`bundle ${name}`,
			);
		}
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
	await dryRunSite(options);
	printOutcome(
		say,
		{ origins, generated: {}, missing: [], services: catalog.services.length, refused: catalog.skipped },
		true,
	);
}

async function dryRunSite(options: DeployOptions): Promise<void> {
	const cwd = join(options.root, SITE.dir);
	options.say("▶ chat site (Pages)");
	await must(options.runner.local("vite", ["build"], { cwd }), "vite build of the site");
	// Pages has no dry run: bundle the Function (what the upload would compile) and show the command.
	await must(
		options.runner.wrangler(["pages", "functions", "build", "--outdir", "../dist/web-functions"], { cwd }),
		"build the Pages Function",
	);
	options.say(
		`  would (in ${SITE.dir}/) npx wrangler pages deploy ${SITE.output} --project-name ${RESOURCES.pages} --branch main`,
	);
	if (options.domain) options.say(`  would attach ${options.domain} to the Pages project`);
}

function dryRunOrigins(domain: string | null): Origins {
	return domain
		? originsFor(null, "", domain)
		: originsFor("<your-subdomain>", `${RESOURCES.pages}.pages.dev`, null);
}

/** The closing lines: where everything is, the URL for Claude Desktop, the admin token once, what is not set. */
export function printOutcome(say: Say, outcome: DeployOutcome, dryRun = false): void {
	const { origins } = outcome;
	say("");
	say(dryRun ? "✔ dry run: every Worker and the site build; nothing was deployed or created" : "✔ deployed");
	say(`  chat site        ${origins.web}`);
	say(`  gateway API      ${origins.gateway}/v1  (docs: ${origins.gateway}/docs)`);
	say(`  MCP server       ${origins.mcp}/mcp`);
	say(`  chat API         ${origins.chat ?? "(only through the site)"}`);
	say(
		`  catalog          ${outcome.services} service(s); development providers refused: ${outcome.refused.length}`,
	);
	say("");
	say(`Claude Desktop: Settings → Connectors → Add custom connector → ${origins.mcp}/mcp/signin`);
	say(
		`Stripe webhook (top-ups): add an endpoint at ${origins.gateway}/v1/webhooks/stripe for ${TOP_UP_WEBHOOK_EVENTS.join(", ")}; its signing secret is STRIPE_WEBHOOK_SECRET`,
	);
	for (const [name, value] of Object.entries(outcome.generated)) {
		if (name === "ADMIN_TOKEN") say(`ADMIN_TOKEN (shown once; keep it safe, the CLI needs it): ${value}`);
	}
	for (const { names, without } of outcome.missing) say(`not set: ${names.join(", ")}: ${without}`);
}
