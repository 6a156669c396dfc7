import { synthProviders } from "@penumbra/cli/synth";
import MiniSearch, { type AsPlainObject, type SearchResult } from "minisearch";
import { describe, expect, it } from "vitest";
import { TermIndex } from "../src/search/engine.ts";
import { FIELD_BOOST, FIELDS, type Field, MINISEARCH_OPTIONS, type SearchDoc } from "../src/search/format.ts";
import { buildSearchIndex, loadSearchIndex, updateSearchIndex } from "../src/search/index.ts";
import { decodeInts, decodeIntsInSlices, encodeInts } from "../src/search/ints.ts";
import {
	parseSearchIndex,
	parseSearchIndexInSlices,
	rowsOf,
	serializeSearchIndex,
} from "../src/search/stored.ts";

const NOW = "2026-01-01T00:00:00.000Z";

describe("encodeInts / decodeInts", () => {
	it("round-trip small, boundary and large values, in one piece and in slices", async () => {
		const values = [0, 1, 31, 32, 33, 1023, 1024, 65_535, 2 ** 31 - 1, 7, 0, 0];
		for (let i = 0; i < 500; i++) values.push((i * 7919) % 100_000);
		const text = encodeInts(values);
		expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
		expect([...decodeInts(text)]).toEqual(values);
		expect([...(await decodeIntsInSlices(text, 3))]).toEqual(values);
		expect([...decodeInts(encodeInts([]))]).toEqual([]);
	});

	it("refuse what they cannot hold", () => {
		expect(() => encodeInts([-1])).toThrow(RangeError);
		expect(() => encodeInts([1.5])).toThrow(RangeError);
		expect(() => decodeInts(encodeInts([2 ** 31]))).toThrow(RangeError);
		expect(() => decodeInts('AB"')).toThrow(SyntaxError);
		// The last character of a number has no continuation bit: cut before it, the list is truncated.
		expect(() => decodeInts(encodeInts([5000]).slice(0, -1))).toThrow(SyntaxError);
	});
});

/** MiniSearch's own answer to the query read.ts makes, from the same serialization. */
function miniSearchOf(plain: AsPlainObject) {
	return MiniSearch.loadJS<SearchDoc>(plain, MINISEARCH_OPTIONS);
}

interface Case {
	own: string[];
	concepts: string[];
	prefix: Set<string>;
	weights: Map<string, number>;
	filter?: (row: number) => boolean;
}

function expected(mini: MiniSearch<SearchDoc>, c: Case) {
	return mini.search(
		{
			combineWith: "OR",
			queries: [
				...(c.own.length > 0 ? [{ queries: [c.own.join(" ")] }] : []),
				...(c.concepts.length > 0
					? [{ fields: ["name", "tags"] as Field[], queries: [c.concepts.join(" ")] }]
					: []),
			],
		},
		{
			tokenize: (text) => text.split(" "),
			processTerm: (term) => term,
			boost: FIELD_BOOST,
			boostTerm: (term) => c.weights.get(term) ?? 1,
			prefix: (term) => c.prefix.has(term),
			combineWith: "OR",
			...(c.filter ? { filter: (r: SearchResult) => c.filter?.(r.id as number) ?? true } : {}),
		},
	);
}

function actual(index: TermIndex, c: Case) {
	return index.search(
		[
			...(c.own.length > 0 ? [{ fields: FIELDS, query: c.own.join(" ") }] : []),
			...(c.concepts.length > 0
				? [{ fields: ["name", "tags"] as Field[], query: c.concepts.join(" ") }]
				: []),
		],
		{
			boost: FIELD_BOOST,
			boostTerm: (term) => c.weights.get(term) ?? 1,
			prefix: (term) => c.prefix.has(term),
			...(c.filter ? { filter: c.filter } : {}),
		},
	);
}

