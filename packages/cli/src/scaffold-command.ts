import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PenumbraError, toErrorMessage } from "@penumbra/core/errors";
import { assessUpstreamUrl } from "@penumbra/core/ssrf";
import { type Command, flag, stringOption } from "./command.ts";
import { ALLOWLIST_SETTING, localAllowlist, resolveUrl } from "./local-stack.ts";
import { err, formatProblem, out, usageError } from "./output.ts";
import { CONTRACT_HELPER, type ScaffoldChange, type ScaffoldResult, scaffoldProvider } from "./scaffold.ts";
import { BUILT_REGISTRY, registryServices } from "./scaffold-registry.ts";

const DEFAULT_DIR = "providers";
const MAX_SPEC_BYTES = 20 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Origins a spec may be fetched from over plain http: those npm start's gateway may call (`penumbra stack`). */
function allowlist(): string[] {
	return localAllowlist(resolveUrl("sandbox"));
}

/** Fetches a spec, re-checking every redirect hop: a public URL must not bounce the CLI into a private network. */
export async function fetchSpec(url: string, allowed: string[]): Promise<string> {
	let current = url;
	for (let hop = 0; hop < 5; hop++) {
		const verdict = assessUpstreamUrl(current, allowed);
		if (!verdict.ok) {
			throw usageError(
				`refusing to fetch ${current}: ${verdict.reason} (https to a public host, or the local sandbox or an origin in ${ALLOWLIST_SETTING})`,
			);
		}
		let response: Response;
		try {
			response = await fetch(verdict.url, {
				redirect: "manual",
				headers: { accept: "application/json, application/yaml;q=0.9, */*;q=0.5" },
				signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
			});
		} catch (error) {
			const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
			throw new PenumbraError("UPSTREAM_ERROR", {
				detail: `cannot fetch ${current}: ${toErrorMessage(error)}${cause}`,
			});
		}
		const location = response.headers.get("location");
		if (response.status >= 300 && response.status < 400 && location) {
			current = new URL(location, verdict.url).href;
			continue;
		}
		if (!response.ok)
			throw new PenumbraError("UPSTREAM_ERROR", {
				detail: `fetching ${current} gave HTTP ${response.status}`,
			});
		const text = await response.text();
		if (text.length > MAX_SPEC_BYTES)
			throw new PenumbraError("PAYLOAD_TOO_LARGE", { detail: `${current} is larger than 20 MiB` });
		return text;
	}
	throw new PenumbraError("UPSTREAM_ERROR", { detail: `${url} redirects more than 5 times` });
}

function show(value: unknown): string {
	if (value === undefined) return "(none)";
	const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
	return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}

/** One line per change: `file#pointer: before → after  (reason)`. */
export function formatChange(change: ScaffoldChange): string {
	return `${change.check ? "CHECK " : "      "}${change.file}#${change.pointer}: ${show(change.before)} → ${show(change.after)}  (${change.reason})`;
}

async function existingFiles(folder: string): Promise<string[]> {
	try {
		return await readdir(folder);
	} catch {
		return [];
	}
}

function printReport(result: ScaffoldResult, folder: string): void {
	if (result.changes.length > 0) {
		out(
			`${result.changes.length} change${result.changes.length === 1 ? "" : "s"} (CHECK = a guess to confirm):`,
		);
		for (const change of result.changes) out(formatChange(change));
	}
	const shownWarnings = result.warnings.slice(0, 20);
	for (const w of shownWarnings) out(formatProblem(w, "warning: "));
	if (result.warnings.length > shownWarnings.length)
		out(`… and ${result.warnings.length - shownWarnings.length} more warnings (--json lists all)`);
	for (const p of result.problems) err(formatProblem(p));
	if (!result.ok) {
		err(
			`refused: ${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}; nothing was written to ${folder}/`,
		);
		return;
	}
	const service = result.service;
	if (!service) return;
	const purchases = service.tools.filter((t) => t.purchase?.kind === "purchase").map((t) => t.name);
	out(
		`wrote ${folder}/: ${service.tools.length} tools from ${result.stats.operations} operations (${result.stats.sourceVersion})${purchases.length ? `, purchases: ${purchases.join(", ")}` : ""}`,
	);
	out(
		`next: check the CHECK lines, then \`npx vitest run ${folder}\` and \`npx penumbra providers validate\``,
	);
}

