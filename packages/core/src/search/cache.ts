import { REGISTRY_SEARCH_KEY, REGISTRY_SEARCH_VERSION_KEY } from "../registry/types.ts";
import type { SearchIndexData } from "./format.ts";
import { loadSearchIndex, type ServiceSearch } from "./read.ts";

/** What the loader reads from: the REGISTRY KV namespace (kept structural so this file stays runtime-neutral). */
export interface SearchIndexStore {
	get(key: string, type: "text"): Promise<string | null>;
}

interface Loaded {
	search: ServiceSearch | null;
	/** The version stamp the loaded index answers to; null forces a reload at the next check. */
	version: string | null;
	checkAfter: number;
}

// One index per isolate and namespace. A cold isolate pays one KV read and a parse, never a rebuild (the index is
// built when the registry is compiled). Every `cacheSeconds` the isolate reads the few-byte version stamp and
// reloads the megabytes only when it changed.
const cache = new Map<SearchIndexStore, Loaded>();

function ttlMs(cacheSeconds: string | undefined): number {
	const seconds = Number(cacheSeconds ?? "5");
	return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 5000;
}

/**
 * The prebuilt search index of the registry in `kv`, or null when no registry has been seeded. Shared by the
 * gateway's /v1/search and the MCP Worker's search_services; `cacheSeconds` is their REGISTRY_CACHE_SECONDS ("0":
 * no cache, as tests reseed).
 */
export async function cachedServiceSearch(
	kv: SearchIndexStore,
	cacheSeconds: string | undefined,
): Promise<ServiceSearch | null> {
	const now = Date.now();
	const ttl = ttlMs(cacheSeconds);
	const hit = cache.get(kv);
	if (hit && hit.checkAfter > now) return hit.search;
	const version = await kv.get(REGISTRY_SEARCH_VERSION_KEY, "text");
	if (hit && version !== null && hit.version === version) {
		hit.checkAfter = now + ttl;
		return hit.search;
	}
	const text = await kv.get(REGISTRY_SEARCH_KEY, "text");
	const search = text ? loadSearchIndex(JSON.parse(text) as SearchIndexData) : null;
	// Written separately, the stamp and the index can pass each other during a seed: trust the stamp only when it
	// names the index just read.
	const loaded: Loaded = {
		search,
		version: search && version === search.builtAt ? version : null,
		checkAfter: now + ttl,
	};
	if (ttl > 0) cache.set(kv, loaded);
	return search;
}
