import { toErrorMessage } from "@penumbra/core/errors";
import type { CompiledService, CompileProblem } from "@penumbra/core/registry";
import { compileProvider, isRecord, manifestSchema } from "@penumbra/core/registry";
import { assessUpstreamUrl } from "@penumbra/core/ssrf";
import { upgrade } from "@scalar/openapi-upgrader";
import { parse as parseYaml, stringify } from "yaml";
import { authSecretNames, deriveAuth } from "./scaffold-auth.ts";
import { normalizeOperationIds, sharedPrefixLength } from "./scaffold-ids.ts";
import { chooseCategory, describeFromSpec, type RegistryService, tagsFromSpec } from "./scaffold-manifest.ts";
import { parseSpecText } from "./scaffold-parse.ts";
import { markPurchases } from "./scaffold-purchase.ts";
import { bundleExternalRefs, type RefLoader, repairDanglingRefs } from "./scaffold-refs.ts";
import { MANIFEST_FILE, type ScaffoldChange, type ScaffoldContext, SPEC_FILE } from "./scaffold-types.ts";
import { listOperations } from "./scaffold-walk.ts";

export type { ScaffoldChange } from "./scaffold-types.ts";

export const CONTRACT_FILE = "contract.spec.ts";
/** Where generated contract tests import their checker from, relative to the repository root. */
export const CONTRACT_HELPER = "packages/cli/src/scaffold-contract.ts";
const DEFAULT_ALLOWLIST = ["http://127.0.0.1:8791"];

export interface ScaffoldOptions {
	id: string;
	name: string;
	/** The spec's text (JSON or YAML) or an already parsed document. */
	spec: string | Record<string, unknown>;
	/**
	 * Absolute URL the spec was read from (`file:///…/spec.yaml` or `https://…`): refs naming it become
	 * local, and sibling files are resolved against it.
	 */
	specUrl: string;
	/** How messages name the spec; defaults to `specUrl`. */
	specLabel?: string;
	/** Reads a sibling file named by an external `$ref` (only ever called for files next to a local spec). */
	loadRef?: RefLoader;
	upstreamBase: string;
	description?: string;
	category?: string;
	tags?: string[];
	/** Services already in the registry (providers folder, built registry): the category is one of theirs when one fits. */
	registry?: readonly RegistryService[];
	hasPurchases?: boolean;
	precheckPattern?: string;
	purchasePattern?: string;
	/** A payment priced by its own request (no precheck): see `PurchaseOptions` in scaffold-purchase.ts. */
	amountParam?: string;
	currencyParam?: string;
	transactionIdPath?: string;
	pricingModel?: string;
	flow?: string;
	responseTime?: string;
	/** Providers folder, relative to the repository root (default `providers`); the files' paths start with it. */
	dir?: string;
	/** Import path of {@link CONTRACT_HELPER} as seen from the provider folder; derived from `dir` when relative. */
	contractImport?: string;
	/** `${NAME}` values used when validating the manifest (SANDBOX_ORIGIN …). */
	vars?: Record<string, string>;
	/** Origins the gateway may reach over plain http (its UPSTREAM_ALLOWLIST); used to warn about `upstreamBase`. */
	allowlist?: string[];
	onProgress?: (step: string) => void;
}

export interface ScaffoldResult {
	/** True when the provider compiles; only then should `files` be written. */
	ok: boolean;
	/** provider.yaml, the normalized openapi.yaml and the contract test (also when not ok, to inspect). */
	files: { path: string; content: string }[];
	/** Every edit made to the spec or decided for the manifest, with pointer, before → after and reason. */
	changes: ScaffoldChange[];
	/** Why the spec was refused, or what keeps the provider from compiling. */
	problems: CompileProblem[];
	warnings: CompileProblem[];
	/** The compiled registry entry, when ok. */
	service?: CompiledService;
	stats: { sourceVersion: string; operations: number; tools: number };
}

/**
 * Turns a real-world OpenAPI 3.0/3.1 or Swagger 2.0 document into a provider folder: a manifest, a normalized
 * single-file spec the compiler accepts, and a contract test. Runtime-agnostic (no Node APIs): the caller reads
 * and writes files. Never throws for a bad spec; refusals come back as `problems` with a pointer and a fix.
 */
