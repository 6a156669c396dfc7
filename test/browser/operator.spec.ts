/**
 * The operator dashboard in Chromium, after a scripted mix of calls on the real stack: successful SkyCast calls, a
 * provider whose upstream answers 503 (Broken Feed, test/browser/fixtures: the sandbox's fault prefix), a FoodDash
 * purchase and a search that finds nothing. The operator signs in with the admin token; the charts must show those
 * services with data, the table the gateway's counts, and an owner's visit must never load the chart library.
 */
import { MetricsReportSchema } from "@penumbra/core/contracts";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AdminClient } from "../../scripts/lib/admin.ts";
import { type BrowserStack, launchChromium, openTab, stack, stackReady } from "./browser.ts";
import { fooddashOrder } from "./site.ts";

type Report = z.infer<typeof MetricsReportSchema>;

const SUCCESSES = 3;
const FAILURES = 2;
const EMPTY_QUERY = "zzqx vorpal frobnication";

async function gateway(
	site: BrowserStack,
	path: string,
	init: { key?: string; body?: unknown; method?: string } = {},
) {
	const response = await fetch(`${site.gatewayUrl}${path}`, {
		method: init.method ?? (init.body === undefined ? "GET" : "POST"),
		headers: {
			...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
			...(init.body === undefined ? {} : { "content-type": "application/json" }),
		},
		...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
	});
	return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
}

/** What the gateway's metrics say for the last hour (the dashboard's default range) or `rangeMs`. */
async function report(site: BrowserStack, rangeMs = 3600_000): Promise<Report> {
	const since = new Date(Date.now() - rangeMs).toISOString();
	const answer = await gateway(site, `/v1/admin/metrics?by=service&since=${encodeURIComponent(since)}`, {
		key: site.adminToken,
	});
	expect(answer.status, JSON.stringify(answer.body)).toBe(200);
	return MetricsReportSchema.parse(answer.body);
}

const group = (r: Report, service: string) => r.groups.find((g) => g.service === service);

/** The mix: SkyCast successes, Broken Feed 503s, one FoodDash purchase, one empty search. */
async function scriptedMix(site: BrowserStack): Promise<{ purchaseCents: number }> {
	const admin = new AdminClient(site.gatewayUrl, site.adminToken);
	const buyer = await admin.createCredential({
		name: "operator-mix",
		level: "authenticated",
		owner_key: true,
	});
	await admin.credit(buyer.id, 20_000, `operator-mix:${buyer.id}`);
	const key = buyer.key;
	const controls = await gateway(site, "/v1/account/controls", {
		key,
		method: "PUT",
		body: { auto_approve_threshold_cents: 1_000_000 },
	});
	expect(controls.status).toBe(200);
	for (let i = 0; i < SUCCESSES; i++) {
		const ok = await gateway(site, "/v1/services/skycast/tools/get_current_conditions", {
			key,
			body: { parameters: { city: "london" } },
		});
		expect(ok.status, JSON.stringify(ok.body)).toBe(200);
	}
	for (let i = 0; i < FAILURES; i++) {
		const failed = await gateway(site, "/v1/services/brokenfeed/tools/get_feed_status", {
			key,
			body: { parameters: {} },
		});
		expect(failed.status, JSON.stringify(failed.body)).toBe(502);
	}
	const parameters = await fooddashOrder(site.gatewayUrl, site.adminToken);
	const quote = await gateway(site, "/v1/quotes", {
		key,
		body: { service: "fooddash", tool: "checkout", parameters },
	});
	expect(quote.status, JSON.stringify(quote.body)).toBe(201);
	const { quote_id, amount_cents } = z
		.object({ quote_id: z.string(), amount_cents: z.int() })
		.parse(quote.body);
	const bought = await gateway(site, "/v1/services/fooddash/tools/checkout", {
		key,
		body: { parameters, quote_id },
	});
	expect(bought.status, JSON.stringify(bought.body)).toBe(200);
	const search = await gateway(site, `/v1/search?q=${encodeURIComponent(EMPTY_QUERY)}`, { key });
	expect(search.status).toBe(200);
	expect(z.object({ results: z.array(z.unknown()) }).parse(search.body).results).toEqual([]);
	return { purchaseCents: amount_cents };
}

