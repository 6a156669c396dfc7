import type { Command } from "./command.ts";
import { flag } from "./command.ts";
import {
	ALLOWLIST_SETTING,
	localAllowlist,
	PART_NAMES,
	PARTS,
	readStackFile,
	resolveUrl,
	STACK_FILE,
} from "./local-stack.ts";
import { err, out, table } from "./output.ts";

const stack: Command = {
	name: "stack",
	summary: "Show where the local stack listens, as every command sees it",
	help: `Usage: penumbra stack [--json]

Prints the URL of each part of the local stack and where it came from. Every command resolves a URL the same way,
first match wins: its flag (--url for the gateway, --sandbox-origin for the sandbox), the environment
(${PART_NAMES.map((p) => PARTS[p].urlEnv).join(", ")}; then the port variables npm start reads:
${PART_NAMES.map((p) => PARTS[p].portEnv).join(", ")}), ${STACK_FILE} (written by a running
\`npm start\`), the default port. Also prints the gateway's upstream allowlist under npm start (the sandbox and
${ALLOWLIST_SETTING}).

Options:
  --json   print it as JSON`,
	options: { json: { type: "boolean" } },
	async run(values) {
		const found = readStackFile();
		const urls = Object.fromEntries(PART_NAMES.map((part) => [part, resolveUrl(part)]));
		const allowlist = localAllowlist(resolveUrl("sandbox"));
		const running = found
			? { pid: found.stack.pid, alive: found.alive, started_at: found.stack.started_at }
			: null;
		if (flag(values, "json")) {
			out(JSON.stringify({ urls, upstream_allowlist: allowlist, stack_file: running }, null, 2));
			return 0;
		}
		out(
			table(
				["PART", "URL", "FROM"],
				PART_NAMES.map((part) => [part, urls[part]?.url ?? "", urls[part]?.source ?? ""]),
			),
		);
		out(`upstream allowlist: ${allowlist.join(", ")}`);
		if (found && !found.alive) {
			err(`warning: ${STACK_FILE} is stale (npm start, pid ${found.stack.pid}, is not running); ignored`);
		}
		return 0;
	},
};

export const stackCommands: Command[] = [stack];