export async function scaffoldProvider(options: ScaffoldOptions): Promise<ScaffoldResult> {
	const progress = options.onProgress ?? (() => {});
	const label = options.specLabel ?? options.specUrl;
	const dir = (options.dir ?? "providers").replace(/\/+$/, "");
	const folder = `${dir}/${options.id}`;
	const stats = { sourceVersion: "unknown", operations: 0, tools: 0 };
	const refuse = (
		problems: CompileProblem[],
		warnings: CompileProblem[] = [],
		changes: ScaffoldChange[] = [],
	): ScaffoldResult => ({
		ok: false,
		files: [],
		changes,
		problems,
		warnings,
		stats,
	});

	const optionProblems = checkOptions(options);
	if (optionProblems.length > 0) return refuse(optionProblems);

	let doc: Record<string, unknown>;
	const changes: ScaffoldChange[] = [];
	if (typeof options.spec === "string") {
		progress(`parsing ${label} (${Math.ceil(options.spec.length / 1024)} KiB)`);
		const parsed = parseSpecText(options.spec, label);
		if (!parsed.ok) return refuse(parsed.problems);
		if (!isRecord(parsed.value))
			return refuse([{ file: label, path: "", message: "the spec must be a JSON or YAML object" }]);
		doc = parsed.value;
		if (parsed.lenient) {
			changes.push({
				file: SPEC_FILE,
				pointer: "",
				before: `YAML that strict YAML 1.2 parsers refuse (line ${parsed.lenient.line}, column ${parsed.lenient.column}: ${parsed.lenient.message})`,
				after: "read leniently, as PyYAML reads it, and rewritten as valid YAML",
				reason: "the source is not valid YAML 1.2; the written openapi.yaml is, with the same content",
			});
		}
	} else {
		doc = structuredClone(options.spec);
	}

	const ctx: ScaffoldContext = { doc, source: label, changes, problems: [], warnings: [], progress };
	const version = await toOpenApi3(ctx);
	stats.sourceVersion = version.source;
	if (!version.ok) return refuse(ctx.problems, ctx.warnings, ctx.changes);
	doc = ctx.doc;

	stats.operations = listOperations(doc).length;
	progress(`resolving $refs (${countRefs(doc)} in the spec)`);
	await bundleExternalRefs(ctx, options.specUrl, options.loadRef);
	repairDanglingRefs(ctx);
	if (ctx.problems.length > 0) return refuse(ctx.problems, ctx.warnings, ctx.changes);

	progress(`naming ${stats.operations} operations`);
	normalizeOperationIds(ctx);

	if (wantsPurchases(options)) {
		progress("pairing the purchase with its precheck");
		markPurchases(ctx, version.target, {
			...(options.precheckPattern ? { precheckPattern: options.precheckPattern } : {}),
			...(options.purchasePattern ? { purchasePattern: options.purchasePattern } : {}),
			...(options.amountParam ? { amountParam: options.amountParam } : {}),
			...(options.currencyParam ? { currencyParam: options.currencyParam } : {}),
			...(options.transactionIdPath ? { transactionIdPath: options.transactionIdPath } : {}),
		});
		if (ctx.problems.length > 0) return refuse(ctx.problems, ctx.warnings, ctx.changes);
	}

	const manifestChanges: ScaffoldChange[] = [];
	const manifest = buildManifest(options, ctx, manifestChanges);
	ctx.changes.push(...manifestChanges);
	if (
		!assessUpstreamUrl(substitute(options.upstreamBase, options.vars), options.allowlist ?? DEFAULT_ALLOWLIST)
			.ok
	) {
		ctx.warnings.push({
			file: `${folder}/${MANIFEST_FILE}`,
			path: "/upstream",
			message: `the gateway refuses to call ${options.upstreamBase}: upstreams must be public https URLs, or (under npm start) an origin listed in PENUMBRA_UPSTREAM_ALLOWLIST`,
		});
	}

	const repeated = repeatedBasePath(doc, substitute(options.upstreamBase, options.vars));
	if (repeated) {
		ctx.warnings.push({
			file: `${folder}/${MANIFEST_FILE}`,
			path: "/upstream",
			message: `every path starts with ${repeated} and --upstream-base ends with it too, so calls would go to …${repeated}${repeated}/…; drop it from --upstream-base`,
		});
	}

	progress("writing provider.yaml, openapi.yaml and the contract test");
	const specText = `# Normalized by \`penumbra providers scaffold\` from ${label}.\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
	const manifestText = renderManifest(manifest, label, ctx.changes);
	const files = [
		{ path: `${folder}/${MANIFEST_FILE}`, content: manifestText },
		{ path: `${folder}/${SPEC_FILE}`, content: specText },
		{ path: `${folder}/${CONTRACT_FILE}`, content: renderContractTest(options, dir) },
	];

	progress(`compiling ${stats.operations} operations`);
	// Compile exactly what will be written, so a round-trip quirk cannot hide behind the in-memory copy.
	const compiled = compileProvider({
		manifest: parseYaml(manifestText),
		manifestFile: `${folder}/${MANIFEST_FILE}`,
		spec: parseYaml(specText, { maxAliasCount: -1 }),
		specFile: `${folder}/${SPEC_FILE}`,
		...(options.vars ? { vars: options.vars } : {}),
	});
	const warnings = [...ctx.warnings, ...compiled.warnings];
	if (!compiled.ok)
		return { ok: false, files, changes: ctx.changes, problems: compiled.problems, warnings, stats };
	stats.tools = compiled.service.tools.length;
	if (stats.tools === 0) {
		return {
			ok: false,
			files,
			changes: ctx.changes,
			problems: [
				{ file: label, path: "/paths", message: "no operation can be offered as a tool (see the warnings)" },
			],
			warnings,
			stats,
		};
	}
	return { ok: true, files, changes: ctx.changes, problems: [], warnings, service: compiled.service, stats };
}

function checkOptions(options: ScaffoldOptions): CompileProblem[] {
	const problems: CompileProblem[] = [];
	const add = (path: string, message: string) => problems.push({ file: "(options)", path, message });
	const id = manifestSchema.shape.id.safeParse(options.id);
	if (!id.success)
		add("/id", `--id ${JSON.stringify(options.id)} ${id.error.issues[0]?.message ?? "is invalid"}`);
	if (!options.name.trim()) add("/name", "--name must not be empty");
	if (options.category !== undefined && !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(options.category))
		add(
			"/category",
			`--category ${JSON.stringify(options.category)} must be a lowercase slug such as food-delivery`,
		);
	const upstream = URL.parse(substitute(options.upstreamBase, options.vars));
	if (!upstream || (upstream.protocol !== "https:" && upstream.protocol !== "http:"))
		add(
			"/upstream",
			`--upstream-base ${JSON.stringify(options.upstreamBase)} must be an absolute http(s) URL`,
		);
	return problems;
}

function substitute(text: string, vars: Record<string, string> | undefined): string {
	const all: Record<string, string> = { SANDBOX_ORIGIN: "http://127.0.0.1:8791", ...vars };
	return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => all[name] ?? whole);
}

async function toOpenApi3(
	ctx: ScaffoldContext,
): Promise<{ ok: true; source: string; target: "3.0" | "3.1" } | { ok: false; source: string }> {
	const { doc } = ctx;
	if (doc.swagger !== undefined) {
		const source = `Swagger ${String(doc.swagger)}`;
		if (String(doc.swagger) !== "2.0") {
			ctx.problems.push({
				file: ctx.source,
				path: "/swagger",
				message: `${source} is not supported; only Swagger 2.0 can be converted`,
			});
			return { ok: false, source };
		}
		ctx.progress("converting Swagger 2.0 to OpenAPI 3.0");
		try {
			const converted = upgrade(doc, "3.0") as unknown as Record<string, unknown>;
			ctx.doc = converted;
		} catch (error) {
			ctx.problems.push({
				file: ctx.source,
				path: "",
				message: `converting Swagger 2.0 failed: ${toErrorMessage(error)}`,
			});
			return { ok: false, source };
		}
		ctx.changes.push({
			file: SPEC_FILE,
			pointer: "/openapi",
			before: "swagger: 2.0",
			after: ctx.doc.openapi,
			reason:
				"Swagger 2.0 converted to OpenAPI 3.0 (body/formData parameters → requestBody, definitions → components/schemas, host/basePath → servers)",
		});
		return { ok: true, source, target: "3.0" };
	}
	const raw = doc.openapi;
	const m = typeof raw === "string" ? /^3\.([01])\.\d+/.exec(raw) : null;
	if (!m) {
		ctx.problems.push({
			file: ctx.source,
			path: raw === undefined ? "" : "/openapi",
			message:
				raw === undefined
					? "not an OpenAPI document: there is no `openapi` (3.x) or `swagger` (2.0) field"
					: `OpenAPI ${JSON.stringify(raw)} is not supported; the compiler reads 3.0.x and 3.1.x (and scaffold converts Swagger 2.0)`,
		});
		return { ok: false, source: `OpenAPI ${String(raw)}` };
	}
	return { ok: true, source: `OpenAPI ${raw}`, target: m[1] === "0" ? "3.0" : "3.1" };
}

/** The path prefix every operation shares, when the upstream base already ends with it (Swagger basePath repeated in paths). */
function repeatedBasePath(doc: Record<string, unknown>, upstream: string): string | undefined {
	const paths = listOperations(doc).map((o) => o.path);
	const n = sharedPrefixLength(paths);
	if (n === 0) return undefined;
	const prefix = `/${(paths[0] ?? "")
		.split("/")
		.filter((s) => s.length > 0)
		.slice(0, n)
		.join("/")}`;
	const base = URL.parse(upstream)?.pathname.replace(/\/+$/, "") ?? "";
	return base.endsWith(prefix) ? prefix : undefined;
}

function countRefs(node: unknown): number {
	return (JSON.stringify(node).match(/"\$ref":/g) ?? []).length;
}

interface ManifestDraft {
	id: string;
	name: string;
	description: string;
	category: string;
	tags: string[];
	auth: ReturnType<typeof deriveAuth>;
	endpoints: string;
	upstream: string;
	rate_limits: { default_per_minute: number; burst: number };
	pricing: { usage_fee_cents: number };
	service?: { flow?: string; pricing_model?: string; typical_response_time?: string };
}

function buildManifest(
	options: ScaffoldOptions,
	ctx: ScaffoldContext,
	changes: ScaffoldChange[],
): ManifestDraft {
	const guessed = (pointer: string, after: unknown, reason: string) =>
		changes.push({ file: MANIFEST_FILE, pointer, after, reason, check: true });
	const described = options.description?.trim()
		? undefined
		: describeFromSpec(ctx.doc, options.id, options.name);
	if (described) guessed("/description", described.value, `${described.reason}; search ranks services by it`);
	const description = options.description?.trim() || (described?.value ?? options.name);
	const chosen = options.category ? undefined : chooseCategory(ctx.doc, options.registry);
	if (chosen) guessed("/category", chosen.value, `${chosen.reason} (no --category)`);
	const category = options.category ?? chosen?.value ?? "general";
	const tags = options.tags ?? tagsFromSpec(ctx.doc);
	if (!options.tags && tags.length > 0)
		guessed("/tags", tags, "the operations' tags, most used first (no --tags)");
	const auth = deriveAuth(ctx, changes, options.upstreamBase);
	const service = {
		...(options.flow ? { flow: options.flow } : {}),
		...(options.pricingModel ? { pricing_model: options.pricingModel } : {}),
		...(options.responseTime ? { typical_response_time: options.responseTime } : {}),
	};
	return {
		id: options.id,
		name: options.name.trim(),
		description,
		category,
		tags,
		auth,
		endpoints: SPEC_FILE,
		upstream: options.upstreamBase,
		rate_limits: { default_per_minute: 120, burst: 30 },
		pricing: { usage_fee_cents: 0 },
		...(Object.keys(service).length > 0 ? { service } : {}),
	};
}

function renderManifest(manifest: ManifestDraft, label: string, changes: ScaffoldChange[]): string {
	const checks = changes.filter((c) => c.check);
	const header = [
		`# ${manifest.name}: scaffolded by \`penumbra providers scaffold\` from ${label}.`,
		...(manifest.auth.scheme === "none"
			? []
			: [
					`# The gateway injects the upstream credentials from the Worker secrets ${authSecretNames(manifest.id, manifest.auth).join(", ")}.`,
				]),
		...(checks.length > 0
			? [
					"# Check before going live:",
					...checks.map((c) => `#   ${c.file}#${c.pointer}: ${oneLine(c.reason)}`),
				]
			: []),
	];
	return `${header.join("\n")}\n${stringify(manifest, { lineWidth: 0 })}`;
}

