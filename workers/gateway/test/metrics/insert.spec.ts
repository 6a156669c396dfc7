import { env } from "cloudflare:workers";
import { insertPoints } from "@penumbra/core/metrics";
import { describe, expect, it } from "vitest";

type MetricPoint = Parameters<typeof insertPoints>[1][number];

function point(i: number, text = ""): MetricPoint {
	return {
		kind: i % 2 === 0 ? "request" : "search",
		at_ms: 1_700_000_000_000 + i,
		service: "insertcast",
		tool: "t",
		status: 200,
		outcome: "ok",
		caller: "agent",
		latency_ms: i + 0.25,
		amount_cents: i,
		tokens_in: 0,
		tokens_out: 0,
		model_calls: 0,
		text,
		request_id: `insert-${i}`,
	};
}

describe("insertPoints", () => {
	it("stores every point of a batch larger than one statement, each column with its own type and value", async () => {
		const points = Array.from({ length: 1_205 }, (_, i) => point(i));
		points[7] = point(7, `it's "quoted", ünïcödé, 🍕 and a \\ backslash`);
		await insertPoints(env.DB, points);
		const rows = await env.DB.prepare(
			"SELECT kind, at_ms, latency_ms, amount_cents, text, request_id, typeof(at_ms) AS t_at, typeof(latency_ms) AS t_latency, typeof(text) AS t_text FROM metric_points WHERE service = 'insertcast' ORDER BY at_ms",
		).all<Record<string, unknown>>();
		expect(rows.results).toHaveLength(1_205);
		expect(rows.results[7]).toEqual({
			kind: "search",
			at_ms: 1_700_000_000_007,
			latency_ms: 7.25,
			amount_cents: 7,
			text: `it's "quoted", ünïcödé, 🍕 and a \\ backslash`,
			request_id: "insert-7",
			t_at: "integer",
			t_latency: "real",
			t_text: "text",
		});
		expect(rows.results.at(-1)).toMatchObject({
			kind: "request",
			request_id: "insert-1204",
			amount_cents: 1204,
		});
	});
});
