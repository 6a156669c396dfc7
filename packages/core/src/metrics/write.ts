import { type MetricPoint, type MetricPointInput, MetricPointSchema } from "../contracts/metrics.ts";
import { log } from "../log.ts";

/**
 * Where a Worker's metric points go (docs/operating.md), by `METRICS_STORE`: `analytics-engine` (production: one
 * `writeDataPoint` each, nothing awaited), `d1` (`npm start`, tests: buffered in the isolate and inserted in one batch
 * shortly after, on `waitUntil`), `off`. A Worker without D1 passes `forward` (the gateway's RPC) for the `d1` store.
 */
export interface MetricsEnv {
	METRICS_STORE?: string;
	METRICS?: DataPointWriter;
	DB?: PointsDatabase;
	/** How long the `d1` store gathers points before one insert; default 250. */
	METRICS_FLUSH_MS?: string;
}

/** The part of an Analytics Engine dataset binding used here (core compiles without the Workers types). */
export interface DataPointWriter {
	writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

/** The part of a D1 binding used here. */
export interface PointsDatabase {
	prepare(query: string): { bind(...values: unknown[]): unknown };
	batch(statements: unknown[]): Promise<unknown>;
}

export type MetricsStore = "analytics-engine" | "d1" | "off";

export interface Metrics {
	/** Never throws and never waits: a point that cannot be written is logged and dropped. */
	record(point: MetricPointInput): void;
}

interface WaitUntil {
	waitUntil(promise: Promise<unknown>): void;
}

export type ForwardPoints = (points: MetricPoint[]) => Promise<void>;

/** Analytics Engine columns, in order: blob1 = kind, …; double1 = at_ms, …. The SQL query side reads the same. */
export const AE_BLOBS = ["kind", "service", "tool", "outcome", "caller", "text", "request_id"] as const;
export const AE_DOUBLES = [
	"at_ms",
	"status",
	"latency_ms",
	"amount_cents",
	"tokens_in",
	"tokens_out",
	"model_calls",
] as const;

export function metricsStoreOf(env: MetricsEnv): MetricsStore {
	const store = env.METRICS_STORE ?? "off";
	if (store === "analytics-engine" || store === "d1" || store === "off") return store;
	return "off";
}

/** The recorder for one request (or cron run, or DO call): `ctx` keeps the D1 insert alive after the answer. */
export function metricsOf(env: MetricsEnv, ctx: WaitUntil, forward?: ForwardPoints): Metrics {
	const store = metricsStoreOf(env);
	return {
		record(input) {
			const parsed = MetricPointSchema.safeParse(input);
			if (!parsed.success) {
				log("warn", "metric point refused", { kind: input.kind, issue: parsed.error.issues[0]?.message });
				return;
			}
			const point = parsed.data;
			if (store === "analytics-engine") writeAnalyticsEngine(env, point);
			else if (store === "d1") buffer(env, ctx, point, forward);
		},
	};
}

function writeAnalyticsEngine(env: MetricsEnv, point: MetricPoint): void {
	try {
		env.METRICS?.writeDataPoint({
			indexes: [point.service || point.kind],
			blobs: AE_BLOBS.map((name) => point[name]),
			doubles: AE_DOUBLES.map((name) => point[name]),
		});
	} catch (error) {
		log("warn", "metric point not written", { error });
	}
}

/** Points not yet inserted, per isolate; above the cap the oldest are dropped (metrics never hold memory hostage). */
const pending: MetricPoint[] = [];
const PENDING_CAP = 10_000;
let flushing: Promise<void> | null = null;

function buffer(env: MetricsEnv, ctx: WaitUntil, point: MetricPoint, forward?: ForwardPoints): void {
	pending.push(point);
	if (pending.length > PENDING_CAP) pending.splice(0, pending.length - PENDING_CAP);
	if (flushing) return;
	const delay = Number(env.METRICS_FLUSH_MS ?? 250);
	flushing = new Promise<void>((resolve) => setTimeout(resolve, Number.isFinite(delay) ? delay : 250))
		.then(() => flushMetrics(env, forward))
		.finally(() => {
			flushing = null;
		});
	ctx.waitUntil(flushing);
}

const COLUMNS =
	"kind, at_ms, service, tool, status, outcome, caller, latency_ms, amount_cents, tokens_in, tokens_out, model_calls, text, request_id";

/** Inserts (or forwards) every pending point now; the metrics query calls it first so a report includes them. */
export async function flushMetrics(env: MetricsEnv, forward?: ForwardPoints): Promise<void> {
	const points = pending.splice(0, pending.length);
	if (points.length === 0) return;
	try {
		if (forward) await forward(points);
		else if (env.DB) await insertPoints(env.DB, points);
	} catch (error) {
		log("warn", "metric points not stored", { points: points.length, error });
	}
}

/** Points per statement: one JSON parameter of about 250 bytes a point, far below D1's 2 MB per value. */
const ROWS_PER_STATEMENT = 1_000;

const INSERT_ROWS = `INSERT INTO metric_points (${COLUMNS}) SELECT ${COLUMNS.split(",")
	.map((_, i) => `json_extract(value, '$[${i}]')`)
	.join(", ")} FROM json_each(?)`;

function valuesOf(p: MetricPoint): unknown[] {
	return [
		p.kind,
		p.at_ms,
		p.service,
		p.tool,
		p.status,
		p.outcome,
		p.caller,
		p.latency_ms,
		p.amount_cents,
		p.tokens_in,
		p.tokens_out,
		p.model_calls,
		p.text,
		p.request_id,
	];
}

/**
 * One D1 round trip for the whole batch: each statement inserts up to 1,000 rows from one JSON array bound as a
 * single parameter (`json_each`), so the cost per flush hardly grows with the points in it.
 */
export async function insertPoints(db: PointsDatabase, points: readonly MetricPoint[]): Promise<void> {
	if (points.length === 0) return;
	const statements: unknown[] = [];
	for (let start = 0; start < points.length; start += ROWS_PER_STATEMENT) {
		const rows = points.slice(start, start + ROWS_PER_STATEMENT).map(valuesOf);
		statements.push(db.prepare(INSERT_ROWS).bind(JSON.stringify(rows)));
	}
	await db.batch(statements);
}
