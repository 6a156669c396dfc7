import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/**
 * A bench suite's flags: `--quick` and `--strict` (every suite takes them) plus its own `options`. A bad flag is said
 * through `say` with the list of flags the suite takes, and exits 2.
 */
export function parseSuiteFlags<T extends ParseArgsOptionsConfig>(say: (line: string) => void, options: T) {
	const all = {
		...options,
		quick: { type: "boolean", default: false },
		strict: { type: "boolean", default: false },
	} as const;
	try {
		return parseArgs({ options: all }).values;
	} catch (error) {
		const flags = Object.keys(all).map((name) => `--${name}`);
		say(`${error instanceof Error ? error.message : String(error)}; flags: ${flags.join(", ")}`);
		process.exit(2);
	}
}
