export const TOKEN_TARGET = 1_000;
export const SEARCH_P99_TARGET_MS = 5;
/** Cloudflare refuses bigger KV values; local KV does not, so the bench says so. */
export const KV_VALUE_LIMIT = 25 * 1024 * 1024;
/** Naive lists above this are counted in chunks of this many tools (one string of 80 MB is slow and big). */
export const WHOLE_COUNT_LIMIT = 16 * 1024 * 1024;
export const CHUNK_TOOLS = 1_000;
export const EACH_REPEAT = 10;
export const EACH_ROUNDS = 3;
/** CPU time to spend on each query when measuring it alone. */
export const CPU_PER_QUERY_MS = 60;
export const LOOP_REPEAT = 10;
export const E2E_CALLS = 150;
export const COLD_RESTARTS = 3;

/** What people ask an assistant for: plain requests, concept phrases, typos, and some with a category. */
export const QUERIES: { query: string; category?: string }[] = [
	{ query: "order some food" },
	{ query: "I'm hungry" },
	{ query: "get me a cab" },
	{ query: "ride to the airport" },
	{ query: "book a table for two tonight" },
	{ query: "somewhere to stay in Chicago" },
	{ query: "cheap flights to Paris" },
	{ query: "concert tickets this weekend" },
	{ query: "will it rain tomorrow" },
	{ query: "send a parcel to Berlin" },
	{ query: "track my package" },
	{ query: "find a job in marketing" },
	{ query: "latest news headlines" },
	{ query: "football scores" },
	{ query: "groceries delivered today" },
	{ query: "skincare for dry skin" },
	{ query: "new running shoes" },
	{ query: "buy a laptop" },
	{ query: "vet appointment for my dog" },
	{ query: "need a plumber" },
	{ query: "yoga class near me" },
	{ query: "see a doctor" },
	{ query: "movie showtimes" },
	{ query: "euro to dollar exchange rate" },
	{ query: "apartment for rent" },
	{ query: "rent a car at the airport" },
	{ query: "learn spanish online" },
	{ query: "play some jazz" },
	{ query: "audiobooks" },
	{ query: "parking downtown" },
	{ query: "send flowers to my mom" },
	{ query: "translate a document" },
	{ query: "directions to the station" },
	{ query: "dordash" },
	{ query: "skycats" },
	{ query: "restarant reservation" },
	{ query: "hotle booking" },
	{ query: "flihgt tickets" },
	{ query: "grocries" },
	{ query: "wether forecast" },
	{ query: "pizaa delivery" },
	{ query: "takout" },
	{ query: "electroincs" },
	{ query: "concret tickets" },
	{ query: "delivery", category: "food-delivery" },
	{ query: "dinner", category: "restaurants" },
	{ query: "tickets", category: "events" },
	{ query: "shoes", category: "fashion" },
	{ query: "forecast", category: "weather" },
	{ query: "sushi", category: "food-delivery" },
];
