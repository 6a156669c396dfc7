import { createRoute, z } from "@hono/zod-openapi";
import type { CompiledService, CompiledTool } from "@penumbra/core/registry";
import { cachedServiceSearch } from "@penumbra/core/search";
import { createRouter } from "../app-factory.ts";
import { backgroundOf } from "../background.ts";
import { executeTool } from "../execute.ts";
import { assertLive } from "../liveness.ts";
import { noteTool, recordSearch } from "../metrics/record.ts";
import { requestTraceOf } from "../middleware/request-id.ts";
import { publicInputSchema, purchase } from "../purchase.ts";
import { registryOf } from "../registry.ts";
import {
	problems,
	SearchAnswerSchema,
	ServiceCardSchema,
	ServiceIdParam,
	ToolCallResultSchema,
	ToolSchema,
} from "../schemas.ts";

function toolView(tool: CompiledTool) {
	return {
		name: tool.name,
		summary: tool.summary,
		description: tool.description,
		method: tool.method.toUpperCase(),
		path: tool.path,
		input_schema: publicInputSchema(tool),
		fee_cents: tool.fee_cents,
		auth_level: tool.auth_level,
		purchase: tool.purchase ?? null,
	};
}

/** Where a service's spec comes from and how fresh it is; never the stored manifest. */
function sourceView(service: CompiledService) {
	if (service.spec.kind === "file") return { kind: "file" as const };
	const { url, checked_at, refreshed_at, last_error } = service.spec;
	return {
		kind: "url" as const,
		url,
		...(checked_at ? { checked_at } : {}),
		...(refreshed_at ? { refreshed_at } : {}),
		...(last_error ? { last_error } : {}),
	};
}

const listServices = createRoute({
	operationId: "listServices",
	method: "get",
	path: "/v1/services",
	tags: ["services"],
	summary: "List services, optionally in one category, a page at a time",
	request: {
		query: z.object({
			category: z.string().max(64).optional(),
			limit: z.coerce.number().int().min(1).max(500).default(100),
			cursor: z
				.string()
				.regex(/^\d{1,7}$/, "use the next_cursor of the previous page")
				.optional(),
		}),
	},
	responses: {
		200: {
			description: "Services",
			content: {
				"application/json": {
					schema: z.object({
						services: z.array(ServiceCardSchema),
						count: z.number().int().openapi({ description: "All services matching, across pages" }),
						categories: z.array(z.string()),
						next_cursor: z.string().nullable(),
					}),
				},
			},
		},
	},
});

const searchServices = createRoute({
	operationId: "searchServices",
	method: "get",
	path: "/v1/search",
	tags: ["services"],
	summary: "Find services by what the user wants, in plain words (typos corrected, concepts expanded)",
	request: {
		query: z.object({
			q: z.string().trim().min(1).max(200).openapi({ example: "order some food" }),
			category: z.string().max(64).optional(),
			limit: z.coerce.number().int().min(1).max(20).default(5),
		}),
	},
	responses: {
		200: {
			description: "Ranked services, best first",
			content: {
				"application/json": {
					schema: SearchAnswerSchema,
				},
			},
		},
		...problems(400, 429),
	},
});

const getService = createRoute({
	operationId: "getService",
	method: "get",
	path: "/v1/services/{id}",
	tags: ["services"],
	summary: "One service's card and tool names",
	request: { params: z.object({ id: ServiceIdParam }) },
	responses: {
		200: {
			description: "Service",
			content: {
				"application/json": {
					schema: z.object({
						service: ServiceCardSchema,
						source: z.object({
							kind: z.enum(["file", "url"]),
							url: z.string().optional(),
							checked_at: z.string().optional(),
							refreshed_at: z.string().optional(),
							last_error: z.string().optional(),
						}),
						tools: z.array(z.object({ name: z.string(), summary: z.string(), purchase: z.boolean() })),
					}),
				},
			},
		},
		...problems(400, 404),
	},
});

const listTools = createRoute({
	operationId: "listTools",
	method: "get",
	path: "/v1/services/{id}/tools",
	tags: ["services"],
	summary: "A service's tools with compact input schemas, fees and purchase flags",
	request: { params: z.object({ id: ServiceIdParam }) },
	responses: {
		200: {
			description: "Tools",
			content: {
				"application/json": { schema: z.object({ service: z.string(), tools: z.array(ToolSchema) }) },
			},
		},
		...problems(400, 404),
	},
});

