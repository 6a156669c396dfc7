import type { AsPlainObject } from "minisearch";
import { TermIndex } from "./engine.ts";
import type { SearchIndexData, SearchIndexDataV1, ServiceRow } from "./format.ts";
import { encodeInts } from "./ints.ts";
import { parseJsonInSlices } from "./json-slices.ts";
import { yieldToEventLoop } from "./quiet.ts";

function categoriesOf(rows: readonly ServiceRow[]): string[] {
	return [...new Set(rows.map((r) => r[2]))].sort();
}

/** The stored index of `rows` (by document id) and MiniSearch's serialization of their documents. */
export function toStoredData(
	rows: readonly ServiceRow[],
	plain: AsPlainObject,
	stamps: Pick<SearchIndexData, "built_at" | "refreshed_at">,
): SearchIndexData {
	const categories = categoriesOf(rows);
	const position = new Map(categories.map((c, i) => [c, i]));
	return {
		version: 2,
		built_at: stamps.built_at,
		...(stamps.refreshed_at !== undefined ? { refreshed_at: stamps.refreshed_at } : {}),
		categories,
		ids: rows.map((r) => r[0]),
		names: rows.map((r) => r[1]),
		category_of: encodeInts(rows.map((r) => position.get(r[2]) ?? 0)),
		rows: rows.map((r) => JSON.stringify(r)),
		index: TermIndex.fromPlain(plain),
	};
}

/** An index stored before format 2, in format 2 (a registry seeded before an upgrade answers until its next seed). */
export function upgradeIndexData(data: SearchIndexData | SearchIndexDataV1): SearchIndexData {
	if (data.version === 2) return data;
	return toStoredData(data.services, data.index, data);
}

/** The rows of a stored index, parsed (the refresh rewrites some of them). */
export function rowsOf(data: SearchIndexData): ServiceRow[] {
	return data.rows.map((text) => JSON.parse(text) as ServiceRow);
}

// The stored text: the index without its rows as one line of JSON, then one line per row (its JSON), all ASCII
// (other characters as JSON's \u escapes, which parsing undoes). A loading isolate parses the first line only; the
// rows stay slices of the text — no copy, no escapes to undo — and each is parsed when a result shows it. ASCII keeps
// the text one byte per character in memory (a single "–" would double it).
const NON_ASCII = /[\u0080-\uffff]/g;

function ascii(json: string): string {
	return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The text stored in KV under `registry:search`. */
export function serializeSearchIndex(data: SearchIndexData): string {
	const { rows, ...header } = data;
	return [JSON.stringify(header), ...rows].map(ascii).join("\n");
}

type Header = Omit<SearchIndexData, "rows"> | SearchIndexDataV1;

/** A text that is no index (`null`, a number) comes back as it is, for `checkVersion` to refuse with its reason. */
function withRows(header: Header, rows: string[]): SearchIndexData | SearchIndexDataV1 {
	return typeof header === "object" && header !== null && header.version === 2 ? { ...header, rows } : header;
}

/** The stored text's index (format 1, a single JSON document, included). */
export function parseSearchIndex(text: string): SearchIndexData | SearchIndexDataV1 {
	const end = text.indexOf("\n");
	const header = JSON.parse(end === -1 ? text : text.slice(0, end)) as Header;
	return withRows(header, end === -1 ? [] : text.slice(end + 1).split("\n"));
}

/**
 * `parseSearchIndex`, yielding to the event loop between slices of about `sliceChars` characters (a background
 * reload beside live searches): the first line parsed in slices, the rows found a slice at a time.
 */
export async function parseSearchIndexInSlices(
	text: string,
	sliceChars: number,
): Promise<SearchIndexData | SearchIndexDataV1> {
	const end = text.indexOf("\n");
	const header = (await parseJsonInSlices(end === -1 ? text : text.slice(0, end), sliceChars)) as Header;
	const rows: string[] = [];
	let at = end === -1 ? text.length : end + 1;
	let sinceYield = 0;
	while (at < text.length) {
		const next = text.indexOf("\n", at);
		const stop = next === -1 ? text.length : next;
		rows.push(text.slice(at, stop));
		sinceYield += stop - at;
		at = stop + 1;
		if (sinceYield >= sliceChars) {
			sinceYield = 0;
			await yieldToEventLoop();
		}
	}
	return withRows(header, rows);
}
