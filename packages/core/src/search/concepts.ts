import { editDistance, terms } from "./text.ts";

/**
 * What people say → the words services describe themselves with. A request rarely names a category ("I'm
 * hungry", "get me a cab"), and a brand the registry does not carry ("doordash") still says what is wanted.
 * `when` holds single words or short phrases (stop words are dropped before matching, so "book a table" is the
 * phrase "book table"); `means` are the terms searched in their place, at a lower weight than the user's own words.
 */
export interface Concept {
	when: string[];
	means: string[];
}

export const CONCEPTS: Concept[] = [
	{
		when: [
			"hungry",
			"starving",
			"food",
			"eat",
			"eating",
			"meal",
			"takeout",
			"takeaway",
			"dinner",
			"lunch",
			"breakfast",
			"brunch",
			"snack",
			"pizza",
			"sushi",
			"burger",
			"tacos",
			"curry",
			"noodles",
			"cuisine",
			"doordash",
			"ubereats",
			"grubhub",
			"deliveroo",
			"postmates",
			"seamless",
			"order food",
			"food delivery",
		],
		means: ["food", "delivery", "restaurant", "meal", "dining"],
	},
	{
		when: [
			"cab",
			"taxi",
			"uber",
			"lyft",
			"ride",
			"rideshare",
			"chauffeur",
			"drive",
			"driver",
			"lift",
			"airport transfer",
			"pick up",
		],
		means: ["ride", "taxi", "car", "rideshare", "driver"],
	},
	{
		when: [
			"reservation",
			"reserve",
			"dine",
			"dining",
			"opentable",
			"resy",
			"book table",
			"reserve table",
			"date night",
		],
		means: ["restaurant", "reservation", "table", "dining"],
	},
	{
		when: [
			"weather",
			"forecast",
			"rain",
			"raining",
			"umbrella",
			"sunny",
			"snow",
			"snowing",
			"temperature",
			"storm",
			"humidity",
			"accuweather",
		],
		means: ["weather", "forecast", "temperature", "rain"],
	},
	{
		when: [
			"beauty",
			"makeup",
			"make up",
			"cosmetics",
			"skincare",
			"skin care",
			"lipstick",
			"mascara",
			"moisturizer",
			"serum",
			"perfume",
			"fragrance",
			"sephora",
			"ulta",
		],
		means: ["beauty", "makeup", "skincare", "cosmetics"],
	},
	{
		when: [
			"ticket",
			"concert",
			"gig",
			"theatre",
			"theater",
			"musical",
			"broadway",
			"festival",
			"ticketmaster",
			"stubhub",
			"seatgeek",
		],
		means: ["ticket", "event", "concert", "theatre"],
	},
	{
		when: [
			"sport",
			"score",
			"game",
			"match",
			"standings",
			"nba",
			"nfl",
			"nhl",
			"mlb",
			"soccer",
			"football",
			"basketball",
			"hockey",
			"baseball",
			"espn",
		],
		means: ["sport", "score", "standings", "schedule"],
	},
	{
		when: ["flight", "fly", "flying", "plane", "airline", "airfare", "kayak", "expedia"],
		means: ["flight", "airline", "airfare"],
	},
	{
		when: [
			"hotel",
			"motel",
			"lodging",
			"accommodation",
			"stay",
			"airbnb",
			"bnb",
			"resort",
			"hostel",
			"marriott",
			"hilton",
			"place to stay",
		],
		means: ["hotel", "lodging", "room", "stay"],
	},
	{ when: ["vacation", "holiday", "trip", "travel", "getaway"], means: ["travel", "flight", "hotel"] },
	{
		when: [
			"grocery",
			"groceries",
			"supermarket",
			"instacart",
			"milk",
			"eggs",
			"bread",
			"vegetables",
			"fruit",
			"produce",
		],
		means: ["grocery", "supermarket", "produce"],
	},
	{
		when: [
			"ship",
			"shipping",
			"parcel",
			"package",
			"mail",
			"fedex",
			"usps",
			"dhl",
			"postage",
			"send package",
		],
		means: ["shipping", "parcel", "package", "courier"],
	},
	{
		when: ["news", "headline", "article", "current events", "journalism", "cnn", "bbc"],
		means: ["news", "headline", "article"],
	},
	{
		when: ["job", "career", "hiring", "employment", "resume", "linkedin", "indeed", "work"],
		means: ["job", "career", "hiring", "employment"],
	},
	{
		when: ["pet", "dog", "cat", "puppy", "kitten", "vet", "chewy", "petco"],
		means: ["pet", "dog", "cat", "vet"],
	},
	{
		when: ["plumber", "electrician", "handyman", "cleaner", "cleaning", "repair", "fix", "leak"],
		means: ["home", "cleaning", "plumber", "handyman", "repair"],
	},
	{
		when: ["gym", "workout", "exercise", "yoga", "fitness", "pilates", "trainer"],
		means: ["fitness", "gym", "workout", "yoga"],
	},
	{
		when: ["doctor", "sick", "pharmacy", "medicine", "prescription", "clinic", "health"],
		means: ["health", "doctor", "pharmacy", "clinic"],
	},
	{ when: ["movie", "film", "cinema", "showtimes"], means: ["movie", "cinema", "film", "showtime"] },
	{
		when: ["money", "currency", "exchange rate", "stock", "forex", "bitcoin", "crypto", "invest"],
		means: ["finance", "currency", "exchange", "stock"],
	},
	{
		when: ["apartment", "rent", "real estate", "zillow", "property", "house hunting"],
		means: ["real", "estate", "home", "rent", "apartment", "property"],
	},
	{
		when: ["rental car", "rent car", "car rental", "hire car", "hertz", "avis"],
		means: ["car", "rental", "vehicle"],
	},
	{
		when: ["course", "class", "learn", "tutor", "study", "lesson"],
		means: ["education", "course", "learning", "tutoring"],
	},
	{
		when: ["music", "song", "playlist", "spotify", "listen"],
		means: ["music", "song", "playlist", "streaming"],
	},
	{ when: ["ebook", "novel", "read", "reading", "audiobook", "kindle"], means: ["book", "reading", "ebook"] },
	{ when: ["parking", "garage", "park car"], means: ["parking", "garage"] },
	{ when: ["flower", "bouquet", "rose", "florist", "gift"], means: ["flower", "gift", "bouquet"] },
	{ when: ["translate", "translation", "translator", "language"], means: ["translation", "language"] },
	{
		when: ["directions", "map", "route", "navigate", "navigation", "geocode"],
		means: ["map", "direction", "routing", "place"],
	},
	{
		when: ["clothes", "clothing", "shirt", "dress", "shoes", "sneakers", "jeans", "outfit", "fashion"],
		means: ["fashion", "clothing", "shoe", "apparel"],
	},
	{
		when: ["phone", "laptop", "computer", "gadget", "electronics", "tv", "headphones", "tablet", "camera"],
		means: ["electronic", "gadget", "phone", "laptop"],
	},
];

