import { env } from "cloudflare:workers";
import { buildRegistry, REGISTRY_SEARCH_KEY, REGISTRY_SEARCH_VERSION_KEY } from "@penumbra/core/registry";
import { cachedServiceSearch, type SearchIndexStore } from "@penumbra/core/search";
import { afterEach, describe, expect, it, vi } from "vitest";
import { providerServices } from "./helpers.ts";

/**
 * A registry of its own in the real REGISTRY namespace (its keys under a prefix, so the registry the other tests
 * read is untouched), as the isolate cache sees one namespace.
 */
function ownRegistry(prefix: string) {
	const reads: string[] = [];
	function get(key: string, type: "text"): Promise<string | null>;
	function get(key: string, type: "stream"): Promise<ReadableStream<Uint8Array> | null>;
	function get(key: string, type: "text" | "stream") {
		reads.push(key);
		return type === "text"
			? env.REGISTRY.get(`${prefix}${key}`, "text")
			: env.REGISTRY.get(`${prefix}${key}`, "stream");
	}
	const store: SearchIndexStore = { get };
	const seed = async (builtAt: string, services = providerServices()) => {
		const { entries } = buildRegistry(services, builtAt);
		const search = entries.filter(
			(e) => e.key === REGISTRY_SEARCH_KEY || e.key === REGISTRY_SEARCH_VERSION_KEY,
		);
		await Promise.all(search.map((e) => env.REGISTRY.put(`${prefix}${e.key}`, e.value)));
	};
	return { store, seed, reads };
}

/** Collects what the cache hands to waitUntil, so the test can let a background reload finish. */
function backgroundWork() {
	const pending: Promise<unknown>[] = [];
	return {
		waitUntil: (promise: Promise<unknown>) => pending.push(promise),
		settle: async () => {
			await Promise.all(pending.splice(0));
		},
		get count() {
			return pending.length;
		},
	};
}

const FIRST = "2026-01-01T00:00:00.000Z";
const SECOND = "2026-01-02T00:00:00.000Z";

describe("the search index reloads in the background", () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it("after a change, searches answer from the old index until the new one has loaded", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		const { store, seed } = ownRegistry("reload-test-1:");
		const work = backgroundWork();
		await seed(FIRST);
		const first = await cachedServiceSearch(store, "5", work.waitUntil);
		expect(first?.builtAt).toBe(FIRST);

		// The operator reseeds (one provider fewer); the isolate's cache time passes.
		await seed(SECOND, providerServices().slice(1));
		expect((await cachedServiceSearch(store, "5", work.waitUntil))?.builtAt).toBe(FIRST);
		expect(work.count).toBe(0);
		vi.setSystemTime(Date.now() + 6_000);

		// The first search after the cache time answers at once from the old index and starts one reload.
		expect((await cachedServiceSearch(store, "5", work.waitUntil))?.builtAt).toBe(FIRST);
		expect((await cachedServiceSearch(store, "5", work.waitUntil))?.builtAt).toBe(FIRST);
		expect(work.count).toBe(1);

		await work.settle();
		const reloaded = await cachedServiceSearch(store, "5", work.waitUntil);
		expect(reloaded?.builtAt).toBe(SECOND);
		expect(work.count).toBe(0);
	});

	it("an unchanged stamp keeps the loaded index without reading it again", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		const { store, seed, reads } = ownRegistry("reload-test-2:");
		const work = backgroundWork();
		await seed(FIRST);
		const first = await cachedServiceSearch(store, "5", work.waitUntil);
		expect(reads).toEqual([REGISTRY_SEARCH_VERSION_KEY, REGISTRY_SEARCH_KEY]);
		vi.setSystemTime(Date.now() + 6_000);
		expect(await cachedServiceSearch(store, "5", work.waitUntil)).toBe(first);
		await work.settle();
		expect(await cachedServiceSearch(store, "5", work.waitUntil)).toBe(first);
		expect(reads).toEqual([REGISTRY_SEARCH_VERSION_KEY, REGISTRY_SEARCH_KEY, REGISTRY_SEARCH_VERSION_KEY]);
	});

	it("the first load waits: there is nothing older to answer from", async () => {
		const { store, seed } = ownRegistry("reload-test-3:");
		const work = backgroundWork();
		expect(await cachedServiceSearch(store, "0", work.waitUntil)).toBeNull();
		await seed(FIRST);
		expect((await cachedServiceSearch(store, "5", work.waitUntil))?.builtAt).toBe(FIRST);
		expect(work.count).toBe(0);
	});
});
