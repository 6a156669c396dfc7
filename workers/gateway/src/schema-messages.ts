import type { OutputUnit } from "@cfworker/json-schema";
import type { FieldError } from "@penumbra/core/errors";
import { isRecord, type JsonSchema, pointerGet } from "@penumbra/core/registry";
import { closest } from "./suggest.ts";

/**
 * Turns @cfworker/json-schema's output units into one plain-words problem per field ("must be a string (got a
 * number)", "is not a property of body"), from the keyword and the schema it failed, never from the validator's own
 * wording ("False boolean schema.", `Instance matched "not" schema.`).
 */

// Container keywords only restate that something inside failed; the leaf errors say what.
const CONTAINERS = new Set(["properties", "items", "prefixItems", "allOf", "$ref", "dependentSchemas"]);
const ENUM_SHOWN = 10;

function escapeToken(token: string): string {
	return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** `/body/items/0/sku` → `body.items[0].sku`: the argument as a model wrote it. */
export function argumentName(pointer: string): string {
	const tokens = pointer
		.split("/")
		.slice(1)
		.map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
	return tokens.reduce((name, t) => (/^\d+$/.test(t) ? `${name}[${t}]` : name ? `${name}.${t}` : t), "");
}

function quoted(values: readonly unknown[]): string {
	const shown = values.slice(0, ENUM_SHOWN).map((v) => JSON.stringify(v));
	return shown.join(", ") + (values.length > ENUM_SHOWN ? `, … (${values.length} values)` : "");
}

function article(type: string): string {
	if (type === "null") return "null";
	return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

function typeOf(value: unknown): string {
	if (value === null) return "null";
	if (Array.isArray(value)) return "array";
	if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
	return typeof value;
}

function typesOf(schema: unknown): string[] {
	if (!isRecord(schema)) return [];
	if (typeof schema.type === "string") return [schema.type];
	return Array.isArray(schema.type) ? schema.type.map(String) : [];
}

/** An object schema that allows no other properties: `false`, or `{ not: {} }` as older compiles wrote it. */
function forbidsAll(schema: unknown): boolean {
	return schema === false || (isRecord(schema) && isRecord(schema.not) && Object.keys(schema).length === 1);
}

/** What failed, in plain words, from the failing keyword's schema and the value it was given; undefined: a container. */
function reasonOf(keyword: string, schema: unknown, value: unknown, parent: JsonSchema): string | undefined {
	switch (keyword) {
		case "type": {
			const types = typesOf(parent);
			return `must be ${types.map(article).join(" or ")} (got ${article(typeOf(value))})`;
		}
		case "enum":
			return `must be one of ${quoted(Array.isArray(schema) ? schema : [])}`;
		case "const":
			return `must be ${JSON.stringify(schema)}`;
		case "minimum":
			return `must be at least ${schema}`;
		case "maximum":
			return `must be at most ${schema}`;
		case "exclusiveMinimum":
			return `must be greater than ${schema}`;
		case "exclusiveMaximum":
			return `must be less than ${schema}`;
		case "multipleOf":
			return `must be a multiple of ${schema}`;
		case "minLength":
			return `must be at least ${schema} characters long`;
		case "maxLength":
			return `must be at most ${schema} characters long`;
		case "pattern":
			return `must match the pattern ${schema}`;
		case "format":
			return `must be a valid ${schema}`;
		case "minItems":
			return `must have at least ${schema} items`;
		case "maxItems":
			return `must have at most ${schema} items`;
		case "uniqueItems":
			return "must not repeat items";
		case "minProperties":
			return `must have at least ${schema} properties`;
		case "maxProperties":
			return `must have at most ${schema} properties`;
		case "anyOf":
		case "oneOf": {
			const alternatives = Array.isArray(schema) ? schema.flatMap(typesOf) : [];
			const which = keyword === "oneOf" ? "exactly one" : "one";
			return alternatives.length > 0 && Array.isArray(schema) && alternatives.length >= schema.length
				? `must be ${which} of: ${[...new Set(alternatives)].map(article).join(", ")}`
				: `must match ${which} of the allowed forms`;
		}
		case "not":
		case "false":
			return "is not allowed here";
		default:
			return CONTAINERS.has(keyword) ? undefined : `does not satisfy "${keyword}"`;
	}
}

function schemaAt(root: JsonSchema, keywordLocation: string): unknown {
	return pointerGet(root, keywordLocation.replace(/^#/, ""));
}

interface Located {
	pointer: string;
	message: string;
	expected?: string;
	type: boolean;
}

/** A validator location (`#/body/a%20b`, URI-encoded JSON pointer) as a plain JSON pointer (`/body/a b`). */
function plainPointer(location: string): string {
	const pointer = location.replace(/^#/, "");
	try {
		return decodeURI(pointer);
	} catch {
		return pointer;
	}
}

/** The name of the property an `additionalProperties: false` refused, and the names the object does allow. */
function refusedProperty(unit: OutputUnit, root: JsonSchema): { name: string; known: string[] } | undefined {
	const name = /^Property "(.*)" does not match/.exec(unit.error)?.[1];
	if (name === undefined) return undefined;
	const objectSchema = schemaAt(root, unit.keywordLocation.replace(/\/[^/]+$/, ""));
	const properties = isRecord(objectSchema) ? objectSchema.properties : undefined;
	return { name, known: isRecord(properties) ? Object.keys(properties) : [] };
}

/**
 * One `FieldError` per failing field, rooted at `/parameters`. Unknown top-level parameters are left to the caller,
 * which names them with suggestions among every parameter.
 */
export function fieldErrors(units: readonly OutputUnit[], root: JsonSchema, input: unknown): FieldError[] {
	const located: Located[] = [];
	// Where a refused property sits: the validator also fails the property itself against `false` / `{ not: {} }`.
	const refused = new Set<string>();
	for (const unit of units) {
		if (unit.keyword !== "additionalProperties" && unit.keyword !== "unevaluatedProperties") continue;
		if (!forbidsAll(schemaAt(root, unit.keywordLocation))) continue;
		const found = refusedProperty(unit, root);
		if (!found) continue;
		const at = plainPointer(unit.instanceLocation);
		refused.add(`${at}/${escapeToken(found.name)}`);
		if (at === "") continue;
		const suggestions = closest(found.name, found.known);
		located.push({
			pointer: `/parameters${at}/${escapeToken(found.name)}`,
			message: `is not a property of ${argumentName(at)}${suggestions.length ? ` (did you mean ${suggestions.join(", ")}?)` : ""}`,
			type: false,
		});
	}
	// Errors inside an anyOf/oneOf say why each alternative failed; the anyOf's own message covers them.
	const alternatives = units
		.filter((u) => u.keyword === "anyOf" || u.keyword === "oneOf")
		.map((u) => `${u.keywordLocation}/`);
	for (const unit of units) {
		const at = plainPointer(unit.instanceLocation);
		if (refused.has(at) || alternatives.some((prefix) => unit.keywordLocation.startsWith(prefix))) continue;
		if (unit.keyword === "required") {
			const name = /required property "([^"]+)"/.exec(unit.error)?.[1] ?? "";
			located.push({ pointer: `/parameters${at}/${escapeToken(name)}`, message: "is required", type: false });
			continue;
		}
		const schema = schemaAt(root, unit.keywordLocation);
		const parent = schemaAt(root, unit.keywordLocation.replace(/\/[^/]+$/, ""));
		const isType = unit.keyword === "type";
		const reason =
			unit.keyword === "additionalProperties" || unit.keyword === "unevaluatedProperties"
				? undefined
				: reasonOf(unit.keyword, schema, pointerGet(input, at), isRecord(parent) ? parent : {});
		if (reason === undefined) continue;
		const expected = isType ? typesOf(parent).join(" or ") : "";
		located.push({
			pointer: `/parameters${at}`,
			message: reason,
			type: isType,
			...(expected ? { expected } : {}),
		});
	}
	return onePerField(located);
}

/** One error per field: a wrong type says it all; other reasons for one field are joined. */
function onePerField(located: Located[]): FieldError[] {
	const byPointer = new Map<string, Located[]>();
	for (const l of located) byPointer.set(l.pointer, [...(byPointer.get(l.pointer) ?? []), l]);
	return [...byPointer].map(([pointer, all]) => {
		const typed = all.find((l) => l.type);
		const chosen = typed ? [typed] : all;
		const message = [...new Set(chosen.map((l) => l.message))].join("; ");
		return { pointer, message, ...(typed?.expected ? { expected: typed.expected } : {}) };
	});
}
