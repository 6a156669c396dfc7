/**
 * The chat site end to end in Chromium, as one user: sign in with the dev mailbox code, a streamed answer with a
 * tool card, a purchase confirmed in the dialog (and the account after it), history after a reload, and a stream
 * that survives a dropped connection. The scenarios build on each other (one signed-in browser profile), in order.
 * Each script for the fake model is selected by a marker in the conversation's first message.
 */
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeModelClient, fakeModel, fromResult } from "../fake-anthropic/client.ts";
import { type BrowserStack, launchChromium, openTab, stack, stackReady, type Tab } from "./browser.ts";
import { cents, cutConnections, fooddashOrder, fund, signIn } from "./site.ts";

const EMAIL = `browser-${Date.now()}@example.com`;

/** A marker no other conversation contains. */
const marker = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** The assistant message's text parts, joined: what the reader sees, without tool cards. */
async function assistantText(message: Locator): Promise<string> {
	const parts = await message.getByTestId("assistant-text").allTextContents();
	return parts.map((p) => p.trim()).join("\n");
}

async function send(page: Page, text: string): Promise<void> {
	await page.getByTestId("composer-input").fill(text);
	await page.getByTestId("send-button").click();
}

/** Waits until the last assistant message is in `state` (streaming, done, awaiting, error, cancelled). */
async function settled(page: Page, state = "done", timeout = 30_000): Promise<Locator> {
	const message = page.locator('[data-testid="message-assistant"]').last();
	await page.locator(`[data-testid="message-assistant"][data-state="${state}"]`).last().waitFor({ timeout });
	return message;
}

/** Resolves once the last assistant message shows part, but not all, of `text` while it streams. */
async function partly(page: Page, text: string): Promise<void> {
	await page.waitForFunction(
		(expected) => {
			const messages = document.querySelectorAll('[data-testid="message-assistant"]');
			const last = messages[messages.length - 1] as HTMLElement | undefined;
			if (last?.dataset.state !== "streaming") return false;
			const parts = last.querySelectorAll('[data-testid="assistant-text"]');
			const shown = (parts[parts.length - 1]?.textContent ?? "").trim();
			return shown.length > 0 && shown.length < expected.length && expected.startsWith(shown);
		},
		text,
		{ timeout: 20_000 },
	);
}

