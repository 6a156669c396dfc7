import { type MetricsGroup, type MetricsReport, MetricsReportSchema } from "@penumbra/core/contracts";
import { metricsStoreOf } from "@penumbra/core/metrics";
import { analyticsEngineReader } from "./ae-reader.ts";
import { d1Reader } from "./d1-reader.ts";

/**
 * One metrics question: points with `since_ms <= at_ms < until_ms`, grouped per service (or per service and tool),
 * with per-service series in buckets of `bucket_s` aligned to the epoch. `service` keeps only that service's
 * request, upstream and purchase points; searches and chat turns belong to no service and are always counted.
 */
export interface MetricsQuery {
	since_ms: number;
	until_ms: number;
	by: "service" | "tool";
	bucket_s: number;
	service?: string;
}

/** The query side of the metrics store (docs/operating.md): the same report from D1 and from Analytics Engine. */
export interface MetricsReader {
	readonly store: MetricsReport["store"];
	report(query: MetricsQuery): Promise<MetricsReport>;
}

/** Env the readers use: the D1 store, or the Analytics Engine SQL API (account, token, optional API origin). */
export interface MetricsReaderEnv {
	METRICS_STORE?: string;
	DB: D1Database;
	ANALYTICS_ACCOUNT_ID?: string;
	ANALYTICS_API_TOKEN?: string;
	ANALYTICS_SQL_URL?: string;
	/** The Analytics Engine dataset (wrangler.toml `dataset`), the SQL table name. */
	METRICS_DATASET?: string;
}

/**
 * The reader for this deployment's `METRICS_STORE`: the Analytics Engine SQL API in production, D1 `metric_points`
 * otherwise (`off` reads D1 too, which then holds nothing new).
 */
export function metricsReaderOf(env: MetricsReaderEnv): MetricsReader {
	return metricsStoreOf(env) === "analytics-engine" ? analyticsEngineReader(env) : d1Reader(env);
}

/** Counts and latencies of one group (or of everything), as both stores' queries answer them. */
export interface GroupFigures {
	requests: number;
	errors: number;
	faults: number;
	p50_ms: number | null;
	p95_ms: number | null;
	upstream_calls: number;
	upstream_ok: number;
	upstream_failures: number;
	upstream_timeouts: number;
	upstream_p50_ms: number | null;
	bought: number;
	released: number;
	unknown: number;
	refused: number;
	revenue_cents: number;
}

export interface BucketFigures {
	service: string;
	/** Bucket start, ms since the epoch (a multiple of bucket_s). */
	start_ms: number;
	requests: number;
	errors: number;
	p50_ms: number | null;
	p95_ms: number | null;
	revenue_cents: number;
}

/** What a store's queries answer; {@link assembleReport} makes the report from it. */
export interface ReportParts {
	groups: Array<GroupFigures & { service: string; tool: string | null }>;
	totals: GroupFigures & { searches: number; empty_searches: number };
	buckets: BucketFigures[];
	top_empty_searches: Array<{ query: string; count: number }>;
	chat: MetricsReport["chat"];
}

export const EMPTY_FIGURES: GroupFigures = {
	requests: 0,
	errors: 0,
	faults: 0,
	p50_ms: null,
	p95_ms: null,
	upstream_calls: 0,
	upstream_ok: 0,
	upstream_failures: 0,
	upstream_timeouts: 0,
	upstream_p50_ms: null,
	bought: 0,
	released: 0,
	unknown: 0,
	refused: 0,
	revenue_cents: 0,
};

function rate(part: number, whole: number): number | null {
	return whole > 0 ? part / whole : null;
}

/**
 * A group as the contract shows it. `error_rate` counts both the caller's errors (4xx) and faults (5xx);
 * availability is the upstream calls that did not fail (5xx, timeout, network) over all: a 4xx is the caller's
 * mistake, answered by a working provider.
 */
function groupView(figures: GroupFigures): Omit<MetricsGroup, "service" | "tool"> {
	return {
		requests: figures.requests,
		errors: figures.errors,
		faults: figures.faults,
		error_rate: rate(figures.errors + figures.faults, figures.requests),
		p50_ms: figures.p50_ms,
		p95_ms: figures.p95_ms,
		upstream_calls: figures.upstream_calls,
		upstream_failures: figures.upstream_failures,
		upstream_timeouts: figures.upstream_timeouts,
		upstream_availability: rate(figures.upstream_calls - figures.upstream_failures, figures.upstream_calls),
		upstream_p50_ms: figures.upstream_p50_ms,
		purchases: {
			bought: figures.bought,
			released: figures.released,
			unknown: figures.unknown,
			refused: figures.refused,
		},
		revenue_cents: figures.revenue_cents,
	};
}

/** The bucket starts covering [since, until): aligned to the epoch so refreshed charts do not shift. */
export function bucketStarts(query: MetricsQuery): number[] {
	const size = query.bucket_s * 1000;
	const starts: number[] = [];
	for (let start = Math.floor(query.since_ms / size) * size; start < query.until_ms; start += size)
		starts.push(start);
	return starts;
}

/** The report from a store's figures: every service's series has every bucket, empty ones as zeros. */
export function assembleReport(query: MetricsQuery, store: MetricsReport["store"], parts: ReportParts) {
	const starts = bucketStarts(query);
	const services = [
		...new Set([...parts.groups.map((g) => g.service), ...parts.buckets.map((b) => b.service)]),
	];
	services.sort();
	const byKey = new Map(parts.buckets.map((b) => [`${b.service}\n${b.start_ms}`, b]));
	const report: MetricsReport = {
		since: new Date(query.since_ms).toISOString(),
		until: new Date(query.until_ms).toISOString(),
		by: query.by,
		store,
		bucket_s: query.bucket_s,
		totals: {
			...groupView(parts.totals),
			searches: parts.totals.searches,
			empty_searches: parts.totals.empty_searches,
		},
		groups: [...parts.groups]
			.sort((a, b) => a.service.localeCompare(b.service) || (a.tool ?? "").localeCompare(b.tool ?? ""))
			.map((g) => ({ service: g.service, tool: g.tool, ...groupView(g) })),
		series: services.map((service) => ({
			service,
			buckets: starts.map((start) => {
				const b = byKey.get(`${service}\n${start}`);
				return {
					t: new Date(start).toISOString(),
					requests: b?.requests ?? 0,
					errors: b?.errors ?? 0,
					p50_ms: b?.p50_ms ?? null,
					p95_ms: b?.p95_ms ?? null,
					revenue_cents: b?.revenue_cents ?? 0,
				};
			}),
		})),
		top_empty_searches: parts.top_empty_searches,
		chat: parts.chat,
	};
	return MetricsReportSchema.parse(report);
}
