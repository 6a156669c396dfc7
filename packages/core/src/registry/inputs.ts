import { z } from "zod";
import { pickRequestMediaType } from "../media-types.ts";
import { isRecord, pointerJoin } from "./json-pointer.ts";
import { zodProblems } from "./manifest.ts";
import type { Operation } from "./operations.ts";
import { derefObject, report, type SpecContext } from "./refs.ts";
import { compactSchema, truncate } from "./schema.ts";
import type { CompiledBody, CompiledParam, JsonSchema } from "./types.ts";

/** OpenAPI says these header parameters are ignored; the gateway sets them itself. */
const RESERVED_HEADERS = new Set([
	"authorization",
	"cookie",
	"host",
	"accept",
	"content-type",
	"content-length",
]);

const parameterSchema = z.looseObject({
	name: z.string().min(1),
	in: z.enum(["path", "query", "header", "cookie"], {
		error: (issue) =>
			`parameter location ${JSON.stringify(issue.input)} is not OpenAPI 3 (use path, query, header or cookie; bodies go in requestBody)`,
	}),
	required: z.boolean().optional(),
	description: z.string().optional(),
	schema: z.unknown().optional(),
	content: z.record(z.string(), z.unknown()).optional(),
});
type Parameter = z.output<typeof parameterSchema>;

interface InputParts {
	params: CompiledParam[];
	properties: JsonSchema;
	required: string[];
	owner: Map<string, string>;
}

/** Says whether the gateway fills a parameter itself (an upstream credential): such a parameter is no tool input. */
export type FilledByGateway = (where: string, name: string) => boolean;

/** The tool's parameters, body and input schema; null when the operation cannot be offered (reported). */
export function buildInputs(
	ctx: SpecContext,
	op: Operation,
	filled: FilledByGateway = () => false,
): { params: CompiledParam[]; body?: CompiledBody; schema: JsonSchema } | null {
	const problemsBefore = ctx.problems.length;
	const label = `${op.method.toUpperCase()} ${op.path}`;
	const merged = mergedParams(ctx, op);
	const parts = paramInputs(
		ctx,
		label,
		merged.filter(({ param }) => !filled(param.in, param.name)),
	);
	const { params, properties, required } = parts;

	for (const match of op.path.matchAll(/\{([^}]+)\}/g)) {
		const name = match[1] ?? "";
		if (filled("path", name)) continue;
		if (!params.some((p) => p.in === "path" && p.name === name)) {
			report(
				ctx,
				"problem",
				pointerJoin(op.pointer, "parameters"),
				`${label}: path parameter {${name}} is not declared (add it with in: path)`,
			);
		}
	}

	const body = bodyOf(ctx, op, label);
	if (body === null) return null;
	const input: JsonSchema = { type: "object", properties };
	if (body) addBody(ctx, op, label, body, parts);
	if (required.length > 0) input.required = [...new Set(required)];
	input.additionalProperties = false;
	if (ctx.problems.length > problemsBefore) return null;
	return { params, ...(body ? { body } : {}), schema: input };
}

function mergedParams(ctx: SpecContext, op: Operation): { param: Parameter; pointer: string }[] {
	const own = Array.isArray(op.op.parameters)
		? op.op.parameters.map((value, i) => ({ value, pointer: pointerJoin(op.pointer, "parameters", i) }))
		: [];
	if (op.op.parameters !== undefined && !Array.isArray(op.op.parameters)) {
		report(ctx, "problem", pointerJoin(op.pointer, "parameters"), "parameters must be an array");
	}

	// Operation-level parameters override path-level ones with the same name and location.
	const merged = new Map<string, { param: Parameter; pointer: string }>();
	for (const entry of [...op.sharedParams, ...own]) {
		const resolved = derefObject(ctx, entry.value, entry.pointer);
		if (!resolved) continue;
		const parsed = parameterSchema.safeParse(resolved.value, { reportInput: true });
		if (!parsed.success) {
			ctx.problems.push(...zodProblems(parsed.error, ctx.file, resolved.pointer));
			continue;
		}
		merged.set(`${parsed.data.in}\u0000${parsed.data.name}`, {
			param: parsed.data,
			pointer: resolved.pointer,
		});
	}
	return [...merged.values()];
}

