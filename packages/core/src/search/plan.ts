import { CONCEPT_TABLE, closestConceptWord } from "./concepts.ts";
import { editDistance, processTerm, tokenize } from "./text.ts";

/** A concept's terms count for less than the words the user typed. */
const EXPANSION_WEIGHT = 0.45;

/** Terms of the index, for typo correction (`TermIndex.vocabulary`). */
export interface Vocabulary {
	has(term: string): boolean;
	hasPrefix(term: string): boolean;
	/** Terms within `distance` Levenshtein edits, with how many documents hold each. */
	near(term: string, distance: number): { term: string; docs: number }[];
}

export interface QueryTerm {
	term: string;
	weight: number;
	/** The user's word it came from (for an expansion, the concept word or phrase). */
	origin: string;
	kind: "typed" | "corrected" | "expanded";
}

export interface Plan {
	terms: QueryTerm[];
	corrected: { from: string; to: string }[];
	expanded: { from: string; to: string[] }[];
}

interface Word {
	term: string;
	origin: string;
	corrected: boolean;
}

/** Query words → terms to search: stop words dropped, typos corrected, concepts expanded. */
export function planQuery(query: string, vocabulary: Vocabulary): Plan {
	const { sequence, corrected } = spell(query, vocabulary);
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
	const expanded = expand(
		sequence.map((s) => s.term),
		out,
	);
	return { terms: [...out.values()], corrected, expanded };
}

/** The query's words as index terms, each known one kept and each unknown one corrected or dropped. */
function spell(query: string, vocabulary: Vocabulary): { sequence: Word[]; corrected: Plan["corrected"] } {
	const corrected: Plan["corrected"] = [];
	const sequence: Word[] = [];
	for (const word of tokenize(query)) {
		const term = processTerm(word);
		if (term === null) continue;
		if (
			vocabulary.has(term) ||
			CONCEPT_TABLE.byTrigger.has(term) ||
			(term.length >= 3 && vocabulary.hasPrefix(term))
		) {
			sequence.push({ term, origin: word, corrected: false });
			continue;
		}
		const fix = correct(term, vocabulary);
		if (fix === null) continue;
		sequence.push({ term: fix, origin: word, corrected: true });
		if (!corrected.some((c) => c.from === word)) corrected.push({ from: word, to: fix });
	}
	return { sequence, corrected };
}

/** Adds to `out` the terms of the concepts `words` name, and says which. */
function expand(words: readonly string[], out: Map<string, QueryTerm>): Plan["expanded"] {
	const expanded: Plan["expanded"] = [];
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
	return expanded;
}

/** How many edits a word of this length may be away from the word meant. */
function allowedEdits(length: number): number {
	return length < 4 ? 0 : length < 8 ? 1 : 2;
}

/** The index term or concept word nearest to an unknown term, within the edits its length allows. */
function correct(term: string, vocabulary: Vocabulary): string | null {
	const allowed = allowedEdits(term.length);
	if (allowed === 0) return null;
	let best: { term: string; distance: number; docs: number } | null = null;
	// Levenshtein counts a swap of two letters as two edits; ask for one more and measure swaps as one.
	for (const candidate of vocabulary.near(term, allowed + 1)) {
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
