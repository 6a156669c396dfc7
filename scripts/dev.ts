/**
 * `npm start`: the whole system on this machine, on workerd via `wrangler dev`.
 *
 * Steps: ensure `.dev.vars` (random ADMIN_TOKEN, sandbox provider keys) → apply D1 migrations →
 * seed the provider registry into local KV (meanwhile `vite build` of the chat site) → one `wrangler dev` per
 * Worker and `wrangler pages dev` for the site (table in scripts/lib/stack.ts) → wait for each health route →
 * reuse or create the dev credential (`.wrangler/dev-credential.json`) → print URLs, key and examples.
 * Ctrl-C stops everything.
 *
 * Flags:
 *   --smoke              exit 0 once everything is up, the printed examples (and the site) answer 2xx, and no
 *                        Worker printed an uncaught error meanwhile (CI)
 *   --show-admin-token   also print the ADMIN_TOKEN from .dev.vars
 *
 * Environment:
 *   PENUMBRA_GATEWAY_PORT   gateway API          (default 8787)
 *   PENUMBRA_MCP_PORT       MCP server           (default 8788)
 *   PENUMBRA_CHAT_PORT      chat API             (default 8789)
 *   PENUMBRA_WEB_PORT       chat site            (default 8790)
 *   PENUMBRA_SANDBOX_PORT   sandbox merchants    (default 8791)
 *   PENUMBRA_FAKE_MODEL_PORT  local fake Anthropic API, used when workers/chat/.dev.vars has no ANTHROPIC_API_KEY (default 8792)
 *   PENUMBRA_FAKE_STRIPE=1   top-ups against the local fake Stripe API and its fake Checkout page (test/fake-stripe),
 *                            whatever .dev.vars says; without it, top-up uses STRIPE_* from .dev.vars or is off
 *   PENUMBRA_FAKE_STRIPE_PORT  its port (default 8793)
 *   PENUMBRA_UPSTREAM_ALLOWLIST       comma-separated origins (e.g. a provider's local mock) the gateway may call besides
 *                                     the sandbox; else the same line in .dev.vars
 *   PENUMBRA_DEV_EXIT_AFTER_READY=1   same as --smoke
 *   PENUMBRA_DEV_READY_TIMEOUT        seconds to wait for each health route (default 60)
 *   X_LOCAL_OBSERVABILITY=true        turn wrangler's local trace collector back on (off: see stack.ts)
 * Each Worker's devtools inspector listens on its port + 10000.
 * While it runs, .penumbra/stack.json records every URL for the CLI (packages/cli/src/local-stack.ts).
 * State lives in .wrangler/state (the site's, which holds nothing, in .wrangler/state-web), the dev registry in
 * .wrangler/registry (all gitignored).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { configuredUpstreams, PARTS, removeStackFile, writeStackFile } from "@penumbra/cli/local-stack";
import { startFakeAnthropic } from "../test/fake-anthropic/server.ts";
import { FAKE_STRIPE_WEBHOOK_SECRET, fakeStripeVars, startFakeStripe } from "../test/fake-stripe/server.ts";
import { AdminClient, ensureDevCredential, fundDevCredential } from "./lib/admin.ts";
import { gatewayDevVars } from "./lib/dev-vars.ts";
import { indent, isPortFree, makePrefixer, Supervisor } from "./lib/proc.ts";
import {
	applyMigrations,
	assertPortsFree,
	buildSites,
	describeFetchError,
	ensureDevVars,
	firstExit,
	type PlannedWorker,
	planWorkers,
	portFromEnv,
	portsOf,
	type RunningWorker,
	type StackOptions,
	seedRegistry,
	startWorkersInOrder,
} from "./lib/stack.ts";
import { inspect } from "./mcp-inspector.ts";

/** The free tool used in the printed example and checked by --smoke. */
const EXAMPLE = {
	service: "skycast",
	tool: "get_current_conditions",
	body: { parameters: { city: "lisbon" } },
};

const root = resolve(import.meta.dirname, "..");
const say = makePrefixer("penumbra");

function parseFlags() {
	try {
		return parseArgs({
			options: {
				smoke: { type: "boolean", default: false },
				"show-admin-token": { type: "boolean", default: false },
			},
		}).values;
	} catch (error) {
		say(`${error instanceof Error ? error.message : String(error)}; flags: --smoke, --show-admin-token`);
		process.exit(2);
	}
}

