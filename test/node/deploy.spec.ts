import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeployError } from "../../scripts/lib/deploy/account.ts";
import { readState } from "../../scripts/lib/deploy/config.ts";
import { type DeployOptions, deploy, printOutcome } from "../../scripts/lib/deploy/deploy.ts";
import type { ApiAnswer, CommandResult, DeployRunner, RunOptions } from "../../scripts/lib/deploy/runner.ts";

const root = resolve(import.meta.dirname, "../..");

interface DeployedWorker {
	secrets: Set<string>;
	deploys: number;
	vars: Record<string, string>;
}

const ok = (stdout = ""): CommandResult => ({ code: 0, stdout, stderr: "" });
const fail = (stderr: string): CommandResult => ({ code: 1, stdout: "", stderr });

function readJson<T>(file: string): T {
	return JSON.parse(readFileSync(file, "utf8")) as T;
}

interface WorkerConfig {
	name: string;
	account_id: string;
	vars: Record<string, string>;
	d1_databases?: { binding: string; database_id: string }[];
	kv_namespaces?: { binding: string; id: string }[];
	services?: { binding: string; service: string }[];
}

/**
 * A Cloudflare account as wrangler and the API show it, for `npm run deploy`: it answers the commands the deploy
 * runs, refuses what the real one would refuse (unknown ids, bindings to Workers not deployed yet, a site before its
 * Worker) and records every call.
 */
class FakeAccount implements DeployRunner {
	readonly calls: string[] = [];
	readonly questions: string[] = [];
	subdomain: string | null = "ada";
	accounts = [{ id: "acc_1", name: "Ada's account" }];
	d1: { uuid: string; name: string }[] = [];
	kv: { id: string; title: string }[] = [];
	pages: { name: string; domains: string[]; custom: string[]; deployments: number }[] = [];
	workers = new Map<string, DeployedWorker>();
	registry = new Map<string, string>();
	migrated: string[] = [];

	async wrangler(args: readonly string[], _options?: RunOptions): Promise<CommandResult> {
		this.calls.push(`wrangler ${args.map((a) => (a.startsWith("/") ? a.split("/").at(-1) : a)).join(" ")}`);
		const [a, b, c] = args;
		if (a === "whoami") return ok(JSON.stringify({ loggedIn: true, accounts: this.accounts }));
		if (a === "d1") return this.d1Command(args);
		if (a === "kv") return this.kvCommand(args);
		if (a === "pages" && b === "project" && c === "list") {
			return ok(
				JSON.stringify(
					this.pages.map((p) => ({ "Project Name": p.name, "Project Domains": p.domains.join(", ") })),
				),
			);
		}
		if (a === "pages" && b === "project" && c === "create") {
			const name = args[3] ?? "";
			if (this.pages.some((p) => p.name === name)) return fail("A project with this name already exists");
			this.pages.push({ name, domains: [`${name}.pages.dev`], custom: [], deployments: 0 });
			return ok();
		}
		if (a === "pages" && b === "deploy") return this.pagesDeploy(args);
		if (a === "pages" && b === "functions") return ok();
		if (a === "secret" && b === "list") {
			const worker = this.workers.get(this.config(args).name);
			if (!worker) return fail("This Worker does not exist on your account. [code: 10007]");
			return ok(JSON.stringify([...worker.secrets].map((name) => ({ name, type: "secret_text" }))));
		}
		if (a === "deploy") return args.includes("--dry-run") ? ok() : this.deployWorker(args);
		return fail(`the fake account does not know \`wrangler ${args.join(" ")}\``);
	}

