import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../app-factory.ts";
import { backgroundOf } from "../background.ts";
import { gatewayHealth } from "../health/gateway-health.ts";
import { serviceHealth } from "../health/service-health.ts";
import { registryOf } from "../registry.ts";
import { HealthSchema, problems, ServiceHealthSchema, ServiceIdParam } from "../schemas.ts";

const gatewayRoute = createRoute({
	operationId: "getHealth",
	method: "get",
	path: "/v1/health",
	tags: ["system"],
	summary: "Gateway status: D1, KV and Durable Object checks, service count and registry freshness",
	description:
		"`ok` and `degraded` answer 200; `down` (a dependency check failed, named in `reasons` and `checks`) answers 503.",
	responses: {
		200: { description: "ok or degraded", content: { "application/json": { schema: HealthSchema } } },
		503: { description: "down", content: { "application/json": { schema: HealthSchema } } },
	},
});

const serviceRoute = createRoute({
	operationId: "getServiceHealth",
	method: "get",
	path: "/v1/services/{id}/health",
	tags: ["services"],
	summary: "A provider's health: its declared probe and its last minutes of upstream calls",
	description:
		"`up`, `degraded` and `unknown` answer 200, `down` answers 503. The probe runs at most every 30 s per service; a recent result is served with `cached: true`.",
	request: { params: z.object({ id: ServiceIdParam }) },
	responses: {
		200: {
			description: "up, degraded or unknown",
			content: { "application/json": { schema: ServiceHealthSchema } },
		},
		503: { description: "down", content: { "application/json": { schema: ServiceHealthSchema } } },
		...problems(400, 404, 429),
	},
});

export const healthRoutes = createRouter()
	.openapi(gatewayRoute, async (c) => {
		const { health, httpStatus } = await gatewayHealth(c.env);
		return httpStatus === 503 ? c.json(health, 503) : c.json(health, 200);
	})
	.openapi(serviceRoute, async (c) => {
		const service = await registryOf(c.env).service(c.req.valid("param").id);
		const { health, httpStatus } = await serviceHealth(c.env, service, backgroundOf(c));
		return httpStatus === 503 ? c.json(health, 503) : c.json(health, 200);
	});
