import { z } from "zod";
import { toErrorMessage } from "../errors.ts";
import { gatewayFilledParams } from "../upstream-auth.ts";
import { ceilingOf, toolTotals } from "./ceiling.ts";
import { checkHealthProbe } from "./health-probe.ts";
import { buildInputs, type FilledByGateway } from "./inputs.ts";
import { isRecord } from "./json-pointer.ts";
import { isRemoteSpec, type Manifest, parseManifest, zodProblems } from "./manifest.ts";
import {
	authLevelOf,
	checkOperationIds,
	checkStatusTools,
	collectOperations,
	type Operation,
	purchaseMeta,
	responseMediaTypes,
} from "./operations.ts";
import { checkPaymentTools } from "./payment.ts";
import { createSpecContext, report, type SpecContext } from "./refs.ts";
import { truncate } from "./schema.ts";
import type { CompiledService, CompiledTool, CompileProblem } from "./types.ts";

export interface CompileInput {
	/** The parsed `provider.yaml` (any shape; it is validated here). */
	manifest: unknown;
	manifestFile: string;
	/** The parsed OpenAPI document (any shape; it is validated here). */
	spec: unknown;
	specFile: string;
	/** ISO timestamp stamped on the card and the service; defaults to the current time. */
	now?: string;
	/** Values for `${NAME}` placeholders in the manifest, over the defaults (SANDBOX_ORIGIN). */
	vars?: Record<string, string>;
	/** Validators of a remote spec, kept so a refresh can ask conditionally. */
	etag?: string;
	lastModified?: string;
}

export type CompileResult =
	| { ok: true; service: CompiledService; warnings: CompileProblem[] }
	| { ok: false; problems: CompileProblem[]; warnings: CompileProblem[] };

/** Tool descriptions are read by the model on every `list_tools`; longer ones are cut. */
const TOOL_DESCRIPTION_LIMIT = 600;

const serviceMetaSchema = z.looseObject({
	description: z.string().optional(),
	flow: z.string().optional(),
	pricing_model: z.string().optional(),
	typical_response_time: z.string().optional(),
});
const xServicesSchema = z.record(z.string(), serviceMetaSchema);

/**
 * Validates a provider's manifest and OpenAPI spec and compiles them into a registry entry.
 * Never throws: everything wrong is returned as problems with a file and a JSON pointer.
 */
export function compileProvider(input: CompileInput): CompileResult {
	try {
		return compile(input);
	} catch (error) {
		return {
			ok: false,
			problems: [
				{
					file: input.specFile,
					path: "",
					message: `the compiler failed on this input: ${toErrorMessage(error)}`,
				},
			],
			warnings: [],
		};
	}
}

function compile(input: CompileInput): CompileResult {
	const now = input.now ?? new Date().toISOString();
	const parsed = parseManifest(input.manifest, input.manifestFile, input.vars);
	const manifest = parsed.ok ? parsed.manifest : undefined;
	const specResult = compileSpec(input.spec, input.specFile, manifest);
	const problems = [
		...(parsed.ok ? [] : parsed.problems),
		...specResult.problems,
		...checkHealthProbe(manifest?.health, specResult.tools, input.manifestFile),
	];
	if (!manifest || problems.length > 0) return { ok: false, problems, warnings: specResult.warnings };

	const service = serviceOf(input, manifest, specResult, now);
	let plain: CompiledService;
	try {
		// A YAML alias can make a literal (a default, an enum) cyclic; the registry stores plain JSON.
		plain = JSON.parse(JSON.stringify(service));
	} catch (error) {
		const message = `the spec cannot be stored as JSON: ${toErrorMessage(error)}`;
		return {
			ok: false,
			problems: [{ file: input.specFile, path: "", message }],
			warnings: specResult.warnings,
		};
	}
	return { ok: true, service: plain, warnings: specResult.warnings };
}

function serviceOf(
	input: CompileInput,
	manifest: Manifest,
	specResult: SpecResult,
	now: string,
): CompiledService {
	const tools = specResult.tools;
	const meta = { ...specResult.serviceMeta, ...manifest.service };
	return {
		card: {
			id: manifest.id,
			name: manifest.name,
			description: manifest.description,
			category: manifest.category,
			tags: manifest.tags,
			...(meta.flow ? { flow: meta.flow } : {}),
			...(meta.pricing_model ? { pricing_model: meta.pricing_model } : {}),
			...(meta.typical_response_time ? { typical_response_time: meta.typical_response_time } : {}),
			...toolTotals(tools),
			stale: false,
			updated_at: now,
		},
		upstream: manifest.upstream,
		auth: manifest.auth,
		rate_limits: manifest.rate_limits,
		timeout_ms: manifest.timeout_ms,
		max_response_bytes: manifest.max_response_bytes,
		tools,
		...(manifest.health ? { health: manifest.health } : {}),
		spec: isRemoteSpec(manifest.endpoints)
			? {
					kind: "url",
					url: manifest.endpoints,
					manifest,
					manifest_file: input.manifestFile,
					refreshed_at: now,
					// What this build allows is the operator's ceiling; the gateway's refresh keeps the seeded one.
					ceiling: ceilingOf(tools),
					...(input.etag ? { etag: input.etag } : {}),
					...(input.lastModified ? { last_modified: input.lastModified } : {}),
				}
			: { kind: "file", path: input.specFile },
		built_at: now,
	};
}