/** A concept trigger as the query holds it: its terms joined by spaces (one term, or a two- or three-word phrase). */
export interface ConceptTable {
	/** Trigger → terms to add (the trigger's own terms removed). */
	byTrigger: ReadonlyMap<string, readonly string[]>;
	/** Longest phrase length, in terms. */
	longest: number;
	/** Single-term triggers, for typo correction ("dordash" → "doordash"). */
	words: readonly string[];
}

function table(concepts: readonly Concept[]): ConceptTable {
	const byTrigger = new Map<string, string[]>();
	let longest = 1;
	for (const concept of concepts) {
		const means = concept.means.flatMap(terms);
		for (const phrase of concept.when) {
			const key = terms(phrase);
			if (key.length === 0) continue;
			longest = Math.max(longest, key.length);
			const list = byTrigger.get(key.join(" ")) ?? [];
			for (const term of means) if (!key.includes(term) && !list.includes(term)) list.push(term);
			byTrigger.set(key.join(" "), list);
		}
	}
	return { byTrigger, longest, words: [...byTrigger.keys()].filter((k) => !k.includes(" ")) };
}

export const CONCEPT_TABLE: ConceptTable = table(CONCEPTS);

/** The concept word closest to `term` within `maxDistance` edits, if any. */
export function closestConceptWord(
	term: string,
	maxDistance: number,
): { word: string; distance: number } | null {
	let best: { word: string; distance: number } | null = null;
	for (const word of CONCEPT_TABLE.words) {
		if (Math.abs(word.length - term.length) > maxDistance) continue;
		const distance = editDistance(term, word);
		if (distance <= maxDistance && (best === null || distance < best.distance)) best = { word, distance };
	}
	return best;
}
