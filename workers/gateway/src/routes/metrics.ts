import { createRoute, z } from "@hono/zod-openapi";
import { MetricsReportSchema } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { createRouter } from "../app-factory.ts";
import { bucketStarts, type MetricsQuery, metricsReaderOf } from "../metrics/reader.ts";
import { requireAdmin } from "../middleware/admin.ts";
import { problems } from "../schemas.ts";

const HOUR_MS = 3600_000;
const MAX_RANGE_MS = 31 * 24 * HOUR_MS;
const MAX_BUCKETS = 1000;
/** Default bucket sizes, smallest first: the first that gives at most 120 buckets is used. */
const NICE_BUCKETS_S = [10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400];
const DEFAULT_BUCKETS = 120;

const DURATION = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS } as const;

/** An instant: ISO 8601, or (for `since`) a duration before now such as `15m`, `1h`, `7d`. */
function instant(allowDuration: boolean) {
	return z
		.string()
		.max(40)
		.refine(
			(value) => (allowDuration && DURATION.test(value)) || isIsoInstant(value),
			allowDuration
				? "use an ISO 8601 time (2026-12-01T10:00:00Z) or a duration before now (15m, 1h, 7d)"
				: "use an ISO 8601 time (2026-12-01T10:00:00Z)",
		);
}

function isIsoInstant(value: string): boolean {
	return z.iso.datetime({ offset: true }).safeParse(value).success;
}

function toMs(value: string, now: number): number {
	const duration = DURATION.exec(value);
	if (duration) return now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
	return Date.parse(value);
}

const MetricsQuerySchema = z.object({
	since: instant(true)
		.optional()
		.openapi({ description: "ISO 8601 or a duration before now (15m, 1h, 7d). Default 1h." }),
	until: instant(false).optional().openapi({ description: "ISO 8601. Default: now." }),
	by: z.enum(["service", "tool"]).default("service"),
	service: z
		.string()
		.regex(/^[a-z][a-z0-9-]{1,62}$/, "a service id")
		.optional()
		.openapi({ description: "Only this service's requests, upstream calls and purchases." }),
	bucket_s: z.coerce.number().int().min(10).max(86_400).optional().openapi({
		description: "Series bucket size in seconds. Default: the smallest of 10 s … 1 d giving ≤ 120 buckets.",
	}),
});

const metricsRoute = createRoute({
	operationId: "metricsReport",
	method: "get",
	path: "/v1/admin/metrics",
	tags: ["admin"],
	summary: "Requests, errors, latency, upstream availability, purchases and revenue, per service or tool",
	security: [{ admin: [] }],
	request: { query: MetricsQuerySchema },
	responses: {
		200: { description: "The report", content: { "application/json": { schema: MetricsReportSchema } } },
		...problems(400, 401, 403, 502, 503),
	},
});

function invalid(field: string, message: string): PenumbraError {
	const pointer = `/query/${field}`;
	return new PenumbraError("VALIDATION_FAILED", {
		detail: `Invalid request: ${pointer} ${message}`,
		extras: { errors: [{ pointer, message }] },
	});
}

/** The validated query as the reader takes it: the range checked, the bucket defaulted. */
export function metricsQueryOf(input: z.infer<typeof MetricsQuerySchema>, now: number): MetricsQuery {
	const until_ms = input.until ? toMs(input.until, now) : now;
	const since_ms = input.since ? toMs(input.since, now) : until_ms - HOUR_MS;
	if (since_ms >= until_ms) throw invalid("since", "must be before until");
	if (until_ms - since_ms > MAX_RANGE_MS) throw invalid("since", "the range may span at most 31 days");
	const base = { since_ms, until_ms, by: input.by, ...(input.service ? { service: input.service } : {}) };
	if (input.bucket_s !== undefined) {
		if (bucketStarts({ ...base, bucket_s: input.bucket_s }).length > MAX_BUCKETS)
			throw invalid("bucket_s", `gives more than ${MAX_BUCKETS} buckets for this range; use a larger one`);
		return { ...base, bucket_s: input.bucket_s };
	}
	const bucket_s =
		NICE_BUCKETS_S.find((size) => bucketStarts({ ...base, bucket_s: size }).length <= DEFAULT_BUCKETS) ??
		86_400;
	return { ...base, bucket_s };
}

/** `GET /v1/admin/metrics` (docs/operating.md): the operator's report, from D1 locally or Analytics Engine. */
export const metricsRoutes = createRouter();
metricsRoutes.use("/v1/admin/metrics", requireAdmin());
metricsRoutes.openapi(metricsRoute, async (c) => {
	const query = metricsQueryOf(c.req.valid("query"), Date.now());
	return c.json(await metricsReaderOf(c.env).report(query), 200);
});