	async api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
		this.calls.push(`api ${method} ${path}`);
		const domains = /^\/accounts\/acc_1\/pages\/projects\/([^/]+)\/domains$/.exec(path);
		const project = this.pages.find((p) => p.name === domains?.[1]);
		if (project && method === "GET") return { ok: true, result: project.custom.map((name) => ({ name })) };
		if (project && method === "POST") {
			project.custom.push((body as { name: string }).name);
			return { ok: true, result: {} };
		}
		if (method === "GET" && path === `/accounts/${this.accounts[0]?.id}/workers/subdomain`) {
			return this.subdomain
				? { ok: true, result: { subdomain: this.subdomain } }
				: { ok: false, status: 404, codes: [10007], message: "no subdomain" };
		}
		return { ok: false, status: 404, codes: [7003], message: "unknown route" };
	}

	async local(tool: string, args: readonly string[]): Promise<CommandResult> {
		this.calls.push(`${tool} ${args.join(" ")}`);
		return ok();
	}

	async ask(question: string): Promise<string> {
		this.questions.push(question);
		return "";
	}

	/** The calls that would create, change or publish something (what a dry run must never make). */
	get changes(): string[] {
		return this.calls.filter(
			(call) =>
				/ create | migrations apply | bulk | (^wrangler deploy (?!.*--dry-run))|pages deploy|secret put/.test(
					call,
				) ||
				call.startsWith("api POST") ||
				call.startsWith("api PUT"),
		);
	}

	private config(args: readonly string[]): WorkerConfig {
		const file = args[args.indexOf("-c") + 1];
		if (!file) throw new Error(`no -c in ${args.join(" ")}`);
		return readJson<WorkerConfig>(file);
	}

	private d1Command(args: readonly string[]): CommandResult {
		if (args[1] === "list")
			return ok(JSON.stringify(this.d1.map((db) => ({ ...db, version: "production" }))));
		if (args[1] === "create") {
			if (this.d1.some((db) => db.name === args[2])) return fail("A database with that name already exists");
			this.d1.push({ uuid: randomUUID(), name: args[2] ?? "" });
			return ok();
		}
		const db = this.config(args).d1_databases?.[0];
		if (!db || !this.d1.some((d) => d.uuid === db.database_id)) return fail("Couldn't find DB");
		this.migrated.push(db.database_id);
		return ok();
	}

	private kvCommand(args: readonly string[]): CommandResult {
		const [, b, c] = args;
		if (b === "namespace" && c === "list") return ok(JSON.stringify(this.kv));
		if (b === "namespace" && c === "create") {
			if (this.kv.some((ns) => ns.title === args[3])) return fail("already exists [code: 10014]");
			this.kv.push({ id: randomUUID().replaceAll("-", ""), title: args[3] ?? "" });
			return ok();
		}
		const ns = this.config(args).kv_namespaces?.find((n) => n.binding === "REGISTRY");
		if (!ns || !this.kv.some((k) => k.id === ns.id)) return fail("namespace not found");
		if (b === "bulk" && c === "put") {
			for (const e of readJson<{ key: string; value: string }[]>(args[3] ?? ""))
				this.registry.set(e.key, e.value);
			return ok();
		}
		if (b === "key" && c === "list") {
			const prefix = args[args.indexOf("--prefix") + 1] ?? "";
			return ok(
				JSON.stringify(
					[...this.registry.keys()].filter((k) => k.startsWith(prefix)).map((name) => ({ name })),
				),
			);
		}
		if (b === "bulk" && c === "delete") {
			for (const key of readJson<string[]>(args[3] ?? "")) this.registry.delete(key);
			return ok();
		}
		return fail("unknown kv command");
	}

	private deployWorker(args: readonly string[]): CommandResult {
		const config = this.config(args);
		if (config.account_id !== this.accounts[0]?.id) return fail("wrong account");
		for (const db of config.d1_databases ?? []) {
			if (!this.d1.some((d) => d.uuid === db.database_id)) return fail(`D1 ${db.database_id} not found`);
		}
		for (const ns of config.kv_namespaces ?? []) {
			if (!this.kv.some((k) => k.id === ns.id)) return fail(`KV ${ns.id} not found`);
		}
		for (const service of config.services ?? []) {
			if (!this.workers.has(service.service))
				return fail(`binding ${service.binding}: ${service.service} is not deployed`);
		}
		const worker = this.workers.get(config.name) ?? { secrets: new Set<string>(), deploys: 0, vars: {} };
		const secretsFile = args.includes("--secrets-file")
			? args[args.indexOf("--secrets-file") + 1]
			: undefined;
		if (secretsFile) for (const name of Object.keys(readJson(secretsFile))) worker.secrets.add(name);
		worker.deploys += 1;
		worker.vars = config.vars;
		this.workers.set(config.name, worker);
		return ok();
	}

	private pagesDeploy(args: readonly string[]): CommandResult {
		const project = this.pages.find((p) => p.name === args[args.indexOf("--project-name") + 1]);
		if (!project) return fail("Project not found");
		// web/wrangler.toml binds CHAT to the chat Worker: it must exist first.
		if (!this.workers.has("penumbra-chat")) return fail("service binding CHAT: penumbra-chat not found");
		project.deployments += 1;
		return ok();
	}
}