const flags = parseFlags();
const smoke = flags.smoke || process.env.PENUMBRA_DEV_EXIT_AFTER_READY === "1";
const readyTimeoutSeconds = Number(process.env.PENUMBRA_DEV_READY_TIMEOUT || "60");
const readyTimeoutMs = (readyTimeoutSeconds > 0 ? readyTimeoutSeconds : 60) * 1000;

const supervisor = new Supervisor();

/** The local fake model, when the chat runs without a real key. */
let fakeModel: { url: string; close(): Promise<void> } | null = null;
/** The local fake Stripe API, when asked for (PENUMBRA_FAKE_STRIPE=1). */
let fakeStripeServer: { url: string; close(): Promise<void> } | null = null;

async function shutdown(code: number, reason?: string): Promise<never> {
	if (reason) say(reason);
	removeStackFile(root, process.pid);
	await supervisor.stopAll();
	await fakeModel?.close();
	await fakeStripeServer?.close();
	process.exit(code);
}

/**
 * Claude needs ANTHROPIC_API_KEY in workers/chat/.dev.vars. Without one the chat talks to the local fake Messages
 * API (test/fake-anthropic), so the whole product runs offline; its answers are canned.
 */
async function modelFor(chat: PlannedWorker | undefined): Promise<Record<string, Record<string, string>>> {
	if (!chat) return {};
	const file = join(root, "workers", "chat", ".dev.vars");
	const key = existsSync(file) ? parseEnv(readFileSync(file, "utf8")).ANTHROPIC_API_KEY : undefined;
	if (key) {
		say("chat: using Claude (ANTHROPIC_API_KEY from workers/chat/.dev.vars)");
		return {};
	}
	const { portEnv, defaultPort } = PARTS.fake_model;
	const port = portFromEnv(process.env, portEnv, defaultPort);
	if (!(await isPortFree(port)))
		throw new Error(`Cannot start: the fake model's port ${port} is in use (set ${portEnv})`);
	fakeModel = await startFakeAnthropic({ port, host: "127.0.0.1" });
	say(`chat: no ANTHROPIC_API_KEY in workers/chat/.dev.vars, using the local fake model at ${fakeModel.url}`);
	return { chat: { ANTHROPIC_BASE_URL: fakeModel.url, ANTHROPIC_API_KEY: "fake-local-key" } };
}

/**
 * Top-ups need Stripe keys (README "Adding money"): from .dev.vars (test-mode keys) or, with PENUMBRA_FAKE_STRIPE=1,
 * the local fake Stripe API (test/fake-stripe), whose fake Checkout page pays and delivers the signed webhook to
 * the gateway. Without either the site's card says top-up is not configured.
 */
async function stripeFor(gateway: PlannedWorker): Promise<Record<string, Record<string, string>>> {
	if (process.env.PENUMBRA_FAKE_STRIPE !== "1") return {};
	const port = portFromEnv(process.env, "PENUMBRA_FAKE_STRIPE_PORT", 8793);
	if (!(await isPortFree(port))) {
		throw new Error(`Cannot start: the fake Stripe port ${port} is in use (set PENUMBRA_FAKE_STRIPE_PORT)`);
	}
	fakeStripeServer = await startFakeStripe({
		port,
		host: "127.0.0.1",
		webhookSecret: FAKE_STRIPE_WEBHOOK_SECRET,
		webhookUrl: `${gateway.origin}/v1/webhooks/stripe`,
	});
	say(`top-ups: using the local fake Stripe API at ${fakeStripeServer.url} (PENUMBRA_FAKE_STRIPE=1)`);
	return { gateway: fakeStripeVars(fakeStripeServer.url) };
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
	process.on(signal, () => {
		// npm forwards the terminal's Ctrl-C, so the same stop can arrive twice.
		if (supervisor.isStopping) return;
		void shutdown(0, `${signal}: stopping…`);
	});
}

