import { isRecord } from "@penumbra/core/registry";

/** Category slugs scaffold can guess, with words that point at them (first match in this order wins ties). */
export const CATEGORY_KEYWORDS: ReadonlyArray<readonly [string, readonly string[]]> = [
	["food-delivery", ["food", "restaurant", "delivery", "meal", "menu", "takeout"]],
	["groceries", ["grocery", "groceries", "pantry", "recipe", "shopping list", "stock"]],
	["rides", ["ride", "rides", "taxi", "driver", "rideshare"]],
	["travel", ["hotel", "flight", "travel", "airline", "booking", "trip"]],
	["weather", ["weather", "forecast", "climate", "meteorolog", "precipitation"]],
	["maps", ["map", "routing", "geocod", "directions", "places", "isochrone", "route"]],
	["payments", ["payment", "transfer", "refund", "invoice", "recurring", "subscription", "charge"]],
	["events", ["event", "ticket", "venue", "concert", "museum", "exhibition"]],
	["sports", ["sport", "team", "league", "match", "tournament", "robotics"]],
	["retail", ["order", "cart", "checkout", "product", "store", "shop", "commerce", "seller", "pet"]],
	["news", ["news", "article", "headline"]],
	["jobs", ["job", "career", "vacanc", "recruit"]],
];

/** The category whose words the spec's title, description and tags mention most; `general` when none. */
export function guessCategory(doc: Record<string, unknown>): string {
	const info = isRecord(doc.info) ? doc.info : {};
	const tags = Array.isArray(doc.tags) ? doc.tags.map((t) => (isRecord(t) ? String(t.name ?? "") : "")) : [];
	const title = String(info.title ?? "").toLowerCase();
	const text = [String(info.description ?? "").slice(0, 600), ...tags].join(" ").toLowerCase();
	let best: { slug: string; score: number } = { slug: "general", score: 0 };
	for (const [slug, words] of CATEGORY_KEYWORDS) {
		// Distinct words, the title counting most: "order" repeated ten times must not beat "food" in the name.
		const score = words.reduce((n, w) => n + (title.includes(w) ? 3 : 0) + (text.includes(w) ? 1 : 0), 0);
		if (score > best.score) best = { slug, score };
	}
	return best.slug;
}

/** The first paragraph of the spec's description (markdown stripped), else its title. */
export function describeFromSpec(doc: Record<string, unknown>, fallback: string): string {
	const info = isRecord(doc.info) ? doc.info : {};
	const raw = typeof info.description === "string" ? info.description : "";
	const paragraph =
		raw
			.split(/\n\s*\n/)
			.map((p) =>
				p
					.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
					.replace(/<[^>]+>/g, "")
					.replace(/[#*_`>]+/g, "")
					.replace(/\s+/g, " ")
					.trim(),
			)
			.find((p) => p.length >= 20) ?? "";
	const text =
		paragraph ||
		(typeof info.summary === "string" ? info.summary : "") ||
		(typeof info.title === "string" ? info.title : "") ||
		fallback;
	if (text.length <= 280) return text;
	const cut = text.slice(0, 279);
	return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 200))}…`;
}

/** Up to eight tag names from the spec's `tags`, lowercased. */
export function tagsFromSpec(doc: Record<string, unknown>): string[] {
	const tags = Array.isArray(doc.tags)
		? doc.tags.map((t) => (isRecord(t) && typeof t.name === "string" ? t.name.trim().toLowerCase() : ""))
		: [];
	const cleaned = tags
		.map((t) => t.replace(/\s+api$/, ""))
		.filter((t) => t.length > 0 && t.length <= 40 && !/^v?\d+(\.\d+)*$/.test(t));
	return [...new Set(cleaned)].slice(0, 8);
}
