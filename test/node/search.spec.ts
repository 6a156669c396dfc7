import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { synthProviders } from "@penumbra/cli/synth";
import { buildRegistry, type CompiledService, REGISTRY_SEARCH_KEY } from "@penumbra/core/registry";
import {
	buildSearchIndex,
	loadSearchIndex,
	parseSearchIndex,
	type SearchIndexData,
	type ServiceRow,
	type ServiceSearch,
	serializeSearchIndex,
	updateSearchIndex,
} from "@penumbra/core/search";
import { beforeAll, describe, expect, it } from "vitest";

const NOW = "2026-01-01T00:00:00.000Z";

let services: CompiledService[];
let data: SearchIndexData;
let search: ServiceSearch;

const ids = (query: string, opts = {}) => search.search(query, opts).results.map((r) => r.id);

/**
 * The frozen copy of the sandbox catalog (test/fixtures/catalog/README.md), never providers/: the exact answers
 * below must not change when a provider is added, removed or edited.
 */
const CATALOG = "test/fixtures/catalog";

beforeAll(async () => {
	const built = await buildRegistryFromDir(CATALOG, {
		vars: { SANDBOX_ORIGIN: "http://127.0.0.1:8791" },
	});
	expect(built.problems).toEqual([]);
	services = built.services;
	data = buildSearchIndex(services, NOW);
	search = loadSearchIndex(data);
});