function paramInputs(
	ctx: SpecContext,
	label: string,
	merged: { param: Parameter; pointer: string }[],
): InputParts {
	const params: CompiledParam[] = [];
	const properties: JsonSchema = {};
	const required: string[] = [];
	const owner = new Map<string, string>();
	for (const { param, pointer } of merged) {
		if (param.in === "cookie") continue;
		if (param.in === "header" && RESERVED_HEADERS.has(param.name.toLowerCase())) continue;
		const clash = owner.get(param.name);
		if (clash) {
			report(
				ctx,
				"problem",
				pointerJoin(pointer, "name"),
				`${label}: parameter "${param.name}" is both a ${clash} and a ${param.in} parameter; tool inputs need unique names`,
			);
			continue;
		}
		owner.set(param.name, param.in);
		const schema = paramSchemaOf(ctx, param, pointer);
		const isRequired = param.in === "path" || param.required === true;
		params.push({ name: param.name, in: param.in, required: isRequired, schema });
		properties[param.name] = schema;
		if (isRequired) required.push(param.name);
	}
	return { params, properties, required, owner };
}

function addBody(
	ctx: SpecContext,
	op: Operation,
	label: string,
	body: CompiledBody,
	parts: InputParts,
): void {
	const { properties, required, owner } = parts;
	const bodyProps = isRecord(body.schema.properties) ? body.schema.properties : {};
	const flatten =
		isFlattenable(body.schema) && Object.keys(bodyProps).every((name) => !owner.has(name) && name !== "body");
	if (flatten) {
		body.mode = "flatten";
		body.properties = Object.keys(bodyProps);
		Object.assign(properties, bodyProps);
		if (body.required && Array.isArray(body.schema.required))
			required.push(...body.schema.required.map(String));
	} else {
		if (owner.has("body")) {
			report(
				ctx,
				"problem",
				pointerJoin(op.pointer, "requestBody"),
				`${label}: a parameter named "body" collides with the request body input`,
			);
		}
		properties.body = body.schema;
		if (body.required) required.push("body");
	}
}

function paramSchemaOf(ctx: SpecContext, param: Parameter, pointer: string): JsonSchema {
	let schema: JsonSchema = {};
	if (param.schema !== undefined) {
		schema = compactSchema(ctx, param.schema, pointerJoin(pointer, "schema"));
	} else if (param.content) {
		const [mediaType, media] = Object.entries(param.content)[0] ?? [];
		if (mediaType && isRecord(media) && media.schema !== undefined) {
			schema = compactSchema(ctx, media.schema, pointerJoin(pointer, "content", mediaType, "schema"));
		}
	}
	if (param.description?.trim()) {
		const own = truncate(param.description, 200);
		schema = { ...schema, description: own };
	}
	return schema;
}

/** `undefined`: no body. `null`: the operation cannot be offered as a tool (reported). */
function bodyOf(ctx: SpecContext, op: Operation, label: string): CompiledBody | undefined | null {
	if (op.op.requestBody === undefined) return undefined;
	const pointer = pointerJoin(op.pointer, "requestBody");
	const resolved = derefObject(ctx, op.op.requestBody, pointer);
	if (!resolved) return null;
	const requestBody = resolved.value;
	const required = requestBody.required === true;
	const content = requestBody.content;
	if (!isRecord(content) || Object.keys(content).length === 0) {
		report(
			ctx,
			"problem",
			pointerJoin(resolved.pointer, "content"),
			`${label}: requestBody needs a content map`,
		);
		return null;
	}
	const mediaType = pickRequestMediaType(Object.keys(content));
	if (!mediaType) {
		const offered = Object.keys(content).join(", ");
		if (required) {
			report(
				ctx,
				"warning",
				pointerJoin(resolved.pointer, "content"),
				`${label} is not offered as a tool: its request body is ${offered}, and only JSON and form (application/x-www-form-urlencoded) bodies are supported`,
			);
			return null;
		}
		report(
			ctx,
			"warning",
			pointerJoin(resolved.pointer, "content"),
			`${label}: optional ${offered} body ignored (JSON and form bodies only)`,
		);
		return undefined;
	}
	const media = content[mediaType];
	const schemaPointer = pointerJoin(resolved.pointer, "content", mediaType, "schema");
	let schema = compactSchema(ctx, isRecord(media) ? media.schema : undefined, schemaPointer);
	if (
		typeof requestBody.description === "string" &&
		requestBody.description.trim() &&
		schema.description === undefined
	) {
		schema = { ...schema, description: truncate(requestBody.description, 200) };
	}
	return { required, contentType: mediaType, mode: "property", properties: [], schema };
}

function isFlattenable(schema: JsonSchema): boolean {
	if (!isRecord(schema.properties)) return false;
	if (schema.type !== undefined && schema.type !== "object") return false;
	const allowed = new Set(["type", "properties", "required", "description", "additionalProperties"]);
	if (!Object.keys(schema).every((k) => allowed.has(k))) return false;
	// Extra keys would mix with the parameters and could not be told apart.
	return schema.additionalProperties === undefined || schema.additionalProperties === false;
}
