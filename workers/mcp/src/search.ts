import { cachedServiceSearch } from "../../../packages/core/src/search/cache.ts";
import type { ServiceSearch } from "../../../packages/core/src/search/index.ts";

/** The prebuilt search index (cached per isolate, shared with the gateway's /v1/search), or null when unseeded. */
export function serviceSearch(env: McpEnv): Promise<ServiceSearch | null> {
	return cachedServiceSearch(env.REGISTRY, env.REGISTRY_CACHE_SECONDS);
}
