import { PenumbraError } from "@penumbra/core/errors";
import type { CompileProblem } from "@penumbra/core/registry";

/** Writes one line to stdout. */
export function out(line = ""): void {
	process.stdout.write(`${line}\n`);
}

/** Writes one line to stderr. */
export function err(line = ""): void {
	process.stderr.write(`${line}\n`);
}

/** `file#/json/pointer: message`, the form editors and CI logs can jump to. */
export function formatProblem(problem: CompileProblem, prefix = ""): string {
	return `${problem.file}${problem.path ? `#${problem.path}` : ""}: ${prefix}${problem.message}`;
}

/** A left-aligned text table with a header row. */
export function table(headers: string[], rows: string[][]): string {
	const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
	const line = (cells: string[]) =>
		cells
			.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
			.join("  ")
			.trimEnd();
	return [line(headers), ...rows.map(line)].join("\n");
}

/** A mistake in how the CLI was called; printed with a pointer to `--help`, exit status 2. */
export function usageError(detail: string): PenumbraError {
	return new PenumbraError("VALIDATION_FAILED", { detail, extras: { usage: true } });
}

export function isUsageError(error: unknown): boolean {
	return error instanceof PenumbraError && error.extras.usage === true;
}
