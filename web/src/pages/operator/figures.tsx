/** How the dashboard writes its figures: rates as percentages, durations in ms, states as coloured words. */

/** A 0..1 rate as a percentage ("—" when there was nothing to count). */
export function percent(rate: number | null): string {
	if (rate === null) return "—";
	const value = rate * 100;
	return `${value < 10 && value > 0 ? value.toFixed(1) : Math.round(value)}%`;
}

/** Milliseconds, rounded ("—" when nothing was measured). */
export function ms(value: number | null): string {
	return value === null ? "—" : `${Math.round(value)} ms`;
}

/** A state word (ok, up, degraded, unknown, down) in its colour. */
export function StatusBadge({ status }: { status: string }) {
	const tone =
		status === "ok" || status === "up"
			? "ok"
			: status === "degraded" || status === "unknown"
				? "warn"
				: "bad";
	return (
		<span className={`op-status op-status-${tone}`} data-testid="op-status">
			{status}
		</span>
	);
}
