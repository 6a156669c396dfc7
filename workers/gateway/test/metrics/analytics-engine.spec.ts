import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { PenumbraError } from "@penumbra/core/errors";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import { analyticsEngineReader, reportQueries } from "../../src/metrics/ae-reader.ts";
import type { MetricsQuery } from "../../src/metrics/reader.ts";
import { expectProblem, ORIGIN } from "../helpers.ts";

/**
 * The Analytics Engine reader against a stand-in for the SQL API: it checks each statement it receives and answers
 * canned rows in the API's JSON shape (`FORMAT JSON`: `meta`, `data`, 64-bit integers quoted). This proves what the
 * reader sends and how it reads answers; it cannot prove that the real service accepts this SQL dialect.
 */

const SINCE = Date.parse("2026-12-01T10:00:00Z");
const HALF_HOUR = 1800_000;
const QUERY: MetricsQuery = {
	since_ms: SINCE,
	until_ms: SINCE + 2 * HALF_HOUR,
	by: "service",
	bucket_s: 1800,
};
const AE_ENV = {
	METRICS_STORE: "analytics-engine",
	DB: env.DB,
	ANALYTICS_ACCOUNT_ID: "acct0123",
	ANALYTICS_API_TOKEN: "token-for-tests",
	ANALYTICS_SQL_URL: "https://sql.example.test/client/v4/",
	METRICS_DATASET: "penumbra_metrics",
};

/** What the SQL API answers for `rows`: ClickHouse's JSON format, with UInt64 sums quoted as strings. */
function answer(rows: Record<string, unknown>[]): Response {
	const meta = Object.keys(rows[0] ?? {}).map((name) => ({ name, type: "String" }));
	return Response.json({ meta, data: rows, rows: rows.length, rows_before_limit_at_least: rows.length });
}

const counts = (n: Record<string, number>) =>
	Object.fromEntries(
		[
			"requests",
			"errors",
			"faults",
			"upstream_calls",
			"upstream_ok",
			"upstream_failures",
			"upstream_timeouts",
			"bought",
			"released",
			"unknown",
			"refused",
		].map((name) => [name, String(n[name] ?? 0)]),
	);

const CANNED: Record<string, Record<string, unknown>[]> = {
	groups: [
		{
			service: "skycast",
			...counts({
				requests: 10,
				errors: 1,
				faults: 2,
				upstream_calls: 8,
				upstream_ok: 6,
				upstream_failures: 2,
			}),
			upstream_timeouts: "1",
			revenue_cents: 30,
		},
		{
			service: "fooddash",
			...counts({ requests: 4, upstream_calls: 2, upstream_ok: 2, bought: 2 }),
			revenue_cents: 2500,
		},
	],
	groupLatency: [
		{ service: "skycast", p50: 120.5, p95: 800 },
		{ service: "fooddash", p50: 300, p95: 450 },
	],
	groupUpstream: [
		{ service: "skycast", p50: 100, p95: 700 },
		{ service: "fooddash", p50: 250, p95: 260 },
	],
	totalLatency: [{ p50: 150, p95: 790 }],
	totalUpstream: [{ p50: 110, p95: 700 }],
	buckets: [
		{ service: "skycast", start_ms: String(SINCE), requests: "10", errors: "3", revenue_cents: 30 },
		{
			service: "fooddash",
			start_ms: String(SINCE + HALF_HOUR),
			requests: "4",
			errors: "0",
			revenue_cents: 2500,
		},
	],
	bucketLatency: [
		{ service: "skycast", start_ms: String(SINCE), p50: 120.5, p95: 800 },
		{ service: "fooddash", start_ms: String(SINCE + HALF_HOUR), p50: 300, p95: 450 },
	],
	searches: [{ searches: "5", empty_searches: "2" }],
	topEmpty: [{ query: "flying cars", count: "2" }],
	// No chat turns: the quantiles of nothing come back as null (ClickHouse's NaN in JSON).
	chat: [{ turns: "0", failed: "0", model_calls: 0, tokens_in: 0, tokens_out: 0, p50: null, p95: null }],
};

/** The stand-in SQL API: checks the request and the statement, answers the canned rows for it. */
function fakeSqlApi(query: MetricsQuery, seen: string[]) {
	const expected = reportQueries(query, "penumbra_metrics");
	return async (url: string, init: RequestInit): Promise<Response> => {
		expect(url).toBe("https://sql.example.test/client/v4/accounts/acct0123/analytics_engine/sql");
		expect(init.method).toBe("POST");
		expect(new Headers(init.headers).get("authorization")).toBe("Bearer token-for-tests");
		const sql = String(init.body);
		seen.push(sql);
		const name = Object.keys(expected).find((key) => expected[key] === sql);
		if (!name) return new Response(`unexpected statement: ${sql}`, { status: 400 });
		return answer(CANNED[name] ?? []);
	};
}

