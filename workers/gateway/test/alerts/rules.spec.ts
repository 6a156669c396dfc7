import type { AlertThresholds, MetricsGroup, MetricsReport, ReconcileStatus } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { thresholdsOf } from "../../src/alerts/config.ts";
import type { AlertRow } from "../../src/alerts/incidents.ts";
import { messageOf, webhookOf } from "../../src/alerts/notify.ts";
import {
	errorRateAlerts,
	reconcileAlerts,
	STRIPE_WEBHOOK,
	stripeWebhookAlerts,
	trafficAlerts,
	upstreamDownAlerts,
} from "../../src/alerts/rules.ts";

const T: AlertThresholds = {
	window_s: 600,
	min_requests: 20,
	error_rate: 0.25,
	upstream_min_failures: 5,
	upstream_availability: 0.5,
	webhook_failures: 3,
};

type Figures = Partial<Omit<MetricsGroup, "service" | "tool">>;

function group(service: string, tool: string | null, figures: Figures): MetricsGroup {
	return {
		service,
		tool,
		requests: 0,
		errors: 0,
		faults: 0,
		error_rate: null,
		p50_ms: null,
		p95_ms: null,
		upstream_calls: 0,
		upstream_failures: 0,
		upstream_timeouts: 0,
		upstream_availability: null,
		upstream_p50_ms: null,
		purchases: { bought: 0, released: 0, unknown: 0, refused: 0 },
		revenue_cents: 0,
		...figures,
	};
}

/** A report of the window with these groups (the rules read only the groups). */
function report(groups: MetricsGroup[], by: "service" | "tool" = "tool"): MetricsReport {
	const { service: _s, tool: _t, ...totals } = group("", null, {});
	return {
		since: "2026-12-06T10:00:00.000Z",
		until: "2026-12-06T10:10:00.000Z",
		by,
		store: "d1",
		bucket_s: 600,
		totals: { ...totals, searches: 0, empty_searches: 0 },
		groups,
		series: [],
		top_empty_searches: [],
		chat: { turns: 0, failed: 0, model_calls: 0, tokens_in: 0, tokens_out: 0, p50_ms: null, p95_ms: null },
	};
}

/** A service whose `calls` upstream calls had `failures` failures, each one request. */
function upstream(service: string, calls: number, failures: number, timeouts = 0): MetricsGroup {
	return group(service, "get_current_conditions", {
		requests: calls,
		faults: failures,
		upstream_calls: calls,
		upstream_failures: failures,
		upstream_timeouts: timeouts,
	});
}

describe("upstream down", () => {
	it("does not alert for one failed call among many successes", () => {
		expect(upstreamDownAlerts(report([upstream("skycast", 40, 1)]), T)).toEqual([]);
	});

	it("does not alert for a lone failed call, nor a few below the minimum", () => {
		expect(upstreamDownAlerts(report([upstream("skycast", 1, 1)]), T)).toEqual([]);
		expect(upstreamDownAlerts(report([upstream("skycast", 4, 4)]), T)).toEqual([]);
	});

	it("alerts for a sustained failure: enough failures and availability under the threshold", () => {
		const [alert, ...rest] = upstreamDownAlerts(
			report([upstream("skycast", 8, 6, 2), upstream("fooddash", 8, 0)]),
			T,
		);
		expect(rest).toEqual([]);
		expect(alert).toMatchObject({ key: "upstream_down:skycast", rule: "upstream_down", subject: "skycast" });
		expect(alert?.severity).toBe("error");
		expect(alert?.detail).toContain("6 of 8 calls failed (2 timed out)");
		expect(alert?.detail).toContain("availability 25%");
	});

	it("respects both thresholds exactly", () => {
		// 5 failures of 10: availability 50%, not below 50%.
		expect(upstreamDownAlerts(report([upstream("skycast", 10, 5)]), T)).toEqual([]);
		// 5 failures of 9: availability 44%.
		expect(upstreamDownAlerts(report([upstream("skycast", 9, 5)]), T)).toHaveLength(1);
		// A stricter configuration alerts earlier; a looser one later.
		expect(
			upstreamDownAlerts(report([upstream("skycast", 3, 2)]), { ...T, upstream_min_failures: 2 }),
		).toHaveLength(1);
		expect(
			upstreamDownAlerts(report([upstream("skycast", 9, 5)]), { ...T, upstream_availability: 0.4 }),
		).toEqual([]);
	});

	it("adds up a service's tools (a report by tool)", () => {
		const groups = [upstream("skycast", 3, 3), { ...upstream("skycast", 3, 3), tool: "get_forecast" }];
		expect(upstreamDownAlerts(report(groups), T).map((a) => a.key)).toEqual(["upstream_down:skycast"]);
	});
});

