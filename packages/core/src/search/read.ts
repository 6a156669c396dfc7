import MiniSearch, {
	type AsPlainObject,
	type SearchResult as MiniSearchResult,
	type Options,
} from "minisearch";
import type SearchableMap from "minisearch/SearchableMap";
import { PenumbraError } from "../errors.ts";
import type { CompiledService } from "../registry/types.ts";
import { CONCEPT_TABLE, closestConceptWord } from "./concepts.ts";
import { clip, editDistance, processTerm, terms, tokenize } from "./text.ts";

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

export interface SearchOptions {
	/** Exact category (case-insensitive). */
	category?: string;
	/** Results to return: default 5, at most 20. */
	limit?: number;
	/** Tools listed per result, best-matching first: default 3. */
	toolsPerService?: number;
}

export interface SearchResult {
	id: string;
	name: string;
	category: string;
	/** At most 160 characters. */
	description: string;
	/** Why it matched, in words: 'name matches "fooddash"', 'tag "delivery" (from "hungry")'. */
	why: string[];
	price: string;
	requires_auth: boolean;
	has_purchases: boolean;
	tools: { name: string; summary: string; purchase: boolean }[];
	score: number;
}

export interface SearchAnswer {
	query: string;
	/** Best first. */
	results: SearchResult[];
	/** Typo corrections applied to the query's words. */
	corrected: { from: string; to: string }[];
	/** Concepts the query's words stood for, and the terms searched for them. */
	expanded: { from: string; to: string[] }[];
	/** Every valid category. */
	categories: string[];
	empty_reason?: "nothing_matched" | "unknown_category" | "empty_registry";
	/** What to try next when nothing came back. */
	hint?: string;
}

export interface ServiceSearch {
	search(query: string, opts?: SearchOptions): SearchAnswer;
	/** Services in the index. */
	readonly size: number;
	readonly builtAt: string;
}

const FLAG_AUTH = 1;
const FLAG_PURCHASES = 2;
const DESCRIPTION_LIMIT = 160;
const SUMMARY_LIMIT = 80;
const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 20;
const DEFAULT_TOOLS = 3;
const MAX_TOOLS = 20;
/** A concept's terms count for less than the words the user typed. */
const EXPANSION_WEIGHT = 0.45;
/** Services whose tool words stay cached per isolate (about 40 tools each). */
const TOOL_TERM_CACHE = 2000;

/**
 * One document per service. Fields are few on purpose: search time grows with the postings a term has, one per
 * field a document holds it in, and common words ("order", "book") sit in thousands of services at 10,000.
 */
interface SearchDoc {
	row: number;
	/** Name and id. */
	name: string;
	/** Category and tags. */
	tags: string;
	description: string;
	/** Tool names, summaries and the first sentence of each description, and the flow (which names tools). */
	tools: string;
}

type Field = Exclude<keyof SearchDoc, "row">;

const FIELDS: readonly Field[] = ["name", "tags", "description", "tools"];

const FIELD_BOOST: Record<Field, number> = { name: 5, tags: 3, description: 1.5, tools: 1 };
const CONCEPT_FIELDS: Field[] = ["name", "tags"];

/** Build and load must agree on these, or the loaded index cannot be read. */
const MINISEARCH_OPTIONS: Options<SearchDoc> = {
	idField: "row",
	fields: [...FIELDS],
	storeFields: [],
	tokenize: (text) => tokenize(text),
	processTerm: (term) => processTerm(term),
	autoVacuum: false,
};

// ---------------------------------------------------------------- build side

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

