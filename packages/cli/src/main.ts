import { parseArgs } from "node:util";
import { PenumbraError, toErrorMessage } from "@penumbra/core/errors";
import type { Command } from "./command.ts";
import { keyCommands } from "./keys.ts";
import { moneyCommands, refreshCommands } from "./money.ts";
import { err, isUsageError, out, usageError } from "./output.ts";
import { providerCommands } from "./providers.ts";
import { scaffoldCommands } from "./scaffold-command.ts";
import { stackCommands } from "./stack-command.ts";
import { synthCommands } from "./synth-command.ts";

const commands: Command[] = [
	...providerCommands,
	...refreshCommands,
	...scaffoldCommands,
	...synthCommands,
	...keyCommands,
	...moneyCommands,
	...stackCommands,
];

function topHelp(): string {
	const width = Math.max(...commands.map((c) => c.name.length));
	return `penumbra: the Penumbra command line

Usage: penumbra <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run \`penumbra <command> --help\` for a command's options.`;
}

function groupHelp(group: string): string {
	const members = commands.filter((c) => c.name.startsWith(`${group} `));
	const width = Math.max(...members.map((c) => c.name.length));
	return `Usage: penumbra ${group} <command> [options]

Commands:
${members.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run \`penumbra ${group} <command> --help\` for a command's options.`;
}

const isHelp = (arg: string | undefined) => arg === "--help" || arg === "-h" || arg === "help";

function findCommand(argv: string[]): Command | undefined {
	return commands.find((c) => {
		const words = c.name.split(" ");
		return words.every((w, i) => argv[i] === w);
	});
}

/** Runs the CLI on `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
	if (argv.length === 0 || (argv.length === 1 && isHelp(argv[0]))) {
		out(topHelp());
		return 0;
	}
	const command = findCommand(argv);
	if (!command) {
		const groups = [...new Set(commands.map((c) => c.name.split(" ")[0]))];
		const [first = "", second] = argv;
		if (groups.includes(first)) {
			if (second === undefined || isHelp(second)) {
				out(groupHelp(first));
				return second === undefined ? 2 : 0;
			}
			throw usageError(`unknown command "${first} ${second}"; run \`penumbra ${first} --help\``);
		}
		throw usageError(`unknown command "${first}"; run \`penumbra --help\` for the list`);
	}
	const rest = argv.slice(command.name.split(" ").length);
	if (rest.some((a) => a === "--help" || a === "-h")) {
		out(command.help);
		return 0;
	}
	const parsed = parse(command, rest);
	const expected = command.positionals ?? { names: [], min: 0 };
	if (parsed.positionals.length < expected.min) {
		throw usageError(
			`penumbra ${command.name} needs ${expected.names.slice(parsed.positionals.length).join(" ")}`,
		);
	}
	if (parsed.positionals.length > expected.names.length) {
		const extra = parsed.positionals.slice(expected.names.length).join(" ");
		throw usageError(`unexpected argument "${extra}" for penumbra ${command.name}`);
	}
	return command.run(parsed.values, parsed.positionals);
}

function parse(command: Command, args: string[]) {
	try {
		return parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
	} catch (error) {
		const code = error instanceof Error && "code" in error ? error.code : undefined;
		const option = /'(-[^' ]+)/.exec(toErrorMessage(error))?.[1];
		if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
			throw usageError(`unknown option ${option ?? ""} for penumbra ${command.name}`);
		}
		if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
			throw usageError(
				option && command.options[option.replace(/^-+/, "")]?.type === "boolean"
					? `option ${option} takes no value`
					: `option ${option ?? ""} needs a value`,
			);
		}
		throw usageError(toErrorMessage(error));
	}
}

async function run(): Promise<void> {
	const argv = process.argv.slice(2);
	try {
		process.exitCode = await main(argv);
	} catch (error) {
		if (isUsageError(error) && error instanceof PenumbraError) {
			err(`error: ${error.detail}`);
			const command = findCommand(argv);
			if (command) err(`run \`penumbra ${command.name} --help\` for usage`);
			process.exitCode = 2;
		} else if (error instanceof PenumbraError) {
			err(`error ${error.code}: ${error.detail}`);
			process.exitCode = 1;
		} else {
			err(`error: ${toErrorMessage(error)}`);
			process.exitCode = 1;
		}
	}
}

await run();