describe("the Analytics Engine reader", () => {
	it("sends one weighted statement per figure and assembles the report from the answers", async () => {
		const seen: string[] = [];
		const report = await analyticsEngineReader(AE_ENV, fakeSqlApi(QUERY, seen)).report(QUERY);
		expect(seen).toHaveLength(Object.keys(CANNED).length);
		expect(report).toMatchObject({ store: "analytics-engine", by: "service", bucket_s: 1800 });
		const skycast = report.groups.find((g) => g.service === "skycast");
		expect(skycast).toMatchObject({
			tool: null,
			requests: 10,
			errors: 1,
			faults: 2,
			error_rate: 0.3,
			p50_ms: 120.5,
			p95_ms: 800,
			upstream_calls: 8,
			upstream_failures: 2,
			upstream_timeouts: 1,
			upstream_availability: 0.75,
			upstream_p50_ms: 100,
			revenue_cents: 30,
		});
		expect(report.groups.find((g) => g.service === "fooddash")).toMatchObject({
			purchases: { bought: 2, released: 0, unknown: 0, refused: 0 },
			revenue_cents: 2500,
		});
		expect(report.totals).toMatchObject({
			requests: 14,
			faults: 2,
			revenue_cents: 2530,
			p50_ms: 150,
			p95_ms: 790,
			upstream_p50_ms: 110,
			searches: 5,
			empty_searches: 2,
		});
		expect(report.series).toEqual([
			{
				service: "fooddash",
				buckets: [
					{
						t: "2026-12-01T10:00:00.000Z",
						requests: 0,
						errors: 0,
						p50_ms: null,
						p95_ms: null,
						revenue_cents: 0,
					},
					{
						t: "2026-12-01T10:30:00.000Z",
						requests: 4,
						errors: 0,
						p50_ms: 300,
						p95_ms: 450,
						revenue_cents: 2500,
					},
				],
			},
			{
				service: "skycast",
				buckets: [
					{
						t: "2026-12-01T10:00:00.000Z",
						requests: 10,
						errors: 3,
						p50_ms: 120.5,
						p95_ms: 800,
						revenue_cents: 30,
					},
					{
						t: "2026-12-01T10:30:00.000Z",
						requests: 0,
						errors: 0,
						p50_ms: null,
						p95_ms: null,
						revenue_cents: 0,
					},
				],
			},
		]);
		expect(report.top_empty_searches).toEqual([{ query: "flying cars", count: 2 }]);
		expect(report.chat).toEqual({
			turns: 0,
			failed: 0,
			model_calls: 0,
			tokens_in: 0,
			tokens_out: 0,
			p50_ms: null,
			p95_ms: null,
		});
	});

	it("weights every count by the sample interval and reads the columns in the recorder's order", () => {
		const statements = Object.values(reportQueries({ ...QUERY, service: "skycast" }, "penumbra_metrics"));
		for (const sql of statements) {
			expect(sql).toContain("FROM penumbra_metrics WHERE");
			expect(sql).toMatch(/FORMAT JSON$/);
			// The point's own time (double1 = at_ms) bounds the range; `timestamp` only narrows the scan.
			expect(sql).toContain(`double1 >= ${SINCE} AND double1 < ${SINCE + 2 * HALF_HOUR}`);
			expect(sql).toContain("timestamp >= toDateTime(");
			expect(sql).not.toMatch(/count\(/i);
		}
		const [groups, latency] = statements;
		expect(groups).toContain("sum(if(blob1 = 'request' AND blob4 = 'fault', _sample_interval, 0)) AS faults");
		expect(groups).toContain("double4 * _sample_interval");
		expect(groups).toContain("AND blob2 = 'skycast'");
		expect(latency).toContain("quantileExactWeighted(0.95)(double3, _sample_interval) AS p95");
		// Searches and chat turns belong to no service: a service filter leaves them out of their statements.
		expect(statements.filter((sql) => sql.includes("blob2 = 'skycast'"))).toHaveLength(7);
	});

	it("refuses to inline a service name that could leave its string literal", () => {
		expect(() => reportQueries({ ...QUERY, service: "x' OR 1=1 --" }, "penumbra_metrics")).toThrow(
			PenumbraError,
		);
	});

	it("fails as an upstream error when the SQL API refuses", async () => {
		const refusing = async () => new Response("authentication error", { status: 403 });
		const failed = await analyticsEngineReader(AE_ENV, refusing)
			.report(QUERY)
			.catch((error: unknown) => error);
		expect(failed).toBeInstanceOf(PenumbraError);
		expect(failed).toMatchObject({ code: "UPSTREAM_ERROR", status: 502 });
	});

	it("answers 503 naming what to set when the account or token is missing", async () => {
		const production = { ...env, METRICS_STORE: "analytics-engine", ANALYTICS_ACCOUNT_ID: "" } as GatewayEnv;
		const ctx = createExecutionContext();
		const response = await app.fetch(
			new Request(`${ORIGIN}/v1/admin/metrics`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }),
			production,
			ctx,
		);
		await waitOnExecutionContext(ctx);
		const problem = await expectProblem(response, 503, "INTERNAL");
		expect(problem.detail).toContain("ANALYTICS_ACCOUNT_ID");
		expect(problem.detail).toContain("ANALYTICS_API_TOKEN");
	});
});
