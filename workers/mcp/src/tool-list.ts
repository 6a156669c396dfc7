/**
 * Keeps `list_tools` inside the same byte budget as `execute` results, whatever the service: input schemas are
 * summarized level by level (`schema-summary.ts`) and, for a service with very many tools, the list is paged. One
 * tool's full schema, or one part of it, is a call away (`tool`, `schema_path`).
 */

import { type Schema, type SummaryOptions, schemaDepth, summarizeSchema } from "./schema-summary.ts";

/** One tool as `list_tools` shows it (`toolEntry` in tools/list-tools.tools.ts). */
export interface ToolEntry {
	name: string;
	description?: string;
	input_schema: Schema;
	[key: string]: unknown;
}

const encoder = new TextEncoder();
export function sizeOf(value: unknown): number {
	return encoder.encode(JSON.stringify(value) ?? "").byteLength;
}

/** Bytes kept free for the answer's note and paging fields. */
const NOTE_ROOM = 1024;
const TOOL_DESCRIPTION_CHARS = 200;

interface Level {
	schema: SummaryOptions;
	/** The tool's description (the summary stays). */
	description: boolean;
}

/** From most to least detailed, every one naming each top-level parameter; the last one is also the one paged. */
const LEVELS: Level[] = [
	{ schema: { depth: 1, descriptionChars: 120, enumValues: 10 }, description: true },
	{ schema: { depth: 1, descriptionChars: 0, enumValues: 5 }, description: false },
	{ schema: { depth: 1, descriptionChars: 0, enumValues: 0 }, description: false },
];

function shorten(entry: ToolEntry, level: Level): ToolEntry {
	const { description, ...rest } = entry;
	const input_schema = summarizeSchema(entry.input_schema, level.schema);
	const summarized = JSON.stringify(input_schema) !== JSON.stringify(entry.input_schema);
	return {
		...rest,
		...(level.description && description
			? { description: description.slice(0, TOOL_DESCRIPTION_CHARS) }
			: {}),
		input_schema,
		...(summarized ? { input_schema_summarized: true } : {}),
	};
}

function mostThatFit(tools: ToolEntry[], budget: number): number {
	let lo = 1;
	let hi = tools.length;
	while (lo < hi) {
		const mid = Math.ceil((lo + hi) / 2);
		if (sizeOf(tools.slice(0, mid)) <= budget) lo = mid;
		else hi = mid - 1;
	}
	return lo;
}

export interface FittedList {
	tools: ToolEntry[];
	/** Set when schemas were summarized or the list paged. */
	note?: string;
	total_tools?: number;
	next_offset?: number;
}

function pageNote(offset: number, shown: number, total: number): string {
	const next = offset + shown;
	return `Showing tools ${offset + 1}-${next} of ${total}${next < total ? `; call list_tools with offset ${next} for the next ones` : ""}.`;
}

/** The tools from `offset` on, as detailed as `limit` bytes allow: whole, summarized, then summarized and paged. */
export function fitToolList(entries: ToolEntry[], limit: number, offset: number): FittedList {
	const page = entries.slice(offset);
	const budget = limit - NOTE_ROOM;
	const total = entries.length;
	const full = sizeOf(page);
	const paged = (tools: ToolEntry[], summarized: boolean): FittedList => {
		const next = offset + tools.length;
		const notes = [
			...(summarized
				? [
						`Input schemas are summarized to fit this answer's ${limit}-byte limit (the full list is ${sizeOf(entries)} bytes): tools marked input_schema_summarized show their top-level parameters, and nested objects name their properties in their description. Call list_tools with \`tool\` for one tool's full input schema.`,
					]
				: []),
			...(offset > 0 || next < total ? [pageNote(offset, tools.length, total)] : []),
		];
		return {
			tools,
			...(notes.length > 0 ? { note: notes.join(" "), total_tools: total } : {}),
			...(next < total ? { next_offset: next } : {}),
		};
	};
	if (full <= budget) return paged(page, false);
	for (const level of LEVELS) {
		const tools = page.map((e) => shorten(e, level));
		if (sizeOf(tools) <= budget) return paged(tools, true);
	}
	const compact = page.map((e) => shorten(e, LEVELS[LEVELS.length - 1] as Level));
	return paged(compact.slice(0, mostThatFit(compact, budget)), true);
}

/** A path into `schema` to a property that has properties of its own, as an example for `schema_path`. */
function nestedExample(schema: Schema, path: string[] = []): string[] | undefined {
	const properties = schema.properties;
	if (typeof properties !== "object" || properties === null) {
		const items = schema.items;
		return typeof items === "object" && items !== null ? nestedExample(items as Schema, path) : undefined;
	}
	for (const [name, child] of Object.entries(properties)) {
		if (typeof child === "object" && child !== null && schemaDepth(child) > 0) return [...path, name];
	}
	return undefined;
}

/**
 * One schema (a tool's input, or part of it) within `limit` bytes beside `frame`: whole when it fits, else with
 * objects below the deepest level that fits named rather than described.
 */
export function fitSchema(
	frame: Record<string, unknown>,
	schema: Schema,
	limit: number,
): { schema: unknown; note?: string } {
	const budget = limit - NOTE_ROOM - sizeOf(frame);
	const bytes = sizeOf(schema);
	if (bytes <= budget) return { schema };
	// Shallower and shallower; depth 0 without descriptions is a few hundred bytes (a type, the required names,
	// twelve property names), so the last try is kept whatever it weighs.
	let chosen = { depth: 0, descriptionChars: 0, summary: {} as Schema };
	search: for (let depth = schemaDepth(schema) - 1; depth >= 0; depth--) {
		for (const descriptionChars of [200, 0]) {
			chosen = {
				depth,
				descriptionChars,
				summary: summarizeSchema(schema, { depth, descriptionChars, enumValues: 25 }),
			};
			if (sizeOf(chosen.summary) <= budget) break search;
		}
	}
	const example = nestedExample(schema)?.join(".") ?? "a.b";
	return {
		schema: chosen.summary,
		note: `This schema is ${bytes} bytes, over this answer's ${limit}-byte limit: objects nested deeper than ${chosen.depth} level(s) name their properties in their description${chosen.descriptionChars ? "" : ", and descriptions are left out"}. Call list_tools with \`tool\` and \`schema_path\` (property names joined by dots, e.g. "${example}") to see one part in full.`,
	};
}
