import { z } from "zod";

/**
 * What the Workers measure (docs/operating.md). One point per gateway request, upstream call, purchase outcome,
 * chat turn and search. In production a point is one Analytics Engine `writeDataPoint`; locally and in tests it is
 * one row of D1 `metric_points`. Both stores answer the same `MetricsReport`.
 */
export const METRIC_KINDS = ["request", "upstream", "purchase", "chat_turn", "search"] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/**
 * `outcome` per kind: request `ok` | `error` (status ≥ 400 the caller caused) | `fault` (status ≥ 500);
 * upstream `ok` | `http_error` (4xx) | `5xx` | `timeout` | `network`; purchase `bought` | `released` | `unknown` |
 * `refused`; chat_turn `done` | `failed` | `paused`; search `found` | `empty`.
 */
export const MetricPointSchema = z.object({
	kind: z.enum(METRIC_KINDS),
	at_ms: z.number().int().nonnegative(),
	service: z.string().max(64).default(""),
	tool: z.string().max(128).default(""),
	/** HTTP status of the answer (request, upstream); 0 when there was none (timeout, network). */
	status: z.number().int().min(0).max(999).default(0),
	outcome: z.string().max(32).default(""),
	/** Who called: `owner` | `agent` | `anonymous` | `admin` | `chat` | `mcp`. */
	caller: z.string().max(16).default(""),
	latency_ms: z.number().nonnegative().default(0),
	/** request: usage fee captured; purchase: amount charged (0 unless `bought`). */
	amount_cents: z.number().int().nonnegative().default(0),
	tokens_in: z.number().int().nonnegative().default(0),
	tokens_out: z.number().int().nonnegative().default(0),
	model_calls: z.number().int().nonnegative().default(0),
	/** search: the query (trimmed, at most 200 characters); nothing else carries free text. */
	text: z.string().max(200).default(""),
	request_id: z.string().max(64).default(""),
});
export type MetricPoint = z.infer<typeof MetricPointSchema>;
export type MetricPointInput = z.input<typeof MetricPointSchema>;

const Rate = z.number().min(0).max(1).nullable().describe("0..1; null when there was nothing to count");
const Ms = z
	.number()
	.nonnegative()
	.nullable()
	.describe("milliseconds; null when there was nothing to measure");

export const MetricsGroupSchema = z.object({
	service: z.string(),
	/** Set when the report is `by=tool`. */
	tool: z.string().nullable(),
	requests: z.number().int(),
	errors: z.number().int(),
	faults: z.number().int(),
	error_rate: Rate,
	p50_ms: Ms,
	p95_ms: Ms,
	upstream_calls: z.number().int(),
	upstream_failures: z.number().int().describe("5xx, timeouts and network failures"),
	upstream_timeouts: z.number().int(),
	upstream_availability: Rate,
	upstream_p50_ms: Ms,
	purchases: z.object({
		bought: z.number().int(),
		released: z.number().int(),
		unknown: z.number().int(),
		refused: z.number().int(),
	}),
	revenue_cents: z.number().int().describe("purchases bought plus usage fees captured"),
});
export type MetricsGroup = z.infer<typeof MetricsGroupSchema>;

export const MetricsBucketSchema = z.object({
	t: z.string().describe("bucket start, ISO 8601"),
	requests: z.number().int(),
	errors: z.number().int(),
	p50_ms: Ms,
	p95_ms: Ms,
	revenue_cents: z.number().int(),
});

export const MetricsReportSchema = z.object({
	since: z.string(),
	until: z.string(),
	by: z.enum(["service", "tool"]),
	store: z.enum(["d1", "analytics-engine"]),
	bucket_s: z.number().int().positive(),
	totals: MetricsGroupSchema.omit({ service: true, tool: true }).extend({
		searches: z.number().int(),
		empty_searches: z.number().int(),
	}),
	groups: z.array(MetricsGroupSchema),
	/** Per service, one bucket per `bucket_s` from `since` to `until` (empty buckets included, zeros). */
	series: z.array(z.object({ service: z.string(), buckets: z.array(MetricsBucketSchema) })),
	top_empty_searches: z.array(z.object({ query: z.string(), count: z.number().int() })),
	chat: z.object({
		turns: z.number().int(),
		failed: z.number().int(),
		model_calls: z.number().int(),
		tokens_in: z.number().int(),
		tokens_out: z.number().int(),
		p50_ms: Ms,
		p95_ms: Ms,
	}),
});
export type MetricsReport = z.infer<typeof MetricsReportSchema>;