describe("the chat site", () => {
	let site: BrowserStack;
	let fake: FakeModelClient;
	let browser: Browser;
	let tab: Tab;

	beforeAll(async () => {
		if (!stackReady()) return;
		site = stack();
		fake = fakeModel(site.fakeModelUrl);
		browser = await launchChromium();
		tab = await openTab(browser, site.siteUrl);
	});
	afterAll(async () => {
		await browser?.close();
	});
	beforeEach(({ task, onTestFailed }) => {
		// Without a stack every scenario fails with the reason (counted as failed, not skipped).
		stack();
		tab.problems.splice(0);
		// What the page looked like when a scenario failed, beside the scenarios' own screenshots.
		onTestFailed(() =>
			tab.screenshot(`failed-${task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`).catch(() => {}),
		);
	});

	/** The scenario's console errors and uncaught exceptions: there must be none. */
	function noProblems(): void {
		const problems = tab.problems.splice(0);
		expect(problems, "console errors or uncaught exceptions").toEqual([]);
	}

	it("signs in with the code from the dev mailbox", async () => {
		await signIn(tab, site.gatewayUrl, EMAIL);
		await tab.page.getByTestId("composer-input").waitFor();
		await tab.screenshot("01-signed-in");
		noProblems();
	});

	it("streams the answer as it comes, with a card for the tool call", async () => {
		const id = marker("weather");
		const intro = "Let me look for a weather service.";
		const answer =
			"SkyCast has current conditions and forecasts for cities worldwide. Ask me for a city and I will fetch the weather there for you; it costs nothing to look.";
		await fake.script({
			id,
			steps: [
				// The brand makes SkyCast the first answer whatever other weather providers the catalog holds.
				{ text: intro, tool_uses: [{ name: "search_services", input: { query: "SkyCast weather" } }] },
				{ text: answer, chunk_size: 6, delay_ms_per_chunk: 40 },
			],
		});
		await tab.page.goto("/");
		await send(tab.page, `${id} who can tell me the weather?`);
		await partly(tab.page, answer);
		await tab.screenshot("02-streaming");
		const message = await settled(tab.page);
		expect(await assistantText(message)).toBe(`${intro}\n${answer}`);
		const card = message.locator('[data-testid="tool-card"][data-tool-name="search_services"]');
		expect(await card.getAttribute("data-status")).toBe("done");
		await card.getByTestId("tool-card-toggle").click();
		expect(await card.getByTestId("tool-card-details").textContent()).toContain("skycast");
		await tab.screenshot("03-tool-card");
		noProblems();
	});

	it("asks for confirmation of a purchase above the threshold, continues once confirmed, and the account shows it", async () => {
		await fund(tab, site.gatewayUrl, site.adminToken, 20_000);
		const order = await fooddashOrder(site.gatewayUrl, site.adminToken);
		await tab.page.goto("/account");
		const balanceBefore = cents(await tab.page.getByTestId("account-balance").textContent());
		expect(balanceBefore).toBeGreaterThanOrEqual(20_000);
		const purchasesBefore = await tab.page
			.locator('[data-testid="statement-row"][data-kind="purchase"]')
			.count();

		const id = marker("dinner");
		const checkout = { service: "fooddash", tool: "checkout", parameters: order };
		await fake.script({
			id,
			steps: [
				{ text: "Let me price that order.", tool_uses: [{ name: "execute", input: checkout }] },
				{
					text: "Here is the price; buying now.",
					tool_uses: [{ name: "execute", input: { ...checkout, quote_id: fromResult("quote_id") } }],
				},
				{ text: "Done: your dinner is ordered." },
			],
		});
		await tab.page.goto("/");
		await send(tab.page, `${id} order me dinner`);
		const dialog = tab.page.getByTestId("purchase-dialog");
		await dialog.getByTestId("purchase-confirm").waitFor({ timeout: 30_000 });
		const amount = cents(await dialog.getByTestId("purchase-amount").textContent());
		expect(amount).toBeGreaterThan(2_500);
		await tab.screenshot("04-purchase-dialog");
		await dialog.getByTestId("purchase-confirm").click();
		const message = await settled(tab.page);
		expect(await assistantText(message)).toContain("Done: your dinner is ordered.");
		const cards = message.locator('[data-testid="tool-card"][data-tool-name="execute"]');
		expect(await cards.count()).toBe(2);
		expect(await cards.last().getAttribute("data-status")).toBe("done");
		await tab.screenshot("05-purchase-done");

		await tab.page.goto("/account");
		await tab.page.locator('[data-testid="statement-row"][data-kind="purchase"]').first().waitFor();
		expect(await tab.page.locator('[data-testid="statement-row"][data-kind="purchase"]').count()).toBe(
			purchasesBefore + 1,
		);
		expect(cents(await tab.page.getByTestId("account-balance").textContent())).toBe(balanceBefore - amount);
		await tab.screenshot("06-account-after-purchase");
		noProblems();
	});

	it("shows the owner on the account page; the keys card makes agent keys unless “Owner key” is ticked", async () => {
		await tab.page.goto("/account");
		const page = tab.page;
		expect(await page.getByTestId("account-authority").getAttribute("data-authority")).toBe("owner");
		const row = (name: string) => page.getByTestId("key-row").filter({ hasText: name });

		const agentName = marker("agent");
		await page.getByTestId("key-name").fill(agentName);
		await page.getByTestId("key-create").click();
		await page.getByTestId("key-secret").waitFor();
		await row(agentName).waitFor();
		expect(await row(agentName).getAttribute("data-key-authority")).toBe("agent");
		expect(await row(agentName).getByTestId("key-kind").textContent()).toBe("Agent key");
		expect(await page.getByTestId("key-secret-owner").count()).toBe(0);

		const ownerName = marker("owner");
		await page.getByTestId("key-name").fill(ownerName);
		await page.getByTestId("key-owner").check();
		expect(await page.getByTestId("key-owner-warning").textContent()).toContain(
			"never give it to an assistant",
		);
		await page.getByTestId("key-create").click();
		await page.getByTestId("key-secret-owner").waitFor();
		await row(ownerName).waitFor();
		expect(await row(ownerName).getAttribute("data-key-authority")).toBe("owner");
		expect(await row(ownerName).getByTestId("key-kind").textContent()).toBe("Owner key");
		// The next key is an agent's again unless asked.
		expect(await page.getByTestId("key-owner").isChecked()).toBe(false);
		await tab.screenshot("06b-keys");
		noProblems();
	});

	it("finds the conversation in the history after a reload, and opens it", async () => {
		const id = marker("history");
		await fake.script({ id, steps: [{ text: "Noted: this one is for the history test." }] });
		await tab.page.goto("/");
		await send(tab.page, `${id} remember this`);
		await settled(tab.page);
		await tab.page.reload();
		const item = tab.page.getByTestId("conversation-item").filter({ hasText: id });
		await item.waitFor();
		await item.click();
		await tab.page
			.getByTestId("message-user")
			.filter({ hasText: `${id} remember this` })
			.waitFor();
		expect(await assistantText(await settled(tab.page))).toBe("Noted: this one is for the history test.");
		expect(new URL(tab.page.url()).pathname).toMatch(/^\/c\/.+/);
		await tab.screenshot("07-history");
		noProblems();
	});

	it("resumes a stream after the connection drops, without repeating text", async () => {
		const id = marker("dropped");
		const answer = Array.from(
			{ length: 12 },
			(_, i) => `Sentence ${i + 1} of a long answer that keeps streaming while the network fails.`,
		).join(" ");
		await fake.script({ id, steps: [{ text: answer, chunk_size: 8, delay_ms_per_chunk: 30 }] });
		const resumed: (string | undefined)[] = [];
		tab.page.on("request", (request) => {
			if (/\/api\/chat\/[^/]+\/stream$/.test(new URL(request.url()).pathname)) {
				resumed.push(request.headers()["last-event-id"]);
			}
		});
		// What Chromium logs for the stream the relay cuts; anything else still counts as a problem.
		tab.expect(
			/^console error: Failed to load resource: net::ERR_CONNECTION_RESET \(http:[^ ]+\/api\/chat:0\)$/,
		);
		await tab.page.goto("/");
		await send(tab.page, `${id} tell me a long story`);
		// The new conversation refreshes the history list: cut only once that answer is in, or the cut resets it too.
		await tab.page.getByTestId("conversation-item").filter({ hasText: id }).waitFor();
		await partly(tab.page, answer);
		expect(await cutConnections(site.cutUrl)).toBeGreaterThan(0);
		const message = await settled(tab.page);
		expect(resumed.length, "the page never asked to resume").toBeGreaterThan(0);
		expect(Number(resumed[0])).toBeGreaterThan(0);
		expect(await assistantText(message)).toBe(answer);
		await tab.screenshot("08-resumed");
		noProblems();
	});
});