async function main(): Promise<void> {
	const workers = planWorkers(
		root,
		(entry) => portFromEnv(process.env, entry.portEnv, entry.defaultPort),
		undefined,
		(entry, reason) => say(`warning: not starting the ${entry.title.toLowerCase()}: ${reason}`),
	);
	const gateway = workers.find((w) => w.name === "gateway");
	if (!gateway) throw new Error("wrangler.toml (the gateway) is missing");
	await assertPortsFree(workers);
	const upstreams = configuredUpstreams({ cwd: root, env: process.env });
	if (upstreams.from) {
		say(
			`local upstreams the gateway may call: ${upstreams.origins.join(", ")} (PENUMBRA_UPSTREAM_ALLOWLIST, from ${upstreams.from})`,
		);
	}

	const options: StackOptions = {
		root,
		persistTo: join(root, ".wrangler", "state"),
		registryPath: join(root, ".wrangler", "registry"),
		workers,
		echo: true,
		vars: { ...(await modelFor(workers.find((w) => w.name === "chat"))), ...(await stripeFor(gateway)) },
		upstreamAllowlist: upstreams.origins,
	};
	const { adminToken, added } = ensureDevVars(root);
	if (added.length > 0) say(`added ${added.join(", ")} to .dev.vars (random values)`);

	// The site's build touches no state: it runs beside the migrations and the seed.
	await Promise.all([
		buildSites(supervisor, options, say),
		(async () => {
			say("applying D1 migrations…");
			await applyMigrations(supervisor, options);
			say("seeding the provider registry…");
			await seedRegistry(supervisor, options);
		})(),
	]);

	say(`starting ${workers.map((w) => `${w.name} (:${w.port})`).join(", ")}, one after another…`);
	// Until every Worker answers, a death is reported by the start-up itself with the Worker's last output.
	const running = await startWorkersInOrder(supervisor, options, readyTimeoutMs);
	void firstExit(running).then(({ worker, proc }) => {
		if (supervisor.isStopping) return;
		void shutdown(1, `${worker.name} ${proc.exitDescription}; stopping the others.`);
	});
	recordStack(workers, options);

	const admin = new AdminClient(gateway.origin, adminToken);
	const credential = await ensureDevCredential(admin, join(root, ".wrangler", "dev-credential.json"));
	await fundDevCredential(admin, credential);

	if (smoke) {
		await checkExamples(gateway, credential.key);
		const mcp = workers.find((w) => w.name === "mcp");
		if (mcp) {
			const failures = await inspect(`${mcp.origin}/mcp`, credential.key, say);
			if (failures.length) throw new Error(`MCP Inspector checks failed:\n${failures.join("\n")}`);
		}
		const chat = workers.find((w) => w.name === "chat");
		if (chat) await checkChat(chat, credential.key);
		const web = workers.find((w) => w.name === "web");
		if (web) await checkSite(web);
		await assertNothingUncaught(running);
		await shutdown(0, "smoke run: everything answered; stopping.");
	}
	printBox(workers, credential.key, credential.created, flags["show-admin-token"] ? adminToken : undefined);
}

/** Tells the CLI where this stack listens (.penumbra/stack.json, removed on exit). */
function recordStack(workers: PlannedWorker[], options: StackOptions): void {
	const urls: Record<string, string> = Object.fromEntries(workers.map((w) => [w.name, w.origin]));
	if (fakeModel) urls.fake_model = new URL(fakeModel.url).origin;
	if (fakeStripeServer) urls.fake_stripe = new URL(fakeStripeServer.url).origin;
	const allowlist = gatewayDevVars(portsOf(workers), options.upstreamAllowlist).UPSTREAM_ALLOWLIST ?? "";
	writeStackFile(root, {
		pid: process.pid,
		started_at: new Date().toISOString(),
		urls,
		upstream_allowlist: allowlist.split(","),
	});
}

function exampleCurls(gateway: PlannedWorker): string[] {
	const auth = `-H "Authorization: Bearer $KEY"`;
	return [
		`curl ${auth} ${gateway.origin}/v1/services`,
		`curl ${auth} -H "Content-Type: application/json" -d '${JSON.stringify(EXAMPLE.body)}' ${gateway.origin}/v1/services/${EXAMPLE.service}/tools/${EXAMPLE.tool}`,
	];
}

/** Makes the two printed example calls, so a smoke run proves what the box promises. */
async function checkExamples(gateway: PlannedWorker, key: string): Promise<void> {
	const calls: [string, RequestInit][] = [
		[`${gateway.origin}/v1/services`, { headers: { authorization: `Bearer ${key}` } }],
		[
			`${gateway.origin}/v1/services/${EXAMPLE.service}/tools/${EXAMPLE.tool}`,
			{
				method: "POST",
				headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
				body: JSON.stringify(EXAMPLE.body),
			},
		],
	];
	for (const [url, init] of calls) {
		const label = `${init.method ?? "GET"} ${url}`;
		let response: Response;
		try {
			response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
		} catch (error) {
			throw new Error(`${label} failed: ${describeFetchError(error)}`);
		}
		const text = await response.text();
		if (!response.ok) throw new Error(`${label} answered ${response.status}: ${text.slice(0, 500)}`);
		say(`${label} → ${response.status} (${text.length} bytes)`);
	}
}

