import { isRecord, pointerJoin } from "@penumbra/core/registry";

/** The OpenAPI 3.x object types a `$ref` can stand for, as far as bundling and repair care. */
export type NodeKind =
	| "document"
	| "components"
	| "pathItem"
	| "operation"
	| "parameter"
	| "header"
	| "requestBody"
	| "response"
	| "mediaType"
	| "encoding"
	| "schema"
	| "example"
	| "link"
	| "callback";

export interface RefSite {
	/** JSON pointer of the object holding `$ref`. */
	pointer: string;
	kind: NodeKind;
	/** The object holding `$ref`; callers rewrite it in place. */
	holder: Record<string, unknown>;
	ref: string;
}

type Shape = "one" | "map" | "list" | "oneOrList";
type Rules = Partial<Record<string, readonly [NodeKind, Shape]>>;

const SCHEMA_ONE =
	"additionalProperties additionalItems unevaluatedProperties unevaluatedItems propertyNames contains contentSchema not if then else";
const SCHEMA_RULES: Rules = Object.fromEntries([
	...["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"].map((k) => [
		k,
		["schema", "map"],
	]),
	["items", ["schema", "oneOrList"]],
	...["prefixItems", "allOf", "anyOf", "oneOf"].map((k) => [k, ["schema", "list"]]),
	// Built from a list: a literal `then` key would make the object look like a thenable.
	...SCHEMA_ONE.split(" ").map((k) => [k, ["schema", "one"]]),
]);

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];

/*
 * Only keys that hold OpenAPI objects are walked. Literal data (`example`, `examples` of a schema,
 * `default`, `enum`, `const`, an Example's `value`, every `x-` extension) is never entered, so a `$ref`
 * written inside an example stays data, as the specification says it is.
 */
const RULES: Record<NodeKind, Rules> = {
	document: { paths: ["pathItem", "map"], webhooks: ["pathItem", "map"], components: ["components", "one"] },
	components: {
		schemas: ["schema", "map"],
		responses: ["response", "map"],
		parameters: ["parameter", "map"],
		examples: ["example", "map"],
		requestBodies: ["requestBody", "map"],
		headers: ["header", "map"],
		links: ["link", "map"],
		callbacks: ["callback", "map"],
		pathItems: ["pathItem", "map"],
	},
	pathItem: {
		parameters: ["parameter", "list"],
		...Object.fromEntries(METHODS.map((m) => [m, ["operation", "one"] as const])),
	},
	operation: {
		parameters: ["parameter", "list"],
		requestBody: ["requestBody", "one"],
		responses: ["response", "map"],
		callbacks: ["callback", "map"],
	},
	parameter: { schema: ["schema", "one"], content: ["mediaType", "map"], examples: ["example", "map"] },
	header: { schema: ["schema", "one"], content: ["mediaType", "map"], examples: ["example", "map"] },
	requestBody: { content: ["mediaType", "map"] },
	response: { headers: ["header", "map"], content: ["mediaType", "map"], links: ["link", "map"] },
	mediaType: { schema: ["schema", "one"], examples: ["example", "map"], encoding: ["encoding", "map"] },
	encoding: { headers: ["header", "map"] },
	schema: SCHEMA_RULES,
	example: {},
	link: {},
	callback: {},
};

/**
 * Visits every `$ref` that stands for an OpenAPI object (not the ones inside literal data), telling what
 * kind of object it stands for. Refs are visited in document order; nothing is followed.
 */
export function forEachRef(
	node: unknown,
	kind: NodeKind,
	pointer: string,
	visit: (site: RefSite) => void,
): void {
	if (!isRecord(node)) return;
	if (typeof node.$ref === "string") {
		visit({ pointer, kind, holder: node, ref: node.$ref });
		// In 3.1 schemas keywords may sit beside $ref; other objects ignore siblings.
		if (kind !== "schema") return;
	}
	const rules = kind === "callback" ? callbackRules(node) : RULES[kind];
	for (const [key, value] of Object.entries(node)) {
		if (key === "$ref" || key.startsWith("x-")) continue;
		const rule = rules[key];
		if (!rule) continue;
		const [childKind, shape] = rule;
		const at = pointerJoin(pointer, key);
		if (shape === "one" || (shape === "oneOrList" && !Array.isArray(value))) {
			forEachRef(value, childKind, at, visit);
		} else if (shape === "map") {
			if (isRecord(value))
				for (const [k, v] of Object.entries(value)) forEachRef(v, childKind, pointerJoin(at, k), visit);
		} else if (Array.isArray(value)) {
			value.forEach((v, i) => {
				forEachRef(v, childKind, pointerJoin(at, i), visit);
			});
		}
	}
}

function callbackRules(node: Record<string, unknown>): Rules {
	return Object.fromEntries(Object.keys(node).map((k) => [k, ["pathItem", "one"] as const]));
}

/** Every `$ref` string anywhere in `node`, including inside literal data, with its pointer. */
export function allRefs(
	node: unknown,
	pointer = "",
	out: { pointer: string; ref: string }[] = [],
): { pointer: string; ref: string }[] {
	if (Array.isArray(node)) {
		node.forEach((v, i) => {
			allRefs(v, pointerJoin(pointer, i), out);
		});
	} else if (isRecord(node)) {
		if (typeof node.$ref === "string") out.push({ pointer, ref: node.$ref });
		for (const [k, v] of Object.entries(node)) if (k !== "$ref") allRefs(v, pointerJoin(pointer, k), out);
	}
	return out;
}

/** One operation of a document, in paths order then method order. */
export interface OperationEntry {
	path: string;
	method: string;
	pointer: string;
	op: Record<string, unknown>;
}

/** Lists the operations under `paths` (refs to path items are not followed: bundling inlines them first). */
export function listOperations(doc: Record<string, unknown>): OperationEntry[] {
	const out: OperationEntry[] = [];
	const paths = doc.paths;
	if (!isRecord(paths)) return out;
	for (const [path, item] of Object.entries(paths)) {
		if (!isRecord(item) || path.startsWith("x-")) continue;
		for (const method of METHODS) {
			const op = item[method];
			if (isRecord(op)) out.push({ path, method, pointer: pointerJoin("/paths", path, method), op });
		}
	}
	return out;
}
