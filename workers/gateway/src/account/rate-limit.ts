/**
 * GCRA (generic cell rate algorithm) over the Account DO's `rate` table: `perMinute` sustained with up to `burst`
 * at once, per bucket (a provider). Pure bookkeeping, no money; runs inside the caller's transaction.
 * Returns 0 when the call may go ahead (and records it), else the seconds to wait.
 */
export function takeRateToken(
	sql: SqlStorage,
	bucket: string,
	perMinute: number,
	burst: number,
	now: number,
): number {
	const interval = 60_000 / Math.max(1, perMinute);
	const tolerance = interval * Math.max(0, burst - 1);
	const row = sql.exec<{ tat: number }>("SELECT tat FROM rate WHERE bucket = ?", bucket).toArray()[0];
	const tat = Math.max(row?.tat ?? now, now);
	const next = tat + interval;
	if (next - now > tolerance + interval) return Math.ceil((next - now - tolerance - interval) / 1000) || 1;
	sql.exec(
		"INSERT INTO rate (bucket, tat) VALUES (?, ?) ON CONFLICT(bucket) DO UPDATE SET tat = excluded.tat",
		bucket,
		next,
	);
	return 0;
}
