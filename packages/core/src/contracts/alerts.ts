import { z } from "zod";

/**
 * Operator alerts (docs/operating.md): what the gateway's cron watches, and what `GET /v1/admin/alerts` answers
 * (the operator dashboard reads it). An incident's key is `<rule>:<subject>`, e.g. `upstream_down:skycast`.
 */
export const ALERT_RULES = ["error_rate", "upstream_down", "stripe_webhook", "reconcile_mismatch"] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

const iso = z.string().describe("ISO 8601");

export const AlertIncidentSchema = z.object({
	key: z.string(),
	rule: z.enum(ALERT_RULES),
	/** The service (`error_rate`, `upstream_down`), `stripe` (`stripe_webhook`), `ledger` or `top_ups` (reconcile). */
	subject: z.string(),
	state: z.enum(["open", "resolved"]),
	/** What was last seen, in plain words (figures and thresholds; never a key or secret). */
	detail: z.string(),
	opened_at: iso,
	last_seen_at: iso,
	resolved_at: iso.nullable(),
	/** When the last message (alert, or resolved) reached the webhook; null while one is still to be sent. */
	notified_at: iso.nullable(),
});
export type AlertIncident = z.infer<typeof AlertIncidentSchema>;

/** The thresholds in force (wrangler.toml `ALERT_*` vars). */
export const AlertThresholdsSchema = z.object({
	window_s: z.number().int().positive(),
	min_requests: z.number().int().nonnegative(),
	error_rate: z.number().min(0).max(1),
	upstream_min_failures: z.number().int().positive(),
	upstream_availability: z.number().min(0).max(1),
	webhook_failures: z.number().int().positive(),
});
export type AlertThresholds = z.infer<typeof AlertThresholdsSchema>;

/** The last daily reconcile (balances against the D1 ledger, top-ups against Stripe). */
export const ReconcileStatusSchema = z.object({
	at: iso,
	ok: z.boolean().describe("both parts ran and found nothing wrong"),
	/** Null when the ledger reconcile could not run (see `errors`). */
	ledger: z
		.object({
			checked: z.number().int(),
			mismatches: z.number().int(),
			/** The first mismatched credentials (`penumbra reconcile` shows the rest). */
			credential_ids: z.array(z.string()),
		})
		.nullable(),
	/** Null when the top-up reconcile could not run (Stripe unreachable: see `errors`). */
	top_ups: z
		.object({
			configured: z.boolean(),
			ok: z.boolean(),
			missing_credits: z.number().int(),
			unmatched_refunds: z.number().int(),
		})
		.nullable(),
	errors: z.array(z.string()),
});
export type ReconcileStatus = z.infer<typeof ReconcileStatusSchema>;

export const AlertsReportSchema = z.object({
	open: z.array(AlertIncidentSchema),
	/** Resolved incidents of the last 7 days, newest first (at most 50). */
	recent: z.array(AlertIncidentSchema),
	reconcile: ReconcileStatusSchema.nullable(),
	/** Whether ALERT_WEBHOOK_URL is set and allowed; without it alerts are only logged. */
	webhook: z.object({ configured: z.boolean(), refused: z.string().nullable() }),
	thresholds: AlertThresholdsSchema,
});
export type AlertsReport = z.infer<typeof AlertsReportSchema>;
