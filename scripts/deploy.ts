/**
 * `npm run deploy`: takes a Cloudflare account from nothing (or from any earlier deploy) to the running system.
 * Safe to re-run: resources are found by name before anything is created, secrets are generated only when missing.
 *
 * 1. compiles the production catalog (providers/ without `dev: true` providers; a problem stops everything),
 * 2. finds the account (`wrangler whoami`; CLOUDFLARE_ACCOUNT_ID when the login has several) and its workers.dev
 *    subdomain, finds or creates the D1 database, the KV namespaces (registry, OAuth) and the Pages project,
 * 3. writes `.deploy/` (gitignored): penumbra.json with the real ids and URLs, and per Worker a wrangler config
 *    generated from its committed wrangler.toml (the production configuration) with those ids and URLs,
 * 4. secrets: QUOTE_SIGNING_KEY and ADMIN_TOKEN generated when the gateway has none; EMAIL_API_URL, EMAIL_API_KEY,
 *    EMAIL_FROM, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET (top-ups) and ANTHROPIC_API_KEY from the environment (or
 *    asked for on a terminal), saying what works without,
 * 5. applies the D1 migrations, seeds the registry into the remote namespace,
 * 6. deploys the gateway, the MCP Worker and the chat Worker, in that order (each binds the ones before), each with
 *    its new secrets in the same upload, then builds and publishes the site,
 * 7. prints the URLs, the MCP URL for Claude Desktop, the Stripe webhook URL to register (and its events) and,
 *    once, a generated admin token.
 *
 * Flags:
 *   --dry-run         print every step, build every bundle; no call reaches Cloudflare and nothing is written
 *   --domain D        custom domains: site at D, gateway at api.D, MCP at mcp.D (D must be a zone of the account);
 *                     remembered in .deploy/penumbra.json for later runs
 *
 * Every wrangler command, Cloudflare API call and build tool goes through a runner (scripts/lib/deploy/runner.ts)
 * that the deploy test replaces (test/node/deploy.spec.ts).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DeployError } from "./lib/deploy/account.ts";
import { readState } from "./lib/deploy/config.ts";
import { deploy, printOutcome } from "./lib/deploy/deploy.ts";
import { processRunner } from "./lib/deploy/runner.ts";

const root = resolve(import.meta.dirname, "..");
const say = (line: string) => process.stdout.write(`${line}\n`);

function flags(): { dryRun: boolean; domain: string | null } {
	try {
		const { values } = parseArgs({
			options: { "dry-run": { type: "boolean", default: false }, domain: { type: "string" } },
		});
		const domain = values.domain?.trim().toLowerCase().replace(/\.$/, "") || null;
		if (domain && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) {
			throw new Error(`--domain ${values.domain}: not a hostname like example.com`);
		}
		return { dryRun: values["dry-run"], domain };
	} catch (error) {
		say(`${error instanceof Error ? error.message : String(error)}; flags: --dry-run, --domain <zone>`);
		process.exit(2);
	}
}

const { dryRun, domain: flagged } = flags();
const stateDir = resolve(root, ".deploy");
// A deploy on custom domains stays on them: the domain is kept in .deploy/penumbra.json.
const remembered = flagged ? null : (readState(stateDir)?.domain ?? null);
if (remembered) say(`domain ${remembered} (from .deploy/penumbra.json)`);
try {
	const outcome = await deploy({
		root,
		stateDir,
		dryRun,
		domain: flagged ?? remembered,
		env: process.env,
		runner: processRunner(root),
		say,
	});
	if (outcome) printOutcome(say, outcome);
} catch (error) {
	if (!(error instanceof DeployError)) throw error;
	say(`✖ ${error.message}`);
	process.exit(1);
}
