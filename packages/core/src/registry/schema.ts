import { isRecord, pointerJoin } from "./json-pointer.ts";
import { report, resolveRef, type SpecContext } from "./refs.ts";
import type { JsonSchema } from "./types.ts";

/** Descriptions longer than this are cut: tool schemas go into a model's context on every call. */
export const DESCRIPTION_LIMIT = 200;
/** Nesting beyond this is summarised; real inputs rarely go past a handful of levels. */
const MAX_DEPTH = 16;

const TYPES = new Set(["string", "number", "integer", "boolean", "array", "object", "null"]);
const SUBSCHEMA = [
	"additionalProperties",
	"unevaluatedProperties",
	"unevaluatedItems",
	"propertyNames",
	"contains",
	"not",
	"if",
	"then",
	"else",
] as const;
const SUBSCHEMA_LISTS = ["prefixItems", "allOf", "anyOf", "oneOf"] as const;
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "dependentSchemas"] as const;
const NUMBERS = ["minimum", "maximum", "multipleOf"] as const;
const COUNTS = [
	"minLength",
	"maxLength",
	"minItems",
	"maxItems",
	"minProperties",
	"maxProperties",
	"minContains",
	"maxContains",
] as const;
const STRINGS = ["format", "contentMediaType", "contentEncoding"] as const;

interface Walked {
	schema: JsonSchema;
	readOnly: boolean;
}

/**
 * Turns an OpenAPI 3.0/3.1 schema into compact JSON Schema 2020-12 with every local `$ref` inlined.
 * `request` drops `readOnly` properties (the server sets them). Recursion is cut where a ref
 * re-enters itself. Literal values (`example`, `default`, `enum`) are never walked, so a `$ref`
 * inside an example stays data.
 */
export function compactSchema(ctx: SpecContext, node: unknown, pointer: string, request = true): JsonSchema {
	return walk(ctx, node, pointer, [], 0, request).schema;
}

function walk(
	ctx: SpecContext,
	node: unknown,
	pointer: string,
	stack: string[],
	depth: number,
	request: boolean,
): Walked {
	if (node === true || node === undefined) return { schema: {}, readOnly: false };
	if (node === false) return { schema: { not: {} }, readOnly: false };
	if (!isRecord(node)) {
		report(ctx, "warning", pointer, "schema is not an object; any value is accepted here");
		return { schema: {}, readOnly: false };
	}
	if (depth > MAX_DEPTH)
		return { schema: { description: "(nested too deep; not described)" }, readOnly: false };

	if (typeof node.$ref === "string") {
		const target = resolveRef(ctx, node.$ref);
		if (!target.ok) {
			report(ctx, "problem", pointerJoin(pointer, "$ref"), target.message);
			return { schema: {}, readOnly: false };
		}
		if (stack.includes(target.pointer)) {
			const name = target.pointer.split("/").pop()?.replaceAll("~1", "/").replaceAll("~0", "~") || "schema";
			return { schema: { type: "object", description: `(recursive ${name})` }, readOnly: false };
		}
		const { $ref: _ref, ...siblings } = node;
		// OpenAPI 3.1 lets keywords sit beside $ref; 3.0 authors put description/nullable there too.
		const merged = isRecord(target.value) ? { ...target.value, ...siblings } : target.value;
		return walk(ctx, merged, target.pointer, [...stack, target.pointer], depth, request);
	}

	const out: JsonSchema = {};
	const next = (value: unknown, ...tokens: string[]) =>
		walk(ctx, value, pointerJoin(pointer, ...tokens), stack, depth + 1, request);

	const type = node.type;
	if (typeof type === "string" && TYPES.has(type)) out.type = type;
	else if (Array.isArray(type) && type.length > 0 && type.every((t) => typeof t === "string" && TYPES.has(t)))
		out.type = [...new Set(type)];
	else if (type !== undefined)
		report(ctx, "warning", pointerJoin(pointer, "type"), `unknown type ${JSON.stringify(type)} ignored`);

	const description =
		typeof node.description === "string" && node.description.trim() ? node.description : node.title;
	if (typeof description === "string" && description.trim())
		out.description = truncate(description, DESCRIPTION_LIMIT);

	const dropped = new Set<string>();
	for (const key of SUBSCHEMA_MAPS) {
		const map = node[key];
		if (map === undefined) continue;
		if (!isRecord(map)) {
			report(ctx, "warning", pointerJoin(pointer, key), `${key} must be an object; ignored`);
			continue;
		}
		const props: JsonSchema = {};
		for (const [name, child] of Object.entries(map)) {
			if (key === "patternProperties" && !validPattern(name)) {
				report(ctx, "warning", pointerJoin(pointer, key, name), "not a valid ECMAScript regex; ignored");
				continue;
			}
			const walked = next(child, key, name);
			if (key === "properties" && request && walked.readOnly) {
				dropped.add(name);
				continue;
			}
			props[name] = walked.schema;
		}
		out[key] = props;
	}

	if (Array.isArray(node.required)) {
		const required = [
			...new Set(node.required.filter((r): r is string => typeof r === "string" && !dropped.has(r))),
		];
		if (required.length > 0) out.required = required;
	}

	if (isRecord(node.items) || typeof node.items === "boolean") out.items = next(node.items, "items").schema;
	else if (Array.isArray(node.items))
		out.prefixItems = node.items.map((s, i) => next(s, "items", String(i)).schema);

	for (const key of SUBSCHEMA) {
		if (node[key] === undefined) continue;
		// `false` stays `false`: validators and models read "no other properties" from it, not from `{ not: {} }`.
		if (node[key] === false && key !== "not") out[key] = false;
		else if (isRecord(node[key]) || typeof node[key] === "boolean") out[key] = next(node[key], key).schema;
	}
	for (const key of SUBSCHEMA_LISTS) {
		const list = node[key];
		if (Array.isArray(list) && list.length > 0) out[key] = list.map((s, i) => next(s, key, String(i)).schema);
	}

	for (const key of NUMBERS) if (typeof node[key] === "number") out[key] = node[key];
	for (const key of COUNTS) {
		const n = node[key];
		if (typeof n === "number" && Number.isInteger(n) && n >= 0) out[key] = n;
	}
	for (const key of STRINGS) if (typeof node[key] === "string") out[key] = node[key];
	for (const key of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
		const value = node[key];
		const bound = key === "exclusiveMinimum" ? "minimum" : "maximum";
		if (typeof value === "number") out[key] = value;
		// OpenAPI 3.0 / draft 4: a boolean that turns `minimum`/`maximum` exclusive.
		else if (value === true && typeof out[bound] === "number") {
			out[key] = out[bound];
			delete out[bound];
		}
	}
	if (typeof node.pattern === "string") {
		if (validPattern(node.pattern)) out.pattern = node.pattern;
		else report(ctx, "warning", pointerJoin(pointer, "pattern"), "not a valid ECMAScript regex; ignored");
	}
	if (node.uniqueItems === true) out.uniqueItems = true;
	if (node.deprecated === true) out.deprecated = true;
	if (Array.isArray(node.enum) && node.enum.length > 0) out.enum = structuredClone(node.enum);
	if (node.const !== undefined) out.const = structuredClone(node.const);
	if (node.default !== undefined) out.default = structuredClone(node.default);
	if (isRecord(node.dependentRequired)) out.dependentRequired = structuredClone(node.dependentRequired);

	mergeAllOf(out);
	const schema = node.nullable === true ? makeNullable(out) : out;
	return { schema, readOnly: node.readOnly === true };
}

