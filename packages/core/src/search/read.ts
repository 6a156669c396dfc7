import type { SearchAnswer, SearchResult } from "../contracts/services.ts";
import { type TermHit, TermIndex } from "./engine.ts";
import {
	checkVersion,
	FIELD_BOOST,
	FIELDS,
	type Field,
	FLAG_AUTH,
	FLAG_PURCHASES,
	type SearchIndexData,
	type SearchIndexDataV1,
	type ServiceRow,
	type ToolRow,
} from "./format.ts";
import { decodeInts, decodeIntsInSlices } from "./ints.ts";
import { type Plan, planQuery, type QueryTerm, type Vocabulary } from "./plan.ts";
import { upgradeIndexData } from "./stored.ts";
import { editDistance, processTerm, terms, tokenize } from "./text.ts";

export interface SearchOptions {
	/** Exact category (case-insensitive). */
	category?: string;
	/** Results to return: default 5, at most 20. */
	limit?: number;
	/** Tools listed per result, best-matching first: default 3. */
	toolsPerService?: number;
}

export type { SearchAnswer, SearchResult } from "../contracts/services.ts";

export interface ServiceSearch {
	search(query: string, opts?: SearchOptions): SearchAnswer;
	/** Services in the index. */
	readonly size: number;
	readonly builtAt: string;
}

const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 20;
const DEFAULT_TOOLS = 3;
const MAX_TOOLS = 20;
/** Services whose parsed row and tool words stay cached per isolate (about 40 tools each). */
const ROW_CACHE = 2000;
const CONCEPT_FIELDS: Field[] = ["name", "tags"];

function fromToolRow(tool: ToolRow): { name: string; summary: string; purchase: boolean } {
	if (typeof tool !== "string") return { name: tool[0], summary: tool[1], purchase: tool[2] === 1 };
	const words = tool.replace(/_/g, " ");
	return { name: tool, summary: `${words.charAt(0).toUpperCase()}${words.slice(1)}`, purchase: false };
}

interface CachedRow {
	row: ServiceRow;
	toolTerms?: ToolTerms[];
}

class Search implements ServiceSearch {
	readonly #terms: TermIndex;
	readonly #vocabulary: Vocabulary;
	readonly #ids: readonly string[];
	readonly #names: readonly string[];
	/** Per row, its category's position in `#categories`. */
	readonly #categoryOfRow: Int32Array;
	readonly #rowTexts: readonly string[];
	readonly #categories: string[];
	readonly #categoryOf: Map<string, string>;
	readonly #rowCache = new Map<number, CachedRow>();
	readonly builtAt: string;

	constructor(data: SearchIndexData, terms: TermIndex, categoryOfRow: Int32Array) {
		this.#terms = terms;
		this.#vocabulary = terms.vocabulary;
		this.#ids = data.ids;
		this.#names = data.names;
		this.#categoryOfRow = categoryOfRow;
		this.#rowTexts = data.rows;
		this.#categories = data.categories;
		this.#categoryOf = new Map(data.categories.map((c) => [c.toLowerCase(), c]));
		this.builtAt = data.refreshed_at ?? data.built_at;
	}

	get size(): number {
		return this.#ids.length;
	}

	/** A service's row, parsed on first use: results show a handful of services, not 10,000. */
	#cached(row: number): CachedRow | undefined {
		let cached = this.#rowCache.get(row);
		if (cached === undefined) {
			const text = this.#rowTexts[row];
			if (text === undefined) return undefined;
			if (this.#rowCache.size >= ROW_CACHE) this.#rowCache.clear();
			cached = { row: JSON.parse(text) as ServiceRow };
			this.#rowCache.set(row, cached);
		}
		return cached;
	}

