import type { AsPlainObject } from "minisearch";
import SearchableMap from "minisearch/SearchableMap";
import { FIELD_IDS, FIELDS, type Field } from "./format.ts";
import { decodeInts, decodeIntsInSlices, encodeInts } from "./ints.ts";
import type { Vocabulary } from "./plan.ts";
import { yieldToEventLoop } from "./quiet.ts";

// The search index as a loading isolate holds it: MiniSearch's scoring (BM25+, field boosts, term boosts, prefix
// terms) over postings in one Int32Array and terms in MiniSearch's own radix tree, instead of MiniSearch's Map of
// Maps (one Map entry per posting: at 10,000 services ~350,000 of them, plus the JSON objects they are parsed
// from). An isolate that reloads the index beside live searches then builds a few thousand objects, not a few
// hundred thousand, and garbage collection of the old and new index no longer holds it for tens of milliseconds.
// Results equal MiniSearch 7's for the queries read.ts makes (test/node/search-engine.spec.ts compares them).

/** The term index as stored in KV (inside the search index's JSON). Integer lists are `encodeInts` strings. */
export interface StoredTermIndex {
	document_count: number;
	next_id: number;
	/** Per field id (MiniSearch's averages, exact). */
	average_field_length: number[];
	/** Per short id: its row + 1, or 0 for a discarded document. */
	document_ids: string;
	/** Per short id, per field: the field's length in terms. */
	field_length: string;
	/** In MiniSearch's serialization order, which loading into its radix tree keeps. */
	terms: string[];
	/** Per term: field count, then per field: field id, document count, then (short id delta, term frequency) pairs. */
	postings: string;
}

/** A matched document, as MiniSearch's `SearchResult` has it. */
export interface TermHit {
	/** The document's row. */
	id: number;
	score: number;
	/** The index terms matched (after prefix resolution) and in which fields. */
	match: Record<string, Field[]>;
	/** The query terms that matched. */
	queryTerms: string[];
}

/** One OR-ed group of query terms, searched in `fields`. */
export interface TermGroup {
	fields: readonly Field[];
	/** Space-separated terms, as MiniSearch's query strings. */
	query: string;
}

export interface TermSearchOptions {
	boost: Readonly<Record<Field, number>>;
	boostTerm(term: string): number;
	prefix(term: string): boolean;
	filter?(row: number): boolean;
}

interface Raw {
	score: number;
	terms: string[];
	match: Record<string, Field[]>;
}

const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
const PREFIX_WEIGHT = 0.375;
const FIELD_COUNT = FIELDS.length;

function bm25(
	termFreq: number,
	matching: number,
	total: number,
	fieldLength: number,
	average: number,
): number {
	const { k, b, d } = BM25;
	const invDocFreq = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
	return invDocFreq * (d + (termFreq * (k + 1)) / (termFreq + k * (1 - b + (b * fieldLength) / average)));
}

function addUnique(target: string[], term: string): void {
	if (!target.includes(term)) target.push(term);
}

export class TermIndex {
	readonly #documentCount: number;
	readonly #average: readonly number[];
	/** Row + 1 per short id. */
	readonly #rowOf: Int32Array;
	readonly #fieldLength: Int32Array;
	readonly #postings: Int32Array;
	/** Where each term's postings start. */
	readonly #start: Int32Array;
	readonly #tree: SearchableMap<number>;

	constructor(
		stored: Pick<StoredTermIndex, "document_count" | "average_field_length">,
		rowOf: Int32Array,
		fieldLength: Int32Array,
		postings: Int32Array,
		start: Int32Array,
		tree: SearchableMap<number>,
	) {
		this.#documentCount = stored.document_count;
		this.#average = stored.average_field_length;
		this.#rowOf = rowOf;
		this.#fieldLength = fieldLength;
		this.#postings = postings;
		this.#start = start;
		this.#tree = tree;
	}