/** Queries over the index's own terms: whole words, prefixes of them, concepts, weights, a category filter. */
function casesFor(terms: readonly string[]): Case[] {
	const pick = (i: number) => terms[(i * 2654435761) % terms.length] ?? "";
	const cases: Case[] = [];
	for (let i = 0; i < 60; i++) {
		const a = pick(3 * i);
		const b = pick(3 * i + 1);
		const c = pick(3 * i + 2);
		const partial = a.slice(0, Math.max(2, a.length - 3));
		cases.push(
			{ own: [a], concepts: [], prefix: new Set(), weights: new Map() },
			{ own: [partial, b], concepts: [], prefix: new Set([partial]), weights: new Map([[b, 0.8]]) },
			{
				own: [b],
				concepts: [c, a],
				prefix: new Set(),
				weights: new Map([
					[c, 0.45],
					[a, 0.45],
				]),
			},
			{ own: [], concepts: [c], prefix: new Set(), weights: new Map([[c, 0.45]]) },
			{ own: [a, b, c, "zzzznotaterm"], concepts: [], prefix: new Set(["zzzznotaterm"]), weights: new Map() },
			{
				own: [partial.slice(0, 2)],
				concepts: [],
				prefix: new Set([partial.slice(0, 2)]),
				weights: new Map(),
				filter: (row) => row % 3 === i % 3,
			},
		);
	}
	return cases;
}

function compare(mini: MiniSearch<SearchDoc>, index: TermIndex, terms: readonly string[]) {
	let hits = 0;
	for (const c of casesFor(terms)) {
		const want = expected(mini, c);
		const got = actual(index, c);
		expect(got.map((h) => h.id)).toEqual(want.map((r) => r.id));
		expect(got.map((h) => h.score)).toEqual(want.map((r) => r.score));
		expect(got.map((h) => h.queryTerms)).toEqual(want.map((r) => r.queryTerms));
		// Key order too: reasons and tool ranking follow it.
		expect(got.map((h) => Object.entries(h.match))).toEqual(want.map((r) => Object.entries(r.match)));
		hits += got.length;
	}
	return hits;
}

describe("the term index answers as MiniSearch does", () => {
	it("on a synthetic registry of 1,000 services: same hits, order, scores (exactly) and matches", () => {
		const { services } = synthProviders({ count: 1000, seed: 11, now: NOW });
		const data = buildSearchIndex(services, NOW);
		const plain = TermIndex.toPlain(data.index);
		const hits = compare(miniSearchOf(plain), TermIndex.load(data.index), data.index.terms);
		expect(hits).toBeGreaterThan(1000);
	});

	it("after documents were replaced in place (short ids no longer equal rows)", async () => {
		const { services } = synthProviders({ count: 200, seed: 5, now: NOW });
		const data = buildSearchIndex(services, NOW);
		const changed = services.slice(0, 40).map((s) => ({
			...s,
			card: { ...s.card, description: `${s.card.description} volcano pollen tides` },
		}));
		const updated = parseSearchIndex(await updateSearchIndex(serializeSearchIndex(data), changed, NOW));
		if (updated.version !== 2) throw new Error("the update wrote format 1");
		const plain = TermIndex.toPlain(updated.index);
		expect(plain.nextId).toBeGreaterThan(plain.documentCount);
		compare(miniSearchOf(plain), TermIndex.load(updated.index), [
			...updated.index.terms,
			"volcano",
			"pollen",
		]);
		expect(rowsOf(updated)).toHaveLength(200);
	});

	it("stores MiniSearch's serialization without loss", () => {
		const { services } = synthProviders({ count: 150, seed: 9, now: NOW });
		const mini = new MiniSearch<SearchDoc>(MINISEARCH_OPTIONS);
		mini.addAll(
			services.map((s, row) => ({
				row,
				name: s.card.name,
				tags: s.card.tags.join(" "),
				description: s.card.description,
				tools: s.tools.map((t) => t.name).join(" "),
			})),
		);
		const plain = JSON.parse(JSON.stringify(mini.toJSON()));
		expect(JSON.parse(JSON.stringify(TermIndex.toPlain(TermIndex.fromPlain(plain))))).toEqual(plain);
	});

	it("knows its vocabulary as MiniSearch's tree does, typo neighbours in the same order", () => {
		const { services } = synthProviders({ count: 300, seed: 2, now: NOW });
		const data = buildSearchIndex(services, NOW);
		const index = TermIndex.load(data.index);
		// MiniSearch's radix tree of terms (protected `_index`), which read.ts used before the term index.
		const mini = miniSearchOf(TermIndex.toPlain(data.index)) as unknown as {
			_index: { has(term: string): boolean; fuzzyGet(term: string, distance: number): Map<string, unknown> };
		};
		const tree = mini._index;
		for (const term of data.index.terms.slice(0, 200)) {
			const typo = `${term.slice(0, 1)}x${term.slice(2)}`;
			expect(index.vocabulary.has(term)).toBe(true);
			expect(index.vocabulary.has(typo)).toBe(tree.has(typo));
			expect(index.vocabulary.near(typo, 2).map((n) => n.term)).toEqual([...tree.fuzzyGet(typo, 2).keys()]);
		}
	});
});

