/**
 * `npm run inspect`: checks a running MCP server with MCP Inspector's CLI, the way a user would: tools/list, then a
 * tools/call of search_services, over Streamable HTTP. `npm start -- --smoke` runs it too.
 *
 *   npm run inspect                          # the running npm start's MCP server (as `npx penumbra stack` finds it),
 *                                            # the dev key from .wrangler/dev-credential.json
 *   npm run inspect -- --url <mcp url> [--key <unified key>]
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { resolveUrl } from "@penumbra/cli/local-stack";

const root = resolve(import.meta.dirname, "..");

interface Check {
	label: string;
	args: string[];
	/** What the answer must contain to count as a success. */
	expect: (output: string) => string | null;
}

function runInspector(
	url: string,
	key: string | undefined,
	args: string[],
): Promise<{ code: number; out: string }> {
	const headers = key ? ["--header", `Authorization: Bearer ${key}`] : [];
	return new Promise((done) => {
		const child = spawn(
			join(root, "node_modules", ".bin", "mcp-inspector"),
			["--cli", url, "--transport", "http", ...headers, ...args],
			{ cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
		);
		let out = "";
		child.stdout.on("data", (chunk: Buffer) => {
			out += chunk.toString();
		});
		child.stderr.on("data", (chunk: Buffer) => {
			out += chunk.toString();
		});
		const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
		child.on("close", (code) => {
			clearTimeout(timer);
			done({ code: code ?? 1, out });
		});
	});
}

const CHECKS: Check[] = [
	{
		label: "tools/list",
		args: ["--method", "tools/list"],
		expect: (out) => {
			const names = ["get_started", "search_services", "list_tools", "execute", "health"];
			const missing = names.filter((n) => !out.includes(`"${n}"`));
			return missing.length ? `missing tools: ${missing.join(", ")}` : null;
		},
	},
	{
		label: "tools/call search_services",
		args: ["--method", "tools/call", "--tool-name", "search_services", "--tool-arg", "query=order some food"],
		expect: (out) => (out.includes("fooddash") ? null : "fooddash not in the answer"),
	},
];

/** Runs every check; resolves with the failures (empty when all passed). */
export async function inspect(url: string, key: string | undefined, say = console.log): Promise<string[]> {
	const failures: string[] = [];
	for (const check of CHECKS) {
		const { code, out } = await runInspector(url, key, check.args);
		const problem = code !== 0 ? `exit ${code}` : check.expect(out);
		if (problem) failures.push(`${check.label}: ${problem}\n${out.slice(0, 2000)}`);
		else say(`MCP Inspector ${check.label} → ok`);
	}
	return failures;
}

if (import.meta.main) {
	const { values } = parseArgs({ options: { url: { type: "string" }, key: { type: "string" } } });
	const stored = join(root, ".wrangler", "dev-credential.json");
	const key =
		values.key ??
		(existsSync(stored) ? (JSON.parse(readFileSync(stored, "utf8")) as { key: string }).key : undefined);
	const url = values.url ?? `${resolveUrl("mcp", undefined, { cwd: root, env: process.env }).url}/mcp`;
	const failures = await inspect(url, key);
	for (const failure of failures) console.error(failure);
	process.exit(failures.length ? 1 : 0);
}
