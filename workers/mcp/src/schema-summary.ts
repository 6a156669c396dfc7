/**
 * Shorter versions of a tool's input schema, for a `list_tools` answer that would not fit the model's budget. A
 * summary stays valid JSON Schema (clients read it as one): below `depth` levels an object keeps only its
 * description, which then names its properties, and a long enum becomes words in the description.
 */

export type Schema = Record<string, unknown>;

export interface SummaryOptions {
	/** Object levels shown with their properties; deeper objects are named, not described. */
	depth: number;
	/** Longest description kept (0: none). */
	descriptionChars: number;
	/** Enums longer than this are shown as a few examples in words. */
	enumValues: number;
}

const NAMES_SHOWN = 12;
const ALTERNATIVES = ["anyOf", "oneOf", "allOf"] as const;
const KEPT = [
	"type",
	"format",
	"const",
	"minimum",
	"maximum",
	"minLength",
	"maxLength",
	"minItems",
	"maxItems",
];

function isRecord(value: unknown): value is Schema {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function cut(text: string, limit: number): string {
	return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 1)).trimEnd()}…`;
}

function listed(names: readonly unknown[], shown: number): string {
	const words = names.slice(0, shown).map((n) => (typeof n === "string" ? n : JSON.stringify(n)));
	return words.join(", ") + (names.length > shown ? `, … (${names.length} in all)` : "");
}

/** Shortens one schema per `options`; `{}` for anything that is not a schema object. */
export function summarizeSchema(node: unknown, options: SummaryOptions): Schema {
	if (!isRecord(node)) return {};
	const out: Schema = {};
	const notes: string[] = [];
	for (const key of KEPT) if (node[key] !== undefined) out[key] = node[key];
	if (Array.isArray(node.enum)) {
		if (node.enum.length <= options.enumValues) out.enum = node.enum;
		else
			notes.push(
				`one of ${node.enum.length} values${options.enumValues > 0 ? `, e.g. ${listed(node.enum, options.enumValues)}` : ""}`,
			);
	}
	if (Array.isArray(node.required)) out.required = node.required;
	const properties = isRecord(node.properties) ? node.properties : undefined;
	if (properties && options.depth > 0) {
		const inner = { ...options, depth: options.depth - 1 };
		out.properties = Object.fromEntries(
			Object.entries(properties).map(([k, v]) => [k, summarizeSchema(v, inner)]),
		);
		if (node.additionalProperties === false) out.additionalProperties = false;
	} else if (properties) {
		notes.push(`properties: ${listed(Object.keys(properties), NAMES_SHOWN)}`);
	}
	// An array's items sit at the array's own level: a list of objects shows the objects' fields.
	if (node.items !== undefined) out.items = summarizeSchema(node.items, options);
	for (const key of ALTERNATIVES) {
		const list = node[key];
		if (!Array.isArray(list)) continue;
		if (options.depth > 0)
			out[key] = list.map((s) => summarizeSchema(s, { ...options, depth: options.depth - 1 }));
		else notes.push(`${key} of ${list.length} forms`);
	}
	const own =
		typeof node.description === "string" && options.descriptionChars > 0
			? cut(node.description, options.descriptionChars)
			: "";
	const description = [own, ...(notes.length ? [`(${notes.join("; ")})`] : [])].filter(Boolean).join(" ");
	if (description) out.description = description;
	return out;
}

/** How deep a schema's objects nest (an array's items count at the array's level). */
export function schemaDepth(node: unknown): number {
	if (!isRecord(node)) return 0;
	const children: unknown[] = [
		...(isRecord(node.properties) ? Object.values(node.properties) : []),
		...ALTERNATIVES.flatMap((key) => (Array.isArray(node[key]) ? (node[key] as unknown[]) : [])),
	];
	const own = children.length > 0 ? 1 + Math.max(...children.map(schemaDepth)) : 0;
	return Math.max(own, node.items !== undefined ? schemaDepth(node.items) : 0);
}

/**
 * The part of an input schema at `path` (property names; array items and anyOf/oneOf/allOf forms are stepped
 * through), or the names available where a step failed.
 */
export function schemaAt(
	schema: unknown,
	path: readonly string[],
): { ok: true; schema: Schema } | { ok: false; at: string; available: string[] } {
	let node: unknown = schema;
	for (const [i, name] of path.entries()) {
		const holders = objectForms(node);
		const found = holders
			.map((h) => (isRecord(h.properties) ? h.properties[name] : undefined))
			.find(isRecord);
		if (!found) {
			const available = holders.flatMap((h) => (isRecord(h.properties) ? Object.keys(h.properties) : []));
			return { ok: false, at: path.slice(0, i).join("."), available: [...new Set(available)] };
		}
		node = found;
	}
	return isRecord(node) ? { ok: true, schema: node } : { ok: false, at: "", available: [] };
}

/** The object schemas a value at this node can be: itself, its array items, its alternatives. */
function objectForms(node: unknown): Schema[] {
	if (!isRecord(node)) return [];
	const forms: Schema[] = [node];
	if (node.items !== undefined) forms.push(...objectForms(node.items));
	for (const key of ALTERNATIVES) {
		const list = node[key];
		if (Array.isArray(list)) forms.push(...list.flatMap(objectForms));
	}
	return forms;
}
