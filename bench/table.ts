/** A plain-text table for bench reports: the first row is the header, the first column left-aligned, the rest right. */
export function table(rows: string[][]): string {
	const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
	return rows
		.map((r, n) => {
			const line = r.map((cell, i) =>
				i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
			);
			return n === 0 ? `${line.join("  ")}\n${widths.map((w) => "─".repeat(w)).join("  ")}` : line.join("  ");
		})
		.join("\n");
}
