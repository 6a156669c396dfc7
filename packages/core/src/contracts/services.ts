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
/** One dependency check of `GET /v1/health`: the binding it reached, how long it took, and why it failed. */
export const DependencyCheckSchema = z.object({
	ok: z.boolean(),
	binding: z.string().describe("The Worker binding checked, e.g. DB."),
	latency_ms: z.number().int().nonnegative(),
	error: z
		.string()
		.optional()
		.describe(
			'Why it failed, in plain words naming the binding: "binding DB is missing", "D1 binding DB: no answer within 2000 ms".',
		),
});
export type DependencyCheck = z.infer<typeof DependencyCheckSchema>;

/**
 * `GET /v1/health`. `down` (HTTP 503) when a dependency check failed; `degraded` (200) when the gateway works but
 * something needs the operator (stale or refused specs, missing configuration, an empty registry); `ok` (200).
 */
export const HealthSchema = z.object({
	status: z.enum(["ok", "degraded", "down"]),
	/** What made the status other than `ok`, in plain words; empty when ok. */
	reasons: z.array(z.string()).optional(),
	checks: z
		.object({ d1: DependencyCheckSchema, kv: DependencyCheckSchema, durable_object: DependencyCheckSchema })
		.optional()
		.describe(
			"D1 (a query), KV (a read from the registry namespace), a Durable Object round trip; shared for 5 s per isolate.",
		),
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

export const SERVICE_HEALTH_STATUSES = ["up", "degraded", "down", "unknown"] as const;
const ServiceHealthStatus = z.enum(SERVICE_HEALTH_STATUSES);

/**
 * `GET /v1/services/{id}/health`: a provider's state from a probe of its declared cheap operation (the manifest's
 * `health:`) and from the last minutes of real upstream calls; `unknown` when it has neither. `down` answers 503.
 */
export const ServiceHealthSchema = z.object({
	service: z.string(),
	status: ServiceHealthStatus,
	reason: z.string().describe("Why, in plain words naming the service."),
	checked_at: z.string(),
	probe: z
		.object({
			tool: z.string(),
			status: ServiceHealthStatus.exclude(["unknown"]),
			latency_ms: z.number().int().nonnegative(),
			upstream_status: z
				.number()
				.int()
				.nullable()
				.describe("The upstream's HTTP status; null when none came."),
			error: z.string().optional(),
			checked_at: z.string(),
			cached: z.boolean().describe("A recent probe's result (probes run at most every 30 s)."),
		})
		.nullable()
		.describe("null when the provider declares no health probe."),
	traffic: z
		.object({
			window_s: z.number().int().positive(),
			upstream_calls: z.number().int().nonnegative(),
			upstream_failures: z.number().int().nonnegative(),
			upstream_availability: z.number().min(0).max(1).nullable(),
			status: ServiceHealthStatus,
		})
		.nullable()
		.describe("Real upstream calls in the last window; null when metrics cannot be read."),
});
export type ServiceHealth = z.infer<typeof ServiceHealthSchema>;
