import { PenumbraError } from "@penumbra/core/errors";
import { AE_BLOBS, AE_DOUBLES } from "@penumbra/core/metrics";
import { z } from "zod";
import {
	assembleReport,
	type BucketFigures,
	EMPTY_FIGURES,
	type GroupFigures,
	type MetricsQuery,
	type MetricsReader,
	type MetricsReaderEnv,
	type ReportParts,
} from "./reader.ts";

type Row = Record<string, unknown>;

const DEFAULT_SQL_URL = "https://api.cloudflare.com/client/v4";
const DEFAULT_DATASET = "penumbra_metrics";

/** A column of the dataset by the point's field name: `blobN` / `doubleN` in the recorder's order. */
function col(name: (typeof AE_BLOBS)[number] | (typeof AE_DOUBLES)[number]): string {
	const blob = (AE_BLOBS as readonly string[]).indexOf(name);
	if (blob >= 0) return `blob${blob + 1}`;
	return `double${(AE_DOUBLES as readonly string[]).indexOf(name) + 1}`;
}

const KIND = col("kind");
const OUTCOME = col("outcome");
const LATENCY = col("latency_ms");
const AMOUNT = col("amount_cents");
const AT = col("at_ms");

/** The SQL API has no bound parameters: only values that cannot break out of a string literal are inlined. */
function literal(value: string): string {
	if (!/^[A-Za-z0-9 _.:/-]{0,128}$/.test(value)) {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: "A service name may only hold letters, digits, spaces and _.:/-.",
		});
	}
	return `'${value}'`;
}

/** A count weighted by the sample interval (Analytics Engine may sample; docs/operating.md). */
const weighted = (condition: string) => `sum(if(${condition}, _sample_interval, 0))`;

const COUNTS = [
	`${weighted(`${KIND} = 'request'`)} AS requests`,
	`${weighted(`${KIND} = 'request' AND ${OUTCOME} = 'error'`)} AS errors`,
	`${weighted(`${KIND} = 'request' AND ${OUTCOME} = 'fault'`)} AS faults`,
	`${weighted(`${KIND} = 'upstream'`)} AS upstream_calls`,
	`${weighted(`${KIND} = 'upstream' AND ${OUTCOME} = 'ok'`)} AS upstream_ok`,
	`${weighted(`${KIND} = 'upstream' AND ${OUTCOME} IN ('5xx', 'timeout', 'network')`)} AS upstream_failures`,
	`${weighted(`${KIND} = 'upstream' AND ${OUTCOME} = 'timeout'`)} AS upstream_timeouts`,
	`${weighted(`${KIND} = 'purchase' AND ${OUTCOME} = 'bought'`)} AS bought`,
	`${weighted(`${KIND} = 'purchase' AND ${OUTCOME} = 'released'`)} AS released`,
	`${weighted(`${KIND} = 'purchase' AND ${OUTCOME} = 'unknown'`)} AS unknown`,
	`${weighted(`${KIND} = 'purchase' AND ${OUTCOME} = 'refused'`)} AS refused`,
].join(", ");

const REVENUE = `sum(if(${KIND} = 'request' OR (${KIND} = 'purchase' AND ${OUTCOME} = 'bought'), ${AMOUNT} * _sample_interval, 0))`;

const PERCENTILES = `quantileExactWeighted(0.5)(${LATENCY}, _sample_interval) AS p50, quantileExactWeighted(0.95)(${LATENCY}, _sample_interval) AS p95`;

