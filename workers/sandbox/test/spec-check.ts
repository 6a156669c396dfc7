import { expect } from "vitest";

type Schema = { [key: string]: unknown };
type Spec = { components?: { schemas?: Record<string, Schema> } } & Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === "object" && !Array.isArray(value);
}

function resolve(spec: Spec, schema: Schema): Schema {
	const ref = schema.$ref;
	if (typeof ref !== "string") return schema;
	const name = ref.replace("#/components/schemas/", "");
	const target = spec.components?.schemas?.[name];
	if (!target) throw new Error(`unresolvable $ref ${ref}`);
	return resolve(spec, target);
}

/** Property names an object schema documents, across allOf branches. */
function documented(spec: Spec, schema: Schema): Set<string> {
	const s = resolve(spec, schema);
	const names = new Set(Object.keys(isObject(s.properties) ? s.properties : {}));
	if (Array.isArray(s.allOf)) {
		for (const part of s.allOf) if (isObject(part)) for (const n of documented(spec, part)) names.add(n);
	}
	return names;
}

function typeOf(value: unknown): string {
	if (value === null) return "null";
	if (Array.isArray(value)) return "array";
	if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
	return typeof value;
}

/**
 * A small JSON Schema check for the subset our specs use ($ref, allOf, oneOf/anyOf, type, enum, properties,
 * required, items, bounds). Strict: an object property the spec does not document is reported, so the served
 * responses and the provider's openapi.yaml cannot drift apart silently.
 */
export function violations(spec: Spec, schema: Schema, value: unknown, at = "$", lenient = false): string[] {
	const s = resolve(spec, schema);
	const problems: string[] = [];
	if (Array.isArray(s.allOf)) {
		for (const part of s.allOf) {
			if (!isObject(part)) continue;
			const branch = resolve(spec, part);
			// Strict per branch would reject the other branches' properties; strictness is checked once below.
			problems.push(...violations(spec, branch, value, at, true));
		}
	}
	// Nullable references (`oneOf: [$ref, {type: "null"}]`): some branch must fit as a whole, strictly.
	for (const key of ["oneOf", "anyOf"] as const) {
		const branches = s[key];
		if (!Array.isArray(branches)) continue;
		const fits = branches.some((b) => isObject(b) && violations(spec, b, value, at).length === 0);
		if (!fits) problems.push(`${at}: matches no ${key} branch`);
	}
	if (s.type !== undefined) {
		const types = Array.isArray(s.type) ? s.type : [s.type];
		const actual = typeOf(value);
		if (!types.includes(actual) && !(actual === "integer" && types.includes("number"))) {
			return [...problems, `${at}: expected ${types.join("|")}, got ${actual}`];
		}
	}
	if (Array.isArray(s.enum) && !s.enum.includes(value))
		problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
	if (typeof value === "number") {
		if (typeof s.minimum === "number" && value < s.minimum)
			problems.push(`${at}: below minimum ${s.minimum}`);
		if (typeof s.maximum === "number" && value > s.maximum)
			problems.push(`${at}: above maximum ${s.maximum}`);
	}
	if (isObject(value)) {
		const props = isObject(s.properties) ? s.properties : {};
		if (Array.isArray(s.required)) {
			for (const name of s.required)
				if (!(name in value)) problems.push(`${at}: missing required ${String(name)}`);
		}
		for (const [name, child] of Object.entries(value)) {
			const childSchema = props[name];
			if (isObject(childSchema)) problems.push(...violations(spec, childSchema, child, `${at}.${name}`));
		}
		if (!lenient && (isObject(s.properties) || Array.isArray(s.allOf))) {
			const known = documented(spec, s);
			for (const name of Object.keys(value))
				if (!known.has(name)) problems.push(`${at}: undocumented property ${name}`);
		}
	}
	const items = s.items;
	if (Array.isArray(value) && isObject(items)) {
		value.forEach((item, i) => {
			problems.push(...violations(spec, items, item, `${at}[${i}]`));
		});
	}
	return problems;
}

/** Asserts a response body conforms to a named component schema of the merchant's spec. */
export function expectSchema(spec: unknown, schemaName: string, value: unknown): void {
	if (!isObject(spec)) throw new Error("spec is not an object");
	expect(violations(spec, { $ref: `#/components/schemas/${schemaName}` }, value)).toEqual([]);
}