	/** Loads a stored index in one piece (a cold isolate, whose first search waits for it anyway). */
	static load(stored: StoredTermIndex): TermIndex {
		checkStored(stored);
		const loading = startLoad(
			stored,
			decodeInts(stored.document_ids),
			decodeInts(stored.field_length),
			decodeInts(stored.postings),
		);
		loadTerms(loading, stored.terms.length);
		return finishLoad(loading);
	}

	/** The same, yielding to the event loop about every `sliceChars` characters or 1,000 terms (a background reload). */
	static async loadInSlices(stored: StoredTermIndex, sliceChars: number): Promise<TermIndex> {
		checkStored(stored);
		const rowOf = await decodeIntsInSlices(stored.document_ids, sliceChars);
		const fieldLength = await decodeIntsInSlices(stored.field_length, sliceChars);
		const loading = startLoad(
			stored,
			rowOf,
			fieldLength,
			await decodeIntsInSlices(stored.postings, sliceChars),
		);
		for (let t = 0; t < stored.terms.length; t += 1000) {
			loadTerms(loading, Math.min(stored.terms.length, t + 1000));
			await yieldToEventLoop();
		}
		return finishLoad(loading);
	}

	/** MiniSearch's serialization → stored form (what the build writes, and how an older stored index loads). */
	static fromPlain(plain: AsPlainObject): StoredTermIndex {
		for (const [field, id] of Object.entries(FIELD_IDS))
			if (plain.fieldIds[field] !== id) throw new SyntaxError(`search index: field ${field} is not ${id}`);
		const rowOf = new Array<number>(plain.nextId).fill(0);
		for (const [shortId, row] of Object.entries(plain.documentIds)) rowOf[Number(shortId)] = Number(row) + 1;
		const fieldLength = new Array<number>(plain.nextId * FIELD_COUNT).fill(0);
		for (const [shortId, lengths] of Object.entries(plain.fieldLength))
			for (let f = 0; f < FIELD_COUNT; f++) fieldLength[Number(shortId) * FIELD_COUNT + f] = lengths[f] ?? 0;
		const postings: number[] = [];
		for (const [, fields] of plain.index) {
			const entries = Object.entries(fields);
			postings.push(entries.length);
			for (const [fieldId, data] of entries) {
				// Serialization version 1 nested each field's postings under `ds`.
				const freqs = (
					plain.serializationVersion === 1 ? (data as unknown as { ds: typeof data }).ds : data
				) as Record<string, number>;
				// Documents discarded but not yet vacuumed are dropped, as MiniSearch drops them when it meets them.
				const live = Object.entries(freqs).filter(([shortId]) => (rowOf[Number(shortId)] ?? 0) > 0);
				postings.push(Number(fieldId), live.length);
				let previous = 0;
				for (const [shortId, freq] of live) {
					postings.push(Number(shortId) - previous, freq);
					previous = Number(shortId);
				}
			}
		}
		return {
			document_count: plain.documentCount,
			next_id: plain.nextId,
			average_field_length: [...plain.averageFieldLength],
			document_ids: encodeInts(rowOf),
			field_length: encodeInts(fieldLength),
			terms: plain.index.map(([term]) => term),
			postings: encodeInts(postings),
		};
	}

	/** Stored form → MiniSearch's serialization (the refresh edits documents with MiniSearch itself). */
	static toPlain(stored: StoredTermIndex): AsPlainObject {
		checkStored(stored);
		const rowOf = decodeInts(stored.document_ids);
		const lengths = decodeInts(stored.field_length);
		const postings = decodeInts(stored.postings);
		const documentIds: Record<string, number> = {};
		const fieldLength: Record<string, number[]> = {};
		rowOf.forEach((row, shortId) => {
			if (row === 0) return;
			documentIds[shortId] = row - 1;
			fieldLength[shortId] = [...lengths.subarray(shortId * FIELD_COUNT, (shortId + 1) * FIELD_COUNT)];
		});
		let at = 0;
		const index: AsPlainObject["index"] = stored.terms.map((term) => {
			const fields: Record<string, Record<string, number>> = {};
			const count = postings[at++] ?? 0;
			for (let f = 0; f < count; f++) {
				const fieldId = postings[at++] ?? 0;
				const docs = postings[at++] ?? 0;
				const freqs: Record<string, number> = {};
				let shortId = 0;
				for (let i = 0; i < docs; i++) {
					shortId += postings[at++] ?? 0;
					freqs[shortId] = postings[at++] ?? 0;
				}
				fields[fieldId] = freqs;
			}
			return [term, fields];
		});
		return {
			documentCount: stored.document_count,
			nextId: stored.next_id,
			documentIds,
			fieldIds: { ...FIELD_IDS },
			fieldLength,
			averageFieldLength: [...stored.average_field_length],
			storedFields: {},
			dirtCount: 0,
			index,
			serializationVersion: 2,
		};
	}

