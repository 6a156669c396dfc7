import { swaggerUI } from "@hono/swagger-ui";
import { answeringRequest } from "@penumbra/core/search";
import { createRouter } from "./app-factory.ts";
import { onError, onNotFound } from "./errors.ts";
import { recordRequests } from "./metrics/record.ts";
import { identifyCaller } from "./middleware/auth.ts";
import { requireConfig } from "./middleware/config.ts";
import { requestId } from "./middleware/request-id.ts";
import { unless } from "./middleware/unless.ts";
import { platformDocument } from "./openapi.ts";
import { registryOf } from "./registry.ts";
import { accountRoutes } from "./routes/account.ts";
import { adminRoutes } from "./routes/admin.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { authRoutes } from "./routes/auth.ts";
import { devRoutes } from "./routes/dev.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { operatorRoutes } from "./routes/operator.ts";
import { passthroughRoutes } from "./routes/passthrough.ts";
import { quoteRoutes } from "./routes/quotes.ts";
import { serviceRoutes } from "./routes/services.ts";
import { topUpRoutes } from "./routes/top-ups.ts";

/** The gateway's HTTP API: served publicly by `fetch` and, with the caller already known, by the RPC entrypoint. */
export const app = createRouter();

// Counted while it is answered: a background reload of the search index works between requests (core/search/quiet.ts).
app.use("*", (_c, next) => answeringRequest(next));
app.use("*", requestId());
// One metric point per request, written after it answered and never awaited (docs/operating.md).
app.use("*", recordRequests());
// A deployment missing a required secret fails every request naming it; health reports it (middleware/config.ts).
app.use("*", unless(["/v1/health", "/openapi.json", "/docs"], requireConfig()));
// Health (for monitors), docs, admin (own token), sign-in (rate limited in its router) and Stripe's webhook (its
// signature) need no caller; the dev routes check the environment first and identify the caller themselves.
app.use(
	"*",
	unless(
		["/v1/health", "/v1/admin/*", "/v1/auth/*", "/v1/dev/*", "/v1/webhooks/*", "/openapi.json", "/docs"],
		identifyCaller(),
	),
);

app.route("/", healthRoutes);
// Guarded by its own requireAdmin (mounted before the admin routes, whose guard would otherwise run too).
app.route("/", metricsRoutes);
app.route("/", serviceRoutes);
app.route("/", quoteRoutes);
app.route("/", topUpRoutes);
app.route("/", alertRoutes);
app.route("/", accountRoutes);
app.route("/", adminRoutes);
// After the admin routes: their requireAdmin guards every /v1/admin/* route mounted after it.
app.route("/", operatorRoutes);
app.route("/", authRoutes);
app.route("/", devRoutes);

app.get("/openapi.json", async (c) => {
	const only = c.req.query("service");
	const registry = registryOf(c.env);
	return c.json(await platformDocument(app, registry, new URL(c.req.url).origin, only));
});
app.get("/docs", swaggerUI({ url: "/openapi.json", title: "Penumbra API" }));

app.route("/", passthroughRoutes);

app.onError(onError);
app.notFound(onNotFound);
