import { log } from "@penumbra/core/log";
import { pruneMetrics } from "../metrics/prune.ts";
import { metricsReaderOf } from "../metrics/reader.ts";
import { thresholdsOf } from "./config.ts";
import { applyEvaluation } from "./incidents.ts";
import { deliver } from "./notify.ts";
import { runReconcile } from "./reconcile-status.ts";
import { reconcileAlerts, trafficAlerts } from "./rules.ts";

/** Runs one step of a cron run; a failure is logged and the run goes on (one broken part must not mute the rest). */
async function step(name: string, run: () => Promise<unknown>): Promise<void> {
	try {
		await run();
	} catch (error) {
		log("error", `${name} failed`, { error });
	}
}

/**
 * The check every 5 minutes (cron): the traffic rules over the last `ALERT_WINDOW_S` of metrics, then every
 * message still owed (new alerts, resolutions, earlier failed sends). `now_ms` is the cron's scheduled time.
 */
export async function checkAlerts(env: GatewayEnv, now_ms: number): Promise<void> {
	const thresholds = thresholdsOf(env);
	await step("alert evaluation", async () => {
		const report = await metricsReaderOf(env).report({
			since_ms: now_ms - thresholds.window_s * 1000,
			until_ms: now_ms,
			by: "tool",
			bucket_s: thresholds.window_s,
		});
		await applyEvaluation(env.DB, trafficAlerts(report, thresholds), now_ms);
	});
	await step("alert delivery", () => deliver(env, now_ms));
}

/**
 * The daily run (cron `30 3 * * *`): reconcile, keep its result for the admin API, alert on a mismatch; then drop
 * metric points older than the D1 store keeps.
 */
export async function dailyChecks(env: GatewayEnv, now_ms: number): Promise<void> {
	await step("reconcile", async () => {
		const status = await runReconcile(env, now_ms);
		await applyEvaluation(env.DB, reconcileAlerts(status), now_ms);
	});
	await step("alert delivery", () => deliver(env, now_ms));
	await step("metrics pruning", async () => {
		const deleted = await pruneMetrics(env, now_ms);
		if (deleted > 0) log("info", "old metric points deleted", { deleted });
	});
}
