import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Schema, Validator } from "@cfworker/json-schema";
import { toErrorMessage } from "@penumbra/core/errors";
import type { CompiledService, CompileProblem, JsonSchema } from "@penumbra/core/registry";
import { compileProvider, isRecord, isRemoteSpec, parseStructured } from "@penumbra/core/registry";

const META_DIR = fileURLToPath(new URL("../../../test/fixtures/json-schema-2020-12/", import.meta.url));
const META_PARTS = [
	"core",
	"applicator",
	"unevaluated",
	"validation",
	"meta-data",
	"format-annotation",
	"content",
];
const META_ROOT = "https://json-schema.org/draft/2020-12/schema";

export interface SchemaCheck {
	valid: boolean;
	/** `instanceLocation: message` for each error the meta-schema reports, or the validator's failure. */
	errors: string[];
}

/**
 * A checker of schemas against the JSON Schema 2020-12 meta-schema (shipped under test/fixtures).
 * @cfworker/json-schema has no `$dynamicRef`; in the official meta-schema every `$dynamicRef: "#meta"`
 * resolves to the root meta-schema unless a schema extends it, so it is rewritten to a plain `$ref`
 * to the root, which makes nested subschemas get checked too.
 */
export async function createMetaSchemaChecker(): Promise<(schema: unknown) => SchemaCheck> {
	const load = async (file: string) =>
		withoutDynamicRefs(JSON.parse(await readFile(path.join(META_DIR, file), "utf8")));
	const validator = new Validator((await load("schema.json")) as Schema, "2020-12", false);
	for (const part of META_PARTS) validator.addSchema((await load(`meta/${part}.json`)) as Schema);
	return (schema) => {
		const result = validator.validate(schema);
		if (!result.valid) {
			// Every failing applicator ($ref, allOf, properties…) reports too; the deepest locations say what is wrong.
			const leaves = result.errors.filter(
				(e) => !result.errors.some((o) => o.instanceLocation.startsWith(`${e.instanceLocation}/`)),
			);
			const errors = [
				...new Set(
					leaves
						.filter((e) => !["$ref", "allOf", "anyOf"].includes(e.keyword))
						.map((e) => `${e.instanceLocation}: ${e.error}`),
				),
			];
			return {
				valid: false,
				errors: errors.length > 0 ? errors : leaves.map((e) => `${e.instanceLocation}: ${e.error}`),
			};
		}
		// The meta-schema does not check that patterns compile; building a validator and using it does.
		try {
			new Validator(schema as Schema, "2020-12", false).validate({});
		} catch (error) {
			return { valid: false, errors: [`unusable schema: ${toErrorMessage(error)}`] };
		}
		return { valid: true, errors: [] };
	};
}

function withoutDynamicRefs(node: unknown): unknown {
	if (Array.isArray(node)) return node.map(withoutDynamicRefs);
	if (!isRecord(node)) return node;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(node)) {
		if (k === "$dynamicRef" && v === "#meta") out.$ref = META_ROOT;
		else out[k] = withoutDynamicRefs(v);
	}
	return out;
}

export interface ContractReport {
	id: string;
	tools: string[];
	problems: CompileProblem[];
	warnings: CompileProblem[];
	invalidSchemas: { tool: string; errors: string[] }[];
	/** Each purchase and what prices it: a precheck tool, or (a payment) the amount in its own request. */
	purchases: { tool: string; precheck?: string; request_amount_path?: string }[];
	service?: CompiledService;
}

/**
 * What a provider's contract test checks: its folder compiles (local spec), and every tool's input schema
 * is valid JSON Schema 2020-12. `folder` is the provider folder (a path or a file URL).
 */
export async function checkProviderContract(folder: string | URL): Promise<ContractReport> {
	const dir = typeof folder === "string" ? folder : fileURLToPath(folder);
	const id = path.basename(dir);
	const report: ContractReport = {
		id,
		tools: [],
		problems: [],
		warnings: [],
		invalidSchemas: [],
		purchases: [],
	};
	const manifestFile = path.join(dir, "provider.yaml");
	const manifest = parseStructured(await readFile(manifestFile, "utf8"), manifestFile);
	if (!manifest.ok) return { ...report, problems: manifest.problems };
	const endpoints = isRecord(manifest.value) ? manifest.value.endpoints : undefined;
	if (typeof endpoints !== "string" || isRemoteSpec(endpoints)) {
		report.problems.push({
			file: manifestFile,
			path: "/endpoints",
			message: "a contract test needs a local spec file",
		});
		return report;
	}
	const specFile = path.join(dir, endpoints);
	const spec = parseStructured(await readFile(specFile, "utf8"), specFile);
	if (!spec.ok) return { ...report, problems: spec.problems };
	const compiled = compileProvider({ manifest: manifest.value, manifestFile, spec: spec.value, specFile });
	report.warnings = compiled.warnings;
	if (!compiled.ok) return { ...report, problems: compiled.problems };
	report.id = compiled.service.card.id;
	report.service = compiled.service;
	const check = await createMetaSchemaChecker();
	for (const tool of compiled.service.tools) {
		report.tools.push(tool.name);
		const result = check(tool.input_schema as JsonSchema);
		if (!result.valid) report.invalidSchemas.push({ tool: tool.name, errors: result.errors.slice(0, 5) });
		if (tool.purchase?.kind === "purchase")
			report.purchases.push({
				tool: tool.name,
				...(tool.purchase.precheck ? { precheck: tool.purchase.precheck } : {}),
				...(tool.purchase.request_amount_path
					? { request_amount_path: tool.purchase.request_amount_path }
					: {}),
			});
	}
	return report;
}
