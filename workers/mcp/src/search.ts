import { waitUntil } from "cloudflare:workers";
import type { ServiceSearch } from "@penumbra/core/search";
import { cachedServiceSearch } from "@penumbra/core/search";

/**
 * The prebuilt search index (cached per isolate, shared with the gateway's /v1/search), or null when unseeded. A
 * newer index loads in the background, kept alive by the current request's waitUntil.
 */
export function serviceSearch(env: McpEnv): Promise<ServiceSearch | null> {
	return cachedServiceSearch(env.REGISTRY, env.REGISTRY_CACHE_SECONDS, waitUntil);
}