interface SpecResult {
	tools: CompiledTool[];
	serviceMeta: { flow?: string; pricing_model?: string; typical_response_time?: string };
	problems: CompileProblem[];
	warnings: CompileProblem[];
}

function compileSpec(spec: unknown, file: string, manifest: Manifest | undefined): SpecResult {
	const empty = (message: string, path = ""): SpecResult => ({
		tools: [],
		serviceMeta: {},
		problems: [{ file, path, message }],
		warnings: [],
	});
	if (!isRecord(spec)) return empty("the spec must be an OpenAPI document (a YAML or JSON object)");
	if (spec.swagger !== undefined) {
		return empty(
			`Swagger ${String(spec.swagger)} is not supported; convert it to OpenAPI 3 with \`penumbra providers scaffold\``,
			"/swagger",
		);
	}
	const version = typeof spec.openapi === "string" ? /^3\.([01])\.\d+/.exec(spec.openapi) : null;
	if (!version) {
		return empty(
			spec.openapi === undefined
				? "missing `openapi` version field; OpenAPI 3.0.x or 3.1.x is required"
				: `unsupported OpenAPI version ${JSON.stringify(spec.openapi)}; use 3.0.x or 3.1.x`,
			spec.openapi === undefined ? "" : "/openapi",
		);
	}
	const ctx = createSpecContext(spec, file, version[1] === "0" ? "3.0" : "3.1");

	const serviceMeta = readServiceMeta(ctx, manifest?.id);
	const ops = collectOperations(ctx);
	checkOperationIds(ctx, ops);
	const byPath = new Map<string, Operation[]>();
	for (const op of ops) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);

	const tools: CompiledTool[] = [];
	for (const op of ops) {
		const tool = toolOf(ctx, op, byPath, manifest);
		if (tool) tools.push(tool);
	}
	if (ops.length === 0 && ctx.problems.length === 0)
		report(ctx, "problem", "/paths", "the spec has no operations");
	checkPaymentTools(ctx, ops, tools);
	return {
		tools: checkStatusTools(ctx, ops, tools),
		serviceMeta,
		problems: ctx.problems,
		warnings: ctx.warnings,
	};
}

function toolOf(
	ctx: SpecContext,
	op: Operation,
	byPath: Map<string, Operation[]>,
	manifest: Manifest | undefined,
): CompiledTool | undefined {
	const purchase = purchaseMeta(ctx, op, byPath);
	const authLevel = authLevelOf(ctx, op);
	const inputs = buildInputs(ctx, op, manifest ? filledBy(manifest) : undefined);
	if (!op.id || !inputs) return undefined;
	if (!text(op.op.summary) && !text(op.op.description)) {
		report(ctx, "warning", op.pointer, `${op.id} has no summary or description; a model sees only its name`);
	}
	return {
		name: op.id,
		summary: truncate(text(op.op.summary), 200),
		description: truncate(text(op.op.description) || text(op.op.summary), TOOL_DESCRIPTION_LIMIT),
		method: op.method,
		path: op.path,
		params: inputs.params,
		...(inputs.body ? { body: inputs.body } : {}),
		response_types: responseMediaTypes(ctx, op),
		input_schema: inputs.schema,
		fee_cents: op.ext["x-usage-fee-cents"] ?? manifest?.pricing.usage_fee_cents ?? 0,
		auth_level: authLevel,
		...(purchase ? { purchase } : {}),
	};
}

/** Matches the parameters the manifest's credentials fill (header and cookie names ignore case). */
function filledBy(manifest: Manifest): FilledByGateway {
	const filled = gatewayFilledParams(manifest.auth);
	return (where, name) =>
		filled.some(
			(f) =>
				f.in === where &&
				(where === "header" || where === "cookie"
					? f.name.toLowerCase() === name.toLowerCase()
					: f.name === name),
		);
}

function text(value: unknown): string {
	return typeof value === "string" ? value.trim() : "";
}

function readServiceMeta(ctx: SpecContext, id: string | undefined): SpecResult["serviceMeta"] {
	const raw = ctx.root["x-services"];
	if (raw === undefined) return {};
	const parsed = xServicesSchema.safeParse(raw, { reportInput: true });
	if (!parsed.success) {
		ctx.problems.push(...zodProblems(parsed.error, ctx.file, "/x-services"));
		return {};
	}
	const entry = id ? parsed.data[id] : undefined;
	if (!entry) {
		if (id)
			report(ctx, "warning", "/x-services", `x-services has no entry for "${id}"; its metadata is not used`);
		return {};
	}
	return {
		...(entry.flow ? { flow: entry.flow } : {}),
		...(entry.pricing_model ? { pricing_model: entry.pricing_model } : {}),
		...(entry.typical_response_time ? { typical_response_time: entry.typical_response_time } : {}),
	};
}
