/** Real headless Chromium (Debian's `chromium`) driven by playwright-core, and what every scenario checks. */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** What the global setup started (global-setup.ts). */
export interface BrowserStack {
	/**
	 * The chat site (`wrangler pages dev`) behind a relay whose connections a test can cut: the only origin the
	 * browser talks to, and the site origin the chat and MCP Workers are configured with.
	 */
	siteUrl: string;
	/** POST drops every open connection between the browser and the site (cut-proxy.ts). */
	cutUrl: string;
	/** The gateway, for the tests' own admin calls (funding, the dev mailbox). */
	gatewayUrl: string;
	/** The gateway's ADMIN_TOKEN (from .dev.vars, as `npm start` uses it). */
	adminToken: string;
	/** The fake Anthropic API the chat Worker calls: script it with test/fake-anthropic/client.ts. */
	fakeModelUrl: string;
	/**
	 * The fake Stripe API the gateway's top-ups call, which also serves the hosted Checkout page: script it with
	 * test/fake-stripe/client.ts.
	 */
	fakeStripeUrl: string;
}

export function stackReady(): boolean {
	return !("error" in inject("browserStack"));
}

/** The running stack; throws why it is not running (so each browser test fails with the reason). */
export function stack(): BrowserStack {
	const provided = inject("browserStack");
	if ("error" in provided) throw new Error(`the browser tests' stack did not start: ${provided.error}`);
	return provided;
}

/** Screenshots of each scenario (gitignored; CI keeps them as artifacts). */
export const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts/browser");

export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ["--headless", "--no-sandbox", "--disable-gpu"],
	});
}

/** A fresh browser profile on the site, recording every console error and uncaught exception. */
export interface Tab {
	context: BrowserContext;
	page: Page;
	/** Console errors and page errors so far, with where they came from. */
	problems: string[];
	/**
	 * From now on, console errors matching this are expected (e.g. a request cut off on purpose); the pattern sees
	 * `console error: <text> (<url>:<line>)`.
	 */
	expect(pattern: RegExp): void;
	screenshot(name: string): Promise<void>;
	close(): Promise<void>;
}

export async function openTab(browser: Browser, siteUrl: string): Promise<Tab> {
	const context = await browser.newContext({ baseURL: siteUrl, viewport: { width: 1280, height: 860 } });
	const page = await context.newPage();
	const problems: string[] = [];
	const expected: RegExp[] = [];
	page.on("console", (message) => {
		if (message.type() !== "error") return;
		const { url, lineNumber } = message.location();
		const problem = `console error: ${message.text()}${url ? ` (${url}:${lineNumber})` : ""}`;
		if (!expected.some((pattern) => pattern.test(problem))) problems.push(problem);
	});
	page.on("pageerror", (error) => problems.push(`uncaught: ${error.stack ?? error.message}`));
	return {
		context,
		page,
		problems,
		expect: (pattern) => expected.push(pattern),
		async screenshot(name) {
			mkdirSync(ARTIFACTS, { recursive: true });
			await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
		},
		close: () => context.close(),
	};
}
