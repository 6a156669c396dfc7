import { swaggerUI } from "@hono/swagger-ui";
import { except } from "hono/combine";
import { reconcile } from "./account/reconcile.ts";
import { createRouter } from "./app-factory.ts";
import { onError, onNotFound } from "./errors.ts";
import { identifyCaller } from "./middleware/auth.ts";
import { requestId } from "./middleware/request-id.ts";
import { platformDocument } from "./openapi.ts";
import { HOURLY, markOverdue, refreshRemoteSpecs } from "./refresh.ts";
import { registryOf } from "./registry.ts";
import { accountRoutes } from "./routes/account.ts";
import { adminRoutes } from "./routes/admin.ts";
import { healthRoutes } from "./routes/health.ts";
import { passthroughRoutes } from "./routes/passthrough.ts";
import { quoteRoutes } from "./routes/quotes.ts";
import { serviceRoutes } from "./routes/services.ts";

const app = createRouter();

app.use("*", requestId());
// Health (for monitors), docs and admin (own token) need no caller.
app.use("*", except(["/v1/health", "/v1/admin/*", "/openapi.json", "/docs"], identifyCaller()));

app.route("/", healthRoutes);
app.route("/", serviceRoutes);
app.route("/", quoteRoutes);
app.route("/", accountRoutes);
app.route("/", adminRoutes);

app.get("/openapi.json", async (c) => {
	const only = c.req.query("service");
	const registry = registryOf(c.env);
	return c.json(await platformDocument(app, registry, new URL(c.req.url).origin, only));
});
app.get("/docs", swaggerUI({ url: "/openapi.json", title: "Penumbra API" }));

app.route("/", passthroughRoutes);

app.onError(onError);
app.notFound(onNotFound);

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

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<GatewayEnv>;