function wantsPurchases(options: ScaffoldOptions): boolean {
	return Boolean(
		options.hasPurchases || options.precheckPattern || options.purchasePattern || options.amountParam,
	);
}

function oneLine(text: string): string {
	const flat = text.replace(/\s+/g, " ");
	return flat.length > 150 ? `${flat.slice(0, 149)}…` : flat;
}

function renderContractTest(options: ScaffoldOptions, dir: string): string {
	const importPath =
		options.contractImport ??
		`${"../".repeat(dir.split("/").filter((s) => s && s !== ".").length + 1)}${CONTRACT_HELPER}`;
	const purchases = wantsPurchases(options);
	return `// Contract test written by \`penumbra providers scaffold\`; it runs in the "node" vitest project.
import { describe, expect, it } from "vitest";
import { checkProviderContract } from "${importPath}";

describe("provider ${options.id}", () => {
	it("compiles, and every tool's input schema is valid JSON Schema 2020-12", async () => {
		const report = await checkProviderContract(new URL(".", import.meta.url));
		expect(report.problems).toEqual([]);
		expect(report.id).toBe(${JSON.stringify(options.id)});
		expect(report.tools.length).toBeGreaterThan(0);
		expect(report.invalidSchemas).toEqual([]);${
			purchases
				? `
		// Every purchase is priced: by a precheck tool of this same provider, or by the amount in its own request.
		expect(report.purchases.length).toBeGreaterThan(0);
		for (const purchase of report.purchases)
			expect(purchase.request_amount_path ?? report.tools.find((t) => t === purchase.precheck)).toBeDefined();`
				: ""
		}
	});
});
`;
}