const executeRoute = createRoute({
	operationId: "executeTool",
	method: "post",
	path: "/v1/services/{id}/tools/{tool}",
	tags: ["services"],
	summary: "Execute a tool",
	description:
		"Validates `parameters` against the tool's input schema, calls the upstream with the provider's own credential, and returns its answer (sensitive fields redacted). Purchase tools need a `quote_id` from POST /v1/quotes and return a receipt; retrying with the same quote returns the same receipt.",
	security: [{ bearer: [] }],
	request: {
		params: z.object({
			id: ServiceIdParam,
			tool: z
				.string()
				.regex(/^[A-Za-z0-9_.-]{1,64}$/)
				.openapi({ param: { name: "tool", in: "path" }, example: "get_current_conditions" }),
		}),
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.object({
						parameters: z.record(z.string(), z.unknown()).default({}),
						quote_id: z
							.string()
							.max(120)
							.optional()
							.openapi({ description: "For purchase tools: the quote from POST /v1/quotes to buy with." }),
					}),
				},
			},
		},
	},
	responses: {
		200: {
			description: "The upstream's answer",
			content: {
				"application/json": {
					schema: ToolCallResultSchema,
				},
			},
		},
		...problems(400, 401, 402, 403, 404, 409, 410, 413, 429, 502, 503, 504),
	},
});

export const serviceRoutes = createRouter()
	.openapi(listServices, async (c) => {
		const { category, limit, cursor } = c.req.valid("query");
		const index = await registryOf(c.env).index();
		const matching = category ? index.services.filter((s) => s.category === category) : index.services;
		const categories = [...new Set(index.services.map((s) => s.category))].sort();
		const start = cursor ? Number(cursor) : 0;
		const end = start + limit;
		return c.json(
			{
				services: matching.slice(start, end),
				count: matching.length,
				categories,
				next_cursor: end < matching.length ? String(end) : null,
			},
			200,
		);
	})
	.openapi(searchServices, async (c) => {
		const { q, category, limit } = c.req.valid("query");
		const search = await cachedServiceSearch(c.env.REGISTRY, c.env.REGISTRY_CACHE_SECONDS, backgroundOf(c));
		if (!search) {
			recordSearch(c, q, false);
			return c.json(
				{
					query: q,
					results: [],
					corrected: [],
					expanded: [],
					categories: [],
					empty_reason: "empty_registry" as const,
					hint: "No services are registered yet.",
				},
				200,
			);
		}
		const answer = search.search(q, { limit, ...(category ? { category } : {}) });
		recordSearch(c, q, answer.results.length > 0);
		return c.json(answer, 200);
	})
	.openapi(getService, async (c) => {
		const service = await registryOf(c.env).service(c.req.valid("param").id);
		return c.json(
			{
				service: service.card,
				source: sourceView(service),
				tools: service.tools.map((t) => ({
					name: t.name,
					summary: t.summary,
					purchase: t.purchase !== undefined,
				})),
			},
			200,
		);
	})
	.openapi(listTools, async (c) => {
		const service = await registryOf(c.env).service(c.req.valid("param").id);
		return c.json({ service: service.card.id, tools: service.tools.map(toolView) }, 200);
	})
	.openapi(executeRoute, async (c) => {
		const { id, tool: toolName } = c.req.valid("param");
		const { parameters, quote_id: quoteId } = c.req.valid("json");
		const { service, tool } = await registryOf(c.env).tool(id, toolName);
		const metrics = noteTool(c, service.card.id, tool.name);
		// A quote id always goes the purchase way, so one given to another tool is refused, never ignored.
		if (quoteId) {
			await assertLive(c.env, c.get("caller"));
			return c.json(
				await purchase(
					c.env,
					c.get("caller"),
					service,
					tool,
					parameters,
					quoteId,
					requestTraceOf(c),
					metrics,
				),
				200,
			);
		}
		const result = await executeTool(
			c.env,
			c.get("caller"),
			service,
			tool,
			parameters,
			requestTraceOf(c),
			metrics,
		);
		return c.json(result, 200);
	});
