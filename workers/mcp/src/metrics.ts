import { waitUntil } from "cloudflare:workers";
import { failureError } from "@penumbra/core/contracts";
import { type Metrics, metricsOf } from "@penumbra/core/metrics";

/**
 * This Worker's metric recorder (docs/operating.md). It has no D1: with the `d1` store (local runs, tests) its points
 * go to the gateway's `recordMetrics` RPC, which stores them in `metric_points`; in production straight to
 * Analytics Engine.
 */
export function mcpMetrics(env: McpEnv): Metrics {
	return metricsOf(env, { waitUntil }, async (points) => {
		const stored = await env.GATEWAY.recordMetrics(points);
		// Thrown into the recorder's flush, which logs and drops the batch: metrics never fail a tool call.
		if (!stored.ok) throw failureError(stored);
	});
}