/** The queries of one report; each is one POST (the SQL API answers one statement at a time). */
export function reportQueries(query: MetricsQuery, dataset: string): Record<string, string> {
	const since = Math.floor(query.since_ms);
	const until = Math.floor(query.until_ms);
	// `timestamp` (when the point was written) narrows the scan; `at_ms` (when it was recorded) decides.
	const range = `timestamp >= toDateTime(${Math.floor(since / 1000) - 60}) AND timestamp < toDateTime(${Math.ceil(until / 1000) + 60}) AND ${AT} >= ${since} AND ${AT} < ${until}`;
	const scoped =
		query.service === undefined ? range : `${range} AND ${col("service")} = ${literal(query.service)}`;
	const keys =
		query.by === "tool"
			? `${col("service")} AS service, ${col("tool")} AS tool`
			: `${col("service")} AS service`;
	const groupBy = query.by === "tool" ? "service, tool" : "service";
	const bucketMs = Math.floor(query.bucket_s * 1000);
	const bucket = `intDiv(${AT}, ${bucketMs}) * ${bucketMs} AS start_ms`;
	const from = `FROM ${dataset} WHERE`;
	return {
		groups: `SELECT ${keys}, ${COUNTS}, ${REVENUE} AS revenue_cents ${from} ${KIND} IN ('request', 'upstream', 'purchase') AND ${scoped} GROUP BY ${groupBy} FORMAT JSON`,
		groupLatency: `SELECT ${keys}, ${PERCENTILES} ${from} ${KIND} = 'request' AND ${scoped} GROUP BY ${groupBy} FORMAT JSON`,
		groupUpstream: `SELECT ${keys}, ${PERCENTILES} ${from} ${KIND} = 'upstream' AND ${scoped} GROUP BY ${groupBy} FORMAT JSON`,
		totalLatency: `SELECT ${PERCENTILES} ${from} ${KIND} = 'request' AND ${scoped} FORMAT JSON`,
		totalUpstream: `SELECT ${PERCENTILES} ${from} ${KIND} = 'upstream' AND ${scoped} FORMAT JSON`,
		buckets: `SELECT ${col("service")} AS service, ${bucket}, ${weighted(`${KIND} = 'request'`)} AS requests, ${weighted(`${KIND} = 'request' AND ${OUTCOME} IN ('error', 'fault')`)} AS errors, ${REVENUE} AS revenue_cents ${from} ${KIND} IN ('request', 'purchase') AND ${scoped} GROUP BY service, start_ms FORMAT JSON`,
		bucketLatency: `SELECT ${col("service")} AS service, ${bucket}, ${PERCENTILES} ${from} ${KIND} = 'request' AND ${scoped} GROUP BY service, start_ms FORMAT JSON`,
		searches: `SELECT ${weighted("1 = 1")} AS searches, ${weighted(`${OUTCOME} = 'empty'`)} AS empty_searches ${from} ${KIND} = 'search' AND ${range} FORMAT JSON`,
		topEmpty: `SELECT lower(${col("text")}) AS query, sum(_sample_interval) AS count ${from} ${KIND} = 'search' AND ${OUTCOME} = 'empty' AND ${range} GROUP BY query ORDER BY count DESC, query ASC LIMIT 10 FORMAT JSON`,
		chat: `SELECT sum(_sample_interval) AS turns, ${weighted(`${OUTCOME} = 'failed'`)} AS failed, sum(${col("model_calls")} * _sample_interval) AS model_calls, sum(${col("tokens_in")} * _sample_interval) AS tokens_in, sum(${col("tokens_out")} * _sample_interval) AS tokens_out, ${PERCENTILES} ${from} ${KIND} = 'chat_turn' AND ${range} FORMAT JSON`,
	};
}

/** The SQL API's JSON answer (`FORMAT JSON`): 64-bit integers may come quoted, so numbers are read leniently. */
const SqlAnswerSchema = z.object({ data: z.array(z.record(z.string(), z.unknown())) });

const num = (value: unknown): number => {
	const n = typeof value === "number" ? value : Number(value ?? 0);
	return Number.isFinite(n) ? n : 0;
};
/** No rows give an empty aggregate: NaN, null or 0 with nothing counted; the caller decides with the count. */
const msOr = (value: unknown, counted: number): number | null => {
	if (counted <= 0 || value === null || value === undefined) return null;
	const n = num(value);
	return Number.isFinite(n) ? n : null;
};
const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** How the reader reaches the SQL API: `fetch`, or in tests a stand-in for the API. */
export type SqlFetch = (url: string, init: RequestInit) => Promise<Response>;

async function runSql(env: MetricsReaderEnv, send: SqlFetch, sql: string): Promise<Row[]> {
	const base = (env.ANALYTICS_SQL_URL || DEFAULT_SQL_URL).replace(/\/+$/, "");
	const response = await send(`${base}/accounts/${env.ANALYTICS_ACCOUNT_ID}/analytics_engine/sql`, {
		method: "POST",
		headers: { authorization: `Bearer ${env.ANALYTICS_API_TOKEN}`, "content-type": "text/plain" },
		body: sql,
	});
	const text = await response.text();
	if (!response.ok) {
		throw new PenumbraError("UPSTREAM_ERROR", {
			detail: `The Analytics Engine SQL API answered HTTP ${response.status}.`,
			internal: `analytics engine sql failed: ${response.status} ${text.slice(0, 500)}`,
		});
	}
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		body = undefined;
	}
	const parsed = SqlAnswerSchema.safeParse(body);
	if (!parsed.success) {
		throw new PenumbraError("UPSTREAM_ERROR", {
			detail: "The Analytics Engine SQL API answered in an unexpected shape.",
		});
	}
	return parsed.data.data;
}

