import { flushMetrics } from "@penumbra/core/metrics";
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

const num = (value: unknown): number => (typeof value === "number" ? value : Number(value ?? 0) || 0);
const ms = (value: unknown): number | null => (typeof value === "number" ? value : null);
const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** Revenue: usage fees captured on requests plus purchases bought. */
const REVENUE =
	"SUM(CASE WHEN kind = 'request' OR (kind = 'purchase' AND outcome = 'bought') THEN amount_cents ELSE 0 END)";

/** The counts every group has, as SQL sums over `metric_points` (one row per point, so exact). */
const COUNTS = `SUM(kind = 'request') AS requests,
	SUM(kind = 'request' AND outcome = 'error') AS errors,
	SUM(kind = 'request' AND outcome = 'fault') AS faults,
	SUM(kind = 'upstream') AS upstream_calls,
	SUM(kind = 'upstream' AND outcome = 'ok') AS upstream_ok,
	SUM(kind = 'upstream' AND outcome IN ('5xx', 'timeout', 'network')) AS upstream_failures,
	SUM(kind = 'upstream' AND outcome = 'timeout') AS upstream_timeouts,
	SUM(kind = 'purchase' AND outcome = 'bought') AS bought,
	SUM(kind = 'purchase' AND outcome = 'released') AS released,
	SUM(kind = 'purchase' AND outcome = 'unknown') AS unknown,
	SUM(kind = 'purchase' AND outcome = 'refused') AS refused,
	${REVENUE} AS revenue_cents`;

/**
 * Nearest-rank p50 and p95 of `latency_ms` over one kind's points per key (rank ⌈p·n⌉, in integer arithmetic):
 * SQLite window functions, so the rows never leave D1.
 */
function percentiles(kind: string, keys: Array<[expr: string, alias: string]>, where: string): string {
	const partition = keys.length > 0 ? `PARTITION BY ${keys.map(([expr]) => expr).join(", ")}` : "";
	const selected = keys.map(([expr, alias]) => `${expr} AS ${alias}, `).join("");
	const aliases = keys.map(([, alias]) => `${alias}, `).join("");
	const groupBy = keys.length > 0 ? ` GROUP BY ${keys.map(([, alias]) => alias).join(", ")}` : "";
	return `WITH ranked AS (SELECT ${selected}latency_ms,
		ROW_NUMBER() OVER (${partition} ORDER BY latency_ms) AS rn, COUNT(*) OVER (${partition}) AS n
		FROM metric_points WHERE kind = '${kind}' AND ${where})
	SELECT ${aliases}MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN latency_ms END) AS p50,
		MAX(CASE WHEN rn = (n * 95 + 99) / 100 THEN latency_ms END) AS p95
	FROM ranked${groupBy}`;
}

function figuresOf(row: Row | undefined): GroupFigures {
	if (!row) return { ...EMPTY_FIGURES };
	return {
		requests: num(row.requests),
		errors: num(row.errors),
		faults: num(row.faults),
		p50_ms: null,
		p95_ms: null,
		upstream_calls: num(row.upstream_calls),
		upstream_ok: num(row.upstream_ok),
		upstream_failures: num(row.upstream_failures),
		upstream_timeouts: num(row.upstream_timeouts),
		upstream_p50_ms: null,
		bought: num(row.bought),
		released: num(row.released),
		unknown: num(row.unknown),
		refused: num(row.refused),
		revenue_cents: num(row.revenue_cents),
	};
}

/** The statements of one report, run in one D1 batch (one round trip). */
function statements(query: MetricsQuery) {
	const range = `at_ms >= ${Math.floor(query.since_ms)} AND at_ms < ${Math.floor(query.until_ms)}`;
	const scoped = query.service === undefined ? range : `${range} AND service = ?1`;
	const keys: Array<[string, string]> =
		query.by === "tool"
			? [
					["service", "service"],
					["tool", "tool"],
				]
			: [["service", "service"]];
	const bucketMs = Math.floor(query.bucket_s * 1000);
	const bucket: [string, string] = [`(at_ms / ${bucketMs}) * ${bucketMs}`, "start_ms"];
	return {
		groups: `SELECT ${keys.map(([, alias]) => alias).join(", ")}, ${COUNTS} FROM metric_points
			WHERE kind IN ('request', 'upstream', 'purchase') AND ${scoped} GROUP BY ${keys.map(([, a]) => a).join(", ")}`,
		groupLatency: percentiles("request", keys, scoped),
		groupUpstream: percentiles("upstream", keys, scoped),
		totalLatency: percentiles("request", [], scoped),
		totalUpstream: percentiles("upstream", [], scoped),
		buckets: `SELECT service, ${bucket[0]} AS start_ms, SUM(kind = 'request') AS requests,
			SUM(kind = 'request' AND outcome IN ('error', 'fault')) AS errors, ${REVENUE} AS revenue_cents
			FROM metric_points WHERE kind IN ('request', 'purchase') AND ${scoped} GROUP BY service, start_ms`,
		bucketLatency: percentiles("request", [["service", "service"], bucket], scoped),
		searches: `SELECT COUNT(*) AS searches, SUM(outcome = 'empty') AS empty_searches FROM metric_points
			WHERE kind = 'search' AND ${range}`,
		topEmpty: `SELECT lower(text) AS query, COUNT(*) AS count FROM metric_points
			WHERE kind = 'search' AND outcome = 'empty' AND ${range} GROUP BY lower(text) ORDER BY count DESC, query LIMIT 10`,
		chat: `SELECT COUNT(*) AS turns, SUM(outcome = 'failed') AS failed, SUM(model_calls) AS model_calls,
			SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out FROM metric_points WHERE kind = 'chat_turn' AND ${range}`,
		chatLatency: percentiles("chat_turn", [], range),
	};
}