	search(query: string, opts: SearchOptions = {}): SearchAnswer {
		const limit = clampInt(opts.limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
		const toolsPerService = clampInt(opts.toolsPerService, DEFAULT_TOOLS, 0, MAX_TOOLS);
		const base = { query, categories: this.#categories };
		const empty = (
			reason: NonNullable<SearchAnswer["empty_reason"]>,
			hint: string,
			plan?: Plan,
		): SearchAnswer => ({
			...base,
			results: [],
			corrected: plan?.corrected ?? [],
			expanded: plan?.expanded ?? [],
			empty_reason: reason,
			hint,
		});
		if (this.#ids.length === 0)
			return empty(
				"empty_registry",
				"The registry has no services yet; seed it with `penumbra providers seed`.",
			);

		let category: string | undefined;
		if (opts.category !== undefined && opts.category.trim() !== "") {
			category = this.#categoryOf.get(opts.category.trim().toLowerCase());
			if (category === undefined) return empty("unknown_category", this.#unknownCategoryHint(opts.category));
		}

		const plan = planQuery(query, this.#vocabulary);
		if (plan.terms.length === 0) {
			if (category !== undefined) return { ...base, ...this.#listCategory(category, limit, toolsPerService) };
			return empty("nothing_matched", this.#nothingHint(query, undefined), plan);
		}

		const found = this.#match(plan, category);
		if (found.length === 0) return empty("nothing_matched", this.#nothingHint(query, category), plan);
		const results = this.#ranked(found, plan, limit)
			.map((hit) => this.#result(hit, plan.terms, toolsPerService))
			.filter((r): r is SearchResult => r !== null);
		return { ...base, results, corrected: plan.corrected, expanded: plan.expanded };
	}

	#match(plan: Plan, category: string | undefined): TermHit[] {
		const byTerm = new Map(plan.terms.map((t) => [t.term, t]));
		const own = plan.terms.filter((t) => t.kind !== "expanded").map((t) => t.term);
		const concepts = plan.terms.filter((t) => t.kind === "expanded").map((t) => t.term);
		const position = category === undefined ? -1 : this.#categories.indexOf(category);
		return this.#terms.search(
			[
				...(own.length > 0 ? [{ fields: FIELDS, query: own.join(" ") }] : []),
				// Concepts say what a service is, which its name, category and tags tell; searching them in every
				// tool description too would cost thousands of postings at 10,000 services and add noise.
				...(concepts.length > 0 ? [{ fields: CONCEPT_FIELDS, query: concepts.join(" ") }] : []),
			],
			{
				boost: FIELD_BOOST,
				boostTerm: (term) => byTerm.get(term)?.weight ?? 1,
				// A whole known word needs no prefix search (plurals are stemmed); a partial one ("restau") does.
				prefix: (term) => byTerm.get(term)?.kind === "typed" && !this.#vocabulary.has(term),
				...(category !== undefined ? { filter: (row: number) => this.#categoryOfRow[row] === position } : {}),
			},
		);
	}

	/**
	 * Services whose whole name the query says come first ("open weather" → Open Weather, above a service that
	 * only has "weather" in its tags many times over), each group in score order: a brand is the surest intent a
	 * query can carry, and field weights alone let a service that repeats common words outscore it.
	 */
	#ranked(found: TermHit[], plan: Plan, limit: number): TermHit[] {
		const said = new Set(plan.terms.filter((t) => t.kind !== "expanded").map((t) => t.term));
		const named = new Set(found.filter((hit) => this.#namedInFull(hit, said)));
		if (named.size === 0) return this.#top(found, limit);
		const first = this.#top([...named], limit);
		const rest = found.filter((hit) => !named.has(hit));
		return [...first, ...this.#top(rest, limit - first.length)];
	}

	/** Every word of the service's name, or of its id, is among the words the user typed (or was corrected to). */
	#namedInFull(hit: TermHit, said: ReadonlySet<string>): boolean {
		// Only a hit in the name field can qualify: the cheap test first, as common words hit thousands of services.
		if (!Object.values(hit.match).some((fields) => fields.includes("name"))) return false;
		const name = this.#names[hit.id];
		const id = this.#ids[hit.id];
		return name !== undefined && id !== undefined && (saidInFull(name, said) || saidInFull(id, said));
	}

	/**
	 * The best `limit` hits, equal scores ordered by service id: answers must not depend on the order services
	 * entered the index (a refresh appends), and the engine keeps MiniSearch's order among equals.
	 */
	#top(found: TermHit[], limit: number): TermHit[] {
		if (limit <= 0) return [];
		const level = (hit: TermHit | undefined) => Math.round((hit?.score ?? 0) * 1e6);
		let end = Math.min(limit, found.length);
		const last = level(found[end - 1]);
		while (end < found.length && level(found[end]) === last) end++;
		const idOf = (hit: TermHit) => this.#ids[hit.id] ?? "";
		return found
			.slice(0, end)
			.sort((a, b) => level(b) - level(a) || idOf(a).localeCompare(idOf(b)))
			.slice(0, limit);
	}

	#result(hit: TermHit, queryTerms: readonly QueryTerm[], toolsPerService: number): SearchResult | null {
		const cached = this.#cached(hit.id);
		if (cached === undefined) return null;
		const [id, name, category, description, price, flags, tools] = cached.row;
		const why: string[] = [];
		const toolTerms = new Map<string, QueryTerm | undefined>();
		const categoryTerms = new Set(terms(category));
		// The category is one reason, credited to the user's own word when one of theirs matched it.
		let categoryFrom: string | undefined;
		for (const [docTerm, fields] of Object.entries(hit.match)) {
			const source = attribute(docTerm, queryTerms);
			const from = provenance(source);
			for (const field of fields as Field[]) {
				if (field === "name") why.push(`name matches "${docTerm}"${from}`);
				else if (field === "description") why.push(`description mentions "${docTerm}"${from}`);
				else if (field === "tools") toolTerms.set(docTerm, source);
				else if (!categoryTerms.has(docTerm)) why.push(`tag "${docTerm}"${from}`);
				else if (categoryFrom === undefined || from === "") categoryFrom = from;
			}
		}
		if (categoryFrom !== undefined) why.push(`category "${category}"${categoryFrom}`);
		// Concepts were searched in names and tags only; they still pick the tools to show ("cab" → request_ride).
		const rankBy = new Map(toolTerms);
		for (const q of queryTerms) if (q.kind === "expanded" && !rankBy.has(q.term)) rankBy.set(q.term, q);
		const ranked = rankTools(tools, () => (cached.toolTerms ??= toolTermsOf(tools)), rankBy);
		const toolReasons = ranked
			.filter((t) => t.matched.length > 0)
			.slice(0, 2)
			.map((t) => `tool ${t.tool.name} matches ${t.matched.map((m) => `"${m}"`).join(", ")}`);
		// Words found only in tool descriptions or the flow still say why the service came up.
		const named = new Set(ranked.flatMap((t) => t.matched));
		for (const [docTerm, source] of toolTerms)
			if (!named.has(docTerm)) why.push(`tool documentation mentions "${docTerm}"${provenance(source)}`);
		const reasons = [...new Set(why)].sort((a, b) => reasonRank(a) - reasonRank(b));
		return {
			id,
			name,
			category,
			description,
			why: [...reasons.slice(0, 4), ...toolReasons],
			price,
			requires_auth: (flags & FLAG_AUTH) !== 0,
			has_purchases: (flags & FLAG_PURCHASES) !== 0,
			tools: ranked.slice(0, toolsPerService).map((t) => t.tool),
			score: Math.round(hit.score * 1000) / 1000,
		};
	}

	#listCategory(
		category: string,
		limit: number,
		toolsPerService: number,
	): Omit<SearchAnswer, "query" | "categories"> {
		const position = this.#categories.indexOf(category);
		const names = this.#names;
		const results = this.#ids
			.flatMap((_, row) => (this.#categoryOfRow[row] === position ? [row] : []))
			.sort((a, b) => (names[a] ?? "").localeCompare(names[b] ?? ""))
			.slice(0, limit)
			.flatMap((row) => {
				const cached = this.#cached(row);
				return cached ? [cached.row] : [];
			})
			.map(([id, name, cat, description, price, flags, tools]) => ({
				id,
				name,
				category: cat,
				description,
				why: [`in category "${cat}"`],
				price,
				requires_auth: (flags & FLAG_AUTH) !== 0,
				has_purchases: (flags & FLAG_PURCHASES) !== 0,
				tools: tools.slice(0, toolsPerService).map(fromToolRow),
				score: 0,
			}));
		return { results, corrected: [], expanded: [] };
	}

	#unknownCategoryHint(category: string): string {
		const wanted = category.trim().toLowerCase();
		const near = this.#categories
			.map((c) => ({ c, d: editDistance(wanted, c.toLowerCase()) }))
			.filter((x) => x.d <= Math.max(2, Math.floor(wanted.length / 3)))
			.sort((a, b) => a.d - b.d)
			.map((x) => `"${x.c}"`);
		const suggestion = near.length > 0 ? ` Did you mean ${near.slice(0, 3).join(" or ")}?` : "";
		return `There is no category "${category}".${suggestion} Valid categories: ${this.#categories.join(", ")}. Or search without a category.`;
	}

	#nothingHint(query: string, category: string | undefined): string {
		if (category !== undefined)
			return `Nothing in category "${category}" matched "${query}". Try other words, or search without the category.`;
		return `Nothing matched "${query}". Describe what you want in plain words (e.g. food delivery, a ride, a hotel, the weather) or pick a category: ${this.#categories.join(", ")}.`;
	}
}

/**
 * Whether the query said every word of a name: each word whole ("fooddash") or as its camelCase parts ("food
 * dash"); stop words and words with digits (serial parts of ids) need not be said.
 */
function saidInFull(name: string, said: ReadonlySet<string>): boolean {
	let words = 0;
	for (const chunk of name.split(/[^\p{L}\p{N}]+/u)) {
		if (chunk === "" || /\d/.test(chunk)) continue;
		const [whole, ...parts] = tokenize(chunk).map(processTerm);
		const own = parts.filter((p): p is string => p !== null);
		if (whole === null || whole === undefined) {
			if (own.length === 0) continue;
		} else if (said.has(whole)) {
			words++;
			continue;
		}
		if (own.length === 0 || !own.every((p) => said.has(p))) return false;
		words++;
	}
	return words > 0;
}

/** Which query term an index term was matched by: the same term, a prefix of it, or the nearest typed one. */
function attribute(docTerm: string, queryTerms: readonly QueryTerm[]): QueryTerm | undefined {
	const exact = queryTerms.find((q) => q.term === docTerm);
	if (exact) return exact;
	const prefix = queryTerms.find((q) => q.kind !== "expanded" && docTerm.startsWith(q.term));
	if (prefix) return prefix;
	let best: { q: QueryTerm; d: number } | undefined;
	for (const q of queryTerms) {
		if (q.kind === "expanded") continue;
		const d = editDistance(q.term, docTerm);
		if (best === undefined || d < best.d) best = { q, d };
	}
	return best?.q;
}

function provenance(source: QueryTerm | undefined): string {
	if (source?.kind === "corrected") return ` (corrected from "${source.origin}")`;
	if (source?.kind === "expanded") return ` (from "${source.origin}")`;
	return "";
}

const REASON_ORDER = ["name", "category", "tag", "description", "tool documentation"];

function reasonRank(reasonText: string): number {
	const i = REASON_ORDER.findIndex((prefix) => reasonText.startsWith(prefix));
	return i < 0 ? REASON_ORDER.length : i;
}

interface RankedTool {
	tool: { name: string; summary: string; purchase: boolean };
	matched: string[];
}

/** A tool's words: its name's, and its summary's beyond those. */
interface ToolTerms {
	name: ReadonlySet<string>;
	summary: ReadonlySet<string>;
}

function toolTermsOf(tools: readonly ToolRow[]): ToolTerms[] {
	return tools.map((row) => {
		const name = new Set(terms(typeof row === "string" ? row : row[0]));
		return { name, summary: typeof row === "string" ? name : new Set(terms(row[1])) };
	});
}

/**
 * Orders a service's tools by the index terms MiniSearch matched in its tool text (after prefix and fuzzy
 * resolution), a name hit counting double; ties keep the provider's order, which follows its flow.
 */
function rankTools(
	tools: readonly ToolRow[],
	toolTerms: () => ToolTerms[],
	matched: ReadonlyMap<string, QueryTerm | undefined>,
): RankedTool[] {
	if (matched.size === 0) return tools.map((row) => ({ tool: fromToolRow(row), matched: [] }));
	const words = toolTerms();
	const ranked = tools.map((row, order) => {
		const { name, summary } = words[order] ?? { name: new Set(), summary: new Set() };
		const hits: string[] = [];
		let score = 0;
		for (const [term, source] of matched) {
			const weight = source?.weight ?? 1;
			if (name.has(term)) score += 2 * weight;
			else if (summary.has(term)) score += weight;
			else continue;
			hits.push(term);
		}
		return { row, matched: hits, score, order };
	});
	ranked.sort((a, b) => b.score - a.score || a.order - b.order);
	return ranked.map((r) => ({ tool: fromToolRow(r.row), matched: r.matched }));
}

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
	if (value === undefined || !Number.isFinite(value)) return fallback;
	return Math.min(max, Math.max(min, Math.trunc(value)));
}

/** Loads a prebuilt index (once per isolate: loading 10,000 services costs far more than a search). */
export function loadSearchIndex(stored: SearchIndexData | SearchIndexDataV1): ServiceSearch {
	checkVersion(stored);
	const data = upgradeIndexData(stored);
	return new Search(data, TermIndex.load(data.index), decodeInts(data.category_of));
}

/**
 * The same, in slices that yield to the event loop between them: a Worker reloading its index in the background
 * keeps answering other requests meanwhile.
 */
export async function loadSearchIndexInSlices(
	stored: SearchIndexData | SearchIndexDataV1,
	sliceChars = 65_536,
): Promise<ServiceSearch> {
	checkVersion(stored);
	const data = upgradeIndexData(stored);
	const terms = await TermIndex.loadInSlices(data.index, sliceChars);
	return new Search(data, terms, await decodeIntsInSlices(data.category_of, sliceChars));
}
