/**
 * Production mode, locally: the gateway and the chat Worker run under `wrangler dev` with the configuration
 * `npm run deploy` generates from the committed wrangler.toml files (no development vars, no repository .dev.vars)
 * and test secrets, like a fresh deploy. A second gateway lacks QUOTE_SIGNING_KEY. Sign-in codes go to a local
 * stand-in for the email API, so the test knows each code and can look for it in every log line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import { AdminClient } from "../../scripts/lib/admin.ts";
import { DEPLOYED_WORKERS, type Origins, writeDeployConfigs } from "../../scripts/lib/deploy/config.ts";
import { freePort, indent, Supervisor } from "../../scripts/lib/proc.ts";
import {
	applyMigrations,
	planOnFreePorts,
	type RunningWorker,
	type StackOptions,
	seedRegistry,
	startWorkersInOrder,
} from "../../scripts/lib/stack.ts";

const root = resolve(import.meta.dirname, "../..");
const ADMIN_TOKEN = "prod-test-admin-token";
const SITE = "https://site.penumbra.test";
const READY_MS = 60_000;

interface Mail {
	to: string[];
	text: string;
}

/** A Resend-compatible email API that keeps what it was sent. */
async function startMailbox(): Promise<{ url: string; mails: Mail[]; server: Server }> {
	const mails: Mail[] = [];
	const server = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk: Buffer) => {
			body += chunk.toString();
		});
		req.on("end", () => {
			mails.push(JSON.parse(body) as Mail);
			res.writeHead(200, { "content-type": "application/json" }).end('{"id":"mail_1"}');
		});
	});
	await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/emails`, mails, server };
}

/** The generated deploy configs in their own folder, with a `.dev.vars` holding this Worker's secrets only. */
function deployedConfig(
	dir: string,
	name: "gateway" | "chat",
	origins: Origins,
	secrets: Record<string, string>,
) {
	mkdirSync(dir, { recursive: true });
	const ids = { account: "0".repeat(32), d1: "00000000-0000-4000-8000-000000000000", kv: localKv };
	const path = writeDeployConfigs(root, dir, ids, origins, null)[name];
	const lines = Object.entries(secrets).map(([k, v]) => `${k}="${v}"`);
	writeFileSync(join(dirname(path), ".dev.vars"), `${lines.join("\n")}\n`);
	return path;
}

// The committed placeholder ids: local D1 and KV are keyed by them, so migrations and the seed line up.
const localKv = { REGISTRY: "0".repeat(32), OAUTH_KV: `${"0".repeat(31)}1` };

let state: string;
let supervisor: Supervisor;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let gateway: RunningWorker;
let chat: RunningWorker;
let broken: RunningWorker;

beforeAll(async () => {
	state = mkdtempSync(join(tmpdir(), "penumbra-production-"));
	supervisor = new Supervisor();
	mailbox = await startMailbox();
	const workers = await planOnFreePorts(root, ["gateway", "chat"]);
	const [g, c] = [workers.find((w) => w.name === "gateway"), workers.find((w) => w.name === "chat")];
	if (!g || !c) throw new Error("wrangler.toml or workers/chat/wrangler.toml is missing");
	const origins: Origins = { gateway: g.origin, mcp: "https://mcp.penumbra.test", chat: c.origin, web: SITE };
	const gatewaySecrets = {
		ADMIN_TOKEN,
		QUOTE_SIGNING_KEY: "prod-test-quote-signing-key-0123456789",
		EMAIL_API_URL: mailbox.url,
		EMAIL_API_KEY: "prod-test-email-key",
		EMAIL_FROM: "Penumbra <signin@penumbra.test>",
	};
	const { QUOTE_SIGNING_KEY: _left, ...withoutSigningKey } = gatewaySecrets;
	const options: StackOptions = {
		root,
		persistTo: join(state, "state"),
		registryPath: join(state, "registry"),
		workers,
		echo: false,
		keepLines: 10_000,
		production: {
			configs: {
				gateway: deployedConfig(join(state, "gateway"), "gateway", origins, gatewaySecrets),
				chat: deployedConfig(join(state, "chat"), "chat", origins, {
					ANTHROPIC_API_KEY: "prod-test-model-key",
				}),
			},
		},
	};
	// The development catalog (sandbox merchants on http://127.0.0.1), as if someone seeded it into production.
	await applyMigrations(supervisor, options);
	await seedRegistry(supervisor, options);
	// A second gateway without QUOTE_SIGNING_KEY, in its own state and dev registry (same Worker name).
	const taken = new Set(workers.flatMap((w) => [w.port, w.inspectorPort]));
	const port = async (): Promise<number> => {
		for (;;) {
			const free = await freePort();
			if (!taken.has(free)) return taken.add(free) && free;
		}
	};
	const brokenPlan = { ...g, port: await port(), inspectorPort: await port() };
	brokenPlan.origin = `http://127.0.0.1:${brokenPlan.port}`;
	const brokenOptions: StackOptions = {
		...options,
		persistTo: join(state, "broken-state"),
		registryPath: join(state, "broken-registry"),
		workers: [brokenPlan],
		production: {
			configs: { gateway: deployedConfig(join(state, "broken"), "gateway", origins, withoutSigningKey) },
		},
	};
	// Its health answers 200 while misconfigured (status degraded), so it starts like any other.
	const [running, [b]] = await Promise.all([
		startWorkersInOrder(supervisor, options, READY_MS),
		startWorkersInOrder(supervisor, brokenOptions, READY_MS),
	]);
	[gateway, chat] = running as [RunningWorker, RunningWorker];
	if (!b) throw new Error("the gateway without QUOTE_SIGNING_KEY did not start");
	broken = b;
}, 180_000);

