import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type AlertsReport, AlertsReportSchema } from "@penumbra/core/contracts";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { addServices, call, createKey, faulty, json, providerService } from "../helpers.ts";

/*
 * The alert cron end to end: real calls through the gateway to sandbox merchants with injected faults record metric
 * points, the real scheduled entry evaluates them, and the messages land on a recording webhook
 * (webhook-receiver.ts). Time is the test's: Date is faked so points fall where a test wants them relative to the
 * cron's scheduled time (the window is ALERT_WINDOW_S, 600 s, from wrangler.toml).
 */

const EVERY_FIVE_MINUTES = "*/5 * * * *";
const DAILY = "30 3 * * *";
const MINUTE = 60_000;
const WINDOW_MS = 600_000;
const WEBHOOK_ORIGIN = inject("alertWebhookOrigin");

interface Delivery {
	status: number;
	content_type: string;
	body: { text: string; blocks?: unknown[] };
}

/** A fresh hook on the recording webhook; `fail` answers its first n deliveries with 503. */
function newHook(fail = 0) {
	const id = crypto.randomUUID();
	return {
		url: `${WEBHOOK_ORIGIN}/hooks/${id}${fail > 0 ? `?fail=${fail}` : ""}`,
		async deliveries(): Promise<Delivery[]> {
			const response = await fetch(`${WEBHOOK_ORIGIN}/hooks/${id}`);
			return (await json<{ deliveries: Delivery[] }>(response)).deliveries;
		},
	};
}

/** The gateway's env with the alert webhook set; the receiver is local, so it joins the upstream allowlist. */
function withWebhook(url: string): GatewayEnv {
	return {
		...env,
		ALERT_WEBHOOK_URL: url,
		UPSTREAM_ALLOWLIST: `${env.UPSTREAM_ALLOWLIST},${WEBHOOK_ORIGIN}`,
	};
}

async function runCron(at_ms: number, cronEnv: GatewayEnv, cron = EVERY_FIVE_MINUTES): Promise<void> {
	await worker.scheduled(createScheduledController({ cron, scheduledTime: at_ms }), cronEnv);
}

/** Calls one skycast-like tool of `service` `times` times and checks the answers' status. */
async function callTool(key: string, service: string, tool: string, times: number, status: number) {
	for (let i = 0; i < times; i++) {
		const response = await call(`/v1/services/${service}/tools/${tool}`, {
			key,
			body: { parameters: tool === "get_forecast" ? { city: "lisbon", days: 2 } : { city: "lisbon" } },
		});
		expect(response.status, await response.clone().text()).toBe(status);
	}
}

/** Waits until the metric points of those calls are stored (they are inserted shortly after each answer). */
async function pointsStored(service: string, kind: "upstream" | "request", count: number): Promise<void> {
	await vi.waitFor(
		async () => {
			const row = await env.DB.prepare(
				"SELECT COUNT(*) AS n FROM metric_points WHERE kind = ? AND service = ?",
			)
				.bind(kind, service)
				.first<{ n: number }>();
			expect(row?.n).toBeGreaterThanOrEqual(count);
		},
		{ timeout: 10_000, interval: 50 },
	);
}

async function alertsReport(): Promise<AlertsReport> {
	const response = await call("/v1/admin/alerts", {
		headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
	});
	expect(response.status, await response.clone().text()).toBe(200);
	return AlertsReportSchema.parse(await response.json());
}

/** Each test's own day, so no test's points fall in another's window. */
let day = 0;
function startOfTest(): number {
	day++;
	return Math.floor(Date.now() / MINUTE) * MINUTE + day * 24 * 3600_000;
}

beforeEach(async () => {
	vi.useFakeTimers({ toFake: ["Date"] });
	// Incidents are per key and global: each test starts with none.
	await env.DB.prepare("DELETE FROM alerts").run();
});

afterEach(() => {
	vi.useRealTimers();
});