const keyOf = (row: Row, by: MetricsQuery["by"]) =>
	`${str(row.service)}\n${by === "tool" ? str(row.tool) : ""}`;

/** Sums the groups' counts: the totals are exact without another pass over the rows. */
function totalsOf(groups: GroupFigures[]): GroupFigures {
	const total = { ...EMPTY_FIGURES };
	for (const g of groups) {
		for (const name of Object.keys(total) as Array<keyof GroupFigures>) {
			if (name.endsWith("_ms")) continue;
			(total[name] as number) += g[name] as number;
		}
	}
	return total;
}

/** Reads D1 `metric_points` (the local store): exact counts, nearest-rank percentiles, after this isolate's flush. */
export function d1Reader(env: MetricsReaderEnv): MetricsReader {
	return {
		store: "d1",
		async report(query) {
			// Points this isolate recorded but has not inserted yet belong in the report.
			await flushMetrics(env);
			const sql = statements(query);
			const names = Object.keys(sql) as Array<keyof typeof sql>;
			const bind = (text: string) => {
				const statement = env.DB.prepare(text);
				return query.service !== undefined && text.includes("?1") ? statement.bind(query.service) : statement;
			};
			const results = await env.DB.batch<Row>(names.map((name) => bind(sql[name])));
			const rows = Object.fromEntries(names.map((name, i) => [name, results[i]?.results ?? []])) as Record<
				keyof typeof sql,
				Row[]
			>;
			return assembleReport(query, "d1", partsOf(query, rows));
		},
	};
}

function partsOf(query: MetricsQuery, rows: Record<string, Row[]>): ReportParts {
	const latency = new Map((rows.groupLatency ?? []).map((r) => [keyOf(r, query.by), r]));
	const upstream = new Map((rows.groupUpstream ?? []).map((r) => [keyOf(r, query.by), r]));
	const groups = (rows.groups ?? []).map((row) => {
		const key = keyOf(row, query.by);
		return {
			...figuresOf(row),
			service: str(row.service),
			tool: query.by === "tool" ? str(row.tool) : null,
			p50_ms: ms(latency.get(key)?.p50),
			p95_ms: ms(latency.get(key)?.p95),
			upstream_p50_ms: ms(upstream.get(key)?.p50),
		};
	});
	const search = rows.searches?.[0] ?? {};
	const chat = rows.chat?.[0] ?? {};
	const bucketLatency = new Map(
		(rows.bucketLatency ?? []).map((r) => [`${str(r.service)}\n${num(r.start_ms)}`, r]),
	);
	const buckets: BucketFigures[] = (rows.buckets ?? []).map((row) => {
		const latencyRow = bucketLatency.get(`${str(row.service)}\n${num(row.start_ms)}`);
		return {
			service: str(row.service),
			start_ms: num(row.start_ms),
			requests: num(row.requests),
			errors: num(row.errors),
			p50_ms: ms(latencyRow?.p50),
			p95_ms: ms(latencyRow?.p95),
			revenue_cents: num(row.revenue_cents),
		};
	});
	return {
		groups,
		totals: {
			...totalsOf(groups),
			p50_ms: ms(rows.totalLatency?.[0]?.p50),
			p95_ms: ms(rows.totalLatency?.[0]?.p95),
			upstream_p50_ms: ms(rows.totalUpstream?.[0]?.p50),
			searches: num(search.searches),
			empty_searches: num(search.empty_searches),
		},
		buckets,
		top_empty_searches: (rows.topEmpty ?? []).map((r) => ({ query: str(r.query), count: num(r.count) })),
		chat: {
			turns: num(chat.turns),
			failed: num(chat.failed),
			model_calls: num(chat.model_calls),
			tokens_in: num(chat.tokens_in),
			tokens_out: num(chat.tokens_out),
			p50_ms: ms(rows.chatLatency?.[0]?.p50),
			p95_ms: ms(rows.chatLatency?.[0]?.p95),
		},
	};
}