afterAll(async () => {
	await supervisor?.stopAll();
	await new Promise((done) => mailbox?.server.close(done));
	if (state) rmSync(state, { recursive: true, force: true });
});

async function problemOf(response: Response): Promise<Record<string, unknown>> {
	expect(response.headers.get("content-type")).toContain("application/problem+json");
	return (await response.json()) as Record<string, unknown>;
}

describe("production mode (the committed configuration, deployed locally)", () => {
	it("is what the committed wrangler.toml files say, before the deploy pins it", () => {
		for (const { config } of DEPLOYED_WORKERS) {
			const { rawConfig } = experimental_readRawConfig({ config: join(root, config) });
			expect(rawConfig.vars?.ENVIRONMENT, config).toBe("production");
			// No development origin is committed: loopback URLs and the sandbox come only from scripts/lib/dev-vars.ts.
			expect(JSON.stringify(rawConfig.vars), config).not.toMatch(/127\.0\.0\.1|localhost/);
		}
		const { rawConfig } = experimental_readRawConfig({ config: join(root, "wrangler.toml") });
		expect(rawConfig.vars?.UPSTREAM_ALLOWLIST).toBe("");
	});

	it("has no dev routes: /v1/dev/* is an unknown route", async () => {
		const mailboxRoute = await fetch(`${gateway.worker.origin}/v1/dev/mailbox?email=ada@example.com`);
		expect(mailboxRoute.status).toBe(404);
		const credit = await fetch(`${gateway.worker.origin}/v1/dev/credit`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ amount_cents: 2000 }),
		});
		expect(credit.status).toBe(404);
		expect((await problemOf(credit)).code).toBe("NOT_FOUND");
	});

	it("signs in by email without a mailbox link or a logged code, with a Secure __Host- session cookie", async () => {
		const email = "ada@example.com";
		const start = await fetch(`${chat.worker.origin}/api/auth/email/start`, {
			method: "POST",
			headers: { "content-type": "application/json", origin: SITE },
			body: JSON.stringify({ email }),
		});
		const started = (await start.json()) as Record<string, unknown>;
		expect(start.status, `${JSON.stringify(started)}\n${indent(gateway.proc.lastLines(15))}`).toBe(200);
		expect(started).not.toHaveProperty("dev_mailbox");
		expect(JSON.stringify(started)).not.toMatch(/mailbox/);

		const mail = mailbox.mails.find((m) => m.to.includes(email));
		const code = /\b(\d{6})\b/.exec(mail?.text ?? "")?.[1];
		expect(code, "the email API received the code").toBeDefined();

		const verify = await fetch(`${chat.worker.origin}/api/auth/email/verify`, {
			method: "POST",
			headers: { "content-type": "application/json", origin: SITE },
			body: JSON.stringify({ email, code }),
		});
		expect(verify.status, await verify.clone().text()).toBe(200);
		const cookie = verify.headers.get("set-cookie") ?? "";
		expect(cookie).toMatch(/^__Host-penumbra_chat_session=/);
		expect(cookie).toMatch(/;\s*Secure/i);
		expect(cookie).toMatch(/;\s*HttpOnly/i);
		expect(cookie).toMatch(/;\s*Path=\//i);

		// Give the processes a moment to flush what they print, then read every line both wrote.
		await new Promise((done) => setTimeout(done, 500));
		const lines = [...gateway.proc.lastLines(10_000), ...chat.proc.lastLines(10_000)];
		expect(lines.some((line) => line.includes("/v1/auth/email") || line.includes("/api/auth/email"))).toBe(
			true,
		);
		const leaking = lines.filter((line) => code && line.includes(code));
		expect(leaking, `log lines with the sign-in code:\n${indent(leaking)}`).toEqual([]);
	});

	it("refuses a sandbox upstream (plain http on loopback)", async () => {
		const admin = new AdminClient(gateway.worker.origin, ADMIN_TOKEN);
		const { key } = await admin.createCredential({ email: "ops@example.com", level: "authenticated" });
		const response = await fetch(
			`${gateway.worker.origin}/v1/services/skycast/tools/get_current_conditions`,
			{
				method: "POST",
				headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
				body: JSON.stringify({ parameters: { city: "lisbon" } }),
			},
		);
		const problem = await problemOf(response);
		expect(response.status).toBe(403);
		expect(problem.code).toBe("FORBIDDEN");
		expect(problem.detail).toMatch(/Upstream URL refused: scheme must be https/);
	});

	it("names a missing QUOTE_SIGNING_KEY at the first request, and in /v1/health", async () => {
		const response = await fetch(`${broken.worker.origin}/v1/services`);
		expect(response.status).toBe(503);
		const problem = await problemOf(response);
		expect(problem.detail).toMatch(/QUOTE_SIGNING_KEY is not set/);
		expect(problem.missing_config).toEqual(["QUOTE_SIGNING_KEY"]);

		const health = (await (await fetch(`${broken.worker.origin}/v1/health`)).json()) as Record<
			string,
			unknown
		>;
		expect(health).toMatchObject({ status: "degraded", missing_config: ["QUOTE_SIGNING_KEY"] });
		const good = (await (await fetch(`${gateway.worker.origin}/v1/health`)).json()) as Record<
			string,
			unknown
		>;
		expect(good.missing_config).toEqual([]);
	});
});