/** One chat turn through the chat Worker, read to its end: the model (or the local fake) answers over SSE. */
async function checkChat(chat: PlannedWorker, key: string): Promise<void> {
	const url = `${chat.origin}/api/chat`;
	const response = await fetch(url, {
		method: "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: JSON.stringify({ message: "Hello from the smoke run" }),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 500)}`);
	const events = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
	if (events.at(-1) !== "assistant.completed") {
		throw new Error(`POST ${url}: the stream ended with ${events.at(-1) ?? "nothing"}: ${text.slice(-500)}`);
	}
	say(`POST ${url} → ${events.length} events, ending with assistant.completed`);
}

/** How long a smoke run listens after its last check for errors the Workers report after answering. */
const SETTLE_MS = 500;

/** A smoke run fails on any uncaught error a Worker printed, even when every answer it checked was right. */
async function assertNothingUncaught(running: readonly RunningWorker[]): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
	const errors = running.flatMap(({ worker, proc }) =>
		proc.uncaught.map((line) => `[${worker.name}] ${line}`),
	);
	if (errors.length > 0) throw new Error(`the Workers reported uncaught errors:\n${indent(errors)}`);
}

/** The site's page, and an API call through its Pages Function to the chat Worker (and on to the gateway). */
async function checkSite(web: PlannedWorker): Promise<void> {
	for (const [path, type] of [
		["/", "text/html"],
		["/api/config", "application/json"],
	] as const) {
		const url = `${web.origin}${path}`;
		let response: Response;
		try {
			response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
		} catch (error) {
			throw new Error(`GET ${url} failed: ${describeFetchError(error)}`);
		}
		const text = await response.text();
		if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 500)}`);
		const contentType = response.headers.get("content-type") ?? "";
		if (!contentType.startsWith(type)) throw new Error(`GET ${url} answered ${contentType}, not ${type}`);
		say(`GET ${url} → ${response.status} (${text.length} bytes)`);
	}
}

function printBox(
	workers: PlannedWorker[],
	key: string,
	created: boolean,
	adminToken: string | undefined,
): void {
	const gateway = workers.find((w) => w.name === "gateway");
	if (!gateway) return;
	const lines: string[] = ["Penumbra is running locally.", ""];
	const row = (label: string, value: string) => lines.push(`${label.padEnd(18)} ${value}`);
	row("Gateway API", `${gateway.origin}/v1`);
	row("API docs", `${gateway.origin}/docs`);
	row("OpenAPI", `${gateway.origin}/openapi.json`);
	for (const w of workers) {
		if (w.name === "mcp") row(w.title, `${w.origin}/mcp  (legacy SSE: ${w.origin}/sse)`);
		else if (w.name !== "gateway") row(w.title, w.origin);
	}
	lines.push("");
	row("Dev key", key);
	lines.push(`${"".padEnd(18)} ${created ? "new; " : ""}stored in .wrangler/dev-credential.json`);
	if (adminToken) row("Admin token", adminToken);
	else row("Admin token", "in .dev.vars (print with `npm start -- --show-admin-token`)");
	lines.push("", "Ctrl-C stops everything. State: .wrangler/state");
	const width = Math.max(...lines.map((l) => l.length));
	const out = [
		`┌${"─".repeat(width + 2)}┐`,
		...lines.map((l) => `│ ${l.padEnd(width)} │`),
		`└${"─".repeat(width + 2)}┘`,
	];
	// The examples stay outside the box so they can be pasted as they are.
	const tryThis = [`export KEY=${key}`, ...exampleCurls(gateway)];
	process.stdout.write(`\n${out.join("\n")}\n\nTry:\n\n${tryThis.join("\n\n")}\n\n`);
}

main().catch((error: unknown) => {
	// A step interrupted by Ctrl-C fails too; the signal handler is already reporting and stopping.
	if (supervisor.isStopping) return;
	const message = error instanceof Error ? error.message : String(error);
	void shutdown(1, `failed: ${message}`);
});
