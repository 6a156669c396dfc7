import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";

/**
 * Per-credential rate limit of every provider in the bench's copy: far above what one local machine can send, so
 * no bench case is ever refused with 429 (the shipped limits, e.g. 120 or 300 a minute, are for people). The
 * limit is still checked on every call: only its numbers change.
 */
export const BENCH_RATE_LIMIT = { default_per_minute: 10_000_000, burst: 10_000_000 };

/**
 * Copies `<root>/providers` to `dir` with every manifest's `rate_limits` raised to {@link BENCH_RATE_LIMIT}
 * (comments and everything else kept), and returns `dir`: the registry the bench seeds and compiles.
 */
export function benchProviders(root: string, dir: string): string {
	rmSync(dir, { recursive: true, force: true });
	cpSync(join(root, "providers"), dir, { recursive: true });
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (!entry.isDirectory()) continue;
		const file = join(dir, entry.name, "provider.yaml");
		const doc = parseDocument(readFileSync(file, "utf8"));
		doc.set("rate_limits", doc.createNode(BENCH_RATE_LIMIT));
		writeFileSync(file, doc.toString());
	}
	return dir;
}
