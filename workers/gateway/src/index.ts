import { log } from "@penumbra/core/log";
import { reconcile } from "./account/reconcile.ts";
import { reconcileTopUps } from "./account/reconcile-top-ups.ts";
import { app } from "./app.ts";
import { HOURLY, markOverdue, refreshRemoteSpecs } from "./refresh.ts";

/**
 * Cron (wrangler.toml): every 5 minutes flag remote specs that stopped refreshing, hourly refetch them, daily
 * reconcile every balance with the D1 ledger.
 */
async function scheduled(controller: ScheduledController, env: GatewayEnv): Promise<void> {
	const at = new Date(controller.scheduledTime);
	if (controller.cron === HOURLY) await refreshRemoteSpecs(env, { now: at });
	else if (controller.cron === DAILY_RECONCILE) {
		await reconcile(env);
		// The last two days of top-ups against Stripe (a mismatch is logged at error); Stripe down waits for tomorrow.
		const until = controller.scheduledTime;
		await reconcileTopUps(env, { since: until - 2 * 24 * 3600_000, until }).catch((error: unknown) =>
			log("error", "top-up reconciliation failed", { error }),
		);
	} else await markOverdue(env, at);
}

const DAILY_RECONCILE = "30 3 * * *";

export { AccountDO } from "./account/account.do.ts";
export { GatewayRpc } from "./rpc.ts";

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<GatewayEnv>;