describe("error rate", () => {
	it("alerts at the rate over at least the minimum number of requests", () => {
		const at = group("skycast", null, { requests: 20, faults: 5 });
		expect(errorRateAlerts(report([at], "service"), T).map((a) => a.key)).toEqual(["error_rate:skycast"]);
		const under = group("skycast", null, { requests: 21, faults: 5 });
		expect(errorRateAlerts(report([under], "service"), T)).toEqual([]);
		const few = group("skycast", null, { requests: 19, faults: 19 });
		expect(errorRateAlerts(report([few], "service"), T)).toEqual([]);
	});

	it("counts 5xx only: a caller's 4xx is not the operator's problem", () => {
		const refused = group("skycast", null, { requests: 40, errors: 40 });
		expect(errorRateAlerts(report([refused], "service"), T)).toEqual([]);
	});

	it("is not a second incident while the service's upstream is down", () => {
		const outage = report([upstream("fooddash", 40, 20), upstream("skycast", 40, 40)]);
		expect(errorRateAlerts(outage, T).map((a) => a.key)).toEqual([
			"error_rate:fooddash",
			"error_rate:skycast",
		]);
		expect(trafficAlerts(outage, T).conditions.map((c) => c.key)).toEqual([
			"error_rate:fooddash",
			"upstream_down:skycast",
		]);
	});

	it("does not alert for a single error among successes", () => {
		expect(errorRateAlerts(report([group("skycast", null, { requests: 50, faults: 1 })]), T)).toEqual([]);
	});
});

describe("Stripe webhook", () => {
	const webhook = (errors: number, faults: number) =>
		group(STRIPE_WEBHOOK.service, STRIPE_WEBHOOK.tool, { requests: 10, errors, faults });

	it("alerts at the configured number of failed deliveries in the window", () => {
		expect(stripeWebhookAlerts(report([webhook(1, 1)]), T)).toEqual([]);
		const [alert] = stripeWebhookAlerts(report([webhook(2, 1)]), T);
		expect(alert).toMatchObject({ key: "stripe_webhook:stripe", severity: "warn" });
		expect(alert?.detail).toContain("3 of 10 deliveries");
	});

	it("ignores the gateway's other routes", () => {
		const other = group("gateway", "POST /v1/admin/credentials", { requests: 10, errors: 10 });
		expect(stripeWebhookAlerts(report([other]), T)).toEqual([]);
	});

	it("is only judged from a report by tool (by service cannot see the route, so it clears nothing)", () => {
		expect(trafficAlerts(report([webhook(5, 5)]), T).scope).toContain("stripe_webhook:");
		const byService = trafficAlerts(report([webhook(5, 5)], "service"), T);
		expect(byService.scope).not.toContain("stripe_webhook:");
		expect(byService.conditions.filter((c) => c.rule === "stripe_webhook")).toEqual([]);
	});
});