const scaffold: Command = {
	name: "providers scaffold",
	summary: "Create a provider from an OpenAPI 3.x or Swagger 2.0 spec, without code",
	help: `Usage: penumbra providers scaffold --id ID --name NAME (--openapi-url URL | --openapi-file FILE)
                                   --upstream-base URL [options]

Reads a real-world spec (Swagger 2.0 is converted to OpenAPI 3.0; JSON or YAML), makes it one
self-contained file the compiler accepts (missing or duplicate operationIds, refs to sibling files
or to nothing, credentials passed as parameters), marks a purchase/precheck pair, then writes
<dir>/<id>/provider.yaml, openapi.yaml and contract.spec.ts. Every change is printed with its JSON
pointer, before → after and why; guesses to confirm are marked CHECK. Nothing is written when the
provider does not compile.

Options:
  --id ID                  provider id (lowercase letters, digits, -)
  --name NAME              display name
  --openapi-url URL        fetch the spec (https, the local sandbox, or an origin in ${ALLOWLIST_SETTING})
  --openapi-file FILE      read the spec from a file; $refs to files next to it are bundled
  --upstream-base URL      where the gateway sends calls, e.g. https://api.example.com/v1
  --has-purchases          the service sells something: find the precheck/purchase pair, or (no
                           pricing operation) a payment whose amount is in its request
  --precheck-pattern P     path (glob or substring) of the pricing operation, e.g. /checkout/quote
  --purchase-pattern P     path of the purchase, when it does not pair by name (e.g. /checkout);
                           an exact path wins over the others it is a substring of
  --amount-param P         a payment priced by its own request: the parameter holding the amount in
                           minor units (cents), e.g. amount.value; no precheck
  --currency-param P       the payment's currency parameter, e.g. amount.currency (must be USD)
  --transaction-id-path J  JSONPath of the order or payment id in the purchase's answer, e.g. $.pspReference
  --pricing-model TEXT     e.g. "per ride transaction"
  --flow TEXT              e.g. "1. Search → 2. Quote → 3. Book"
  --response-time TEXT     e.g. "< 1 second"
  --category SLUG          e.g. food-delivery (when absent: a category of the providers in --dir or of
                           the built registry (${BUILT_REGISTRY}) that fits the spec, else a guess)
  --tags a,b,c             search tags (when absent: the operations' tags, most used first)
  --description TEXT       service description (when absent: the spec's summary, else the first sentence
                           of info.description that is not boilerplate)
  --dir DIR                providers folder (default: ${DEFAULT_DIR})
  --force                  overwrite an existing provider folder
  --json                   print the result as JSON`,
	options: {
		id: { type: "string" },
		name: { type: "string" },
		"openapi-url": { type: "string" },
		"openapi-file": { type: "string" },
		"upstream-base": { type: "string" },
		"has-purchases": { type: "boolean" },
		"precheck-pattern": { type: "string" },
		"purchase-pattern": { type: "string" },
		"amount-param": { type: "string" },
		"currency-param": { type: "string" },
		"transaction-id-path": { type: "string" },
		"pricing-model": { type: "string" },
		flow: { type: "string" },
		"response-time": { type: "string" },
		category: { type: "string" },
		tags: { type: "string" },
		description: { type: "string" },
		dir: { type: "string" },
		force: { type: "boolean" },
		json: { type: "boolean" },
	},
	async run(values) {
		const json = flag(values, "json");
		const id = stringOption(values, "id");
		const name = stringOption(values, "name");
		const upstreamBase = stringOption(values, "upstream-base");
		const url = stringOption(values, "openapi-url");
		const file = stringOption(values, "openapi-file");
		const missing = [
			!id && "--id",
			!name && "--name",
			!upstreamBase && "--upstream-base",
			!url && !file && "--openapi-url or --openapi-file",
		].filter(Boolean);
		if (missing.length > 0) throw usageError(`penumbra providers scaffold needs ${missing.join(", ")}`);
		if (url && file) throw usageError("--openapi-url and --openapi-file exclude each other");
		const dir = stringOption(values, "dir") ?? DEFAULT_DIR;
		const folder = path.join(dir, id as string);
		if (!flag(values, "force") && (await existingFiles(folder)).length > 0) {
			err(`error: ${folder}/ already exists; pass --force to overwrite it`);
			return 1;
		}

		const progress = (step: string) => {
			if (!json) err(`  • ${step}`);
		};
		let spec: string;
		let specUrl: string;
		if (file) {
			progress(`reading ${file}`);
			try {
				spec = await readFile(file, "utf8");
			} catch (error) {
				throw usageError(`cannot read --openapi-file ${file}: ${toErrorMessage(error)}`);
			}
			specUrl = pathToFileURL(path.resolve(file)).href;
		} else {
			progress(`fetching ${url}`);
			spec = await fetchSpec(url as string, allowlist());
			specUrl = url as string;
		}

		const helper = path
			.relative(path.resolve(folder), path.join(REPO_ROOT, CONTRACT_HELPER))
			.split(path.sep)
			.join("/");
		const env: Record<string, string> = {};
		for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
		const tags = stringOption(values, "tags");
		const optional = (key: string) => stringOption(values, key);
		const result = await scaffoldProvider({
			id: id as string,
			name: name as string,
			spec,
			specUrl,
			specLabel: file ?? (url as string),
			loadRef: async (ref) => readFile(fileURLToPath(ref), "utf8"),
			upstreamBase: upstreamBase as string,
			dir: dir.split(path.sep).join("/"),
			contractImport: helper.startsWith(".") ? helper : `./${helper}`,
			vars: { ...env, SANDBOX_ORIGIN: resolveUrl("sandbox").url },
			allowlist: allowlist(),
			registry: await registryServices(dir),
			onProgress: progress,
			...(flag(values, "has-purchases") ? { hasPurchases: true } : {}),
			...(optional("precheck-pattern") ? { precheckPattern: optional("precheck-pattern") } : {}),
			...(optional("purchase-pattern") ? { purchasePattern: optional("purchase-pattern") } : {}),
			...(optional("amount-param") ? { amountParam: optional("amount-param") } : {}),
			...(optional("currency-param") ? { currencyParam: optional("currency-param") } : {}),
			...(optional("transaction-id-path") ? { transactionIdPath: optional("transaction-id-path") } : {}),
			...(optional("pricing-model") ? { pricingModel: optional("pricing-model") } : {}),
			...(optional("flow") ? { flow: optional("flow") } : {}),
			...(optional("response-time") ? { responseTime: optional("response-time") } : {}),
			...(optional("category") ? { category: optional("category") } : {}),
			...(optional("description") ? { description: optional("description") } : {}),
			...(tags !== undefined
				? {
						tags: tags
							.split(",")
							.map((t) => t.trim())
							.filter(Boolean),
					}
				: {}),
		});

		if (result.ok) {
			await mkdir(folder, { recursive: true });
			// Paths in `files` start with `dir` as given; write them where the caller pointed.
			for (const f of result.files) await writeFile(path.join(folder, path.basename(f.path)), f.content);
		}
		if (json) {
			out(
				JSON.stringify(
					{
						ok: result.ok,
						id,
						folder,
						files: result.ok ? result.files.map((f) => path.join(folder, path.basename(f.path))) : [],
						stats: result.stats,
						tools: result.service?.tools.map((t) => t.name) ?? [],
						changes: result.changes,
						problems: result.problems,
						warnings: result.warnings,
					},
					null,
					2,
				),
			);
		} else {
			printReport(result, folder);
		}
		return result.ok ? 0 : 1;
	},
};

export const scaffoldCommands: Command[] = [scaffold];