describe("service search over the frozen sandbox catalog", () => {
	it("indexes every provider and lists the categories", () => {
		expect(search.size).toBe(services.length);
		expect(search.search("food").categories).toEqual(
			[...new Set(services.map((s) => s.card.category))].sort(),
		);
	});

	it('finds food delivery for "order some food", with the order tools first', () => {
		const answer = search.search("order some food");
		expect(answer.results.slice(0, 3).map((r) => r.id)).toContain("fooddash");
		const fooddash = answer.results.find((r) => r.id === "fooddash");
		expect(fooddash?.tools[0]?.name).toMatch(/order/);
		expect(fooddash?.why.join(" ")).toMatch(/food/);
	});

	it('expands "I\'m hungry" to food concepts and finds food services', () => {
		const answer = search.search("I'm hungry");
		expect(answer.expanded).toEqual([
			{ from: "hungry", to: expect.arrayContaining(["food", "delivery", "restaurant", "meal"]) },
		]);
		expect(answer.results[0]?.id).toBe("fooddash");
		expect(answer.results.map((r) => r.id)).toContain("freshcart");
		expect(answer.results[0]?.why.some((w) => w.includes('(from "hungry")'))).toBe(true);
	});

	it('corrects "dordash" and finds food delivery', () => {
		const answer = search.search("dordash");
		expect(answer.corrected).toEqual([{ from: "dordash", to: "doordash" }]);
		expect(answer.expanded[0]?.from).toBe("doordash");
		expect(answer.results[0]?.id).toBe("fooddash");
	});

	it('corrects "skycats" (swapped letters) to SkyCast', () => {
		const answer = search.search("skycats");
		expect(answer.corrected).toEqual([{ from: "skycats", to: "skycast" }]);
		expect(answer.results[0]?.id).toBe("skycast");
		expect(answer.results[0]?.why[0]).toBe('name matches "skycast" (corrected from "skycats")');
	});

	it('corrects "resturant" and finds restaurant services', () => {
		const answer = search.search("resturant");
		expect(answer.corrected).toEqual([{ from: "resturant", to: "restaurant" }]);
		expect(
			answer.results
				.slice(0, 2)
				.map((r) => r.id)
				.sort(),
		).toEqual(["fooddash", "tablebook"]);
	});

	it('finds the ride service for "get me a cab"; stop words change nothing', () => {
		const answer = search.search("get me a cab");
		expect(answer.results[0]?.id).toBe("ridenow");
		expect(answer.expanded[0]).toMatchObject({ from: "cab", to: expect.arrayContaining(["ride", "taxi"]) });
		expect(answer.results[0]?.tools[0]?.name).toBe("request_ride");
		expect(ids("get me a cab")).toEqual(ids("cab"));
		expect(ids("I'm looking for some weather please")).toEqual(ids("weather"));
	});

	it("finds the right service for everyday phrasings", () => {
		expect(ids("book a table for two")[0]).toBe("tablebook");
		expect(ids("will it rain tomorrow")[0]).toBe("skycast");
		expect(ids("buy some lipstick")[0]).toBe("glowbeauty");
		expect(ids("sports tickets").slice(0, 2).sort()).toEqual(["sportsline", "tixhub"]);
		expect(ids("cheap flights to tokyo")[0]).toBe("flyaway");
		expect(ids("send a package")[0]).toBe("shipfast");
		expect(ids("place to stay in miami")[0]).toBe("staywell");
		expect(ids("latest headlines")[0]).toBe("newswire");
		expect(ids("find a job")[0]).toBe("careerlink");
		expect(ids("groceries")[0]).toBe("freshcart");
	});

	it("surfaces services through their tools, matching tools first", () => {
		const answer = search.search("track order");
		const top = answer.results.slice(0, 3);
		expect(top.map((r) => r.id)).toContain("fooddash");
		for (const result of top) {
			expect(result.tools[0]?.name).toBe("get_order");
			expect(result.why).toContain('tool get_order matches "track", "order"');
		}
		const shipping = search.search("track my package").results.find((r) => r.id === "shipfast");
		expect(shipping?.tools[0]?.name).toBe("track_shipment");
	});

	it("shows price, auth and purchase facts, and a short description", () => {
		const [fooddash] = search.search("fooddash").results;
		expect(fooddash).toMatchObject({ id: "fooddash", name: "FoodDash", has_purchases: true });
		expect(fooddash?.price).toMatch(/^purchases quoted before buying .*; usage fee 0–2¢ per call$/);
		expect(fooddash?.description.length).toBeLessThanOrEqual(160);
		const checkout = search
			.search("fooddash", { toolsPerService: 20 })
			.results[0]?.tools.find((t) => t.name === "checkout");
		expect(checkout).toEqual({ name: "checkout", summary: "Place an order", purchase: true });
		expect(search.search("skycast").results[0]).toMatchObject({ price: "free to use", has_purchases: false });
	});

	it("filters by category, exactly and case-insensitively", () => {
		expect(ids("order", { category: "GROCERIES" })).toEqual(["freshcart"]);
		expect(ids("order", { category: "food-delivery" })).toEqual(["fooddash"]);
		const none = search.search("weather", { category: "groceries" });
		expect(none).toMatchObject({ results: [], empty_reason: "nothing_matched" });
		expect(none.hint).toContain("without the category");
		// No words, a category: the category's services.
		expect(ids("", { category: "weather" })).toEqual(["skycast"]);
	});

	it("explains an unknown category and lists the valid ones", () => {
		const answer = search.search("food", { category: "food-deliveries" });
		expect(answer.results).toEqual([]);
		expect(answer.empty_reason).toBe("unknown_category");
		expect(answer.categories).toContain("food-delivery");
		expect(answer.hint).toContain('Did you mean "food-delivery"?');
		for (const category of answer.categories) expect(answer.hint).toContain(category);
	});

	it("says nothing matched for gibberish or only stop words", () => {
		for (const query of ["zzqxv blorptang", "get me some", ""]) {
			const answer = search.search(query);
			expect(answer.results).toEqual([]);
			expect(answer.empty_reason).toBe("nothing_matched");
			expect(answer.hint).toContain("food-delivery");
		}
	});

	it("bounds the result and tool counts", () => {
		expect(search.search("delivery", { limit: 1 }).results).toHaveLength(1);
		expect(search.search("travel booking", { limit: 500 }).results.length).toBeLessThanOrEqual(20);
		expect(search.search("fooddash", { toolsPerService: 1 }).results[0]?.tools).toHaveLength(1);
		expect(search.search("fooddash").results[0]?.tools).toHaveLength(3);
	});

	it("gives identical answers after build → JSON → load", () => {
		const reloaded = loadSearchIndex(JSON.parse(JSON.stringify(data)));
		const queries = [
			"order some food",
			"I'm hungry",
			"dordash",
			"skycats",
			"track order",
			"zzqxv",
			"get me a cab",
		];
		for (const query of queries) expect(reloaded.search(query)).toEqual(search.search(query));
		expect(reloaded.search("order", { category: "groceries" })).toEqual(
			search.search("order", { category: "groceries" }),
		);
	});

	it("answers an empty registry with a reason", () => {
		const empty = loadSearchIndex(buildSearchIndex([], NOW));
		expect(empty.search("food")).toMatchObject({
			results: [],
			empty_reason: "empty_registry",
			categories: [],
		});
	});

	it("refuses an index of another format", () => {
		expect(() => loadSearchIndex({ ...data, version: 3 } as unknown as SearchIndexData)).toThrow(/reseed/);
	});
});

