import type { AlertRule, AlertThresholds, MetricsReport, ReconcileStatus } from "@penumbra/core/contracts";

/**
 * The alert rules (docs/operating.md): pure functions from what was measured to the conditions that hold now. The
 * cron turns conditions into incidents (incidents.ts); these only decide.
 */

/** A condition that holds now: `key` is `<rule>:<subject>`, one incident per key. */
export interface AlertCondition {
	key: string;
	rule: AlertRule;
	subject: string;
	severity: "warn" | "error";
	/** Plain words with the figures and the threshold; never a key or secret. */
	detail: string;
}

/**
 * What one evaluation found, and what it speaks for: `scope` are key prefixes it checked, so an open incident under
 * one of them that is not among `conditions` has cleared; incidents outside it are left as they are.
 */
export interface Evaluation {
	scope: string[];
	conditions: AlertCondition[];
}

/** Stripe's webhook as the gateway records its requests: service `gateway`, tool `<METHOD> <route pattern>`. */
export const STRIPE_WEBHOOK = { service: "gateway", tool: "POST /v1/webhooks/stripe" } as const;

interface ServiceFigures {
	requests: number;
	faults: number;
	upstream_calls: number;
	upstream_failures: number;
	upstream_timeouts: number;
}

/** Counts per service, summed over the report's groups (counts add up whether it is by service or by tool). */
function perService(report: MetricsReport): Map<string, ServiceFigures> {
	const services = new Map<string, ServiceFigures>();
	for (const group of report.groups) {
		if (group.service === "") continue;
		const sum = services.get(group.service) ?? {
			requests: 0,
			faults: 0,
			upstream_calls: 0,
			upstream_failures: 0,
			upstream_timeouts: 0,
		};
		sum.requests += group.requests;
		sum.faults += group.faults;
		sum.upstream_calls += group.upstream_calls;
		sum.upstream_failures += group.upstream_failures;
		sum.upstream_timeouts += group.upstream_timeouts;
		services.set(group.service, sum);
	}
	return services;
}

function percent(share: number): string {
	return `${Math.round(share * 1000) / 10}%`;
}

/** "10 min", or "90 s" when the window is not whole minutes. */
export function windowText(window_s: number): string {
	return window_s % 60 === 0 ? `${window_s / 60} min` : `${window_s} s`;
}

/** How loud each rule is in the logs: a webhook refusal can be anyone posting junk; the rest is broken service. */
export const SEVERITY: Record<AlertRule, "warn" | "error"> = {
	error_rate: "error",
	upstream_down: "error",
	stripe_webhook: "warn",
	reconcile_mismatch: "error",
};

function condition(rule: AlertRule, subject: string, detail: string): AlertCondition {
	return { key: `${rule}:${subject}`, rule, subject, severity: SEVERITY[rule], detail };
}

/**
 * Per service: at least `min_requests` requests in the window and at least `error_rate` of them answered 5xx (the
 * gateway's or the upstream's fault; a caller's 4xx is not the operator's problem).
 */
export function errorRateAlerts(report: MetricsReport, t: AlertThresholds): AlertCondition[] {
	const found: AlertCondition[] = [];
	for (const [service, f] of perService(report)) {
		if (f.requests === 0 || f.requests < t.min_requests) continue;
		const share = f.faults / f.requests;
		if (share < t.error_rate) continue;
		found.push(
			condition(
				"error_rate",
				service,
				`${service}: ${f.faults} of ${f.requests} requests (${percent(share)}) answered 5xx in the last ${windowText(t.window_s)} (alert at ${percent(t.error_rate)} over at least ${t.min_requests} requests)`,
			),
		);
	}
	return found;
}

/**
 * Per service, a sustained upstream failure: at least `upstream_min_failures` calls failed (5xx, timeout, network)
 * and fewer than `upstream_availability` of all calls succeeded, in the window. One failure among many successes,
 * or a lone failed call, is not an outage.
 */
