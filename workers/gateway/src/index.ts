import { reconcile } from "./account/reconcile.ts";
import { app } from "./app.ts";
import { HOURLY, markOverdue, refreshRemoteSpecs } from "./refresh.ts";

/**
 * Cron (wrangler.toml): every 5 minutes flag remote specs that stopped refreshing, hourly refetch them, daily
 * reconcile every balance with the D1 ledger.
 */
async function scheduled(controller: ScheduledController, env: GatewayEnv): Promise<void> {
	const at = new Date(controller.scheduledTime);
	if (controller.cron === HOURLY) await refreshRemoteSpecs(env, { now: at });
	else if (controller.cron === DAILY_RECONCILE) await reconcile(env);
	else await markOverdue(env, at);
}

const DAILY_RECONCILE = "30 3 * * *";

export { AccountDO } from "./account/account.do.ts";
export { GatewayRpc } from "./rpc.ts";

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<GatewayEnv>;