describe("the alert cron", () => {
	it("sends one alert for a sustained upstream failure across cron runs, and one resolved message", async () => {
		const t0 = startOfTest();
		vi.setSystemTime(t0);
		const hook = newHook();
		const cronEnv = withWebhook(hook.url);
		const { key } = await createKey();
		await addServices(faulty("downcast", "status=500"));
		await callTool(key, "downcast", "get_current_conditions", 6, 502);
		await pointsStored("downcast", "upstream", 6);

		for (const minutes of [1, 5, 10]) await runCron(t0 + minutes * MINUTE, cronEnv);
		const alerted = await hook.deliveries();
		expect(alerted).toHaveLength(1);
		expect(alerted[0]).toMatchObject({ status: 200, content_type: "application/json" });
		expect(alerted[0]?.body.text).toContain("upstream_down:downcast");
		expect(alerted[0]?.body.text).toContain("6 of 6 calls failed");
		expect(alerted[0]?.body.blocks?.length).toBeGreaterThan(0);
		// No key or secret of anyone's in the message.
		for (const secret of [key, env.ADMIN_TOKEN, env.QUOTE_SIGNING_KEY, env.PROVIDER_FOODDASH_API_KEY])
			expect(JSON.stringify(alerted[0]?.body)).not.toContain(secret);
		const open = await alertsReport();
		expect(open.open.map((a) => a.key)).toEqual(["upstream_down:downcast"]);
		expect(open.open[0]).toMatchObject({ rule: "upstream_down", subject: "downcast", state: "open" });
		expect(open.open[0]?.last_seen_at).toBe(new Date(t0 + 10 * MINUTE).toISOString());

		// The provider recovers: its calls succeed, and the failures have left the window.
		const later = t0 + WINDOW_MS + 5 * MINUTE;
		vi.setSystemTime(later);
		await addServices({
			...providerService("skycast"),
			card: { ...providerService("skycast").card, id: "downcast" },
		});
		await callTool(key, "downcast", "get_current_conditions", 3, 200);
		await pointsStored("downcast", "upstream", 9);
		for (const minutes of [1, 5]) await runCron(later + minutes * MINUTE, cronEnv);
		const all = await hook.deliveries();
		expect(all).toHaveLength(2);
		expect(all[1]?.body.text).toMatch(/resolved upstream_down:downcast/);
		const resolved = await alertsReport();
		expect(resolved.open).toEqual([]);
		expect(resolved.recent.map((a) => [a.key, a.state])).toEqual([["upstream_down:downcast", "resolved"]]);

		// A new failure later is a new incident: one more alert.
		const again = later + WINDOW_MS + 5 * MINUTE;
		vi.setSystemTime(again);
		await addServices(faulty("downcast", "status=500"));
		await callTool(key, "downcast", "get_current_conditions", 5, 502);
		await pointsStored("downcast", "upstream", 14);
		await runCron(again + MINUTE, cronEnv);
		await runCron(again + 2 * MINUTE, cronEnv);
		const reopened = await hook.deliveries();
		expect(reopened).toHaveLength(3);
		expect(reopened[2]?.body.text).toContain("upstream_down:downcast");
		expect((await alertsReport()).open[0]?.opened_at).toBe(new Date(again + MINUTE).toISOString());
	});

	it("sends nothing for one failed call among successes", async () => {
		const t0 = startOfTest();
		vi.setSystemTime(t0);
		const hook = newHook();
		const { key } = await createKey();
		// Forecasts fail, current conditions work: one service, one failure among many successes.
		await addServices(faulty("flakycast", "status=500,only=forecast"));
		await callTool(key, "flakycast", "get_current_conditions", 12, 200);
		await callTool(key, "flakycast", "get_forecast", 1, 502);
		await pointsStored("flakycast", "upstream", 13);
		for (const minutes of [1, 5, 10]) await runCron(t0 + minutes * MINUTE, withWebhook(hook.url));
		expect(await hook.deliveries()).toEqual([]);
		expect((await alertsReport()).open).toEqual([]);
	});

	it("sends once when two cron runs evaluate at the same time", async () => {
		const t0 = startOfTest();
		vi.setSystemTime(t0);
		const hook = newHook();
		const { key } = await createKey();
		await addServices(faulty("twincast", "status=500"));
		await callTool(key, "twincast", "get_current_conditions", 5, 502);
		await pointsStored("twincast", "upstream", 5);
		const cronEnv = withWebhook(hook.url);
		await Promise.all([
			runCron(t0 + MINUTE, cronEnv),
			runCron(t0 + MINUTE, cronEnv),
			runCron(t0 + MINUTE, cronEnv),
		]);
		expect(await hook.deliveries()).toHaveLength(1);
	});

	it("retries a failed send on the next run, then sends nothing more", async () => {
		const t0 = startOfTest();
		vi.setSystemTime(t0);
		const hook = newHook(1);
		const { key } = await createKey();
		await addServices(faulty("retrycast", "status=500"));
		await callTool(key, "retrycast", "get_current_conditions", 5, 502);
		await pointsStored("retrycast", "upstream", 5);
		const cronEnv = withWebhook(hook.url);
		await runCron(t0 + MINUTE, cronEnv);
		expect((await hook.deliveries()).map((d) => d.status)).toEqual([503]);
		expect((await alertsReport()).open[0]?.notified_at).toBeNull();
		await runCron(t0 + 5 * MINUTE, cronEnv);
		await runCron(t0 + 10 * MINUTE, cronEnv);
		const deliveries = await hook.deliveries();
		expect(deliveries.map((d) => d.status)).toEqual([503, 200]);
		expect(deliveries[1]?.body.text).toContain("upstream_down:retrycast");
		expect((await alertsReport()).open[0]?.notified_at).toBe(new Date(t0 + 5 * MINUTE).toISOString());
	});

	it("does not post to a private webhook URL outside the allowlist: the alert is only logged", async () => {
		const t0 = startOfTest();
		vi.setSystemTime(t0);
		const hook = newHook();
		const { key } = await createKey();
		await addServices(faulty("privatecast", "status=500"));
		await callTool(key, "privatecast", "get_current_conditions", 5, 502);
		await pointsStored("privatecast", "upstream", 5);
		await runCron(t0 + MINUTE, { ...env, ALERT_WEBHOOK_URL: hook.url });
		expect(await hook.deliveries()).toEqual([]);
		const report = await alertsReport();
		expect(report.open.map((a) => [a.key, a.notified_at])).toEqual([["upstream_down:privatecast", null]]);
	});

	it("alerts once when Stripe's webhook keeps failing", async () => {
		const t0 = startOfTest();
		vi.setSystemTime(t0);
		const hook = newHook();
		for (let i = 0; i < 3; i++) {
			const response = await call("/v1/webhooks/stripe", {
				method: "POST",
				body: JSON.stringify({ id: `evt_${i}`, type: "checkout.session.completed" }),
				headers: { "stripe-signature": "t=1,v1=not-a-signature" },
			});
			expect(response.status).toBe(400);
		}
		await vi.waitFor(
			async () => {
				const row = await env.DB.prepare(
					"SELECT COUNT(*) AS n FROM metric_points WHERE kind = 'request' AND tool = 'POST /v1/webhooks/stripe'",
				).first<{ n: number }>();
				expect(row?.n).toBeGreaterThanOrEqual(3);
			},
			{ timeout: 10_000, interval: 50 },
		);
		await runCron(t0 + MINUTE, withWebhook(hook.url));
		await runCron(t0 + 5 * MINUTE, withWebhook(hook.url));
		const deliveries = await hook.deliveries();
		expect(deliveries).toHaveLength(1);
		expect(deliveries[0]?.body.text).toContain("stripe_webhook:stripe");
		expect(deliveries[0]?.body.text).toContain("3 of 3 deliveries");
	});
});

