import { cpSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const FIXTURES = resolve(import.meta.dirname, "fixtures");

/**
 * The browser tests' catalog: every provider of `providers/`, plus the fixtures here (Broken Feed, whose upstream
 * always answers 503, for the operator dashboard's upstream failures), copied into `dir` for the seed step.
 */
export function browserProviders(root: string, dir: string): string {
	cpSync(join(root, "providers"), dir, { recursive: true });
	for (const entry of readdirSync(FIXTURES, { withFileTypes: true })) {
		if (entry.isDirectory()) cpSync(join(FIXTURES, entry.name), join(dir, entry.name), { recursive: true });
	}
	return dir;
}
