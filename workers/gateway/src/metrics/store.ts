import { type MetricPoint, MetricPointSchema } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { insertPoints, type MetricsEnv, metricsOf, metricsStoreOf } from "@penumbra/core/metrics";

/** At most this many points per call: what one Worker's buffer holds (the recorder's cap). */
const MAX_POINTS = 10_000;
/** D1 batches of this many inserts, so one forward never makes a single huge batch. */
const BATCH = 500;

interface WaitUntil {
	waitUntil(promise: Promise<unknown>): void;
}

/**
 * Stores points another Worker recorded (the MCP Worker has no D1; `GatewayRpc.recordMetrics`): each parsed with
 * `MetricPointSchema`, the invalid ones dropped and counted, the rest written to this gateway's `METRICS_STORE`.
 */
export async function storePoints(
	env: MetricsEnv & { DB: D1Database },
	ctx: WaitUntil,
	input: unknown,
): Promise<{ recorded: number; dropped: number }> {
	if (!Array.isArray(input) || input.length > MAX_POINTS) {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: `Send an array of at most ${MAX_POINTS} metric points.`,
		});
	}
	const valid: MetricPoint[] = [];
	for (const item of input) {
		const parsed = MetricPointSchema.safeParse(item);
		if (parsed.success) valid.push(parsed.data);
	}
	const dropped = input.length - valid.length;
	const store = metricsStoreOf(env);
	if (store === "off") return { recorded: 0, dropped };
	if (store === "d1") {
		for (let start = 0; start < valid.length; start += BATCH)
			await insertPoints(env.DB, valid.slice(start, start + BATCH));
	} else {
		const metrics = metricsOf(env, ctx);
		for (const point of valid) metrics.record(point);
	}
	return { recorded: valid.length, dropped };
}
