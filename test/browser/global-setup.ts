/**
 * The whole stack as `npm start` runs it (sandbox, gateway, MCP, chat Worker, the site built by vite and served by
 * `wrangler pages dev`), but on free ports with its own state and dev registry in a temporary folder, so it runs
 * beside a developer's `npm start` and every run begins empty. The chat Worker talks to a fake Anthropic API in this
 * process; tests script it under their own ids. The gateway's top-ups talk to a fake Stripe API in this process too,
 * whose hosted Checkout page the browser pays on and which delivers the signed webhook to the gateway.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { indent, Supervisor } from "../../scripts/lib/proc.ts";
import {
	applyMigrations,
	buildSites,
	ensureDevVars,
	planOnFreePorts,
	type StackOptions,
	seedRegistry,
	startWorkersInOrder,
} from "../../scripts/lib/stack.ts";
import { startFakeAnthropic } from "../fake-anthropic/server.ts";
import { FAKE_STRIPE_WEBHOOK_SECRET, fakeStripeVars, startFakeStripe } from "../fake-stripe/server.ts";
import { type BrowserStack, CHROMIUM } from "./browser.ts";
import { startCutProxy } from "./cut-proxy.ts";
import { browserProviders } from "./providers.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** The running stack, or why it could not start (see stack() in browser.ts). */
		browserStack: BrowserStack | { error: string };
	}
}

const root = resolve(import.meta.dirname, "../..");
const NEEDED = ["sandbox", "gateway", "mcp", "chat", "web"];
const FAKE_KEY = "sk-ant-browser-tests-0123456789";
const READY_TIMEOUT_MS = 90_000;

/**
 * Never throws: a global setup that throws stops every project of the run, so a broken stack (or a missing Chromium)
 * is handed to the browser tests instead, which fail with it while the other projects still run. A stack that did
 * not start is started once more from scratch (its processes stopped, new ports and state): it starts beside every
 * other project's setup on two cores, and one slow start must not fail the whole project; the first failure is
 * printed either way.
 */
export default async function setup(project: TestProject) {
	let failure = "";
	for (const attempt of [1, 2]) {
		try {
			const { stack, teardown } = await startStack();
			project.provide("browserStack", stack);
			return teardown;
		} catch (error) {
			failure = error instanceof Error ? error.message : String(error);
			process.stderr.write(`[browser setup] the stack did not start (attempt ${attempt} of 2): ${failure}\n`);
			if (failure.startsWith("No Chromium") || failure.startsWith("the browser tests need")) break;
		}
	}
	project.provide("browserStack", { error: failure });
	return undefined;
}

async function startStack(): Promise<{ stack: BrowserStack; teardown: () => Promise<void> }> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does) or set CHROMIUM_PATH.`,
		);
	}
	const skipped: string[] = [];
	const workers = await planOnFreePorts(root, NEEDED, undefined, (entry, reason) =>
		skipped.push(`${entry.name}: ${reason}`),
	);
	const missing = NEEDED.filter((name) => !workers.some((w) => w.name === name));
	const web = workers.find((w) => w.name === "web");
	const gateway = workers.find((w) => w.name === "gateway");
	if (missing.length > 0 || !web || !gateway) {
		throw new Error(`the browser tests need ${missing.join(", ")}; not available: ${skipped.join("; ")}`);
	}

	const state = mkdtempSync(join(tmpdir(), "penumbra-browser-"));
	const supervisor = new Supervisor();
	const fake = await startFakeAnthropic({ host: "127.0.0.1", apiKey: FAKE_KEY });
	const stripe = await startFakeStripe({
		host: "127.0.0.1",
		webhookSecret: FAKE_STRIPE_WEBHOOK_SECRET,
		webhookUrl: `${gateway.origin}/v1/webhooks/stripe`,
	});
	const site = await startCutProxy(web.port);
	const teardown = async () => {
		await supervisor.stopAll();
		await Promise.all([fake.close(), stripe.close(), site.close()]);
		rmSync(state, { recursive: true, force: true });
	};
	try {
		const options: StackOptions = {
			root,
			persistTo: join(state, "state"),
			registryPath: join(state, "registry"),
			// providers/ plus a provider whose upstream always fails (the operator dashboard's errors).
			providersDir: browserProviders(root, join(state, "providers")),
			workers,
			echo: false,
			logLevel: "warn",
			vars: {
				chat: { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: FAKE_KEY, WEB_URL: site.url },
				mcp: { WEB_URL: site.url },
				// Checkout sends the browser back to the site through the relay, like every other link.
				gateway: { ...fakeStripeVars(stripe.url), WEB_URL: site.url },
			},
		};
		const { adminToken } = ensureDevVars(root);
		await Promise.all([
			buildSites(supervisor, options),
			applyMigrations(supervisor, options).then(() => seedRegistry(supervisor, options)),
		]);
		const running = await startWorkersInOrder(supervisor, options, READY_TIMEOUT_MS);
		// A Worker that dies later would fail the tests in confusing ways; say which one it was.
		for (const { worker, proc } of running) {
			void proc.exited.then(() => {
				if (supervisor.isStopping) return;
				process.stderr.write(
					`[browser setup] ${worker.name} ${proc.exitDescription}. Its last output:\n${indent(proc.lastLines())}\n`,
				);
			});
		}
		return {
			stack: {
				siteUrl: site.url,
				cutUrl: site.controlUrl,
				gatewayUrl: gateway.origin,
				adminToken,
				fakeModelUrl: fake.url,
				fakeStripeUrl: stripe.url,
			},
			teardown,
		};
	} catch (error) {
		await teardown();
		throw error;
	}
}
