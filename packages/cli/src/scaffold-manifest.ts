import { isRecord } from "@penumbra/core/registry";
import { listOperations } from "./scaffold-walk.ts";

/** A value scaffold guessed for provider.yaml, and where it came from (printed on its CHECK line). */
export interface Guess<T> {
	value: T;
	reason: string;
}

/** A service already in the registry, as far as choosing a category cares. */
export interface RegistryService {
	category: string;
	tags: readonly string[];
}

const DESCRIPTION_LIMIT = 280;

/**
 * Sentences that open many real descriptions but say nothing about what the service does, so a search for what
 * a user wants never meets them: instructions to the reader, the document describing itself, how to authenticate.
 */
const BOILERPLATE: readonly RegExp[] = [
	/^(?:before|to (?:use|get started|start)|please|note|you (?:can|will|must|need|may|should)|for (?:more|details|further)|(?:see|read) (?:the|our|also|more|this|https?)|check out|learn|find out|visit|click|sign up|first,|additionally|also|some useful)\b/i,
	/\bwe recommend\b|\bmore information\b|\bfind out more\b|\blearn more\b/i,
	/^this is (?:the|an?|our)\b/i,
	/\b(?:openapi|swagger|oas ?3|design[- ]first)\b|\b(?:this|the|our|api) (?:documentation|specification)\b/i,
	/^(?:all (?:endpoints|requests|calls)|authentication|authori[sz]ation|api[- ]?keys?|access tokens?)\b/i,
];

/** Words that tell nothing about a service beyond "it is an API" ("The standard Solidus API."). */
const GENERIC_WORDS = new Set(
	"a an the and or of for to in on with by this that is are be our your its api apis rest restful http web service services standard official public client library sdk accessing access interface endpoint endpoints version".split(
		" ",
	),
);

/**
 * The service description search ranks by: a summary the spec gives (`info.summary`, `x-summary`, the
 * `x-services` entry), else the first sentence of `info.description` that says what the service does, else one
 * composed from the title and the operations' tags or summaries.
 */
export function describeFromSpec(doc: Record<string, unknown>, id: string, fallback: string): Guess<string> {
	const info = isRecord(doc.info) ? doc.info : {};
	const title = typeof info.title === "string" ? info.title.trim() : "";
	for (const [where, value] of summaryFields(doc, id)) {
		const sentence = sentencesOf(value).find((s) => !isBoilerplate(s));
		if (sentence) return { value: limit(sentence), reason: `from the spec's ${where}` };
	}
	const sentences = sentencesOf(typeof info.description === "string" ? info.description : "");
	const first = sentences.findIndex((s) => !isBoilerplate(s) && informative(s, title));
	const found = sentences[first];
	if (found)
		return {
			value: limit(found),
			reason: `the first sentence of info.description that says what the service does${first > 0 ? ` (${first} sentence${first === 1 ? "" : "s"} of boilerplate skipped)` : ""}`,
		};
	// Three tags or more say what the service covers; fewer ("hotels") say less than the operations' summaries.
	const tags = tagsFromSpec(doc).slice(0, 5);
	const summaries = operationSummaries(doc).slice(0, 3);
	const topics = tags.length >= 3 || summaries.length === 0 ? tags : [];
	const about = topics.length > 0 ? topics : summaries;
	const name = cleanTitle(title) || fallback;
	if (about.length > 0)
		return {
			value: limit(`${name}: ${about.join(", ")}.`),
			reason: `info.description says nothing about what the service does; composed from the title and the operations' ${topics.length > 0 ? "tags" : "summaries"}`,
		};
	return { value: name, reason: "the spec has no description; the title stands in" };
}

function summaryFields(doc: Record<string, unknown>, id: string): [string, string][] {
	const info = isRecord(doc.info) ? doc.info : {};
	const services = isRecord(doc["x-services"]) ? doc["x-services"] : {};
	const own = isRecord(services[id]) ? services[id] : {};
	const candidates: [string, unknown][] = [
		["info.summary", info.summary],
		["info.x-summary", info["x-summary"]],
		["x-summary", doc["x-summary"]],
		[`x-services.${id}.description`, own.description],
		[`x-services.${id}.summary`, own.summary],
	];
	return candidates.filter((c): c is [string, string] => typeof c[1] === "string" && c[1].trim() !== "");
}

/**
 * Prose sentences of a markdown text: headings, lists, quotes, tables and HTML dropped, links kept as their
 * text, lines of one paragraph joined.
 */
