import type { AsPlainObject, Options } from "minisearch";
import { PenumbraError } from "../errors.ts";
import type { StoredTermIndex } from "./engine.ts";
import { processTerm, tokenize } from "./text.ts";

// The stored index is written by build.ts (CLI, gateway refresh) and read by read.ts (MCP Worker): whatever both
// must agree on lives here, so a change to the format cannot reach only one side.

/**
 * A tool as search results show it. Compact, as 10,000 services hold 200,000 tools: just the name when its summary
 * only restates the name and it spends no money, else `[name, summary]`, and `[name, summary, 1]` for a purchase.
 */
export type ToolRow = string | [name: string, summary: string] | [name: string, summary: string, purchase: 1];

/** What a result shows of a service, stored beside the index: `[id, name, category, description, price, flags, tools]`. */
export type ServiceRow = [
	id: string,
	name: string,
	category: string,
	description: string,
	price: string,
	flags: number,
	tools: ToolRow[],
];

/**
 * The prebuilt search index, stored in KV under `registry:search` as text (`serializeSearchIndex`, stored.ts: this
 * without `rows` as one line of JSON, then one line per row), laid out so that an isolate loads it without building
 * an object per posting or per tool (engine.ts).
 */
export interface SearchIndexData {
	version: 2;
	built_at: string;
	/** Last time the gateway's spec refresh rewrote some services in place. */
	refreshed_at?: string;
	/** Every category in the registry, sorted. */
	categories: string[];
	/** Per row (the document id): the service's id and name, and its category's position in `categories`. */
	ids: string[];
	names: string[];
	/** `encodeInts` of the category positions. */
	category_of: string;
	/** Per row: its `ServiceRow` as JSON text (its own line in the stored text), parsed only when a result shows it. */
	rows: string[];
	index: StoredTermIndex;
}

/** The format before 2 (rows and MiniSearch's serialization as they are): still read, converted on load. */
export interface SearchIndexDataV1 {
	version: 1;
	built_at: string;
	refreshed_at?: string;
	categories: string[];
	services: ServiceRow[];
	index: AsPlainObject;
}

export const FLAG_AUTH = 1;
export const FLAG_PURCHASES = 2;

/**
 * One document per service. Fields are few on purpose: search time grows with the postings a term has, one per
 * field a document holds it in, and common words ("order", "book") sit in thousands of services at 10,000.
 */
export interface SearchDoc {
	row: number;
	/** Name and id. */
	name: string;
	/** Category and tags. */
	tags: string;
	description: string;
	/** Tool names, summaries and the first sentence of each description, and the flow (which names tools). */
	tools: string;
}

export type Field = Exclude<keyof SearchDoc, "row">;

export const FIELDS: readonly Field[] = ["name", "tags", "description", "tools"];

/** MiniSearch numbers fields in the order of `fields`; the stored postings name fields by these numbers. */
export const FIELD_IDS: Readonly<Record<Field, number>> = { name: 0, tags: 1, description: 2, tools: 3 };

/** Beside the fields so that a new field cannot go without a weight. */
export const FIELD_BOOST: Record<Field, number> = { name: 5, tags: 3, description: 1.5, tools: 1 };

/** Build and load must agree on these, or the loaded index cannot be read. */
export const MINISEARCH_OPTIONS: Options<SearchDoc> = {
	idField: "row",
	fields: [...FIELDS],
	storeFields: [],
	tokenize: (text) => tokenize(text),
	processTerm: (term) => processTerm(term),
	autoVacuum: false,
};

export function checkVersion(
	data: SearchIndexData | SearchIndexDataV1 | null | undefined,
): asserts data is SearchIndexData | SearchIndexDataV1 {
	const known =
		(data?.version === 2 && Array.isArray(data.rows)) ||
		(data?.version === 1 && Array.isArray(data.services));
	if (!known) {
		throw new PenumbraError("INTERNAL", {
			detail: "The service search index is missing or unreadable; reseed the registry.",
			internal: `search index version ${String(data?.version)} is not 1 or 2; reseed the registry`,
		});
	}
}
