/**
 * Text handling shared by indexing and querying: both sides must cut and normalize words the same way, or a
 * query term never meets the indexed one.
 */

/**
 * Words that carry no intent in a request ("get me some food") or that every service has ("get", "list",
 * "search" are in nearly every tool name). Dropped on both sides, so they neither match nor take index space.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
	"a",
	"about",
	"all",
	"also",
	"am",
	"an",
	"and",
	"any",
	"anything",
	"are",
	"as",
	"at",
	"be",
	"been",
	"by",
	"can",
	"could",
	"did",
	"do",
	"does",
	"find",
	"for",
	"four",
	"from",
	"get",
	"give",
	"go",
	"going",
	"got",
	"have",
	"help",
	"here",
	"how",
	"i",
	"id",
	"if",
	"im",
	"in",
	"into",
	"is",
	"it",
	"its",
	"ive",
	"just",
	"let",
	"lets",
	"like",
	"list",
	"look",
	"looking",
	"me",
	"mine",
	"more",
	"my",
	"need",
	"now",
	"of",
	"on",
	"one",
	"or",
	"our",
	"please",
	"really",
	"search",
	"should",
	"show",
	"so",
	"some",
	"something",
	"somewhere",
	"that",
	"the",
	"their",
	"them",
	"then",
	"there",
	"these",
	"this",
	"three",
	"those",
	"to",
	"too",
	"two",
	"us",
	"very",
	"wanna",
	"want",
	"was",
	"we",
	"what",
	"when",
	"where",
	"which",
	"who",
	"will",
	"with",
	"would",
	"you",
	"your",
]);

/** Words a plural-stripping stemmer would damage ("news" is not the plural of "new"). */
const KEEP_AS_IS = new Set([
	"news",
	"series",
	"species",
	"always",
	"perhaps",
	"lens",
	"canvas",
	"atlas",
	"plus",
]);

/**
 * Splits text into lowercase words: on anything that is not a letter or digit (so `get_order`, `food-delivery`
 * split), and camelCase words also give their parts (`FoodDash` → fooddash, food, dash). Accents are folded and
 * apostrophes dropped (`I'm` → im).
 */
export function tokenize(text: string): string[] {
	const words: string[] = [];
	// Index building tokenizes every tool of 10,000 services: skip the Unicode work for plain ASCII.
	const ascii = /^[\x20-\x7e]*$/.test(text);
	const folded = (ascii ? text : text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")).replace(/['’]/g, "");
	for (const raw of folded.split(ascii ? /[^A-Za-z0-9]+/ : /[^\p{L}\p{N}]+/u)) {
		if (raw === "") continue;
		words.push(raw.toLowerCase());
		if (!/\p{Ll}\p{Lu}/u.test(raw)) continue;
		for (const part of raw.split(/(?<=\p{Ll})(?=\p{Lu})/u)) words.push(part.toLowerCase());
	}
	return words;
}

/** Plural stripping only: enough for "restaurants" to meet "restaurant" without a stemmer's surprises. */
export function stem(word: string): string {
	if (word.length <= 3 || KEEP_AS_IS.has(word)) return word;
	if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
	if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
	return word;
}

/** A lowercase word as the index holds it, or null when it carries nothing (stop word, one letter, a number). */
export function processTerm(word: string): string | null {
	if (word.length < 2 || STOP_WORDS.has(word) || /^\d+$/.test(word)) return null;
	const term = stem(word);
	return STOP_WORDS.has(term) ? null : term;
}

/** The words of a text as the index holds them. */
export function terms(text: string): string[] {
	const out: string[] = [];
	for (const word of tokenize(text)) {
		const term = processTerm(word);
		if (term !== null) out.push(term);
	}
	return out;
}

/**
 * Edit distance where swapping two neighbouring letters costs one (optimal string alignment): "skycats" is one
 * slip away from "skycast", not two.
 */
export function editDistance(a: string, b: string): number {
	if (a === b) return 0;
	const rows = a.length + 1;
	const cols = b.length + 1;
	const d: number[] = new Array(rows * cols).fill(0);
	for (let i = 0; i < rows; i++) d[i * cols] = i;
	for (let j = 0; j < cols; j++) d[j] = j;
	for (let i = 1; i < rows; i++) {
		for (let j = 1; j < cols; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let best = Math.min(
				(d[(i - 1) * cols + j] ?? 0) + 1,
				(d[i * cols + j - 1] ?? 0) + 1,
				(d[(i - 1) * cols + j - 1] ?? 0) + cost,
			);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
				best = Math.min(best, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
			d[i * cols + j] = best;
		}
	}
	return d[rows * cols - 1] ?? 0;
}

/** Cuts text to `limit` characters at most, with an ellipsis when cut. */
export function clip(text: string, limit: number): string {
	return text.length > limit ? `${text.slice(0, limit - 1).trimEnd()}…` : text;
}