function sentencesOf(markdown: string): string[] {
	const text = markdown
		.replace(/<br\s*\/?>/gi, "\n")
		.replace(/<[^>]+>/g, " ")
		.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
		.replace(/`([^`]*)`/g, "$1");
	return text
		.split(/\n\s*\n/)
		.map((paragraph) =>
			paragraph
				.split("\n")
				.filter((line) => !/^\s*(?:#|>|[*+-]\s|\d+[.)]\s|\|)/.test(line))
				.join(" ")
				.replace(/[*_]{1,3}([^*_]+)[*_]{1,3}/g, "$1")
				.replace(/\s+/g, " ")
				.trim(),
		)
		.flatMap((paragraph) => paragraph.split(/(?<=[.!?])\s+(?=["“(]?[A-Z0-9])/))
		.map((s) => s.trim())
		.filter((s) => s.length > 0);
}

function isBoilerplate(sentence: string): boolean {
	return BOILERPLATE.some((re) => re.test(sentence));
}

/** Says something beyond the title and "API": at least two words of its own. */
function informative(sentence: string, title: string): boolean {
	const known = new Set(words(title));
	return (
		sentence.length >= 20 && words(sentence).filter((w) => !known.has(w) && !GENERIC_WORDS.has(w)).length >= 2
	);
}

function words(text: string): string[] {
	return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** "Swagger Petstore - OpenAPI 3.0" → "Swagger Petstore". */
function cleanTitle(title: string): string {
	return title
		.replace(/\s*[-–:(]\s*(?:openapi|swagger|oas|api)\b.*$/i, "")
		.replace(/\s+v?\d+(?:\.\d+)*$/i, "")
		.trim();
}

function operationSummaries(doc: Record<string, unknown>): string[] {
	const out: string[] = [];
	for (const { op } of listOperations(doc)) {
		const summary = typeof op.summary === "string" ? op.summary.trim().replace(/\.$/, "") : "";
		if (summary && !out.includes(summary.toLowerCase())) out.push(summary.toLowerCase());
	}
	return out;
}

function limit(text: string): string {
	if (text.length <= DESCRIPTION_LIMIT) return text;
	const cut = text.slice(0, DESCRIPTION_LIMIT - 1);
	return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 200))}…`;
}

const MAX_TAGS = 8;
/** Tag names that group operations without saying anything about the service. */
const GENERIC_TAGS = new Set(["default", "misc", "miscellaneous", "other", "general", "deprecated", "beta"]);

/**
 * Up to eight search tags: the tags the operations use, most used first (ties in the order the spec lists its
 * tags), normalized ("Agreement v3 endpoints" → "agreement", "regional_advancement" → "regional advancement");
 * the spec's top-level tags when no operation is tagged.
 */
export function tagsFromSpec(doc: Record<string, unknown>): string[] {
	const declared = Array.isArray(doc.tags)
		? doc.tags.map((t) => (isRecord(t) && typeof t.name === "string" ? t.name : ""))
		: [];
	const counts = new Map<string, { uses: number; rank: number }>();
	const count = (raw: unknown, uses: number) => {
		const tag = typeof raw === "string" ? normalizeTag(raw) : undefined;
		if (!tag) return;
		const seen = counts.get(tag);
		const listed = declared.indexOf(raw as string);
		const rank = listed >= 0 ? listed : declared.length + counts.size;
		counts.set(tag, { uses: (seen?.uses ?? 0) + uses, rank: Math.min(seen?.rank ?? rank, rank) });
	};
	for (const { op } of listOperations(doc))
		if (Array.isArray(op.tags) && op.deprecated !== true) for (const tag of op.tags) count(tag, 1);
	if (counts.size === 0) for (const tag of declared) count(tag, 0);
	return [...counts.entries()]
		.sort((a, b) => b[1].uses - a[1].uses || a[1].rank - b[1].rank)
		.map(([tag]) => tag)
		.slice(0, MAX_TAGS);
}

function normalizeTag(raw: string): string | undefined {
	const tag = raw
		.replace(/([a-z0-9])([A-Z])/g, "$1 $2")
		.toLowerCase()
		.replace(/\((?:deprecated|beta|legacy|internal|preview)\)/g, " ")
		// Versions, also glued to "api" as generated SDK tags write them ("Api20100401Message").
		.replace(/\b(?:api\d*|apis|endpoints?|operations?|v\d+(?:\.\d+)*)\b/g, " ")
		.replace(/[^\p{L}\p{N}&-]+/gu, " ")
		.replace(/\s+/g, " ")
		.trim();
	if (tag.length < 2 || tag.length > 40 || /^\d/.test(tag) || GENERIC_TAGS.has(tag)) return undefined;
	return tag;
}

