import type { AlertThresholds } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { z } from "zod";

export type AlertsEnv = Pick<
	GatewayEnv,
	| "ALERT_WINDOW_S"
	| "ALERT_MIN_REQUESTS"
	| "ALERT_ERROR_RATE"
	| "ALERT_UPSTREAM_MIN_FAILURES"
	| "ALERT_UPSTREAM_AVAILABILITY"
	| "ALERT_WEBHOOK_FAILURES"
>;

const DEFAULTS: AlertThresholds = {
	window_s: 600,
	min_requests: 20,
	error_rate: 0.25,
	upstream_min_failures: 5,
	upstream_availability: 0.5,
	webhook_failures: 3,
};

const count = z.coerce.number().int().nonnegative();
const positive = z.coerce.number().int().positive();
const share = z.coerce.number().min(0).max(1);

const VARS: { [K in keyof AlertThresholds]: [keyof AlertsEnv, z.ZodType<number>] } = {
	window_s: ["ALERT_WINDOW_S", positive],
	min_requests: ["ALERT_MIN_REQUESTS", count],
	error_rate: ["ALERT_ERROR_RATE", share],
	upstream_min_failures: ["ALERT_UPSTREAM_MIN_FAILURES", positive],
	upstream_availability: ["ALERT_UPSTREAM_AVAILABILITY", share],
	webhook_failures: ["ALERT_WEBHOOK_FAILURES", positive],
};

/**
 * The alert thresholds from the `ALERT_*` vars (wrangler.toml). A missing one takes its default; an invalid one
 * too, logged at error, so a typo weakens one rule instead of stopping every alert.
 */
export function thresholdsOf(env: Partial<AlertsEnv>): AlertThresholds {
	const thresholds = { ...DEFAULTS };
	for (const [field, [name, schema]] of Object.entries(VARS) as [
		keyof AlertThresholds,
		(typeof VARS)["window_s"],
	][]) {
		const raw = env[name];
		if (raw === undefined || raw.trim() === "") continue;
		const parsed = schema.safeParse(raw);
		if (parsed.success) thresholds[field] = parsed.data;
		else log("error", "alert threshold ignored: not a valid value", { var: name, value: raw });
	}
	return thresholds;
}