export function upstreamDownAlerts(report: MetricsReport, t: AlertThresholds): AlertCondition[] {
	const found: AlertCondition[] = [];
	for (const [service, f] of perService(report)) {
		if (f.upstream_calls === 0 || f.upstream_failures < t.upstream_min_failures) continue;
		const availability = (f.upstream_calls - f.upstream_failures) / f.upstream_calls;
		if (availability >= t.upstream_availability) continue;
		const timeouts = f.upstream_timeouts > 0 ? ` (${f.upstream_timeouts} timed out)` : "";
		found.push(
			condition(
				"upstream_down",
				service,
				`${service} upstream down: ${f.upstream_failures} of ${f.upstream_calls} calls failed${timeouts} in the last ${windowText(t.window_s)}, availability ${percent(availability)} (alert below ${percent(t.upstream_availability)} with at least ${t.upstream_min_failures} failures)`,
			),
		);
	}
	return found;
}

/**
 * Stripe's webhook answered ≥ 400 at least `webhook_failures` times in the window: top-ups are not being credited
 * (Stripe retries, but a wrong signing secret fails every delivery). Needs a report by tool.
 */
export function stripeWebhookAlerts(report: MetricsReport, t: AlertThresholds): AlertCondition[] {
	const groups = report.groups.filter(
		(g) => g.service === STRIPE_WEBHOOK.service && g.tool === STRIPE_WEBHOOK.tool,
	);
	const rejected = groups.reduce((n, g) => n + g.errors, 0);
	const failed = groups.reduce((n, g) => n + g.faults, 0);
	if (rejected + failed < t.webhook_failures) return [];
	const requests = groups.reduce((n, g) => n + g.requests, 0);
	return [
		condition(
			"stripe_webhook",
			"stripe",
			`Stripe webhook: ${rejected + failed} of ${requests} deliveries answered an error in the last ${windowText(t.window_s)} (${rejected} refused with 4xx, ${failed} failed with 5xx; alert at ${t.webhook_failures})`,
		),
	];
}

/**
 * The traffic rules over one report of the window (by tool, so the webhook's route is visible). A service's error
 * rate is not reported while its upstream is down.
 */
export function trafficAlerts(report: MetricsReport, t: AlertThresholds): Evaluation {
	const scope = ["error_rate:", "upstream_down:"];
	const down = upstreamDownAlerts(report, t);
	// A service whose upstream is down answers 5xx because of it: one incident (upstream down) says it all.
	const explained = new Set(down.map((c) => c.subject));
	const conditions = [...errorRateAlerts(report, t).filter((c) => !explained.has(c.subject)), ...down];
	if (report.by === "tool") {
		scope.push("stripe_webhook:");
		conditions.push(...stripeWebhookAlerts(report, t));
	}
	return { scope, conditions };
}

/**
 * The daily reconcile: the ledger (balances against D1) and the top-ups (against Stripe). A ledger reconcile that
 * could not run alerts too (nobody checked the money); a top-up reconcile that could not reach Stripe leaves its
 * incident as it was until tomorrow's run.
 */
export function reconcileAlerts(status: ReconcileStatus): Evaluation {
	const conditions: AlertCondition[] = [];
	const { ledger, top_ups: topUps } = status;
	if (ledger === null)
		conditions.push(condition("reconcile_mismatch", "ledger", "Ledger reconcile could not run"));
	else if (ledger.mismatches > 0)
		conditions.push(
			condition(
				"reconcile_mismatch",
				"ledger",
				`Ledger reconcile: ${ledger.mismatches} of ${ledger.checked} accounts do not match the D1 ledger (\`penumbra reconcile\` lists them)`,
			),
		);
	if (topUps && !topUps.ok)
		conditions.push(
			condition(
				"reconcile_mismatch",
				"top_ups",
				`Top-up reconcile against Stripe: ${topUps.missing_credits} paid Checkout Sessions not credited, ${topUps.unmatched_refunds} refunds not matching the ledger`,
			),
		);
	const scope =
		topUps === null
			? ["reconcile_mismatch:ledger"]
			: ["reconcile_mismatch:ledger", "reconcile_mismatch:top_ups"];
	return { scope, conditions };
}
