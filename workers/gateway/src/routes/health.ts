import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../app-factory.ts";
import { missingConfig } from "../middleware/config.ts";
import { registryOf } from "../registry.ts";
import { HealthSchema } from "../schemas.ts";

const route = createRoute({
	operationId: "getHealth",
	method: "get",
	path: "/v1/health",
	tags: ["system"],
	summary: "Gateway status, service count and registry freshness",
	responses: {
		200: {
			description: "Status",
			content: {
				"application/json": {
					schema: HealthSchema,
				},
			},
		},
	},
});

export const healthRoutes = createRouter().openapi(route, async (c) => {
	const index = await registryOf(c.env).index();
	const stale = index.services.filter((s) => s.stale).map((s) => s.id);
	const refused = index.policy_refused ?? [];
	const missing = missingConfig(c.env);
	const ok = index.services.length > 0 && stale.length === 0 && refused.length === 0 && missing.length === 0;
	return c.json(
		{
			status: ok ? ("ok" as const) : ("degraded" as const),
			services: index.services.length,
			registry: {
				built_at: index.built_at,
				refreshed_at: index.refreshed_at ?? null,
				age_seconds: Math.max(0, Math.round((Date.now() - Date.parse(index.built_at)) / 1000)),
				stale_services: stale,
				policy_refused: refused,
			},
			missing_config: missing,
			time: new Date().toISOString(),
		},
		200,
	);
});