/** Waits until the gateway's metrics hold the whole mix (points are written just after each answer). */
async function settled(site: BrowserStack, before: Report): Promise<Report> {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const now = await report(site);
		const fed = group(now, "brokenfeed");
		const food = group(now, "fooddash");
		const done =
			(fed?.requests ?? 0) >= FAILURES &&
			(food?.purchases.bought ?? 0) > (group(before, "fooddash")?.purchases.bought ?? 0) &&
			now.totals.empty_searches > before.totals.empty_searches &&
			(group(now, "skycast")?.requests ?? 0) >= (group(before, "skycast")?.requests ?? 0) + SUCCESSES;
		if (done) return now;
		if (Date.now() > deadline)
			throw new Error(`the metrics never showed the mix: ${JSON.stringify(now.groups)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

interface ChartView {
	series: string[];
	points: number[];
	totals: number[];
	canvas: boolean;
}

async function chart(page: Page, metric: string): Promise<ChartView> {
	const figure = page.locator(`[data-testid="op-chart"][data-chart="${metric}"]`);
	await figure.locator("canvas").first().waitFor();
	const attrs = await figure.evaluate((el) => ({
		series: el.getAttribute("data-series") ?? "",
		points: el.getAttribute("data-points") ?? "",
		totals: el.getAttribute("data-totals") ?? "",
	}));
	const list = (text: string) => (text === "" ? [] : text.split(","));
	return {
		series: list(attrs.series),
		points: list(attrs.points).map(Number),
		totals: list(attrs.totals).map(Number),
		canvas: (await figure.locator("canvas").count()) > 0,
	};
}

function seriesValue(view: ChartView, service: string, of: "points" | "totals"): number {
	const at = view.series.indexOf(service);
	expect(at, `${service} is one of the chart's series (${view.series.join(", ")})`).toBeGreaterThanOrEqual(0);
	return view[of][at] ?? Number.NaN;
}

async function cell(page: Page, service: string, name: string): Promise<string> {
	const text = await page
		.locator(`[data-testid="op-service-row"][data-service="${service}"] [data-testid="op-cell-${name}"]`)
		.textContent();
	return (text ?? "").trim();
}

describe("operator dashboard", () => {
	let site: BrowserStack;
	let browser: Browser;
	let before: Report;
	let after: Report;
	let purchaseCents = 0;

	beforeAll(async () => {
		if (!stackReady()) return;
		site = stack();
		browser = await launchChromium();
		before = await report(site);
		({ purchaseCents } = await scriptedMix(site));
		after = await settled(site, before);
	});
	beforeEach(() => {
		// Without a stack every scenario fails with the reason.
		stack();
	});
	afterAll(async () => {
		await browser?.close();
	});

	it("signs the operator in with the admin token, refusing a wrong one", async () => {
		const tab = await openTab(browser, site.siteUrl);
		try {
			const { page } = tab;
			// The wrong token's 403 is the answer shown on the page, not a problem of the page.
			tab.expect(/status of 403/);
			await page.goto("/operator");
			await page.getByTestId("op-signin-card").waitFor();
			await page.getByTestId("op-token").fill("not-the-admin-token");
			await page.getByTestId("op-signin").click();
			expect(await page.getByTestId("op-signin-error").textContent()).toMatch(/not valid/);
			await page.getByTestId("op-token").fill(site.adminToken);
			await page.getByTestId("op-signin").click();
			await page.getByTestId("op-dashboard").waitFor();
			// The browser holds the session in an HttpOnly cookie for /api/operator only; never the admin token.
			const cookies = await tab.context.cookies();
			const operator = cookies.find((c) => c.name === "penumbra_operator");
			expect(operator).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api/operator" });
			expect(operator?.value).toMatch(/^ops_/);
			expect(JSON.stringify(cookies)).not.toContain(site.adminToken);
			expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(site.adminToken);
			// An owner's page knows nothing of it.
			expect((await tab.context.request.get("/api/me")).status()).toBe(401);

			await page.getByTestId("op-signout").click();
			await page.getByTestId("op-signin-card").waitFor();
			expect((await tab.context.cookies()).some((c) => c.name === "penumbra_operator")).toBe(false);
			expect(tab.problems).toEqual([]);
		} finally {
			await tab.close();
		}
	});

	it("charts requests, errors, latency and revenue per service, and tables the gateway's counts", async () => {
		const tab = await openTab(browser, site.siteUrl);
		try {
			const { page } = tab;
			await page.goto("/operator");
			await page.getByTestId("op-token").fill(site.adminToken);
			await page.getByTestId("op-signin").click();
			await page.locator('[data-testid="op-charts-panel"][data-state="ok"]').waitFor();
			expect(
				await page.locator('[data-testid="op-range-option"][data-range="1h"]').getAttribute("aria-pressed"),
			).toBe("true");

			const requests = await chart(page, "requests");
			for (const service of ["skycast", "brokenfeed", "fooddash"]) {
				expect(seriesValue(requests, service, "points")).toBeGreaterThan(0);
			}
			expect(seriesValue(requests, "brokenfeed", "totals")).toBe(group(after, "brokenfeed")?.requests);
			expect(seriesValue(requests, "skycast", "totals")).toBeGreaterThanOrEqual(SUCCESSES);
			const errors = await chart(page, "errors");
			expect(seriesValue(errors, "brokenfeed", "totals")).toBeGreaterThan(0);
			const p95 = await chart(page, "p95_ms");
			expect(seriesValue(p95, "skycast", "points")).toBeGreaterThan(0);
			expect(seriesValue(p95, "skycast", "totals")).toBeGreaterThan(0);
			const p50 = await chart(page, "p50_ms");
			expect(seriesValue(p50, "skycast", "points")).toBeGreaterThan(0);
			const revenue = await chart(page, "revenue_cents");
			expect(seriesValue(revenue, "fooddash", "totals")).toBeGreaterThanOrEqual(purchaseCents / 100);
			for (const view of [requests, errors, p50, p95, revenue]) expect(view.canvas).toBe(true);

			// The table says what the gateway says: Broken Feed's calls all failed upstream.
			const fed = group(after, "brokenfeed");
			expect(await cell(page, "brokenfeed", "requests")).toBe(String(fed?.requests));
			expect(await cell(page, "brokenfeed", "errors")).toBe(String((fed?.errors ?? 0) + (fed?.faults ?? 0)));
			expect(await cell(page, "brokenfeed", "availability")).toMatch(/^0%/);
			expect(await cell(page, "brokenfeed", "error-rate")).toBe("100%");
			const food = group(after, "fooddash");
			expect(Number(await cell(page, "fooddash", "purchases"))).toBe(food?.purchases.bought);
			const shown = Number(await cell(page, "skycast", "requests"));
			expect(shown).toBeGreaterThanOrEqual((group(before, "skycast")?.requests ?? 0) + SUCCESSES);
			expect(shown).toBeLessThanOrEqual(group(await report(site), "skycast")?.requests ?? 0);
			const empty = page.locator(`[data-testid="op-empty-search"][data-query="${EMPTY_QUERY}"]`);
			expect(await empty.count()).toBe(1);

			// The purchase is listed, and the other panels answered or said plainly why not.
			await page.locator('[data-testid="op-purchases"][data-state="ok"]').waitFor();
			expect(
				await page.locator('[data-testid="op-recent-row"][data-service="fooddash"]').count(),
			).toBeGreaterThan(0);
			for (const panel of ["op-gateway", "op-health", "op-alerts"]) {
				await page.locator(`[data-testid="${panel}"]:not([data-state="loading"])`).waitFor();
				const state = await page.getByTestId(panel).getAttribute("data-state");
				expect(["ok", "unavailable"], `${panel}: ${state}`).toContain(state);
			}
			await tab.screenshot("operator-dashboard");

			// Another range asks again: the same calls, counted over the last 24 hours in longer buckets.
			const day = await report(site, 24 * 3600_000);
			expect(day.bucket_s).not.toBe(after.bucket_s);
			await page.locator('[data-testid="op-range-option"][data-range="24h"]').click();
			await page.locator(`[data-testid="op-charts"][data-bucket-s="${day.bucket_s}"]`).waitFor();
			expect(seriesValue(await chart(page, "requests"), "brokenfeed", "totals")).toBe(fed?.requests);
			expect(tab.problems).toEqual([]);
		} finally {
			await tab.close();
		}
	});

	it("an owner's visit never loads the dashboard or its chart library", async () => {
		const tab = await openTab(browser, site.siteUrl);
		try {
			const scripts: string[] = [];
			tab.page.on("request", (request) => {
				if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
			});
			await tab.page.goto("/", { waitUntil: "networkidle" });
			await tab.page.goto("/services", { waitUntil: "networkidle" });
			expect(scripts.length).toBeGreaterThan(0);
			expect(scripts.filter((s) => /Operator|Charts|uplot/i.test(s))).toEqual([]);
			// The dashboard's own visit does load them: the check above can tell.
			await tab.page.goto("/operator", { waitUntil: "networkidle" });
			expect(scripts.some((s) => /OperatorPage/.test(s))).toBe(true);
			expect(tab.problems).toEqual([]);
		} finally {
			await tab.close();
		}
	});
});
