import { type ReconcileStatus, ReconcileStatusSchema } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { reconcile } from "../account/reconcile.ts";
import { reconcileTopUps } from "../account/reconcile-top-ups.ts";

/** Where the last daily reconcile is kept for the admin API (REGISTRY KV; docs/storage.md). */
export const RECONCILE_STATUS_KEY = "alerts:reconcile:last";
/** Mismatched credentials listed in the status; the CLI's `penumbra reconcile` shows them all. */
const LISTED = 20;
/** The top-up reconcile looks back this far (a webhook Stripe retried late is still in range the next day). */
const TOP_UP_LOOKBACK_MS = 2 * 24 * 3600_000;

/**
 * The daily reconcile (every balance against the D1 ledger, the last two days of top-ups against Stripe), kept in KV
 * as the last result. A part that cannot run is null with a reason in `errors`; Stripe down waits for tomorrow.
 */
export async function runReconcile(env: GatewayEnv, now_ms: number): Promise<ReconcileStatus> {
	const errors: string[] = [];
	const ledger = await reconcile(env).then(
		(result) => ({
			checked: result.checked,
			mismatches: result.mismatches.length,
			credential_ids: result.mismatches.slice(0, LISTED).map((row) => row.credential_id),
		}),
		(error: unknown) => {
			log("error", "ledger reconciliation failed", { error });
			errors.push("The ledger reconcile failed to run (the gateway's log has the error).");
			return null;
		},
	);
	const topUps = await reconcileTopUps(env, { since: now_ms - TOP_UP_LOOKBACK_MS, until: now_ms }).then(
		(result) => ({
			configured: result.configured,
			ok: result.ok,
			missing_credits: result.missing_credits.length,
			unmatched_refunds: result.unmatched_refunds.length,
		}),
		(error: unknown) => {
			log("error", "top-up reconciliation failed", { error });
			errors.push("The top-up reconcile could not run against Stripe (retried tomorrow).");
			return null;
		},
	);
	const status: ReconcileStatus = {
		at: new Date(now_ms).toISOString(),
		ok: ledger?.mismatches === 0 && topUps?.ok === true,
		ledger,
		top_ups: topUps,
		errors,
	};
	await env.REGISTRY.put(RECONCILE_STATUS_KEY, JSON.stringify(status));
	return status;
}

/** The last daily reconcile, or null before the first one (or if what is stored no longer parses). */
export async function lastReconcile(env: Pick<GatewayEnv, "REGISTRY">): Promise<ReconcileStatus | null> {
	const stored = await env.REGISTRY.get(RECONCILE_STATUS_KEY, "json");
	if (stored === null) return null;
	const parsed = ReconcileStatusSchema.safeParse(stored);
	return parsed.success ? parsed.data : null;
}