/** Category slugs scaffold can guess, with words that point at them (first match in this order wins ties). */
const CATEGORY_KEYWORDS: ReadonlyArray<readonly [string, readonly string[]]> = [
	["food-delivery", ["food", "restaurant", "delivery", "meal", "menu", "takeout"]],
	["groceries", ["grocery", "groceries", "pantry", "recipe", "shopping list", "stock"]],
	["rides", ["ride", "rides", "taxi", "driver", "rideshare"]],
	["travel", ["hotel", "flight", "travel", "airline", "booking", "trip"]],
	["weather", ["weather", "forecast", "climate", "meteorolog", "precipitation"]],
	["maps", ["map", "routing", "geocod", "directions", "places", "isochrone", "route"]],
	[
		"payments",
		["payment", "transfer", "refund", "invoice", "recurring", "subscription", "charge", "checkout"],
	],
	["events", ["event", "ticket", "venue", "concert", "museum", "exhibition"]],
	["sports", ["sport", "team", "league", "match", "tournament", "robotics"]],
	["retail", ["order", "cart", "checkout", "product", "store", "shop", "commerce", "seller", "pet"]],
	["news", ["news", "article", "headline"]],
	["jobs", ["job", "career", "vacanc", "recruit"]],
];

/** The spec's words, lowercased: the title apart, as it says most about what the service is. */
interface SpecWords {
	title: string;
	body: string;
}

function specWords(doc: Record<string, unknown>): SpecWords {
	const info = isRecord(doc.info) ? doc.info : {};
	const body = [
		typeof info.summary === "string" ? info.summary : "",
		String(info.description ?? "").slice(0, 600),
		...tagsFromSpec(doc),
		...operationSummaries(doc).slice(0, 40),
	].join(" ");
	return { title: String(info.title ?? "").toLowerCase(), body: body.toLowerCase() };
}

/** Words each count once: 3 in the title, 1 in the rest ("order" said ten times must not beat "food" in the name). */
function scoreWords(text: SpecWords, list: readonly string[]): number {
	return list.reduce((n, w) => {
		const at = new RegExp(`(?<![\\p{L}\\p{N}])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "u");
		return n + (at.test(text.title) ? 3 : 0) + (at.test(text.body) ? 1 : 0);
	}, 0);
}

/** "flights" → "flight": the words are matched as word starts, so the singular finds both. */
function singularWord(word: string): string {
	return word.length > 4 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;
}

interface Candidate {
	slug: string;
	/** The category's own words: its slug's and its services' tags. */
	own: string[];
	score: number;
}

/** Each existing category, with its own words and the keyword families its words belong to. */
function existingCandidates(text: SpecWords, registry: readonly RegistryService[]): Candidate[] {
	const bySlug = new Map<string, Set<string>>();
	for (const service of registry) {
		const own = bySlug.get(service.category) ?? new Set(service.category.split("-"));
		for (const tag of service.tags) own.add(tag.toLowerCase());
		bySlug.set(service.category, own);
	}
	return [...bySlug].map(([slug, set]) => {
		const own = [...new Set([...set].filter((w) => w.length > 1).map(singularWord))];
		// A family counts when the category is it, or shares two of its words ("lodging" tagged hotel, travel, booking).
		const families = CATEGORY_KEYWORDS.filter(
			([family, list]) =>
				family === slug ||
				list.filter((k) => own.some((w) => w.startsWith(k) || k.startsWith(w))).length >= 2,
		);
		const ownScore = scoreWords(text, own);
		const familyScore = families.reduce((n, [, list]) => n + scoreWords(text, list), 0);
		return { slug, own, score: ownScore > 0 ? ownScore + familyScore : 0 };
	});
}

/**
 * The category of a new provider: one the registry already has when one fits the spec (its own words, its
 * services' tags, are in the spec, and it scores at least as well as any new guess), so that a category filter
 * finds the provider beside its peers; else the keyword guess; else `general`.
 */
export function chooseCategory(
	doc: Record<string, unknown>,
	registry: readonly RegistryService[] = [],
): Guess<string> {
	const text = specWords(doc);
	const guess = CATEGORY_KEYWORDS.map(([slug, list]) => ({ slug, score: scoreWords(text, list) })).reduce(
		(best, c) => (c.score > best.score ? c : best),
		{ slug: "general", score: 0 },
	);
	const existing = existingCandidates(text, registry)
		.filter((c) => c.score > 0)
		.sort((a, b) => b.score - a.score || a.slug.localeCompare(b.slug))[0];
	if (existing && existing.score >= guess.score)
		return {
			value: existing.slug,
			reason: `the registry's existing category that fits the spec best (its words: ${existing.own.slice(0, 6).join(", ")})`,
		};
	const categories = [...new Set(registry.map((s) => s.category))].sort();
	if (categories.includes(guess.slug))
		return {
			value: guess.slug,
			reason: "an existing category, guessed from the spec's title, description and tags",
		};
	const none = categories.length > 0 ? `no existing category fits (${categories.join(", ")}); ` : "";
	return guess.score > 0
		? {
				value: guess.slug,
				reason: `${none}a new category guessed from the spec's title, description and tags`,
			}
		: { value: "general", reason: `${none}nothing in the spec points at a category` };
}