/**
 * Reads the Analytics Engine dataset through the SQL API (production): counts weighted by `_sample_interval`,
 * percentiles by `quantileExactWeighted` (the documented name of `quantileWeighted`).
 */
export function analyticsEngineReader(
	env: MetricsReaderEnv,
	send: SqlFetch = (url, init) => fetch(url, init),
): MetricsReader {
	return {
		store: "analytics-engine",
		async report(query) {
			if (!env.ANALYTICS_ACCOUNT_ID || !env.ANALYTICS_API_TOKEN) {
				throw new PenumbraError("INTERNAL", {
					status: 503,
					detail:
						"Metrics are in Analytics Engine but the gateway cannot read them: set the ANALYTICS_ACCOUNT_ID var and the ANALYTICS_API_TOKEN secret (Account Analytics: Read).",
				});
			}
			const sql = reportQueries(query, env.METRICS_DATASET || DEFAULT_DATASET);
			const names = Object.keys(sql);
			const answers = await Promise.all(names.map((name) => runSql(env, send, sql[name] ?? "")));
			const rows = Object.fromEntries(names.map((name, i) => [name, answers[i] ?? []]));
			return assembleReport(query, "analytics-engine", partsOf(query, rows));
		},
	};
}

function figuresOf(row: Row): GroupFigures {
	const figures = { ...EMPTY_FIGURES };
	for (const name of Object.keys(figures) as Array<keyof GroupFigures>) {
		if (!name.endsWith("_ms")) (figures[name] as number) = num(row[name]);
	}
	return figures;
}

function partsOf(query: MetricsQuery, rows: Record<string, Row[]>): ReportParts {
	const keyOf = (row: Row) => `${str(row.service)}\n${query.by === "tool" ? str(row.tool) : ""}`;
	const latency = new Map((rows.groupLatency ?? []).map((r) => [keyOf(r), r]));
	const upstream = new Map((rows.groupUpstream ?? []).map((r) => [keyOf(r), r]));
	const groups = (rows.groups ?? []).map((row) => {
		const figures = figuresOf(row);
		const key = keyOf(row);
		return {
			...figures,
			service: str(row.service),
			tool: query.by === "tool" ? str(row.tool) : null,
			p50_ms: msOr(latency.get(key)?.p50, figures.requests),
			p95_ms: msOr(latency.get(key)?.p95, figures.requests),
			upstream_p50_ms: msOr(upstream.get(key)?.p50, figures.upstream_calls),
		};
	});
	const totals = { ...EMPTY_FIGURES };
	for (const g of groups) {
		for (const name of Object.keys(totals) as Array<keyof GroupFigures>) {
			if (!name.endsWith("_ms")) (totals[name] as number) += g[name] as number;
		}
	}
	const bucketLatency = new Map(
		(rows.bucketLatency ?? []).map((r) => [`${str(r.service)}\n${num(r.start_ms)}`, r]),
	);
	const buckets: BucketFigures[] = (rows.buckets ?? []).map((row) => {
		const requests = num(row.requests);
		const latencyRow = bucketLatency.get(`${str(row.service)}\n${num(row.start_ms)}`);
		return {
			service: str(row.service),
			start_ms: num(row.start_ms),
			requests,
			errors: num(row.errors),
			p50_ms: msOr(latencyRow?.p50, requests),
			p95_ms: msOr(latencyRow?.p95, requests),
			revenue_cents: num(row.revenue_cents),
		};
	});
	const search = rows.searches?.[0] ?? {};
	const chat = rows.chat?.[0] ?? {};
	const turns = num(chat.turns);
	return {
		groups,
		totals: {
			...totals,
			p50_ms: msOr(rows.totalLatency?.[0]?.p50, totals.requests),
			p95_ms: msOr(rows.totalLatency?.[0]?.p95, totals.requests),
			upstream_p50_ms: msOr(rows.totalUpstream?.[0]?.p50, totals.upstream_calls),
			searches: num(search.searches),
			empty_searches: num(search.empty_searches),
		},
		buckets,
		top_empty_searches: (rows.topEmpty ?? []).map((r) => ({ query: str(r.query), count: num(r.count) })),
		chat: {
			turns,
			failed: num(chat.failed),
			model_calls: num(chat.model_calls),
			tokens_in: num(chat.tokens_in),
			tokens_out: num(chat.tokens_out),
			p50_ms: msOr(chat.p50, turns),
			p95_ms: msOr(chat.p95, turns),
		},
	};
}