function fromToolRow(tool: ToolRow): { name: string; summary: string; purchase: boolean } {
	if (typeof tool !== "string") return { name: tool[0], summary: tool[1], purchase: tool[2] === 1 };
	const words = tool.replace(/_/g, " ");
	return { name: tool, summary: `${words.charAt(0).toUpperCase()}${words.slice(1)}`, purchase: false };
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

function categoriesOf(rows: readonly ServiceRow[]): string[] {
	return [...new Set(rows.map((r) => r[2]))].sort();
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
	const rows = sorted.map(toRow);
	return {
		version: 1,
		built_at: builtAt,
		categories: categoriesOf(rows),
		services: rows,
		index: miniSearch.toJSON(),
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
	let parsed: SearchIndexData | undefined = JSON.parse(json) as SearchIndexData;
	checkVersion(parsed);
	let miniSearch: MiniSearch<SearchDoc> | undefined = MiniSearch.loadJS<SearchDoc>(
		parsed.index,
		MINISEARCH_OPTIONS,
	);
	const { built_at: builtAt, services: rows } = parsed;
	parsed = undefined;
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
	const next: SearchIndexData = {
		version: 1,
		built_at: builtAt,
		refreshed_at: refreshedAt,
		categories: categoriesOf(rows),
		services: rows,
		index,
	};
	return JSON.stringify(next);
}

function checkVersion(data: SearchIndexData | null | undefined): asserts data is SearchIndexData {
	if (data?.version !== 1 || !Array.isArray(data.services)) {
		throw new PenumbraError("INTERNAL", {
			detail: "The service search index is missing or unreadable; reseed the registry.",
			internal: `search index version ${String(data?.version)} is not 1; reseed the registry`,
		});
	}
}

// ---------------------------------------------------------------- read side

/** Terms of the index, for typo correction: MiniSearch keeps them in a radix tree it does not expose. */
interface Vocabulary {
	has(term: string): boolean;
	hasPrefix(term: string): boolean;
	/** Terms within `distance` Levenshtein edits, with how many documents hold each. */
	near(term: string, distance: number): { term: string; docs: number }[];
}

type TermData = Map<number, Map<number, number>>;

function vocabularyOf(miniSearch: MiniSearch<SearchDoc>): Vocabulary {
	// MiniSearch 7 keeps its terms in the protected `_index`; the version is pinned, and a change fails loudly here.
	const tree = (miniSearch as unknown as { _index?: SearchableMap<TermData> })._index;
	if (!tree || typeof tree.fuzzyGet !== "function" || typeof tree.atPrefix !== "function") {
		throw new Error("minisearch internals changed: _index is not a SearchableMap");
	}
	const docs = (data: TermData) => {
		let n = 0;
		for (const postings of data.values()) n = Math.max(n, postings.size);
		return n;
	};
	return {
		has: (term) => tree.has(term),
		// `size` would count every term under the prefix; one is enough.
		hasPrefix: (term) => tree.atPrefix(term).keys().next().done === false,
		near: (term, distance) =>
			[...tree.fuzzyGet(term, distance)].map(([key, [data]]) => ({ term: key, docs: docs(data) })),
	};
}

interface QueryTerm {
	term: string;
	weight: number;
	/** The user's word it came from (for an expansion, the concept word or phrase). */
	origin: string;
	kind: "typed" | "corrected" | "expanded";
}

interface Plan {
	terms: QueryTerm[];
	corrected: { from: string; to: string }[];
	expanded: { from: string; to: string[] }[];
}

/** How many edits a word of this length may be away from the word meant. */
function allowedEdits(length: number): number {
	return length < 4 ? 0 : length < 8 ? 1 : 2;
}

class Search implements ServiceSearch {
	readonly #miniSearch: MiniSearch<SearchDoc>;
	readonly #vocabulary: Vocabulary;
	readonly #rows: ServiceRow[];
	readonly #categories: string[];
	readonly #categoryOf: Map<string, string>;
	readonly #toolTermCache = new Map<number, ToolTerms[]>();
	readonly builtAt: string;

	constructor(data: SearchIndexData) {
		checkVersion(data);
		this.#miniSearch = MiniSearch.loadJS<SearchDoc>(data.index, MINISEARCH_OPTIONS);
		this.#vocabulary = vocabularyOf(this.#miniSearch);
		this.#rows = data.services;
		this.#categories = data.categories;
		this.#categoryOf = new Map(data.categories.map((c) => [c.toLowerCase(), c]));
		this.builtAt = data.refreshed_at ?? data.built_at;
	}

	get size(): number {
		return this.#rows.length;
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
		if (this.#rows.length === 0)
			return empty(
				"empty_registry",
				"The registry has no services yet; seed it with `penumbra providers seed`.",
			);

		let category: string | undefined;
		if (opts.category !== undefined && opts.category.trim() !== "") {
			category = this.#categoryOf.get(opts.category.trim().toLowerCase());
			if (category === undefined) return empty("unknown_category", this.#unknownCategoryHint(opts.category));
		}

		const plan = this.#plan(query);
		if (plan.terms.length === 0) {
			if (category !== undefined) return { ...base, ...this.#listCategory(category, limit, toolsPerService) };
			return empty("nothing_matched", this.#nothingHint(query, undefined), plan);
		}

		const byTerm = new Map(plan.terms.map((t) => [t.term, t]));
		const own = plan.terms.filter((t) => t.kind !== "expanded").map((t) => t.term);
		const concepts = plan.terms.filter((t) => t.kind === "expanded").map((t) => t.term);
		const found = this.#miniSearch.search(
			{
				combineWith: "OR",
				queries: [
					...(own.length > 0 ? [{ queries: [own.join(" ")] }] : []),
					// Concepts say what a service is, which its name, category and tags tell; searching them in every
					// tool description too would cost thousands of postings at 10,000 services and add noise.
					...(concepts.length > 0 ? [{ fields: CONCEPT_FIELDS, queries: [concepts.join(" ")] }] : []),
				],
			},
			{
				tokenize: (text) => text.split(" "),
				processTerm: (term) => term,
				boost: FIELD_BOOST,
				boostTerm: (term) => byTerm.get(term)?.weight ?? 1,
				// A whole known word needs no prefix search (plurals are stemmed); a partial one ("restau") does.
				prefix: (term) => byTerm.get(term)?.kind === "typed" && !this.#vocabulary.has(term),
				combineWith: "OR",
				...(category !== undefined
					? { filter: (r: MiniSearchResult) => this.#rows[r.id as number]?.[2] === category }
					: {}),
			},
		);
		if (found.length === 0) return empty("nothing_matched", this.#nothingHint(query, category), plan);
		const results = this.#top(found, limit)
			.map((hit) => this.#result(hit, plan.terms, toolsPerService))
			.filter((r): r is SearchResult => r !== null);
		return { ...base, results, corrected: plan.corrected, expanded: plan.expanded };
	}

	/**
	 * The best `limit` hits, equal scores ordered by service id: answers must not depend on the order services
	 * entered the index (a refresh appends), and MiniSearch keeps insertion order among equals.
	 */
	#top(found: MiniSearchResult[], limit: number): MiniSearchResult[] {
		const level = (hit: MiniSearchResult | undefined) => Math.round((hit?.score ?? 0) * 1e6);
		let end = Math.min(limit, found.length);
		const last = level(found[end - 1]);
		while (end < found.length && level(found[end]) === last) end++;
		const idOf = (hit: MiniSearchResult) => this.#rows[hit.id as number]?.[0] ?? "";
		return found
			.slice(0, end)
			.sort((a, b) => level(b) - level(a) || idOf(a).localeCompare(idOf(b)))
			.slice(0, limit);
	}

	/** Query words → terms to search: stop words dropped, typos corrected, concepts expanded. */
	#plan(query: string): Plan {
		const corrected: Plan["corrected"] = [];
		const sequence: { term: string; origin: string; corrected: boolean }[] = [];
		for (const word of tokenize(query)) {
			const term = processTerm(word);
			if (term === null) continue;
			if (
				this.#vocabulary.has(term) ||
				CONCEPT_TABLE.byTrigger.has(term) ||
				(term.length >= 3 && this.#vocabulary.hasPrefix(term))
			) {
				sequence.push({ term, origin: word, corrected: false });
				continue;
			}
			const fix = this.#correct(term);
			if (fix === null) continue;
			sequence.push({ term: fix, origin: word, corrected: true });
			if (!corrected.some((c) => c.from === word)) corrected.push({ from: word, to: fix });
		}

		const out = new Map<string, QueryTerm>();
		for (const s of sequence) {
			if (!out.has(s.term))
				out.set(s.term, {
					term: s.term,
					weight: 1,
					origin: s.origin,
					kind: s.corrected ? "corrected" : "typed",
				});
		}
		const expanded: Plan["expanded"] = [];
		const words = sequence.map((s) => s.term);
		// Longest phrases first; a word inside a matched phrase does not count again ("rent a car" is not "rent").
		const used = new Array<boolean>(words.length).fill(false);
		for (let n = Math.min(CONCEPT_TABLE.longest, words.length); n >= 1; n--) {
			for (let i = 0; i + n <= words.length; i++) {
				if (used.slice(i, i + n).some(Boolean)) continue;
				const phrase = words.slice(i, i + n).join(" ");
				const means = CONCEPT_TABLE.byTrigger.get(phrase);
				if (means === undefined) continue;
				used.fill(true, i, i + n);
				if (expanded.some((e) => e.from === phrase)) continue;
				const added = means.filter((term) => !out.has(term));
				for (const term of added)
					out.set(term, { term, weight: EXPANSION_WEIGHT, origin: phrase, kind: "expanded" });
				if (added.length > 0) expanded.push({ from: phrase, to: added });
			}
		}
		return { terms: [...out.values()], corrected, expanded };
	}

	/** The index term or concept word nearest to an unknown term, within the edits its length allows. */
	#correct(term: string): string | null {
		const allowed = allowedEdits(term.length);
		if (allowed === 0) return null;
		let best: { term: string; distance: number; docs: number } | null = null;
		// Levenshtein counts a swap of two letters as two edits; ask for one more and measure swaps as one.
		for (const candidate of this.#vocabulary.near(term, allowed + 1)) {
			const distance = editDistance(term, candidate.term);
			if (distance > allowed) continue;
			if (
				best === null ||
				distance < best.distance ||
				(distance === best.distance && candidate.docs > best.docs)
			)
				best = { term: candidate.term, distance, docs: candidate.docs };
		}
		const concept = closestConceptWord(term, allowed);
		if (concept !== null && (best === null || concept.distance < best.distance)) return concept.word;
		return best?.term ?? null;
	}

	#result(
		hit: MiniSearchResult,
		queryTerms: readonly QueryTerm[],
		toolsPerService: number,
	): SearchResult | null {
		const row = this.#rows[hit.id as number];
		if (row === undefined) return null;
		const [id, name, category, description, price, flags, tools] = row;
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
		const ranked = rankTools(tools, () => this.#toolTerms(hit.id as number, tools), rankBy);
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

	/** Tool words of a service, cached: the same popular services come back query after query. */
	#toolTerms(row: number, tools: readonly ToolRow[]): ToolTerms[] {
		let cached = this.#toolTermCache.get(row);
		if (cached === undefined) {
			if (this.#toolTermCache.size >= TOOL_TERM_CACHE) this.#toolTermCache.clear();
			cached = toolTermsOf(tools);
			this.#toolTermCache.set(row, cached);
		}
		return cached;
	}

	#listCategory(
		category: string,
		limit: number,
		toolsPerService: number,
	): Omit<SearchAnswer, "query" | "categories"> {
		const results = this.#rows
			.filter((r) => r[2] === category)
			.sort((a, b) => a[1].localeCompare(b[1]))
			.slice(0, limit)
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
export function loadSearchIndex(data: SearchIndexData): ServiceSearch {
	return new Search(data);
}
