import type { AsPlainObject, Options } from "minisearch";
import { PenumbraError } from "../errors.ts";
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

/** The prebuilt search index as stored in KV under `registry:search`: plain JSON. */
export interface SearchIndexData {
	version: 1;
	built_at: string;
	/** Last time the gateway's spec refresh rewrote some services in place. */
	refreshed_at?: string;
	/** Every category in the registry, sorted. */
	categories: string[];
	services: ServiceRow[];
	/** MiniSearch's own serialization (`toJSON`); the document id is the row's position in `services`. */
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

const FIELDS: readonly Field[] = ["name", "tags", "description", "tools"];

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

export function checkVersion(data: SearchIndexData | null | undefined): asserts data is SearchIndexData {
	if (data?.version !== 1 || !Array.isArray(data.services)) {
		throw new PenumbraError("INTERNAL", {
			detail: "The service search index is missing or unreadable; reseed the registry.",
			internal: `search index version ${String(data?.version)} is not 1; reseed the registry`,
		});
	}
}
