import MiniSearch from "minisearch";
import type { CompiledService } from "../registry/types.ts";
import { TermIndex } from "./engine.ts";
import {
	checkVersion,
	FLAG_AUTH,
	FLAG_PURCHASES,
	MINISEARCH_OPTIONS,
	type SearchDoc,
	type SearchIndexData,
	type ServiceRow,
	type ToolRow,
} from "./format.ts";
import { parseSearchIndex, rowsOf, serializeSearchIndex, toStoredData, upgradeIndexData } from "./stored.ts";
import { clip, terms } from "./text.ts";

const DESCRIPTION_LIMIT = 160;
const SUMMARY_LIMIT = 80;

function firstSentence(text: string, limit: number): string {
	const end = text.search(/[.!?](\s|$)/);
	return clip(end >= 0 ? text.slice(0, end + 1) : text, limit);
}

function priceSummary(service: CompiledService): string {
	const { min_cents: min, max_cents: max } = service.card.fees;
	const usage =
		max === 0
			? "no usage fee"
			: min === max
				? `usage fee ${max}¢ per call`
				: `usage fee ${min}–${max}¢ per call`;
	if (!service.card.has_purchases) return max === 0 ? "free to use" : usage;
	const model = service.card.pricing_model ? ` (${clip(service.card.pricing_model, 70)})` : "";
	return `purchases quoted before buying${model}; ${usage}`;
}

/** "Get one vehicle" says nothing `get_vehicle` does not. */
function restatesName(name: string, summary: string): boolean {
	const nameTerms = new Set(terms(name));
	return terms(summary).every((t) => nameTerms.has(t));
}

function toToolRow(tool: CompiledService["tools"][number]): ToolRow {
	const purchase = tool.purchase?.kind === "purchase";
	const summary = clip(tool.summary, SUMMARY_LIMIT);
	if (purchase) return [tool.name, summary, 1];
	return summary === "" || restatesName(tool.name, summary) ? tool.name : [tool.name, summary];
}

function toRow(service: CompiledService): ServiceRow {
	const { card } = service;
	return [
		card.id,
		card.name,
		card.category,
		clip(card.description, DESCRIPTION_LIMIT),
		priceSummary(service),
		(card.requires_auth ? FLAG_AUTH : 0) | (card.has_purchases ? FLAG_PURCHASES : 0),
		service.tools.map(toToolRow),
	];
}

function toDoc(service: CompiledService, row: number): SearchDoc {
	const { card } = service;
	return {
		row,
		name: `${card.name} ${idWords(card.id)}`,
		tags: `${card.category} ${card.tags.join(" ")}`,
		description: card.description,
		tools: [
			card.flow ?? "",
			...service.tools.map((t) => `${t.name} ${t.summary} ${firstSentence(t.description, 120)}`),
		].join(" "),
	};
}

/** The words of an id, without serial parts ("glowbites-9i" → "glowbites"): one-off terms only bloat the index. */
function idWords(id: string): string {
	return id
		.split(/[^A-Za-z0-9]+/)
		.filter((part) => !/\d/.test(part))
		.join(" ");
}

/**
 * Builds the search index of a registry at compile time, so a cold isolate loads it instead of indexing 10,000
 * services itself. One document per service (its tools' names, summaries and first sentences folded in): the
 * tool text of a service then costs one posting per distinct word, not one per tool.
 */
export function buildSearchIndex(services: CompiledService[], builtAt: string): SearchIndexData {
	const sorted = [...services].sort((a, b) => a.card.id.localeCompare(b.card.id));
	const miniSearch = new MiniSearch<SearchDoc>(MINISEARCH_OPTIONS);
	miniSearch.addAll(sorted.map((s, i) => toDoc(s, i)));
	return toStoredData(sorted.map(toRow), miniSearch.toJSON(), { built_at: builtAt });
}

/** A stored index as MiniSearch and rows to edit; its parsed stored form is dropped when this returns. */
function editable(json: string): {
	miniSearch: MiniSearch<SearchDoc>;
	rows: ServiceRow[];
	builtAt: string;
} {
	const parsed = parseSearchIndex(json);
	checkVersion(parsed);
	const data = upgradeIndexData(parsed);
	return {
		miniSearch: MiniSearch.loadJS<SearchDoc>(TermIndex.toPlain(data.index), MINISEARCH_OPTIONS),
		rows: rowsOf(data),
		builtAt: data.built_at,
	};
}

/**
 * Rewrites some services of a built index in place (the gateway's refresh of remote specs): their documents are
 * replaced and the index vacuumed, which costs one load and one serialization instead of reading every service
 * entry again to rebuild. A service the index does not hold yet is added. Text in, text out: at 10,000 services
 * each form of the index is tens of MB, and a 128 MB isolate must not hold the parsed, loaded and serialized
 * forms at once.
 */
export async function updateSearchIndex(
	json: string,
	changed: readonly CompiledService[],
	refreshedAt: string,
): Promise<string> {
	const { miniSearch: loaded, rows, builtAt } = editable(json);
	let miniSearch: MiniSearch<SearchDoc> | undefined = loaded;
	const rowOf = new Map(rows.map((r, i) => [r[0], i]));
	for (const service of changed) {
		const existing = rowOf.get(service.card.id);
		const row = existing ?? rows.length;
		if (existing !== undefined) miniSearch.discard(row);
		miniSearch.add(toDoc(service, row));
		rows[row] = toRow(service);
		rowOf.set(service.card.id, row);
	}
	// One batch, no pause: the refresh runs in a cron, not beside live searches.
	await miniSearch.vacuum({ batchSize: Number.MAX_SAFE_INTEGER, batchWait: 1 });
	const index = miniSearch.toJSON();
	miniSearch = undefined;
	return serializeSearchIndex(toStoredData(rows, index, { built_at: builtAt, refreshed_at: refreshedAt }));
}