/** The kind of each call, in order, without ids and paths. */
function steps(calls: readonly string[]): string[] {
	return calls.map((call) =>
		call
			.replace(/ -c \S+/, "")
			.replace(/ --secrets-file \S+/, " --secrets-file")
			.replace(/\/accounts\/\S+?\//, "/accounts/…/"),
	);
}

describe("npm run deploy", () => {
	let stateDir: string;
	let lines: string[];
	let account: FakeAccount;

	const run = (overrides: Partial<DeployOptions> = {}) =>
		deploy({
			root,
			stateDir,
			dryRun: false,
			domain: null,
			env: {},
			runner: account,
			say: (line) => lines.push(line),
			...overrides,
		});

	beforeEach(() => {
		stateDir = join(mkdtempSync(join(tmpdir(), "penumbra-deploy-")), ".deploy");
		lines = [];
		account = new FakeAccount();
	});
	afterEach(() => {
		rmSync(resolve(stateDir, ".."), { recursive: true, force: true });
	});

	it("takes an empty account to a running system, in dependency order", async () => {
		const outcome = await run();
		expect(steps(account.calls)).toEqual([
			"wrangler whoami --json",
			"api GET /accounts/…/workers/subdomain",
			"wrangler d1 list --json",
			"wrangler d1 create penumbra",
			"wrangler d1 list --json",
			"wrangler kv namespace list",
			"wrangler kv namespace create penumbra-registry",
			"wrangler kv namespace create penumbra-oauth",
			"wrangler kv namespace list",
			"wrangler pages project list --json",
			"wrangler pages project create penumbra-web --production-branch main",
			"wrangler pages project list --json",
			"wrangler secret list --format json",
			"wrangler secret list --format json",
			"wrangler d1 migrations apply DB --remote",
			"wrangler kv bulk put registry.json --binding REGISTRY --remote",
			"wrangler kv key list --prefix registry:service: --binding REGISTRY --remote",
			"wrangler deploy --secrets-file",
			"wrangler deploy",
			"wrangler deploy",
			"vite build",
			"wrangler pages deploy dist --project-name penumbra-web --branch main --commit-dirty=true",
		]);
		expect(account.d1).toHaveLength(1);
		expect(account.kv.map((ns) => ns.title)).toEqual(["penumbra-registry", "penumbra-oauth"]);
		expect(account.migrated).toEqual([account.d1[0]?.uuid]);

		// Generated once, uploaded with the gateway's first deploy; the admin token is handed back to be shown once.
		expect([...(account.workers.get("penumbra-gateway")?.secrets ?? [])]).toEqual([
			"QUOTE_SIGNING_KEY",
			"ADMIN_TOKEN",
		]);
		expect(outcome?.generated.ADMIN_TOKEN).toMatch(/^adm_[\w-]{32}$/);
		expect(outcome?.generated.QUOTE_SIGNING_KEY?.length).toBeGreaterThanOrEqual(32);
		expect(outcome?.missing.flatMap((m) => m.names)).toEqual([
			"EMAIL_API_URL",
			"EMAIL_API_KEY",
			"EMAIL_FROM",
			"STRIPE_SECRET_KEY",
			"STRIPE_WEBHOOK_SECRET",
			"ANALYTICS_API_TOKEN",
			"ALERT_WEBHOOK_URL",
			"ANTHROPIC_API_KEY",
		]);
		expect(lines.join("\n")).toMatch(
			/ANTHROPIC_API_KEY: not set .*the MCP server, the REST API and Claude Desktop work/,
		);
		expect(lines.join("\n")).toMatch(
			/STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: not set .*top-up by card is off/,
		);
		expect(account.questions).toContain("STRIPE_SECRET_KEY (gateway; Enter to skip): ");
		// Where to register Stripe's webhook, and for which events.
		const closing: string[] = [];
		if (outcome) printOutcome((line) => closing.push(line), outcome);
		expect(closing).toContain(
			"Stripe webhook (top-ups): add an endpoint at https://penumbra-gateway.ada.workers.dev/v1/webhooks/stripe for checkout.session.completed, checkout.session.async_payment_succeeded, checkout.session.async_payment_failed, checkout.session.expired; its signing secret is STRIPE_WEBHOOK_SECRET",
		);

		// The production catalog: no sandbox merchant reaches the remote registry.
		expect([...account.registry.keys()].filter((k) => k.startsWith("registry:service:"))).toEqual([]);
		expect(outcome?.refused).toContain("fooddash");

		// Wired from the deployed hostnames.
		expect(account.workers.get("penumbra-mcp")?.vars).toMatchObject({
			ENVIRONMENT: "production",
			PUBLIC_URL: "https://penumbra-mcp.ada.workers.dev",
			GATEWAY_PUBLIC_URL: "https://penumbra-gateway.ada.workers.dev",
			WEB_URL: "https://penumbra-web.pages.dev",
		});
		expect(account.workers.get("penumbra-gateway")?.vars).toMatchObject({
			ENVIRONMENT: "production",
			UPSTREAM_ALLOWLIST: "",
			// The metrics endpoint reads Analytics Engine of the account it was deployed to.
			ANALYTICS_ACCOUNT_ID: "acc_1",
		});
		expect(account.workers.get("penumbra-chat")?.vars.MCP_URL).toBe(
			"https://penumbra-mcp.ada.workers.dev/mcp",
		);
		expect(account.pages[0]?.deployments).toBe(1);
	});

	it("records the real ids in the generated deploy config, never in the committed one", async () => {
		const committed = readFileSync(join(root, "wrangler.toml"), "utf8");
		await run();
		const state = readState(stateDir);
		expect(state).toMatchObject({
			account_id: "acc_1",
			d1_id: account.d1[0]?.uuid,
			kv: { REGISTRY: account.kv[0]?.id, OAUTH_KV: account.kv[1]?.id },
			pages_host: "penumbra-web.pages.dev",
		});
		const mcp = readJson<WorkerConfig>(join(stateDir, "mcp.wrangler.json"));
		expect(mcp.kv_namespaces).toEqual([
			{ binding: "REGISTRY", id: account.kv[0]?.id },
			{ binding: "OAUTH_KV", id: account.kv[1]?.id },
		]);
		const chat = readJson<WorkerConfig>(join(stateDir, "chat.wrangler.json"));
		expect(chat.d1_databases?.[0]?.database_id).toBe(account.d1[0]?.uuid);
		expect(readFileSync(join(root, "wrangler.toml"), "utf8")).toBe(committed);
		// No secret is left on disk.
		expect(existsSync(join(stateDir, "gateway.secrets.json"))).toBe(false);
	});

	it("run again on a complete account: creates nothing, keeps the generated secrets, deploys everything again", async () => {
		await run();
		const firstIds = readState(stateDir);
		account.calls.length = 0;
		lines = [];
		const outcome = await run({ env: { ANTHROPIC_API_KEY: "sk-ant-test" } });
		expect(account.calls.filter((c) => / create /.test(c))).toEqual([]);
		expect(account.d1).toHaveLength(1);
		expect(account.kv).toHaveLength(2);
		expect(account.pages).toHaveLength(1);
		expect(outcome?.generated).toEqual({});
		expect(lines).toContain("secret QUOTE_SIGNING_KEY: set earlier, kept");
		// The gateway's deploy carries no secret now; the chat Worker's carries the key from the environment.
		const deploys = steps(account.calls).filter((c) => c.startsWith("wrangler deploy"));
		expect(deploys).toEqual(["wrangler deploy", "wrangler deploy", "wrangler deploy --secrets-file"]);
		expect(account.workers.get("penumbra-chat")?.secrets).toEqual(new Set(["ANTHROPIC_API_KEY"]));
		expect(account.workers.get("penumbra-gateway")?.deploys).toBe(2);
		expect(readState(stateDir)).toMatchObject({ d1_id: firstIds?.d1_id, kv: firstIds?.kv });
		expect(outcome?.missing.flatMap((m) => m.names)).toEqual([
			"EMAIL_API_URL",
			"EMAIL_API_KEY",
			"EMAIL_FROM",
			"STRIPE_SECRET_KEY",
			"STRIPE_WEBHOOK_SECRET",
			"ANALYTICS_API_TOKEN",
			"ALERT_WEBHOOK_URL",
		]);
	});

	it("uploads the Stripe keys from the environment with the gateway, and keeps them on later runs", async () => {
		await run({ env: { STRIPE_SECRET_KEY: "sk_test_deploy", STRIPE_WEBHOOK_SECRET: "whsec_deploy" } });
		expect(account.workers.get("penumbra-gateway")?.secrets).toEqual(
			new Set(["QUOTE_SIGNING_KEY", "ADMIN_TOKEN", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]),
		);
		expect(lines).toContain("secret STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: from the environment");
		// The values are uploaded, never printed.
		expect(lines.join("\n")).not.toContain("sk_test_deploy");
		expect(lines.join("\n")).not.toContain("whsec_deploy");
		lines = [];
		const again = await run();
		expect(lines).toContain("secret STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: set earlier, kept");
		expect(again?.missing.flatMap((m) => m.names)).not.toContain("STRIPE_SECRET_KEY");
	});

	it("removes registry keys of services that are no longer built", async () => {
		account.registry.set("registry:service:gone", "{}");
		account.d1.push({ uuid: randomUUID(), name: "penumbra" });
		await run();
		expect(account.registry.has("registry:service:gone")).toBe(false);
		expect(account.d1).toHaveLength(1);
	});

	it("--domain: the site, the gateway and the MCP server on the operator's zone", async () => {
		const outcome = await run({ domain: "example.com" });
		expect(outcome?.origins).toEqual({
			web: "https://example.com",
			gateway: "https://api.example.com",
			mcp: "https://mcp.example.com",
			chat: null,
		});
		const mcp = readJson<WorkerConfig & { routes: unknown; workers_dev: boolean }>(
			join(stateDir, "mcp.wrangler.json"),
		);
		expect(mcp.routes).toEqual([{ pattern: "mcp.example.com", custom_domain: true }]);
		expect(account.workers.get("penumbra-mcp")?.vars.PUBLIC_URL).toBe("https://mcp.example.com");
		expect(account.pages[0]?.custom).toEqual(["example.com"]);
		// Again: attached once.
		await run({ domain: "example.com" });
		expect(account.pages[0]?.custom).toEqual(["example.com"]);
	});

	it("--dry-run prints every step and touches nothing", async () => {
		await run({ dryRun: true });
		expect(account.changes).toEqual([]);
		expect(account.calls.filter((c) => c.startsWith("api"))).toEqual([]);
		expect(steps(account.calls)).toEqual([
			"wrangler deploy --dry-run --outdir gateway",
			"wrangler deploy --dry-run --outdir mcp",
			"wrangler deploy --dry-run --outdir chat",
			"vite build",
			"wrangler pages functions build --outdir ../dist/web-functions",
		]);
		expect(existsSync(stateDir)).toBe(false);
		const printed = lines.join("\n");
		for (const step of [
			"D1 database penumbra",
			"KV namespace penumbra-oauth",
			"QUOTE_SIGNING_KEY",
			"migrations apply",
		]) {
			expect(printed).toContain(step);
		}
	});

	it("stops before changing anything when the login has several accounts and none is chosen", async () => {
		account.accounts.push({ id: "acc_2", name: "Other" });
		await expect(run()).rejects.toThrow(DeployError);
		await expect(run()).rejects.toThrow(/CLOUDFLARE_ACCOUNT_ID/);
		expect(account.changes).toEqual([]);
	});

	it("never replaces secrets when their list cannot be read", async () => {
		await run();
		const original = account.wrangler.bind(account);
		account.wrangler = async (args, options) =>
			args[0] === "secret" ? fail("Authentication error [code: 10000]") : original(args, options);
		await expect(run()).rejects.toThrow(/listing the secrets of gateway failed/);
		expect(account.workers.get("penumbra-gateway")?.deploys).toBe(1);
	});

	it("says how to get a workers.dev subdomain when the account has none", async () => {
		account.subdomain = null;
		await expect(run()).rejects.toThrow(/no workers.dev subdomain yet/);
	});
});