describe("a service whose whole name the query says", () => {
	/** A fixture service: the frozen SkyCast with another id, name, tags and description. */
	function weatherService(id: string, name: string, tags: string[], description: string): CompiledService {
		const skycast = services.find((s) => s.card.id === "skycast");
		if (!skycast) throw new Error("the frozen catalog has no skycast");
		return { ...skycast, card: { ...skycast.card, id, name, tags, description } };
	}
	let named: ServiceSearch;

	beforeAll(() => {
		named = loadSearchIndex(
			buildSearchIndex(
				[
					weatherService("open-meteo", "Open Meteo", ["forecast"], "Hourly forecasts for any place."),
					// Says both words of the brand many times, in the fields a brand usually is not in.
					weatherService(
						"meteohub",
						"MeteoHub",
						["open data", "meteo", "open weather", "meteo maps", "open source"],
						"Open meteo data: open, free meteo forecasts from open meteo stations.",
					),
				],
				NOW,
			),
		);
	});

	it("ranks above a service matching its words only in tags and description, whatever the scores", () => {
		const [first, second] = named.search("open meteo").results;
		expect(first?.id).toBe("open-meteo");
		expect(second?.id).toBe("meteohub");
		// The scores alone would have put the other first: the name rule, not the field weights, decided.
		expect(first?.score).toBeLessThan(second?.score ?? 0);
		expect(first?.why[0]).toBe('name matches "open"');
	});

	it("needs every word of the name, said whole or as its camelCase parts", () => {
		expect(named.search("meteo").results[0]?.id).toBe("meteohub");
		expect(named.search("meteo hub forecast").results[0]?.id).toBe("meteohub");
		expect(named.search("the open meteo forecast please").results[0]?.id).toBe("open-meteo");
		// A corrected typo counts as said.
		expect(named.search("open meteoo").results[0]?.id).toBe("open-meteo");
	});
});

describe("the search index in the registry", () => {
	it("is one of buildRegistry's KV entries", () => {
		const { entries } = buildRegistry(services, NOW);
		const entry = entries.find((e) => e.key === REGISTRY_SEARCH_KEY);
		expect(entry).toBeDefined();
		const loaded = loadSearchIndex(parseSearchIndex(entry?.value ?? "null"));
		expect(loaded.search("skycats").results[0]?.id).toBe("skycast");
	});

	it("is rewritten in place for recompiled services, as a fresh build would be", async () => {
		const skycast = services.find((s) => s.card.id === "skycast");
		if (!skycast) throw new Error("no skycast provider");
		const changed: CompiledService = {
			...skycast,
			card: { ...skycast.card, name: "Nimbus Weather", tags: [...skycast.card.tags, "volcano"] },
			tools: [...skycast.tools, { ...skycast.tools[0]!, name: "get_pollen_count", summary: "Pollen levels" }],
		};
		const added: CompiledService = { ...changed, card: { ...changed.card, id: "nimbus", name: "Nimbus" } };
		expect(search.search("volcano").results).toEqual([]);

		const updated = parseSearchIndex(
			await updateSearchIndex(serializeSearchIndex(data), [changed, added], NOW),
		);
		if (updated.version !== 2) throw new Error("the update wrote format 1");
		const rebuilt = loadSearchIndex(
			buildSearchIndex([...services.filter((s) => s.card.id !== "skycast"), changed, added], NOW),
		);
		const patched = loadSearchIndex(JSON.parse(JSON.stringify(updated)));
		expect(patched.size).toBe(services.length + 1);
		expect(updated.refreshed_at).toBe(NOW);
		for (const query of ["volcano", "pollen", "nimbus weather", "skycast", "order some food", "weather"]) {
			expect(patched.search(query).results.map((r) => r.id)).toEqual(
				rebuilt.search(query).results.map((r) => r.id),
			);
		}
		expect(patched.search("pollen").results[0]?.tools[0]?.name).toBe("get_pollen_count");
		// Vacuumed: the replaced document's words are gone, not just hidden.
		expect(JSON.stringify(updated.index).length).toBeLessThan(JSON.stringify(data.index).length * 1.2);
	});

	it("keeps synthetic registries compact: summaries that restate the tool name are not stored", () => {
		const synth = synthProviders({ count: 40, seed: 3, now: NOW });
		const built = buildSearchIndex(synth.services, NOW);
		const tools = built.rows.flatMap((row) => (JSON.parse(row) as ServiceRow)[6]);
		expect(tools.some((t) => typeof t === "string")).toBe(true);
		const result = loadSearchIndex(built).search("reviews", { toolsPerService: 40 }).results[0];
		for (const tool of result?.tools ?? []) expect(tool.summary).not.toBe("");
	});
});
