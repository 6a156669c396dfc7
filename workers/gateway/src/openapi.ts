import type { OpenAPIHono } from "@hono/zod-openapi";
import type { CompiledService, CompiledTool } from "@penumbra/core/registry";
import type { Registry } from "./registry.ts";
import type { AppEnv } from "./types.ts";

type Document = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

function operation(service: CompiledService, tool: CompiledTool) {
	return {
		operationId: `${service.card.id}.${tool.name}`,
		tags: [service.card.id],
		summary: tool.summary || tool.name,
		description: tool.description,
		...(tool.auth_level !== "anonymous" ? { security: [{ bearer: [] }] } : {}),
		parameters: tool.params.map((p) => ({ name: p.name, in: p.in, required: p.required, schema: p.schema })),
		...(tool.body
			? {
					requestBody: {
						required: tool.body.required,
						content: { [tool.body.contentType]: { schema: tool.body.schema } },
					},
				}
			: {}),
		responses: {
			"200": { description: "The upstream's answer" },
			default: {
				description: "Problem",
				content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
			},
		},
		...(tool.purchase ? { "x-penumbra-purchase": tool.purchase } : {}),
		"x-penumbra-fee-cents": tool.fee_cents,
		"x-penumbra-auth-level": tool.auth_level,
	};
}

/**
 * The platform's own API plus every provider's operations under their transparent-proxy paths
 * (`/{service}/…`), so one document describes the whole platform. `only` limits it to one service.
 */
export async function platformDocument(
	app: OpenAPIHono<AppEnv>,
	registry: Registry,
	origin: string,
	only?: string,
): Promise<Document> {
	const doc = app.getOpenAPI31Document({
		openapi: "3.1.0",
		info: {
			title: "Penumbra",
			version: "0.1.0",
			description:
				"Unified commerce gateway for AI assistants: one key, one balance, every service. Provider operations are listed under `/{service}/…` and can also be run as tools with `POST /v1/services/{id}/tools/{tool}`.",
		},
		servers: [{ url: origin }],
	});
	doc.components = {
		...doc.components,
		securitySchemes: {
			bearer: { type: "http", scheme: "bearer", description: "A unified API key (`unified-…`)." },
			admin: { type: "http", scheme: "bearer", description: "The operator's ADMIN_TOKEN." },
		},
	};
	const index = await registry.index();
	const cards = only ? index.services.filter((s) => s.id === only) : index.services;
	const services = await Promise.all(cards.map((card) => registry.service(card.id)));
	doc.tags = [
		...(doc.tags ?? []),
		...services.map((s) => ({ name: s.card.id, description: `${s.card.name}: ${s.card.description}` })),
	];
	const paths: NonNullable<Document["paths"]> = { ...doc.paths };
	for (const service of services) {
		for (const tool of service.tools) {
			const path = `/${service.card.id}${tool.path}`;
			paths[path] = { ...paths[path], [tool.method]: operation(service, tool) };
		}
	}
	doc.paths = paths;
	return doc;
}