describe("reconcile", () => {
	const ok: ReconcileStatus = {
		at: "2026-12-06T03:30:00.000Z",
		ok: true,
		ledger: { checked: 12, mismatches: 0, credential_ids: [] },
		top_ups: { configured: true, ok: true, missing_credits: 0, unmatched_refunds: 0 },
		errors: [],
	};

	it("alerts on a ledger mismatch and on top-ups Stripe and the ledger disagree about", () => {
		expect(reconcileAlerts(ok)).toEqual({
			scope: ["reconcile_mismatch:ledger", "reconcile_mismatch:top_ups"],
			conditions: [],
		});
		const bad = reconcileAlerts({
			...ok,
			ok: false,
			ledger: { checked: 12, mismatches: 2, credential_ids: ["cred_a", "cred_b"] },
			top_ups: { configured: true, ok: false, missing_credits: 1, unmatched_refunds: 0 },
		});
		expect(bad.conditions.map((c) => c.key)).toEqual([
			"reconcile_mismatch:ledger",
			"reconcile_mismatch:top_ups",
		]);
		expect(bad.conditions[0]?.detail).toContain("2 of 12 accounts");
		// Credential ids are for the dashboard, not the chat channel.
		expect(bad.conditions.map((c) => c.detail).join(" ")).not.toContain("cred_a");
	});

	it("alerts when the ledger reconcile could not run; Stripe unreachable leaves the top-up incident as it was", () => {
		const failed = reconcileAlerts({ ...ok, ok: false, ledger: null, top_ups: null, errors: ["…", "…"] });
		expect(failed.conditions.map((c) => c.key)).toEqual(["reconcile_mismatch:ledger"]);
		expect(failed.scope).toEqual(["reconcile_mismatch:ledger"]);
	});
});

describe("configuration", () => {
	it("reads the ALERT_* vars, with defaults for missing ones and invalid ones", () => {
		expect(thresholdsOf({})).toEqual(T);
		expect(
			thresholdsOf({ ALERT_WINDOW_S: "300", ALERT_ERROR_RATE: "0.1", ALERT_UPSTREAM_MIN_FAILURES: "" }),
		).toEqual({ ...T, window_s: 300, error_rate: 0.1 });
		expect(thresholdsOf({ ALERT_ERROR_RATE: "25%", ALERT_MIN_REQUESTS: "-1", ALERT_WINDOW_S: "0" })).toEqual(
			T,
		);
	});

	it("checks ALERT_WEBHOOK_URL like an upstream URL: https on a public host, or an allowlisted origin", () => {
		const hook = "https://hooks.slack.com/services/T000/B000/XXXX";
		expect(webhookOf({ ALERT_WEBHOOK_URL: "", UPSTREAM_ALLOWLIST: "" })).toEqual({
			url: null,
			refused: null,
		});
		expect(webhookOf({ ALERT_WEBHOOK_URL: hook, UPSTREAM_ALLOWLIST: "" }).url?.href).toBe(hook);
		for (const url of ["http://hooks.slack.com/x", "https://10.0.0.7/hook", "https://metadata.internal/x"])
			expect(webhookOf({ ALERT_WEBHOOK_URL: url, UPSTREAM_ALLOWLIST: "" })).toMatchObject({ url: null });
		const local = "http://127.0.0.1:9999/hooks/x";
		expect(webhookOf({ ALERT_WEBHOOK_URL: local, UPSTREAM_ALLOWLIST: "" }).refused).toContain("https");
		expect(
			webhookOf({ ALERT_WEBHOOK_URL: local, UPSTREAM_ALLOWLIST: "http://127.0.0.1:9999" }).url?.href,
		).toBe(local);
	});
});

describe("messages", () => {
	const row: AlertRow = {
		key: "upstream_down:skycast",
		state: "open",
		detail: "skycast upstream down: 6 of 8 calls failed <b>",
		opened_at: Date.parse("2026-12-06T10:05:00Z"),
		last_seen_at: Date.parse("2026-12-06T10:20:00Z"),
		resolved_at: null,
		notified_at: null,
	};

	it("is Slack-compatible JSON: text for notifications, blocks with the key, the figures and the time", () => {
		const message = messageOf(row);
		expect(message.text).toContain("upstream_down:skycast");
		expect(message.text).toContain("6 of 8 calls failed");
		expect(JSON.stringify(message.blocks)).toContain("2026-12-06 10:05 UTC");
		// Slack markup in a detail is escaped, not interpreted.
		expect(JSON.stringify(message.blocks)).toContain("&lt;b&gt;");
	});

	it("says resolved, with how long the incident lasted", () => {
		const message = messageOf({ ...row, state: "resolved", resolved_at: Date.parse("2026-12-06T10:35:00Z") });
		expect(message.text).toMatch(/resolved upstream_down:skycast/);
		expect(message.text).toContain("30 min");
	});
});
