import { spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { toErrorMessage } from "@penumbra/core/errors";
import { serviceKey } from "@penumbra/core/registry";
import { z } from "zod";
import { type Command, flag, type OptionValues, stringOption } from "./command.ts";
import { ALLOWLIST_SETTING, devVar, localAllowlist, type Resolved, resolveUrl } from "./local-stack.ts";
import { err, formatProblem, out, table, usageError } from "./output.ts";
import { buildRegistryFromDir, type Catalog, type RegistryFromDir } from "./registry-build.ts";
import { missingSecretWarnings } from "./secret-check.ts";
import { upstreamWarnings } from "./upstream-check.ts";

const DEFAULT_DIR = "providers";
const DEFAULT_OUT = ".wrangler/registry.json";
const DEFAULT_PERSIST = ".wrangler/state";
const SERVICE_PREFIX = serviceKey("");

function printProblems(result: RegistryFromDir): void {
	for (const p of result.problems) out(formatProblem(p));
	for (const w of result.warnings) out(formatProblem(w, "warning: "));
}

function serviceTable(result: RegistryFromDir): string {
	return table(
		["SERVICE", "TOOLS", "FEES", "AUTH", "PURCHASES"],
		result.services.map((s) => [
			s.card.id,
			String(s.card.tool_count),
			s.card.fees.min_cents === s.card.fees.max_cents
				? `${s.card.fees.min_cents}¢`
				: `${s.card.fees.min_cents}-${s.card.fees.max_cents}¢`,
			s.card.requires_auth ? "required" : "anonymous ok",
			s.card.has_purchases ? "yes" : "no",
		]),
	);
}

function toolCount(result: RegistryFromDir): number {
	return result.services.reduce((n, s) => n + s.tools.length, 0);
}

function plural(n: number, word: string): string {
	return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Prints the problems (or, with --json, the whole report) and says whether the build may go on. */
function report(
	result: RegistryFromDir,
	dir: string,
	json: boolean,
	extra: Record<string, unknown> = {},
): boolean {
	const ok = result.problems.length === 0;
	if (json) {
		out(
			JSON.stringify(
				{
					ok,
					providers: result.folders.length,
					services: result.services.map((s) => s.card.id),
					tools: toolCount(result),
					problems: result.problems,
					warnings: result.warnings,
					...(ok ? extra : {}),
				},
				null,
				2,
			),
		);
		return ok;
	}
	printProblems(result);
	if (!ok) {
		const failed = result.folders.length - result.services.length;
		err(
			`${plural(result.problems.length, "problem")} in ${failed} of ${plural(result.folders.length, "provider")} under ${dir}/`,
		);
	}
	return ok;
}

/** The sandbox merchants' origin for manifests' `${SANDBOX_ORIGIN}`: the flag, else as every command resolves it. */
function sandboxOrigin(values: OptionValues): Resolved {
	return resolveUrl("sandbox", { name: "--sandbox-origin", value: stringOption(values, "sandbox-origin") });
}

async function compileDir(
	values: OptionValues,
	catalog: Catalog = "development",
): Promise<{ dir: string; result: RegistryFromDir }> {
	const dir = stringOption(values, "dir") ?? DEFAULT_DIR;
	const vars = { SANDBOX_ORIGIN: sandboxOrigin(values).url };
	return { dir, result: await buildRegistryFromDir(dir, { catalog, vars }) };
}

/** Says which development providers a production build left out, and why. */
function reportSkipped(result: RegistryFromDir): void {
	if (result.skipped.length === 0) return;
	err(
		`refusing ${plural(result.skipped.length, "development provider")} (dev: true in provider.yaml; sandbox merchants that only exist locally): ${result.skipped.join(", ")}. A production registry publishes only providers with an https upstream on a public host.`,
	);
}

async function writeEntries(file: string, entries: RegistryFromDir["entries"]): Promise<number> {
	const text = `${JSON.stringify(entries)}\n`;
	await mkdir(path.dirname(path.resolve(file)), { recursive: true });
	await writeFile(file, text);
	return text.length;
}

const dirOption = {
	dir: { type: "string" },
	"sandbox-origin": { type: "string" },
	json: { type: "boolean" },
} as const;

const SANDBOX_HELP = `  --sandbox-origin URL  the sandbox merchants' origin, for \${SANDBOX_ORIGIN} in manifests (default:
                        $SANDBOX_ORIGIN, $PENUMBRA_SANDBOX_PORT, the running npm start, http://127.0.0.1:8791)`;

const validate: Command = {
	name: "providers validate",
	summary: "Check every provider manifest and OpenAPI spec",
	help: `Usage: penumbra providers validate [--dir providers] [--json]

Compiles every <dir>/<id>/provider.yaml with its spec and prints each problem as
file#/json/pointer: message. Exits 1 when there is any problem. Warns about an
upstream the gateway of \`npm start\` would refuse (not https to a public host
and not in its allowlist: the sandbox and ${ALLOWLIST_SETTING}), and about
PROVIDER_* secrets a manifest's auth reads that are set neither in the
environment nor in .dev.vars.

Options:
  --dir DIR   folder holding one sub-folder per provider (default: providers)
  --json      print the report as JSON
${SANDBOX_HELP}`,
	options: dirOption,
	async run(values) {
		const { dir, result } = await compileDir(values);
		result.warnings.push(...upstreamWarnings(result.services, dir, localAllowlist(sandboxOrigin(values))));
		const isSet = (name: string) => Boolean(process.env[name] || devVar(name));
		result.warnings.push(...missingSecretWarnings(result.services, dir, isSet, sandboxOrigin(values).url));
		if (!report(result, dir, flag(values, "json"))) return 1;
		if (flag(values, "json")) return 0;
		if (result.folders.length === 0)
			err(`no provider folders under ${dir}/ (each needs ${dir}/<id>/provider.yaml)`);
		if (result.services.length > 0) out(serviceTable(result));
		out(`${plural(result.services.length, "provider")}, ${plural(toolCount(result), "tool")}: valid`);
		return 0;
	},
};

const build: Command = {
	name: "providers build",
	summary: "Compile providers into a KV bulk file",
	help: `Usage: penumbra providers build [--dir providers] [--out ${DEFAULT_OUT}] [--json]

Compiles the providers and writes the registry's KV entries as a JSON array of
{key, value}, the input of \`wrangler kv bulk put\`. Nothing is written when a
provider has a problem.

Options:
  --dir DIR    folder holding one sub-folder per provider (default: providers)
  --out FILE   where to write the entries (default: ${DEFAULT_OUT})
  --json       print the report as JSON
${SANDBOX_HELP}`,
	options: { ...dirOption, out: { type: "string" } },
	async run(values) {
		const { dir, result } = await compileDir(values);
		const file = stringOption(values, "out") ?? DEFAULT_OUT;
		if (result.problems.length > 0) return report(result, dir, flag(values, "json")) ? 0 : 1;
		const bytes = await writeEntries(file, result.entries);
		if (!report(result, dir, flag(values, "json"), { out: file, entries: result.entries.length, bytes }))
			return 1;
		if (!flag(values, "json")) {
			if (result.services.length > 0) out(serviceTable(result));
			out(
				`wrote ${result.entries.length} KV entries (index + ${plural(result.services.length, "service")}, ${plural(toolCount(result), "tool")}, ${Math.ceil(bytes / 1024)} KiB) to ${file}`,
			);
		}
		return 0;
	},
};

const seed: Command = {
	name: "providers seed",
	summary: "Build the registry and load it into the REGISTRY KV namespace",
	help: `Usage: penumbra providers seed [--local | --remote] [--persist-to ${DEFAULT_PERSIST}] [--dir providers]

Builds the registry (as \`providers build\`), then runs
\`wrangler kv bulk put <file> --binding REGISTRY\` against local state (default)
or the remote namespace. Afterwards it deletes registry:service:* keys of
providers that no longer exist, unless --keep-stale is given.

--remote publishes the production catalog: providers marked \`dev: true\` (the
sandbox merchants) are refused and left out, and any other provider whose
upstream is not https on a public host is an error.

Options:
  --local             write to local state (default)
  --remote            write to the deployed namespace
  --persist-to DIR    local state folder shared with \`wrangler dev\` (default: ${DEFAULT_PERSIST})
  --dir DIR           providers folder (default: providers)
  --out FILE          the bulk file to write and upload (default: ${DEFAULT_OUT})
  --config FILE       wrangler configuration (default: wrangler finds wrangler.toml)
  --keep-stale        do not delete keys of removed providers
${SANDBOX_HELP}`,
	options: {
		dir: { type: "string" },
		"sandbox-origin": { type: "string" },
		out: { type: "string" },
		local: { type: "boolean" },
		remote: { type: "boolean" },
		"persist-to": { type: "string" },
		config: { type: "string" },
		"keep-stale": { type: "boolean" },
	},
	async run(values) {
		if (flag(values, "local") && flag(values, "remote"))
			throw usageError("--local and --remote exclude each other");
		const remote = flag(values, "remote");
		if (remote && stringOption(values, "persist-to"))
			throw usageError("--persist-to only applies to --local");
		const { dir, result } = await compileDir(values, remote ? "production" : "development");
		reportSkipped(result);
		if (!report(result, dir, false)) return 1;
		const file = stringOption(values, "out") ?? DEFAULT_OUT;
		await writeEntries(file, result.entries);

		const target = remote
			? ["--remote"]
			: ["--local", "--persist-to", path.resolve(stringOption(values, "persist-to") ?? DEFAULT_PERSIST)];
		const config = stringOption(values, "config");
		const common = ["--binding", "REGISTRY", ...target, ...(config ? ["--config", config] : [])];
		const env: Record<string, string> = remote
			? { WRANGLER_SEND_METRICS: "false" }
			: { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

		const put = await wrangler(["kv", "bulk", "put", file, ...common], env);
		if (put.code !== 0) {
			err(`error: wrangler kv bulk put exited with ${put.code}`);
			return 1;
		}
		let pruned = 0;
		if (!flag(values, "keep-stale")) {
			const stale = await staleKeys(common, env, new Set(result.entries.map((e) => e.key)));
			if (stale === null) return 1;
			if (stale.length > 0) {
				const staleFile = `${file}.stale.json`;
				await writeFile(staleFile, JSON.stringify(stale));
				const del = await wrangler(["kv", "bulk", "delete", staleFile, "--force", ...common], env);
				await rm(staleFile, { force: true });
				if (del.code !== 0) {
					err(`error: wrangler kv bulk delete exited with ${del.code}`);
					return 1;
				}
				pruned = stale.length;
			}
		}
		out(
			`seeded ${plural(result.services.length, "service")} (${plural(toolCount(result), "tool")}) into REGISTRY ${remote ? "(remote)" : `(local, ${target[2]})`}${pruned ? `; removed ${plural(pruned, "stale service key")}` : ""}`,
		);
		return 0;
	},
};

const keyListSchema = z.array(z.looseObject({ name: z.string() }));

async function staleKeys(
	common: string[],
	env: Record<string, string>,
	keep: Set<string>,
): Promise<string[] | null> {
	const listed = await wrangler(["kv", "key", "list", "--prefix", SERVICE_PREFIX, ...common], env, true);
	if (listed.code !== 0) {
		err(`error: wrangler kv key list exited with ${listed.code}`);
		return null;
	}
	// wrangler may print a banner before the JSON array.
	const start = listed.stdout.indexOf("[");
	let parsed: z.output<typeof keyListSchema>;
	try {
		parsed = keyListSchema.parse(JSON.parse(start >= 0 ? listed.stdout.slice(start) : listed.stdout));
	} catch (error) {
		err(`error: could not read the key list from wrangler: ${toErrorMessage(error)}`);
		return null;
	}
	return parsed.map((k) => k.name).filter((name) => !keep.has(name));
}

function wrangler(
	args: string[],
	env: Record<string, string>,
	capture = false,
): Promise<{ code: number; stdout: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn("npx", ["wrangler", ...args], {
			stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
			env: { ...process.env, ...env },
		});
		let stdout = "";
		child.stdout?.setEncoding("utf8");
		child.stdout?.on("data", (chunk: string) => {
			stdout += chunk;
		});
		child.on("error", reject);
		child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stdout }));
	});
}

export const providerCommands: Command[] = [validate, build, seed];
