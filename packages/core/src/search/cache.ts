import { log } from "../log.ts";
import { REGISTRY_SEARCH_KEY, REGISTRY_SEARCH_VERSION_KEY } from "../registry/types.ts";
import { decodeUtf8InSlices } from "./json-slices.ts";
import { yieldToEventLoop } from "./quiet.ts";
import { loadSearchIndex, loadSearchIndexInSlices, type ServiceSearch } from "./read.ts";
import { parseSearchIndex, parseSearchIndexInSlices } from "./stored.ts";

/** What the loader reads from: the REGISTRY KV namespace (kept structural so this file stays runtime-neutral). */
export interface SearchIndexStore {
	get(key: string, type: "text"): Promise<string | null>;
	get(key: string, type: "stream"): Promise<ReadableStream<Uint8Array> | null>;
}

/** Keeps the request alive until a background reload settles (`ctx.waitUntil`, or `waitUntil` of cloudflare:workers). */
export type WaitUntil = (promise: Promise<unknown>) => void;

interface Loaded {
	search: ServiceSearch | null;
	/** The version stamp the loaded index answers to; null forces a reload at the next check. */
	version: string | null;
	checkAfter: number;
	/** When the check in flight started, or null: one at a time per isolate and namespace. */
	checkingSince: number | null;
}

// One index per isolate and namespace. A cold isolate pays one KV read and a parse, never a rebuild (the index is
// built when the registry is compiled). Every `cacheSeconds` the isolate reads the few-byte version stamp and
// reloads the megabytes only when it changed, in the background and in slices (the bytes read and decoded, the JSON
// parsed, the postings decoded, the terms put in their tree), each run between requests (quiet.ts): searches
// meanwhile answer from the index already loaded (at 10,000 services, in Node, one piece takes ~6 ms to parse and
// ~21 ms to load: `node bench/search.ts`), so only an isolate's very first search waits.
const cache = new Map<SearchIndexStore, Loaded>();

/** Characters (or bytes) a background reload handles between two yields to live requests. */
const SLICE_BYTES = 32_768;

/** A check not settled by then was cut off with its request (waitUntil's own limit is 30 s): another may start. */
const ABANDONED_CHECK_MS = 60_000;

function ttlMs(cacheSeconds: string | undefined): number {
	const seconds = Number(cacheSeconds ?? "5");
	return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 5000;
}

/** The index in `kv`, and the stamp it answers to; `inSlices` yields to other requests while it loads. */
async function readIndex(
	kv: SearchIndexStore,
	version: string | null,
	inSlices: boolean,
): Promise<Pick<Loaded, "search" | "version">> {
	let search: ServiceSearch | null = null;
	if (!inSlices) {
		const text = await kv.get(REGISTRY_SEARCH_KEY, "text");
		search = text ? loadSearchIndex(parseSearchIndex(text)) : null;
	} else {
		// Every step in slices: at 10,000 services the value is 6.8 MiB, and a reload beside live searches should not
		// hold the isolate for any step's whole length.
		const stream = await kv.get(REGISTRY_SEARCH_KEY, "stream");
		const text = stream ? await decodeUtf8InSlices(stream, SLICE_BYTES) : null;
		const data = text ? await parseSearchIndexInSlices(text, SLICE_BYTES) : null;
		search = data ? await loadSearchIndexInSlices(data, SLICE_BYTES) : null;
	}
	// Written separately, the stamp and the index can pass each other during a seed: trust the stamp only when it
	// names the index just read.
	return { search, version: search && version === search.builtAt ? version : null };
}

/** Reads the stamp and, when it changed, swaps the new index in; a failure keeps the loaded one until next time. */
async function check(kv: SearchIndexStore, loaded: Loaded, ttl: number): Promise<void> {
	try {
		// Even the stamp's read waits until the search that started the check (and any other request) has answered,
		// and so does the value's: on one thread, a KV read is work too.
		await yieldToEventLoop();
		const version = await kv.get(REGISTRY_SEARCH_VERSION_KEY, "text");
		if (version !== null && version === loaded.version) return;
		await yieldToEventLoop();
		Object.assign(loaded, await readIndex(kv, version, true));
	} catch (error) {
		log("warn", "search index reload failed; still answering from the loaded index", { error });
	} finally {
		loaded.checkAfter = Date.now() + ttl;
		loaded.checkingSince = null;
	}
}

/**
 * The prebuilt search index of the registry in `kv`, or null when no registry has been seeded. Shared by the
 * gateway's /v1/search and the MCP Worker's search_services; `cacheSeconds` is their REGISTRY_CACHE_SECONDS ("0":
 * no cache, every call reads KV, as tests reseed). Once an index is loaded, a newer one is loaded under
 * `waitUntil` while this and later calls answer from the loaded one.
 */
export async function cachedServiceSearch(
	kv: SearchIndexStore,
	cacheSeconds: string | undefined,
	waitUntil: WaitUntil,
): Promise<ServiceSearch | null> {
	const now = Date.now();
	const ttl = ttlMs(cacheSeconds);
	const hit = ttl > 0 ? cache.get(kv) : undefined;
	if (hit?.search) {
		const idle = hit.checkingSince === null || now - hit.checkingSince > ABANDONED_CHECK_MS;
		if (idle && hit.checkAfter <= now) {
			hit.checkingSince = now;
			waitUntil(check(kv, hit, ttl));
		}
		return hit.search;
	}
	// Nothing to answer from yet (or an unseeded registry, re-read every `cacheSeconds`): this call waits.
	if (hit && hit.checkAfter > now) return null;
	const version = await kv.get(REGISTRY_SEARCH_VERSION_KEY, "text");
	const loaded: Loaded = {
		...(await readIndex(kv, version, false)),
		checkAfter: now + ttl,
		checkingSince: null,
	};
	if (ttl > 0) cache.set(kv, loaded);
	return loaded.search;
}
