import { z } from "zod";
import type { CommandResult, DeployRunner } from "./runner.ts";

/** What the deploy creates in the account, by name: found again by name on every run, so nothing is made twice. */
export const RESOURCES = {
	d1: "penumbra",
	kv: { REGISTRY: "penumbra-registry", OAUTH_KV: "penumbra-oauth" },
	pages: "penumbra-web",
} as const;

export type Say = (line: string) => void;

/** A failed step: the message says what to do; nothing after it ran. */
export class DeployError extends Error {}

/** JSON printed by wrangler, after any banner lines it writes first. */
export function jsonOf<T>(schema: z.ZodType<T>, result: CommandResult, what: string): T {
	if (result.code !== 0) {
		throw new DeployError(`${what} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
	}
	const start = result.stdout.search(/[[{]/);
	try {
		return schema.parse(JSON.parse(start >= 0 ? result.stdout.slice(start) : result.stdout));
	} catch (error) {
		throw new DeployError(`${what}: unexpected output (${error instanceof Error ? error.message : error})`);
	}
}

export async function must(result: Promise<CommandResult>, what: string): Promise<CommandResult> {
	const done = await result;
	if (done.code !== 0) {
		throw new DeployError(
			`${what} failed (exit ${done.code})${done.stderr ? `: ${done.stderr.trim()}` : ""}`,
		);
	}
	return done;
}

const WhoamiSchema = z.object({
	loggedIn: z.boolean(),
	accounts: z.array(z.object({ id: z.string(), name: z.string() })).default([]),
});

/** The account to deploy to: the only one of the login, or CLOUDFLARE_ACCOUNT_ID. */
export async function accountId(runner: DeployRunner, env: NodeJS.ProcessEnv): Promise<string> {
	const who = await runner.wrangler(["whoami", "--json"], { capture: true });
	const parsed = WhoamiSchema.safeParse(safeJson(who.stdout));
	if (!parsed.success || !parsed.data.loggedIn) {
		throw new DeployError(
			"Not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN).",
		);
	}
	const { accounts } = parsed.data;
	const wanted = env.CLOUDFLARE_ACCOUNT_ID;
	if (wanted) {
		if (accounts.length > 0 && !accounts.some((a) => a.id === wanted)) {
			throw new DeployError(`CLOUDFLARE_ACCOUNT_ID=${wanted} is not one of this login's accounts.`);
		}
		return wanted;
	}
	const [only, ...more] = accounts;
	if (!only) throw new DeployError("This login has no Cloudflare account.");
	if (more.length > 0) {
		const list = accounts.map((a) => `${a.id} (${a.name})`).join(", ");
		throw new DeployError(`This login has several accounts: set CLOUDFLARE_ACCOUNT_ID to one of ${list}.`);
	}
	return only.id;
}

function safeJson(text: string): unknown {
	const start = text.indexOf("{");
	try {
		return JSON.parse(start >= 0 ? text.slice(start) : text);
	} catch {
		return null;
	}
}

const SubdomainSchema = z.object({ subdomain: z.string().min(1) });

/** The account's `<name>.workers.dev`; a brand-new account has none until one is chosen (dashboard, once). */
export async function workersSubdomain(runner: DeployRunner, account: string): Promise<string | null> {
	const answer = await runner.api("GET", `/accounts/${account}/workers/subdomain`);
	if (answer.ok) {
		const parsed = SubdomainSchema.safeParse(answer.result);
		return parsed.success ? parsed.data.subdomain : null;
	}
	// 10007: no subdomain registered yet.
	if (answer.codes.includes(10007) || answer.status === 404) return null;
	throw new DeployError(`reading the workers.dev subdomain failed: ${answer.message}`);
}

const D1ListSchema = z.array(z.looseObject({ uuid: z.string(), name: z.string() }));

/** The D1 database's id, creating the database when the account has none of that name. */
export async function ensureD1(runner: DeployRunner, say: Say): Promise<string> {
	const list = async () =>
		jsonOf(
			D1ListSchema,
			await runner.wrangler(["d1", "list", "--json"], { capture: true }),
			"wrangler d1 list",
		);
	const found = (await list()).find((db) => db.name === RESOURCES.d1);
	if (found) {
		say(`D1 database ${RESOURCES.d1}: exists (${found.uuid})`);
		return found.uuid;
	}
	say(`D1 database ${RESOURCES.d1}: creating`);
	await must(
		runner.wrangler(["d1", "create", RESOURCES.d1], { capture: true }),
		`wrangler d1 create ${RESOURCES.d1}`,
	);
	const created = (await list()).find((db) => db.name === RESOURCES.d1);
	if (!created)
		throw new DeployError(`wrangler d1 create ${RESOURCES.d1} succeeded but the database is not listed`);
	return created.uuid;
}

const KvListSchema = z.array(z.looseObject({ id: z.string(), title: z.string() }));

/** The KV namespaces' ids by binding, creating the missing ones. */
export async function ensureKv(
	runner: DeployRunner,
	say: Say,
): Promise<Record<keyof typeof RESOURCES.kv, string>> {
	const list = async () =>
		jsonOf(
			KvListSchema,
			await runner.wrangler(["kv", "namespace", "list"], { capture: true }),
			"wrangler kv namespace list",
		);
	let namespaces = await list();
	const missing: string[] = Object.values(RESOURCES.kv).filter(
		(title) => !namespaces.some((ns) => ns.title === title),
	);
	for (const title of missing) {
		say(`KV namespace ${title}: creating`);
		await must(
			runner.wrangler(["kv", "namespace", "create", title], { capture: true }),
			`wrangler kv namespace create ${title}`,
		);
	}
	if (missing.length > 0) namespaces = await list();
	const idOf = (title: string): string => {
		const found = namespaces.find((ns) => ns.title === title);
		if (!found) throw new DeployError(`KV namespace ${title} was created but is not listed`);
		if (!missing.includes(title)) say(`KV namespace ${title}: exists (${found.id})`);
		return found.id;
	};
	return { REGISTRY: idOf(RESOURCES.kv.REGISTRY), OAUTH_KV: idOf(RESOURCES.kv.OAUTH_KV) };
}

const PagesListSchema = z.array(z.looseObject({ "Project Name": z.string(), "Project Domains": z.string() }));

/** The Pages project's `*.pages.dev` hostname, creating the project when missing. */
export async function ensurePages(runner: DeployRunner, say: Say): Promise<string> {
	const list = async () =>
		jsonOf(
			PagesListSchema,
			await runner.wrangler(["pages", "project", "list", "--json"], { capture: true }),
			"wrangler pages project list",
		);
	const find = (projects: z.infer<typeof PagesListSchema>) =>
		projects.find((p) => p["Project Name"] === RESOURCES.pages);
	let project = find(await list());
	if (project) say(`Pages project ${RESOURCES.pages}: exists`);
	else {
		say(`Pages project ${RESOURCES.pages}: creating`);
		await must(
			runner.wrangler(["pages", "project", "create", RESOURCES.pages, "--production-branch", "main"], {
				capture: true,
			}),
			`wrangler pages project create ${RESOURCES.pages}`,
		);
		project = find(await list());
	}
	const host = project?.["Project Domains"]
		.split(",")
		.map((d) => d.trim())
		.find((d) => d.endsWith(".pages.dev"));
	if (!host) throw new DeployError(`Pages project ${RESOURCES.pages} has no *.pages.dev domain listed`);
	return host;
}
