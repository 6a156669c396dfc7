/** How long D1 keeps metric points: the dashboard and alerts read at most the last days; production uses Analytics Engine. */
export const METRICS_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Deletes D1 metric points older than {@link METRICS_RETENTION_MS} before `now_ms` (the cron calls it); returns how
 * many went. Analytics Engine keeps its own retention.
 */
export async function pruneMetrics(env: { DB: D1Database }, now_ms: number): Promise<number> {
	const result = await env.DB.prepare("DELETE FROM metric_points WHERE at_ms < ?")
		.bind(Math.floor(now_ms - METRICS_RETENTION_MS))
		.run();
	return result.meta.changes ?? 0;
}
