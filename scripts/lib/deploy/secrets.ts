import { randomBytes } from "node:crypto";
import { z } from "zod";
import { DeployError, type Say } from "./account.ts";
import type { WorkerName } from "./config.ts";
import type { DeployRunner } from "./runner.ts";

/** A secret the operator provides (environment or prompt), and what works without it. */
interface ProvidedSecret {
	worker: WorkerName;
	names: readonly string[];
	/** Said when it is missing. */
	without: string;
}

/** Generated on the first deploy, never replaced by a later one (rotation: README, "Deploy to Cloudflare"). */
export const GENERATED = {
	QUOTE_SIGNING_KEY: () => randomBytes(32).toString("base64url"),
	ADMIN_TOKEN: () => `adm_${randomBytes(24).toString("base64url")}`,
} as const;

export const PROVIDED: readonly ProvidedSecret[] = [
	{
		worker: "gateway",
		names: ["EMAIL_API_URL", "EMAIL_API_KEY", "EMAIL_FROM"],
		without:
			"email sign-in is off (the chat site and the MCP sign-in page refuse email codes); people sign in with an API key made by `npx penumbra keys create`. A Resend-compatible API: EMAIL_API_URL=https://api.resend.com/emails, EMAIL_API_KEY, EMAIL_FROM",
	},
	{
		worker: "gateway",
		names: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
		without:
			"top-up by card is off (the site's Add money card says it is not configured); operators credit accounts with `npx penumbra credit`. A Stripe secret key (sk_live_… or sk_test_…) and the signing secret (whsec_…) of a webhook endpoint at the URL printed below",
	},
	{
		worker: "gateway",
		names: ["ANALYTICS_API_TOKEN"],
		without:
			"metrics are still recorded, but GET /v1/admin/metrics, the operator dashboard's charts and the alerts cannot read them. A Cloudflare API token with Account Analytics: Read (never the token this deploy runs with)",
	},
	{
		worker: "gateway",
		names: ["ALERT_WEBHOOK_URL"],
		without:
			"alerts are only logged. An incoming-webhook URL taking Slack-compatible JSON (https://hooks.slack.com/services/…)",
	},
	{
		worker: "chat",
		names: ["ANTHROPIC_API_KEY"],
		without:
			"the chat site's answers fail until it is set; the MCP server, the REST API and Claude Desktop work without it",
	},
];

/** Per Worker: the secrets to upload with its deploy, and what this run generated. */
export interface SecretPlan {
	upload: Record<WorkerName, Record<string, string>>;
	generated: Record<string, string>;
	missing: { names: readonly string[]; without: string }[];
}

const SecretListSchema = z.array(z.looseObject({ name: z.string() }));

/** The names of the secrets a deployed Worker has; none when the Worker does not exist yet. */
export async function secretNames(
	runner: DeployRunner,
	config: string,
	worker: string,
): Promise<Set<string>> {
	const answer = await runner.wrangler(["secret", "list", "--format", "json", "-c", config], {
		capture: true,
	});
	if (answer.code !== 0) {
		// Only "no such Worker" means "no secrets": any other failure must not lead to new keys replacing good ones.
		if (/does not exist|not found|10007/i.test(`${answer.stderr}\n${answer.stdout}`)) return new Set();
		throw new DeployError(
			`listing the secrets of ${worker} failed: ${(answer.stderr || answer.stdout).trim()}`,
		);
	}
	const start = answer.stdout.indexOf("[");
	const parsed = SecretListSchema.safeParse(JSON.parse(start >= 0 ? answer.stdout.slice(start) : "[]"));
	if (!parsed.success) throw new DeployError(`wrangler secret list for ${worker}: unexpected output`);
	return new Set(parsed.data.map((s) => s.name));
}

/**
 * Decides every secret of the deploy: generated ones only when the Worker lacks them, provided ones from the
 * environment (always uploaded when given, so a changed value takes effect) or asked for when missing.
 * `upstreamKeys` are the production catalog's PROVIDER_<ID>_API_KEY names.
 */
export async function planSecrets(
	runner: DeployRunner,
	existing: Record<WorkerName, Set<string>>,
	env: NodeJS.ProcessEnv,
	upstreamKeys: readonly string[],
	say: Say,
): Promise<SecretPlan> {
	const plan: SecretPlan = { upload: { gateway: {}, mcp: {}, chat: {} }, generated: {}, missing: [] };
	for (const [name, make] of Object.entries(GENERATED)) {
		if (existing.gateway.has(name)) say(`secret ${name}: set earlier, kept`);
		else {
			const value = make();
			plan.upload.gateway[name] = value;
			plan.generated[name] = value;
			say(`secret ${name}: generated`);
		}
	}
	const provided = [
		...PROVIDED,
		...upstreamKeys.map((name) => ({
			worker: "gateway" as const,
			names: [name],
			without: `the provider's tools answer an upstream authentication error until ${name} is set`,
		})),
	];
	for (const secret of provided) await provide(runner, secret, existing[secret.worker], env, plan, say);
	return plan;
}

async function provide(
	runner: DeployRunner,
	secret: ProvidedSecret,
	existing: Set<string>,
	env: NodeJS.ProcessEnv,
	plan: SecretPlan,
	say: Say,
): Promise<void> {
	const fromEnv = secret.names.filter((name) => env[name]);
	if (fromEnv.length === secret.names.length) {
		for (const name of secret.names) plan.upload[secret.worker][name] = env[name] ?? "";
		say(`secret ${secret.names.join(", ")}: from the environment`);
		return;
	}
	if (secret.names.every((name) => existing.has(name))) {
		say(`secret ${secret.names.join(", ")}: set earlier, kept`);
		return;
	}
	const asked: Record<string, string> = {};
	for (const name of secret.names) {
		asked[name] = env[name] || (await runner.ask(`${name} (${secret.worker}; Enter to skip): `));
		if (!asked[name]) break;
	}
	if (secret.names.every((name) => asked[name])) {
		Object.assign(plan.upload[secret.worker], asked);
		say(`secret ${secret.names.join(", ")}: entered`);
		return;
	}
	plan.missing.push({ names: secret.names, without: secret.without });
	say(
		`secret ${secret.names.join(", ")}: not set (set it in the environment and run again) — ${secret.without}`,
	);
}