	/** The index's terms, for typo correction and for telling a whole word from a partial one. */
	get vocabulary(): Vocabulary {
		const tree = this.#tree;
		return {
			has: (term) => tree.has(term),
			// `size` would count every term under the prefix; one is enough.
			hasPrefix: (term) => tree.atPrefix(term).keys().next().done === false,
			near: (term, distance) =>
				[...tree.fuzzyGet(term, distance)].map(([key, [t]]) => ({ term: key, docs: this.#mostDocs(t) })),
		};
	}

	/** Documents holding term `t` in the field where it is most frequent. */
	#mostDocs(t: number): number {
		const p = this.#postings;
		let at = this.#start[t] ?? 0;
		const fields = p[at++] ?? 0;
		let most = 0;
		for (let f = 0; f < fields; f++) {
			const docs = p[at + 1] ?? 0;
			most = Math.max(most, docs);
			at += 2 + 2 * docs;
		}
		return most;
	}

	/**
	 * MiniSearch's `search` of `{ combineWith: "OR", queries: groups }` with these options: every term of every
	 * group OR-ed, scored with BM25+ per field, hits best first (equal scores in the order MiniSearch gives them).
	 */
	search(groups: readonly TermGroup[], options: TermSearchOptions): TermHit[] {
		const perGroup = groups.map((group) => {
			const terms = group.query.split(" ").filter((term) => term !== "");
			const boosts = group.fields.map((field) => ({ field, boost: options.boost[field] || 1 }));
			return orAll(terms.map((term) => this.#termQuery(term, boosts, options)));
		});
		const hits: TermHit[] = [];
		for (const [shortId, { score, terms, match }] of orAll(perGroup)) {
			const id = (this.#rowOf[shortId] ?? 0) - 1;
			if (options.filter && !options.filter(id)) continue;
			hits.push({ id, score: score * (terms.length || 1), match, queryTerms: terms });
		}
		return hits.sort((a, b) => b.score - a.score);
	}

	#termQuery(
		term: string,
		boosts: readonly { field: Field; boost: number }[],
		options: TermSearchOptions,
	): Map<number, Raw> {
		const termBoost = options.boostTerm(term);
		const results = new Map<number, Raw>();
		const exact = this.#tree.get(term);
		if (exact !== undefined) this.#termResults(term, term, 1, termBoost, exact, boosts, results);
		if (options.prefix(term)) {
			for (const [derived, t] of this.#tree.atPrefix(term)) {
				const distance = derived.length - term.length;
				if (!distance) continue;
				const weight = (PREFIX_WEIGHT * derived.length) / (derived.length + 0.3 * distance);
				this.#termResults(term, derived, weight, termBoost, t, boosts, results);
			}
		}
		return results;
	}

	#termResults(
		source: string,
		derived: string,
		termWeight: number,
		termBoost: number,
		t: number,
		boosts: readonly { field: Field; boost: number }[],
		results: Map<number, Raw>,
	): void {
		const p = this.#postings;
		const first = this.#start[t] ?? 0;
		const fieldCount = p[first] ?? 0;
		for (const { field, boost } of boosts) {
			const fieldId = FIELD_IDS[field];
			let at = first + 1;
			let docs = -1;
			for (let f = 0; f < fieldCount; f++) {
				const count = p[at + 1] ?? 0;
				if (p[at] === fieldId) {
					docs = count;
					at += 2;
					break;
				}
				at += 2 + 2 * count;
			}
			if (docs < 0) continue;
			const average = this.#average[fieldId] ?? 1;
			let shortId = 0;
			for (let i = 0; i < docs; i++, at += 2) {
				shortId += p[at] ?? 0;
				const length = this.#fieldLength[shortId * FIELD_COUNT + fieldId] ?? 0;
				const raw = bm25(p[at + 1] ?? 0, docs, this.#documentCount, length, average);
				const weighted = termWeight * termBoost * boost * raw;
				const result = results.get(shortId);
				if (result) {
					result.score += weighted;
					addUnique(result.terms, source);
					const fields = Object.hasOwn(result.match, derived) ? result.match[derived] : undefined;
					if (fields) fields.push(field);
					else result.match[derived] = [field];
				} else {
					results.set(shortId, { score: weighted, terms: [source], match: { [derived]: [field] } });
				}
			}
		}
	}
}

interface Loading {
	readonly stored: StoredTermIndex;
	readonly rowOf: Int32Array;
	readonly fieldLength: Int32Array;
	readonly postings: Int32Array;
	readonly start: Int32Array;
	readonly tree: SearchableMap<number>;
	/** Next term to load and where its postings start. */
	term: number;
	at: number;
}

function startLoad(
	stored: StoredTermIndex,
	rowOf: Int32Array,
	fieldLength: Int32Array,
	postings: Int32Array,
): Loading {
	if (fieldLength.length !== rowOf.length * FIELD_COUNT)
		throw new SyntaxError("search index: field lengths do not match the documents");
	const start = new Int32Array(stored.terms.length + 1);
	return { stored, rowOf, fieldLength, postings, start, tree: new SearchableMap(), term: 0, at: 0 };
}

/** Finds where each term's postings start and puts the terms in the radix tree, in MiniSearch's load order. */
function loadTerms(loading: Loading, end: number): void {
	const { stored, postings, start, tree } = loading;
	let { at } = loading;
	for (let t = loading.term; t < end; t++) {
		start[t] = at;
		const fields = postings[at++] ?? 0;
		for (let f = 0; f < fields; f++) at += 2 + 2 * (postings[at + 1] ?? 0);
		tree.set(stored.terms[t] ?? "", t);
	}
	loading.term = end;
	loading.at = at;
}

function finishLoad(l: Loading): TermIndex {
	if (l.at !== l.postings.length) throw new SyntaxError("search index: postings do not match the terms");
	l.start[l.stored.terms.length] = l.at;
	return new TermIndex(l.stored, l.rowOf, l.fieldLength, l.postings, l.start, l.tree);
}

/** MiniSearch's OR: the first map gathers the others; a term matched again takes the later fields. */
function orAll(maps: Map<number, Raw>[]): Map<number, Raw> {
	const [first, ...rest] = maps;
	if (!first) return new Map();
	for (const other of rest) {
		for (const [shortId, raw] of other) {
			const existing = first.get(shortId);
			if (existing === undefined) {
				first.set(shortId, raw);
				continue;
			}
			existing.score = existing.score + raw.score;
			existing.match = Object.assign(existing.match, raw.match);
			for (const term of raw.terms) addUnique(existing.terms, term);
		}
	}
	return first;
}

function checkStored(stored: StoredTermIndex): void {
	const ok =
		typeof stored === "object" &&
		stored !== null &&
		Number.isInteger(stored.document_count) &&
		Number.isInteger(stored.next_id) &&
		Array.isArray(stored.average_field_length) &&
		Array.isArray(stored.terms) &&
		typeof stored.postings === "string" &&
		typeof stored.document_ids === "string" &&
		typeof stored.field_length === "string";
	if (!ok) throw new SyntaxError("search index: the term index is missing or malformed");
}
