import { z } from "zod";
import { AuthLevelSchema } from "./identity.ts";

/** What discovery needs about a service; the registry index holds one per service. */
export const ServiceCardSchema = z.object({
	id: z.string(),
	name: z.string(),
	description: z.string(),
	category: z.string(),
	tags: z.array(z.string()),
	flow: z.string().optional(),
	pricing_model: z.string().optional(),
	typical_response_time: z.string().optional(),
	requires_auth: z.boolean(),
	has_purchases: z.boolean(),
	tool_count: z.number().int(),
	fees: z.object({ min_cents: z.number().int(), max_cents: z.number().int() }),
	stale: z.boolean().describe("The last refresh of a remote spec failed and an older version is served."),
	updated_at: z.string(),
});
export type ServiceCard = z.infer<typeof ServiceCardSchema>;

const JsonSchemaObject = z.record(z.string(), z.unknown());

/** One tool of a service as callers see it (`GET /v1/services/{id}/tools`). */
export const ToolViewSchema = z.object({
	name: z.string(),
	summary: z.string(),
	description: z.string(),
	method: z.string(),
	path: z.string(),
	input_schema: JsonSchemaObject,
	fee_cents: z.number().int(),
	auth_level: AuthLevelSchema,
	purchase: z
		.object({
			kind: z.enum(["precheck", "purchase"]),
			precheck: z.string().optional(),
			request_amount_path: z
				.string()
				.optional()
				.describe(
					"A payment: the JSONPath of the amount (cents) in this tool's own parameters; no precheck.",
				),
			request_currency_path: z.string().optional(),
			amount_path: z.string().optional(),
			transaction_id_path: z.string().optional(),
		})
		.nullable(),
});
export type ToolView = z.infer<typeof ToolViewSchema>;

export const ToolListSchema = z.object({ service: z.string(), tools: z.array(ToolViewSchema) });
export type ToolList = z.infer<typeof ToolListSchema>;

/** One service found by search, and why it matched. */
export const SearchResultSchema = z.object({
	id: z.string(),
	name: z.string(),
	category: z.string(),
	description: z.string().describe("At most 160 characters."),
	why: z.array(z.string()).describe(`Why it matched, in words: 'name matches "fooddash"'.`),
	price: z.string(),
	requires_auth: z.boolean(),
	has_purchases: z.boolean(),
	tools: z.array(z.object({ name: z.string(), summary: z.string(), purchase: z.boolean() })),
	score: z.number(),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

/** A search's answer: ranked results, the corrections and expansions applied, and what to try when empty. */
export const SearchAnswerSchema = z.object({
	query: z.string(),
	results: z.array(SearchResultSchema),
	corrected: z.array(z.object({ from: z.string(), to: z.string() })),
	expanded: z.array(z.object({ from: z.string(), to: z.array(z.string()) })),
	categories: z.array(z.string()),
	empty_reason: z.enum(["nothing_matched", "unknown_category", "empty_registry"]).optional(),
	hint: z.string().optional(),
});
export type SearchAnswer = z.infer<typeof SearchAnswerSchema>;

/** `GET /v1/health`: the gateway's status and how fresh its registry is. */
export const HealthSchema = z.object({
	status: z.enum(["ok", "degraded"]),
	services: z.number().int(),
	registry: z.object({
		built_at: z.string(),
		refreshed_at: z.string().nullable(),
		age_seconds: z.number().int(),
		stale_services: z.array(z.string()),
		policy_refused: z
			.array(z.string())
			.describe(
				"Remote-spec services whose refreshed spec tried to raise a fee, lower an auth level or change purchase flags beyond the operator's seeded build; refused, the seeded values are served.",
			),
	}),
	missing_config: z
		.array(z.string())
		.optional()
		.describe(
			"Required secrets and vars this deployment lacks (QUOTE_SIGNING_KEY, ADMIN_TOKEN, WEB_URL); every other request fails naming them until they are set.",
		),
	time: z.string(),
});
export type Health = z.infer<typeof HealthSchema>;
