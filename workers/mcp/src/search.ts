import {
	REGISTRY_SEARCH_KEY,
	REGISTRY_SEARCH_VERSION_KEY,
} from "../../../packages/core/src/registry/types.ts";
import {
	loadSearchIndex,
	type SearchIndexData,
	type ServiceSearch,
} from "../../../packages/core/src/search/index.ts";

interface Loaded {
	search: ServiceSearch | null;
	/** The version stamp the loaded index answers to; null forces a reload at the next check. */
	version: string | null;
	checkAfter: number;
}

// One index per isolate. A cold isolate pays one KV read and a parse, never a rebuild (the index is built when the
// registry is compiled). Every REGISTRY_CACHE_SECONDS the isolate reads the few-byte version stamp and reloads the
// megabytes only when it changed.
const cache = new Map<KVNamespace, Loaded>();

function ttlMs(env: McpEnv): number {
	const seconds = Number(env.REGISTRY_CACHE_SECONDS);
	return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 5000;
}

/** The prebuilt search index, or null when no registry has been seeded. */
export async function serviceSearch(env: McpEnv): Promise<ServiceSearch | null> {
	const now = Date.now();
	const hit = cache.get(env.REGISTRY);
	if (hit && hit.checkAfter > now) return hit.search;
	const version = await env.REGISTRY.get(REGISTRY_SEARCH_VERSION_KEY, "text");
	if (hit && version !== null && hit.version === version) {
		hit.checkAfter = now + ttlMs(env);
		return hit.search;
	}
	const data = await env.REGISTRY.get<SearchIndexData>(REGISTRY_SEARCH_KEY, "json");
	const search = data ? loadSearchIndex(data) : null;
	// Written separately, the stamp and the index can pass each other during a seed: trust the stamp only when it
	// names the index just read.
	const loaded: Loaded = {
		search,
		version: search && version === search.builtAt ? version : null,
		checkAfter: now + ttlMs(env),
	};
	if (ttlMs(env) > 0) cache.set(env.REGISTRY, loaded);
	return search;
}
