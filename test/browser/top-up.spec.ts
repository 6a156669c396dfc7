/**
 * Adding money by card in Chromium, as one owner: the account page's "Add money" card → the fake Stripe's hosted
 * Checkout page (test/fake-stripe) → back to the site's return page, which shows the credit only once the gateway has
 * it (the signed webhook landed), then the new balance and the statement entry with the card. Also: amounts outside
 * the bounds never leave the page, Stripe refusing the session shows the server's words, a late webhook (the page
 * waits, says what to do after a minute, then shows the credit), a cancelled checkout, and the card on a deployment
 * without Stripe.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeStripeClient, fakeStripe } from "../fake-stripe/client.ts";
import { type BrowserStack, launchChromium, openTab, stack, stackReady, type Tab } from "./browser.ts";
import { cents, signIn } from "./site.ts";

const EMAIL = `top-up-${Date.now()}@example.com`;

interface Options {
	configured: boolean;
	min_cents: number;
	max_cents: number;
	presets_cents: number[];
}

/** "Mastercard ···· 4444": what the site shows for the card the fake Checkout pays with (not Stripe's default). */
const CARD = { brand: "mastercard", last4: "4444" };
const CARD_TEXT = "Mastercard ···· 4444";

describe("adding money by card", () => {
	let site: BrowserStack;
	let stripe: FakeStripeClient;
	let browser: Browser;
	let tab: Tab;
	let options: Options;
	let webhookUrl: string;

	beforeAll(async () => {
		if (!stackReady()) return;
		site = stack();
		stripe = fakeStripe(site.fakeStripeUrl);
		webhookUrl = `${site.gatewayUrl}/v1/webhooks/stripe`;
		browser = await launchChromium();
		tab = await openTab(browser, site.siteUrl);
		await signIn(tab, site.gatewayUrl, EMAIL);
		options = (await ask("/api/account/top-ups/options")) as Options;
	});
	afterAll(async () => {
		await browser?.close();
	});
	beforeEach(async ({ task, onTestFailed }) => {
		// Without a stack every scenario fails with the reason (counted as failed, not skipped).
		stack();
		tab.problems.splice(0);
		await stripe.configure({ webhook_url: webhookUrl, card: CARD });
		onTestFailed(() => {
			// The console errors so far often say why (a refused request), beside what the page looked like.
			if (tab.problems.length > 0)
				process.stderr.write(`[top-up] ${task.name}:\n${tab.problems.join("\n")}\n`);
			return tab
				.screenshot(`failed-top-up-${task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 50)}`)
				.catch(() => {});
		});
	});
	afterEach(async () => {
		await stripe?.configure({ webhook_url: webhookUrl });
	});

	function noProblems(): void {
		const problems = tab.problems.splice(0);
		expect(problems, "console errors or uncaught exceptions").toEqual([]);
	}

	/** The account page, loaded: its balance and how many top-ups its statement lists. */
	async function account(page: Page): Promise<{ balance: number; topUps: number }> {
		await page.goto("/account");
		await page.getByTestId("top-up-card").waitFor();
		await page.getByTestId("statement-table").or(page.getByText("No activity yet.")).waitFor();
		return {
			balance: cents(await page.getByTestId("account-balance").textContent()),
			topUps: await page.locator('[data-testid="statement-row"][data-kind="top_up"]').count(),
		};
	}

	/** What the site's API answers the signed-in browser (its own cookie). */
	async function ask(path: string): Promise<unknown> {
		const answer = await tab.context.request.get(path);
		expect(answer.status(), `${path}: ${await answer.text()}`).toBe(200);
		return answer.json();
	}

	/** Picks a preset on the account page and goes to Stripe's (the fake's) Checkout page for it. */
	async function checkout(page: Page, amount: number): Promise<void> {
		await page.locator(`[data-testid="top-up-preset"][data-amount="${amount}"]`).click();
		expect(
			await page
				.locator(`[data-testid="top-up-preset"][data-amount="${amount}"]`)
				.getAttribute("aria-pressed"),
		).toBe("true");
		await page.getByTestId("top-up-submit").click();
		await page.waitForURL((url) => url.origin === new URL(site.fakeStripeUrl).origin);
		expect(await page.getByTestId("amount").textContent()).toBe(`$${(amount / 100).toFixed(2)}`);
	}

	/** Pays on the fake Checkout page and waits for Stripe to send the browser back to the site's return page. */
	async function pay(page: Page): Promise<string> {
		await page.getByTestId("pay").click();
		await page.waitForURL(/\/account\/top-up\/tu_[^/?]+\?status=success$/);
		return decodeURIComponent(new URL(page.url()).pathname.split("/").pop() as string);
	}

	/** The signed `checkout.session.completed` the fake tried to deliver most recently (it knows only their ids). */
	async function lastCompletedEvent(): Promise<string> {
		const deliveries = await stripe.deliveries();
		const completed = deliveries.filter((d) => d.type === "checkout.session.completed");
		const last = completed[completed.length - 1];
		if (!last) throw new Error("the fake Stripe delivered no checkout.session.completed");
		return last.event;
	}

	it("offers the operator's amounts; an amount outside the bounds never reaches Stripe", async () => {
		const { page } = tab;
		expect(options.configured).toBe(true);
		expect(options.min_cents).toBeGreaterThan(0);
		expect(options.max_cents).toBeGreaterThan(options.min_cents);
		await account(page);
		// The card renders before its options arrive; the presets come with them.
		await page.getByTestId("top-up-preset").first().waitFor();
		const presets = await page
			.getByTestId("top-up-preset")
			.evaluateAll((buttons) => buttons.map((b) => Number(b.getAttribute("data-amount"))));
		expect(presets).toEqual(options.presets_cents);
		const sessionsBefore = (await stripe.requests({ path: "/v1/checkout/sessions" })).length;
		const bounds = `between $${(options.min_cents / 100).toFixed(2)} and $${(options.max_cents / 100).toFixed(2)}`;

		for (const typed of [((options.min_cents - 1) / 100).toFixed(2), String(options.max_cents / 100 + 1)]) {
			await page.getByTestId("top-up-amount").fill(typed);
			await page.getByTestId("top-up-submit").click();
			expect(await page.getByTestId("top-up-error").textContent()).toContain(bounds);
			expect(await page.getByTestId("top-up-amount").getAttribute("aria-invalid")).toBe("true");
		}
		await page.getByTestId("top-up-amount").fill("12.345");
		await page.getByTestId("top-up-submit").click();
		expect(await page.getByTestId("top-up-error").textContent()).toContain("in dollars");
		expect(new URL(page.url()).pathname).toBe("/account");
		expect((await stripe.requests({ path: "/v1/checkout/sessions" })).length).toBe(sessionsBefore);
		await tab.screenshot("top-up-01-bounds");
		noProblems();
	});

	it("shows the server's words when Stripe refuses to open the checkout, and stays on the page", async () => {
		const { page } = tab;
		await account(page);
		// A refusal (4xx) is not retried by the SDK, so exactly one request uses the scripted failure up.
		await stripe.fail({
			method: "POST",
			path: "/v1/checkout/sessions",
			status: 400,
			code: "amount_too_small",
			message: "Scripted refusal (fake Stripe)",
		});
		tab.expect(/^console error: Failed to load resource: the server responded with a status of \d{3}/);
		await page.locator(`[data-testid="top-up-preset"][data-amount="${options.presets_cents[0]}"]`).click();
		const [answer] = await Promise.all([
			page.waitForResponse(
				(r) => r.request().method() === "POST" && r.url().endsWith("/api/account/top-ups"),
			),
			page.getByTestId("top-up-submit").click(),
		]);
		expect(answer.status()).toBeGreaterThanOrEqual(400);
		const { detail } = (await answer.json()) as { detail: string };
		const error = page.getByTestId("top-up-error");
		await error.waitFor();
		expect(await error.textContent()).toBe(detail);
		expect(new URL(page.url()).pathname).toBe("/account");
		await tab.screenshot("top-up-01b-refused");
		expect(await page.getByTestId("top-up-submit").isEnabled()).toBe(true);
		noProblems();
	});

	it("Add money → Checkout → the return page shows the credit, the new balance and the card; the statement lists it once", async () => {
		const { page } = tab;
		const before = await account(page);
		const amount = options.presets_cents[1] ?? (options.presets_cents[0] as number);
		await checkout(page, amount);
		await tab.screenshot("top-up-02-checkout");
		const topUpId = await pay(page);

		const shown = page.getByTestId("top-up-page");
		await page.locator('[data-testid="top-up-page"][data-state="credited"]').waitFor({ timeout: 30_000 });
		expect(await shown.getByTestId("top-up-credited").textContent()).toBe(`+$${(amount / 100).toFixed(2)}`);
		await page.getByTestId("top-up-balance").filter({ hasText: "$" }).waitFor();
		expect(cents(await page.getByTestId("top-up-balance").textContent())).toBe(before.balance + amount);
		expect(await page.getByTestId("top-up-card-used").textContent()).toBe(CARD_TEXT);
		expect(await shown.textContent()).toContain(topUpId);
		await tab.screenshot("top-up-03-credited");

		await page.getByTestId("top-up-back").click();
		await page.waitForURL((url) => url.pathname === "/account");
		const row = page.locator('[data-testid="statement-row"][data-kind="top_up"]').first();
		await row.waitFor();
		expect(await row.getByTestId("statement-card").textContent()).toBe(CARD_TEXT);
		expect(await row.textContent()).toContain(`+$${(amount / 100).toFixed(2)}`);
		const after = await account(page);
		expect(after).toEqual({ balance: before.balance + amount, topUps: before.topUps + 1 });

		// Stripe delivering the same event again (it does, at least once) changes nothing, and neither does coming back.
		const again = await stripe.deliver(await lastCompletedEvent(), { times: 3 });
		expect(
			again.every((status) => status !== null && status >= 200 && status < 300),
			String(again),
		).toBe(true);
		await page.goto(`/account/top-up/${encodeURIComponent(topUpId)}?status=success`);
		await page.locator('[data-testid="top-up-page"][data-state="credited"]').waitFor();
		expect(await account(page)).toEqual(after);
		await tab.screenshot("top-up-04-statement");
		noProblems();
	});

	it("waits while the webhook is late, says what to do after a minute, and shows the credit once it lands", async () => {
		const { page } = tab;
		const before = await account(page);
		// Stripe cannot reach the gateway for now: its deliveries (and retries) of this payment fail.
		await stripe.configure({ webhook_url: `${site.gatewayUrl}/v1/webhooks/stripe-unreachable` });
		await page.clock.install();
		const amount = options.presets_cents[0] as number;
		await checkout(page, amount);
		const topUpId = await pay(page);

		await page.locator('[data-testid="top-up-page"][data-state="waiting"]').waitFor();
		expect(await page.getByTestId("top-up-page").textContent()).toContain("Waiting for Stripe");
		await tab.screenshot("top-up-05-waiting");
		// A minute later (the page's clock; no real wait) it stops asking and says what to do.
		await page.clock.fastForward("01:05");
		await page.locator('[data-testid="top-up-page"][data-state="timeout"]').waitFor();
		const outcome = (await page.getByTestId("top-up-outcome").textContent()) ?? "";
		expect(outcome).toContain("nothing is lost");
		expect(outcome).toContain(topUpId);
		await tab.screenshot("top-up-06-timeout");
		expect(await ask(`/api/account/top-ups/${topUpId}`)).toMatchObject({ status: "pending" });
		expect(await ask("/api/account")).toMatchObject({ balance_cents: before.balance });

		// Stripe's retry gets through; the owner asks the page to check again.
		const event = await lastCompletedEvent();
		const [status] = await stripe.deliver(event, { url: webhookUrl });
		expect(status).toBeGreaterThanOrEqual(200);
		expect(status).toBeLessThan(300);
		await page.getByTestId("top-up-check-again").click();
		await page.locator('[data-testid="top-up-page"][data-state="credited"]').waitFor({ timeout: 30_000 });
		expect(await page.getByTestId("top-up-card-used").textContent()).toBe(CARD_TEXT);
		await page.getByTestId("top-up-balance").filter({ hasText: "$" }).waitFor();
		expect(cents(await page.getByTestId("top-up-balance").textContent())).toBe(before.balance + amount);
		noProblems();
	});

	it("a cancelled checkout charges nothing and offers to try again", async () => {
		const { page } = tab;
		const before = await account(page);
		const amount = options.presets_cents[0] as number;
		await checkout(page, amount);
		await page.getByTestId("cancel").click();
		await page.waitForURL(/\/account\/top-up\/tu_[^/?]+\?status=cancelled$/);
		const outcome = page.locator('[data-testid="top-up-page"][data-state="cancelled"]');
		await outcome.waitFor();
		expect(await outcome.textContent()).toContain("Nothing was charged");
		expect(await outcome.textContent()).toContain(`$${(amount / 100).toFixed(2)}`);
		await tab.screenshot("top-up-07-cancelled");
		await page.getByTestId("top-up-again").click();
		await page.waitForURL((url) => url.pathname === "/account");
		expect(await account(page)).toEqual(before);
		noProblems();
	});

	it("says top-up is not configured, and what the operator sets, where Stripe is not set up", async () => {
		const { page } = tab;
		// The stack runs with Stripe; this deployment's answer is stood in for in the browser (the gateway's own
		// "configured: false" is its tests' business).
		await page.route("**/api/account/top-ups/options", (route) =>
			route.fulfill({ json: { ...options, configured: false } }),
		);
		try {
			await page.goto("/account");
			const note = page.getByTestId("top-up-not-configured");
			await note.waitFor();
			expect(await note.textContent()).toContain("STRIPE_SECRET_KEY");
			expect(await page.getByTestId("top-up-submit").count()).toBe(0);
			expect(await page.getByTestId("top-up-preset").count()).toBe(0);
			await tab.screenshot("top-up-08-not-configured");
		} finally {
			await page.unroute("**/api/account/top-ups/options");
		}
		noProblems();
	});
});
