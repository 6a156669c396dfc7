// First, before any module makes a contract schema: zod 4 gives each schema its methods when it is made, so
// `.openapi()` (schemas.ts) exists only on schemas made after @hono/zod-openapi extended zod.
import "@hono/zod-openapi";
import { checkAlerts, dailyChecks } from "./alerts/run.ts";
import { app } from "./app.ts";
import { HOURLY, markOverdue, refreshRemoteSpecs } from "./refresh.ts";

/**
 * Cron (wrangler.toml): every 5 minutes check the alert rules and flag remote specs that stopped refreshing, hourly
 * refetch them, daily reconcile every balance with the D1 ledger and top-ups with Stripe (alerts/run.ts).
 */
async function scheduled(controller: ScheduledController, env: GatewayEnv): Promise<void> {
	const at = new Date(controller.scheduledTime);
	if (controller.cron === HOURLY) await refreshRemoteSpecs(env, { now: at });
	else if (controller.cron === DAILY) await dailyChecks(env, controller.scheduledTime);
	else {
		// First: it never throws, so a failing refresh check cannot mute the alerts.
		await checkAlerts(env, controller.scheduledTime);
		await markOverdue(env, at);
	}
}

const DAILY = "30 3 * * *";

export { AccountDO } from "./account/account.do.ts";
export { GatewayRpc } from "./rpc.ts";

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<GatewayEnv>;
