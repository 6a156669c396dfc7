/**
 * Keeps one tool result inside the model's budget: an optional `fields` projection first, then a size cap that
 * cuts long arrays (keeping whole items) or, failing that, the text, always saying what was cut and how to ask
 * for less.
 */

import type { CallToolResult } from "@modelcontextprotocol/server";
import { toolResult } from "./errors.ts";

export interface Shaped {
	value: unknown;
	bytes: number;
	truncated: boolean;
	/** What was cut, for the model. */
	note?: string;
}

const encoder = new TextEncoder();

function sizeOf(value: unknown): number {
	return encoder.encode(JSON.stringify(value) ?? "").byteLength;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `path` names something in `value` (in any item, for arrays along the way). */
function resolves(value: unknown, path: readonly string[]): boolean {
	if (path.length === 0) return true;
	if (Array.isArray(value)) return value.some((item) => resolves(item, path));
	if (!isRecord(value)) return false;
	const [head, ...rest] = path;
	return head !== undefined && head in value && resolves(value[head], rest);
}

function projectPaths(value: unknown, paths: readonly (readonly string[])[]): unknown {
	if (Array.isArray(value)) return value.map((item) => projectPaths(item, paths));
	if (!isRecord(value)) return value;
	const byKey = new Map<string, (readonly string[])[]>();
	for (const [head, ...rest] of paths) {
		if (head === undefined) continue;
		byKey.set(head, [...(byKey.get(head) ?? []), rest]);
	}
	const out: Record<string, unknown> = {};
	for (const [key, rests] of byKey) {
		if (!(key in value)) continue;
		out[key] = rests.some((r) => r.length === 0) ? value[key] : projectPaths(value[key], rests);
	}
	return out;
}

/**
 * Projects a value onto dotted field paths. Arrays are projected item by item, so
 * `fields: ["restaurants.name", "restaurants.rating"]` keeps those two keys of each restaurant.
 */
export function project(value: unknown, fields: readonly string[]): { value: unknown; missing: string[] } {
	const paths = fields.map((f) => f.split(".").filter((part) => part !== ""));
	const missing = fields.filter((_, i) => !resolves(value, paths[i] ?? []));
	return { value: projectPaths(value, paths), missing };
}

/** The longest array inside a value (depth-first), so the cut keeps the answer's shape. */
function largestArray(
	value: unknown,
	path: (string | number)[] = [],
): { path: (string | number)[]; length: number } {
	let best = { path: [] as (string | number)[], length: -1 };
	if (Array.isArray(value)) {
		best = { path, length: value.length };
		for (const [i, item] of value.entries()) {
			const inner = largestArray(item, [...path, i]);
			if (inner.length > best.length) best = inner;
		}
	} else if (isRecord(value)) {
		for (const [key, item] of Object.entries(value)) {
			const inner = largestArray(item, [...path, key]);
			if (inner.length > best.length) best = inner;
		}
	}
	return best;
}

function withArrayCut(value: unknown, path: (string | number)[], keep: number): unknown {
	if (path.length === 0) return Array.isArray(value) ? value.slice(0, keep) : value;
	const [head, ...rest] = path;
	if (Array.isArray(value) && typeof head === "number") {
		return value.map((item, i) => (i === head ? withArrayCut(item, rest, keep) : item));
	}
	if (isRecord(value) && typeof head === "string") {
		return { ...value, [head]: withArrayCut(value[head], rest, keep) };
	}
	return value;
}

/** Fits `value` into `limit` bytes of JSON. */
export function capSize(value: unknown, limit: number): Shaped {
	const bytes = sizeOf(value);
	if (bytes <= limit) return { value, bytes, truncated: false };
	const array = largestArray(value);
	if (array.length > 1) {
		// Binary search for the most whole items that fit.
		let lo = 0;
		let hi = array.length;
		while (lo < hi) {
			const mid = Math.ceil((lo + hi) / 2);
			if (sizeOf(withArrayCut(value, array.path, mid)) <= limit) lo = mid;
			else hi = mid - 1;
		}
		if (lo > 0) {
			const cut = withArrayCut(value, array.path, lo);
			const where = array.path.length ? ` at ${array.path.join(".")}` : "";
			return {
				value: cut,
				bytes: sizeOf(cut),
				truncated: true,
				note: `Truncated: showing ${lo} of ${array.length} items${where} (the full answer is ${bytes} bytes, the limit ${limit}). Ask for fewer fields with \`fields\`, or a smaller page if the tool takes one (e.g. limit/page parameters).`,
			};
		}
	}
	const text = JSON.stringify(value);
	// Cut on a character boundary, leaving room for the note.
	let end = Math.max(0, limit - 200);
	while (end > 0 && encoder.encode(text.slice(0, end)).byteLength > limit - 200) end = Math.floor(end * 0.9);
	const cut = `${text.slice(0, end)}…`;
	return {
		value: cut,
		bytes: encoder.encode(cut).byteLength,
		truncated: true,
		note: `Truncated: the answer is ${bytes} bytes and the limit is ${limit}; this is its first part as JSON text. Ask for specific \`fields\` to get whole values.`,
	};
}

/** The byte budget of one tool result a model reads (`RESULT_LIMIT_BYTES`, 24 KB by default). */
export function resultLimit(env: McpEnv): number {
	const n = Number(env.RESULT_LIMIT_BYTES);
	return Number.isInteger(n) && n >= 1024 ? n : 24 * 1024;
}

/** A gateway answer as a tool result: its `result` projected onto `fields` and capped, its metadata kept whole. */
export function shapedResult(
	env: McpEnv,
	body: Record<string, unknown>,
	fields: string[] | undefined,
): CallToolResult {
	const { result, ...meta } = body;
	let value = result;
	let missing: string[] = [];
	if (fields && fields.length > 0) ({ value, missing } = project(result, fields));
	const shaped = capSize(value, resultLimit(env));
	const notes = [
		...(shaped.note ? [shaped.note] : []),
		...(missing.length ? [`No such field(s) in the answer: ${missing.join(", ")}.`] : []),
	];
	return toolResult(
		{
			...meta,
			result: shaped.value,
			...(shaped.truncated ? { truncated: true } : {}),
			...(notes.length ? { note: notes.join(" ") } : {}),
		},
		notes.length ? notes.join(" ") : undefined,
	);
}
