import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { z } from "zod";
import { DeployError, type RESOURCES } from "./account.ts";

/** The Workers in dependency order: the MCP Worker binds the gateway, the chat Worker binds both, the site the chat. */
export const DEPLOYED_WORKERS = [
	{ name: "gateway", config: "wrangler.toml" },
	{ name: "mcp", config: "workers/mcp/wrangler.toml" },
	{ name: "chat", config: "workers/chat/wrangler.toml" },
] as const;

export type WorkerName = (typeof DEPLOYED_WORKERS)[number]["name"];

/** Public origins (https, no trailing slash) of what a deploy publishes. The chat Worker's is null behind --domain. */
export interface Origins {
	gateway: string;
	mcp: string;
	chat: string | null;
	web: string;
}

/** What the account holds for this system: recorded in `.deploy/penumbra.json` after every real deploy. */
export const DeployStateSchema = z.object({
	account_id: z.string(),
	d1_id: z.string(),
	kv: z.object({ REGISTRY: z.string(), OAUTH_KV: z.string() }),
	pages_host: z.string(),
	workers_subdomain: z.string().nullable(),
	domain: z.string().nullable(),
	origins: z.object({ gateway: z.string(), mcp: z.string(), chat: z.string().nullable(), web: z.string() }),
	deployed_at: z.string(),
});
export type DeployState = z.infer<typeof DeployStateSchema>;

export const STATE_FILE = "penumbra.json";

export function readState(stateDir: string): DeployState | null {
	const file = join(stateDir, STATE_FILE);
	if (!existsSync(file)) return null;
	const parsed = DeployStateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
	return parsed.success ? parsed.data : null;
}

export function writeState(stateDir: string, state: DeployState): void {
	mkdirSync(stateDir, { recursive: true });
	writeFileSync(join(stateDir, STATE_FILE), `${JSON.stringify(state, null, "\t")}\n`);
}

/**
 * Where everything will answer: `--domain example.com` puts the site at example.com, the gateway at
 * api.example.com and the MCP server at mcp.example.com (Workers custom domains; the chat Worker is then reachable
 * only through the site); otherwise the workers.dev and pages.dev hostnames.
 */
export function originsFor(subdomain: string | null, pagesHost: string, domain: string | null): Origins {
	if (domain) {
		return {
			gateway: `https://api.${domain}`,
			mcp: `https://mcp.${domain}`,
			chat: null,
			web: `https://${domain}`,
		};
	}
	if (!subdomain) {
		throw new DeployError(
			"This account has no workers.dev subdomain yet: open Workers & Pages in the Cloudflare dashboard once and choose one (or deploy with --domain <a zone of this account>), then run `npm run deploy` again.",
		);
	}
	const dev = (name: string) => `https://${name}.${subdomain}.workers.dev`;
	return {
		gateway: dev("penumbra-gateway"),
		mcp: dev("penumbra-mcp"),
		chat: dev("penumbra-chat"),
		web: `https://${pagesHost}`,
	};
}

/** The production vars each Worker deploys with (over its committed [vars]; ENVIRONMENT is pinned, never inherited). */
export function productionVars(name: WorkerName, origins: Origins): Record<string, string> {
	switch (name) {
		case "gateway":
			return { ENVIRONMENT: "production", UPSTREAM_ALLOWLIST: "", WEB_URL: origins.web };
		case "mcp":
			return {
				ENVIRONMENT: "production",
				PUBLIC_URL: origins.mcp,
				GATEWAY_PUBLIC_URL: origins.gateway,
				WEB_URL: origins.web,
			};
		case "chat":
			return { ENVIRONMENT: "production", WEB_URL: origins.web, MCP_URL: `${origins.mcp}/mcp` };
	}
}

export interface Ids {
	account: string;
	d1: string;
	kv: Record<keyof typeof RESOURCES.kv, string>;
}

const RawSchema = z.looseObject({
	main: z.string(),
	vars: z.record(z.string(), z.string()).default({}),
	d1_databases: z
		.array(z.looseObject({ binding: z.string(), migrations_dir: z.string().optional() }))
		.optional(),
	kv_namespaces: z.array(z.looseObject({ binding: z.string() })).optional(),
});

/**
 * The committed wrangler.toml of `name` with what only a deploy knows: the account, the real D1 and KV ids, the
 * production vars and (with --domain) the custom-domain route. Paths become absolute so the file can live anywhere.
 */
export function deployConfig(
	root: string,
	name: WorkerName,
	ids: Ids,
	origins: Origins,
	domain: string | null,
) {
	const entry = DEPLOYED_WORKERS.find((w) => w.name === name);
	if (!entry) throw new Error(`unknown Worker ${name}`);
	const file = join(root, entry.config);
	const dir = dirname(file);
	const { dev: _dev, ...raw } = RawSchema.parse(experimental_readRawConfig({ config: file }).rawConfig);
	const host = domain ? new URL(name === "gateway" ? origins.gateway : origins.mcp).host : null;
	return {
		...raw,
		account_id: ids.account,
		main: resolve(dir, raw.main),
		vars: {
			...raw.vars,
			...productionVars(name, origins),
			// The metrics endpoint reads Analytics Engine through this account's SQL API (README "Operating Penumbra").
			...(name === "gateway" && { ANALYTICS_ACCOUNT_ID: ids.account }),
		},
		...(raw.d1_databases && {
			d1_databases: raw.d1_databases.map((db) => ({
				...db,
				database_id: ids.d1,
				...(db.migrations_dir && { migrations_dir: resolve(dir, db.migrations_dir) }),
			})),
		}),
		...(raw.kv_namespaces && {
			kv_namespaces: raw.kv_namespaces.map((ns) => ({ ...ns, id: kvId(ids, ns.binding, name) })),
		}),
		// The chat Worker behind --domain has no public hostname: the site reaches it by its service binding.
		workers_dev: !domain,
		...(host && name !== "chat" && { routes: [{ pattern: host, custom_domain: true }] }),
	};
}

function kvId(ids: Ids, binding: string, worker: string): string {
	if (binding === "REGISTRY" || binding === "OAUTH_KV") return ids.kv[binding];
	throw new DeployError(
		`${worker}: KV binding ${binding} has no namespace in the deploy (scripts/lib/deploy/account.ts)`,
	);
}

/** Writes each Worker's deploy config as `<dir>/<name>.wrangler.json`; returns the paths by Worker. */
export function writeDeployConfigs(
	root: string,
	dir: string,
	ids: Ids,
	origins: Origins,
	domain: string | null,
): Record<WorkerName, string> {
	mkdirSync(dir, { recursive: true });
	const paths = {} as Record<WorkerName, string>;
	for (const { name } of DEPLOYED_WORKERS) {
		const path = join(dir, `${name}.wrangler.json`);
		writeFileSync(path, `${JSON.stringify(deployConfig(root, name, ids, origins, domain), null, "\t")}\n`);
		paths[name] = path;
	}
	return paths;
}