describe("an index stored before format 2", () => {
	it("still loads and answers as the same index in format 2", () => {
		const { services } = synthProviders({ count: 120, seed: 4, now: NOW });
		const data = buildSearchIndex(services, NOW);
		const v1 = {
			version: 1 as const,
			built_at: NOW,
			categories: data.categories,
			services: rowsOf(data),
			index: JSON.parse(JSON.stringify(TermIndex.toPlain(data.index))),
		};
		const old = loadSearchIndex(v1);
		const current = loadSearchIndex(data);
		for (const s of services.slice(0, 30))
			expect(old.search(s.card.name)).toEqual(current.search(s.card.name));
	});
});

describe("the stored text", () => {
	it("is ASCII, one line for the index and one per row, and parses back whole, in one piece or in slices", async () => {
		const { services } = synthProviders({ count: 60, seed: 8, now: NOW });
		const odd = services.map((s, i) =>
			i === 0
				? {
						...s,
						card: { ...s.card, name: "Café – Ünïcode 🍕", description: 'line one\nline "two" \\ three' },
					}
				: s,
		);
		const data = buildSearchIndex(odd, NOW);
		const text = serializeSearchIndex(data);
		expect(text).toMatch(/^[\x20-\x7e\n]*$/);
		expect(text.split("\n")).toHaveLength(61);
		// Rows are kept as their (escaped) JSON text until shown: compare them parsed.
		const parsedRows = (stored: ReturnType<typeof parseSearchIndex>) =>
			stored.version === 2 ? { ...stored, rows: rowsOf(stored) } : stored;
		expect(parsedRows(parseSearchIndex(text))).toEqual({ ...data, rows: rowsOf(data) });
		expect(parsedRows(await parseSearchIndexInSlices(text, 64))).toEqual({ ...data, rows: rowsOf(data) });
		const search = loadSearchIndex(parseSearchIndex(text));
		expect(search.search("café").results[0]?.name).toBe("Café – Ünïcode 🍕");
	});

	it("of an empty registry is one line", async () => {
		const data = buildSearchIndex([], NOW);
		const text = serializeSearchIndex(data);
		expect(text).not.toContain("\n");
		expect(parseSearchIndex(text)).toEqual(data);
		expect(await parseSearchIndexInSlices(text, 64)).toEqual(data);
	});

	it("that is no index is refused by the loader with its reason", () => {
		for (const text of ["null", "42", '{"version":3}'])
			expect(() => loadSearchIndex(parseSearchIndex(text))).toThrow(/reseed/);
	});

	it("of format 1 (one JSON document) still parses", () => {
		const v1 = { version: 1, built_at: NOW, categories: [], services: [], index: {} };
		expect(parseSearchIndex(JSON.stringify(v1))).toEqual(v1);
	});
});
