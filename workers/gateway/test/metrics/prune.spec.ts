import { env } from "cloudflare:workers";
import { insertPoints } from "@penumbra/core/metrics";
import { describe, expect, it } from "vitest";
import { METRICS_RETENTION_MS, pruneMetrics } from "../../src/metrics/prune.ts";

const DAY_MS = 24 * 3600_000;

function point(at_ms: number, request_id: string) {
	return {
		kind: "request" as const,
		at_ms,
		service: "prunecast",
		tool: "t",
		status: 200,
		outcome: "ok",
		caller: "agent",
		latency_ms: 1,
		amount_cents: 0,
		tokens_in: 0,
		tokens_out: 0,
		model_calls: 0,
		text: "",
		request_id,
	};
}

describe("pruneMetrics", () => {
	it("deletes D1 points older than seven days and keeps the rest", async () => {
		const now = Date.now();
		expect(METRICS_RETENTION_MS).toBe(7 * DAY_MS);
		await insertPoints(env.DB, [point(now - 8 * DAY_MS, "prune-old"), point(now - DAY_MS, "prune-recent")]);
		expect(await pruneMetrics(env, now)).toBeGreaterThanOrEqual(1);
		const left = await env.DB.prepare(
			"SELECT request_id FROM metric_points WHERE service = 'prunecast' ORDER BY request_id",
		).all<{ request_id: string }>();
		expect(left.results.map((r) => r.request_id)).toEqual(["prune-recent"]);
	});
});
