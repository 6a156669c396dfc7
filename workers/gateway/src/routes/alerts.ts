import { createRoute } from "@hono/zod-openapi";
import { AlertsReportSchema } from "@penumbra/core/contracts";
import { thresholdsOf } from "../alerts/config.ts";
import { listIncidents } from "../alerts/incidents.ts";
import { webhookOf } from "../alerts/notify.ts";
import { lastReconcile } from "../alerts/reconcile-status.ts";
import { createRouter } from "../app-factory.ts";
import { requireAdmin } from "../middleware/admin.ts";
import { problems } from "../schemas.ts";

/** How far back resolved incidents are listed. */
const RECENT_MS = 7 * 24 * 3600_000;

const alertsRoute = createRoute({
	operationId: "alertsReport",
	method: "get",
	path: "/v1/admin/alerts",
	tags: ["admin"],
	summary:
		"Open alerts, those resolved in the last 7 days, the last daily reconcile, and the thresholds in force",
	security: [{ admin: [] }],
	responses: {
		200: { description: "Alerts", content: { "application/json": { schema: AlertsReportSchema } } },
		...problems(401, 403),
	},
});

/** `GET /v1/admin/alerts` (docs/operating.md): what the alert cron found, for the operator dashboard. */
export const alertRoutes = createRouter();
alertRoutes.use("/v1/admin/alerts", requireAdmin());
alertRoutes.openapi(alertsRoute, async (c) => {
	const [incidents, reconcile] = await Promise.all([
		listIncidents(c.env.DB, Date.now() - RECENT_MS),
		lastReconcile(c.env),
	]);
	const webhook = webhookOf(c.env);
	return c.json(
		{
			...incidents,
			reconcile,
			webhook: { configured: webhook.url !== null, refused: webhook.refused },
			thresholds: thresholdsOf(c.env),
		},
		200,
	);
});
