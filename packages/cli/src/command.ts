import type { ParseArgsOptionsConfig } from "node:util";

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One `penumbra <group> <verb>` command. */
export interface Command {
	/** Words that select the command, e.g. `providers validate`. */
	name: string;
	summary: string;
	/** Usage line and option help shown by `--help`. */
	help: string;
	options: ParseArgsOptionsConfig;
	/** Positional arguments after the command words: exact names for the help, and how many are allowed. */
	positionals?: { names: string[]; min: number };
	/** Returns the process exit status. */
	run(values: OptionValues, positionals: string[]): Promise<number>;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
	const value = values[name];
	return typeof value === "string" ? value : undefined;
}

export function flag(values: OptionValues, name: string): boolean {
	return values[name] === true;
}