/** `allOf` of plain object shapes (the usual "Base + extra fields") becomes one object, so bodies can flatten. */
function mergeAllOf(schema: JsonSchema): void {
	const parts = schema.allOf;
	if (!Array.isArray(parts)) return;
	const allowed = new Set(["type", "properties", "required", "description", "allOf"]);
	if (
		!Object.keys(schema).every((k) => allowed.has(k)) ||
		(schema.type !== undefined && schema.type !== "object")
	)
		return;
	const shapes = [schema, ...parts.filter(isRecord)];
	if (shapes.length !== parts.length + 1) return;
	for (const part of parts as JsonSchema[]) {
		if (!Object.keys(part).every((k) => allowed.has(k) && k !== "allOf")) return;
		if (part.type !== undefined && part.type !== "object") return;
		if (part.properties === undefined) return;
	}
	const properties: JsonSchema = {};
	const required = new Set<string>();
	for (const shape of shapes) {
		if (isRecord(shape.properties)) {
			for (const [name, prop] of Object.entries(shape.properties)) {
				if (name in properties && JSON.stringify(properties[name]) !== JSON.stringify(prop)) return;
				properties[name] = prop;
			}
		}
		if (Array.isArray(shape.required)) for (const r of shape.required) required.add(String(r));
	}
	const description =
		schema.description ?? parts.map((p) => (p as JsonSchema).description).find((d) => d !== undefined);
	for (const key of Object.keys(schema)) delete schema[key];
	schema.type = "object";
	if (description !== undefined) schema.description = description;
	schema.properties = properties;
	if (required.size > 0) schema.required = [...required];
}

function makeNullable(schema: JsonSchema): JsonSchema {
	if (typeof schema.type === "string") {
		schema.type = schema.type === "null" ? "null" : [schema.type, "null"];
	} else if (Array.isArray(schema.type)) {
		if (!schema.type.includes("null")) schema.type = [...schema.type, "null"];
	} else if (Object.keys(schema).some((k) => k !== "description")) {
		const { description, ...rest } = schema;
		return { ...(description !== undefined ? { description } : {}), anyOf: [rest, { type: "null" }] };
	} else {
		return schema;
	}
	if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
	return schema;
}

function validPattern(pattern: string): boolean {
	try {
		new RegExp(pattern, "u");
		return true;
	} catch {
		return false;
	}
}

/** Collapses whitespace and cuts at a word boundary near `limit` characters. */
export function truncate(text: string, limit: number): string {
	const flat = text.replace(/\s+/g, " ").trim();
	if (flat.length <= limit) return flat;
	const cut = flat.slice(0, limit - 1);
	const space = cut.lastIndexOf(" ");
	return `${(space > limit * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, "")}…`;
}