describe("the daily reconcile", () => {
	it("alerts on a ledger mismatch, keeps its result for the admin API, resolves once the ledger matches; prunes old metrics", async () => {
		// A day with no top-ups at the fake Stripe (the period is the two days before the run).
		const t0 = startOfTest() + 30 * 24 * 3600_000;
		vi.setSystemTime(t0);
		const hook = newHook();
		const cronEnv = withWebhook(hook.url);
		const { id } = await createKey();
		// The D1 mirror gains an entry the Account DO never made.
		await env.DB.prepare(
			"INSERT INTO ledger_entries (id, credential_id, seq, kind, amount_cents, balance_after_cents, created_at) VALUES (?, ?, 1000000, 'adjustment', 100, 0, ?)",
		)
			.bind(`le_alert_test_${id}`, id, t0)
			.run();
		// And a metric point older than the D1 store keeps (7 days), beside a recent one.
		const point = env.DB.prepare(
			"INSERT INTO metric_points (kind, at_ms, service, tool, status, outcome, caller, latency_ms, amount_cents, tokens_in, tokens_out, model_calls, text, request_id) VALUES ('request', ?, 'prunecast', '', 200, 'ok', 'agent', 1, 0, 0, 0, 0, '', '')",
		);
		await env.DB.batch([point.bind(t0 - 8 * 24 * 3600_000), point.bind(t0 - 24 * 3600_000)]);
		await runCron(t0, cronEnv, DAILY);
		const kept = await env.DB.prepare("SELECT at_ms FROM metric_points WHERE service = 'prunecast'").all<{
			at_ms: number;
		}>();
		expect(kept.results.map((r) => r.at_ms)).toEqual([t0 - 24 * 3600_000]);
		const deliveries = await hook.deliveries();
		expect(deliveries).toHaveLength(1);
		expect(deliveries[0]?.body.text).toContain("reconcile_mismatch:ledger");
		expect(deliveries[0]?.body.text).not.toContain(id);
		const report = await alertsReport();
		expect(report.open.map((a) => a.key)).toEqual(["reconcile_mismatch:ledger"]);
		expect(report.reconcile).toMatchObject({ at: new Date(t0).toISOString(), ok: false, errors: [] });
		expect(report.reconcile?.ledger).toMatchObject({ mismatches: 1, credential_ids: [id] });
		expect(report.reconcile?.top_ups).toMatchObject({ configured: true, ok: true });

		// The 5-minute runs do not judge the reconcile: the incident stays open, nothing more is sent.
		await runCron(t0 + 5 * MINUTE, cronEnv);
		expect(await hook.deliveries()).toHaveLength(1);
		expect((await alertsReport()).open.map((a) => a.key)).toEqual(["reconcile_mismatch:ledger"]);

		await env.DB.prepare("DELETE FROM ledger_entries WHERE id = ?").bind(`le_alert_test_${id}`).run();
		await runCron(t0 + 24 * 3600_000, cronEnv, DAILY);
		const after = await hook.deliveries();
		expect(after).toHaveLength(2);
		expect(after[1]?.body.text).toMatch(/resolved reconcile_mismatch:ledger/);
		const fixed = await alertsReport();
		expect(fixed.open).toEqual([]);
		expect(fixed.reconcile).toMatchObject({ ok: true, ledger: { mismatches: 0, credential_ids: [] } });
	});
});

describe("GET /v1/admin/alerts", () => {
	it("is for the operator only, and shows the thresholds in force and whether a webhook is set", async () => {
		expect((await call("/v1/admin/alerts")).status).toBe(401);
		const { ownerKey } = await createKey();
		expect((await call("/v1/admin/alerts", { key: ownerKey })).status).toBe(403);
		const report = await alertsReport();
		expect(report.thresholds).toEqual({
			window_s: 600,
			min_requests: 20,
			error_rate: 0.25,
			upstream_min_failures: 5,
			upstream_availability: 0.5,
			webhook_failures: 3,
		});
		expect(report.webhook).toEqual({ configured: false, refused: null });
	});
});
