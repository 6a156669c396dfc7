import { env } from "cloudflare:workers";
import { type CompiledService, compileProvider, REGISTRY_SEARCH_KEY } from "@penumbra/core/registry";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json, seedRegistry } from "./helpers.ts";

/**
 * The services this file searches, defined here: the registry the setup seeds from providers/ would make these
 * answers change whenever a provider is added or edited. Storage is per test file, so the reseed stays here.
 */
function fixture(
	id: string,
	card: { name: string; category: string; tags: string[]; description: string },
	tools: Record<string, string>,
): CompiledService {
	const paths = Object.fromEntries(
		Object.entries(tools).map(([name, summary]) => [
			`/${name}`,
			{ get: { operationId: name, summary, responses: { "200": { description: "ok" } } } },
		]),
	);
	const result = compileProvider({
		manifest: { id, ...card, endpoints: "openapi.yaml", upstream: `https://${id}.example/v1` },
		manifestFile: `${id}/provider.yaml`,
		spec: { openapi: "3.0.3", info: { title: card.name, version: "1" }, paths },
		specFile: `${id}/openapi.yaml`,
	});
	if (!result.ok) throw new Error(JSON.stringify(result.problems));
	return result.service;
}

const SERVICES = [
	fixture(
		"dinnerdash",
		{
			name: "DinnerDash",
			category: "food-delivery",
			tags: ["food", "delivery", "restaurant", "meals"],
			description: "Order food from local restaurants, delivered to your door.",
		},
		{ search_restaurants: "Find restaurants near an address", place_order: "Order food for delivery" },
	),
	fixture(
		"rainy",
		{
			name: "Rainy",
			category: "weather",
			tags: ["weather", "forecast", "rain"],
			description: "Weather forecasts by the hour for any town.",
		},
		{ get_forecast: "Weather forecast for a place", get_alerts: "Severe weather alerts" },
	),
	fixture(
		"shoply",
		{
			name: "Shoply",
			category: "retail",
			tags: ["shopping", "clothes"],
			description: "Buy clothes and shoes online.",
		},
		{ buy_item: "Buy an item", search_items: "Find items to buy" },
	),
];

beforeAll(async () => {
	await seedRegistry(SERVICES);
});

interface Answer {
	query: string;
	results: { id: string; category: string; why: string[]; price: string; tools: { name: string }[] }[];
	corrected: { from: string; to: string }[];
	expanded: { from: string; to: string[] }[];
	categories: string[];
	empty_reason?: string;
	hint?: string;
}

async function search(query: string, key?: string): Promise<Answer> {
	const response = await call(`/v1/search?${query}`, key ? { key } : {});
	expect(response.status, await response.clone().text()).toBe(200);
	return json<Answer>(response);
}

describe("GET /v1/search", () => {
	it("finds services anonymously by what the user wants, saying why", async () => {
		const answer = await search("q=order%20some%20food");
		expect(answer.query).toBe("order some food");
		expect(answer.results[0]?.id).toBe("dinnerdash");
		expect(answer.results[0]?.why.length).toBeGreaterThan(0);
		expect(answer.results[0]?.tools.length).toBeGreaterThan(0);
		// "food" stands for a concept (delivery, restaurant, …): the answer says what it searched for.
		expect(answer.expanded.some((e) => e.from.includes("food") && e.to.length > 0)).toBe(true);
		expect(answer.categories).toEqual(["food-delivery", "retail", "weather"]);
		expect(answer.results.length).toBeLessThanOrEqual(5);
	});

	it("corrects typos, filters by category, limits results, and answers with a key too", async () => {
		const { key } = await createKey("authenticated", "search@example.com", 0);
		const typo = await search("q=wether%20forcast", key);
		expect(typo.results[0]?.id).toBe("rainy");
		expect(typo.corrected.length).toBeGreaterThan(0);

		const weatherOnly = await search("q=alerts&category=weather");
		expect(weatherOnly.results.map((r) => r.id)).toEqual(["rainy"]);
		expect(await search("q=food&category=weather")).toMatchObject({
			results: [],
			empty_reason: "nothing_matched",
		});
		const two = await search("q=food%20clothes%20weather&limit=2");
		expect(two.results).toHaveLength(2);
		const one = await search("q=buy&limit=1");
		expect(one.results.map((r) => r.id)).toEqual(["shoply"]);

		const unknown = await search("q=food&category=no-such-category");
		expect(unknown).toMatchObject({ results: [], empty_reason: "unknown_category" });
	});

	it("validates the query", async () => {
		const missing = await expectProblem(await call("/v1/search"), 400, "VALIDATION_FAILED");
		expect(missing.errors).toEqual([expect.objectContaining({ pointer: "/query/q" })]);
		await expectProblem(await call("/v1/search?q=%20%20"), 400, "VALIDATION_FAILED");
		await expectProblem(await call("/v1/search?q=food&limit=21"), 400, "VALIDATION_FAILED");
	});

	it("says so when no registry has been seeded", async () => {
		const saved = await env.REGISTRY.get(REGISTRY_SEARCH_KEY, "text");
		if (saved === null) throw new Error("the setup seeded no search index");
		await env.REGISTRY.delete(REGISTRY_SEARCH_KEY);
		try {
			expect(await search("q=food")).toMatchObject({ results: [], empty_reason: "empty_registry" });
		} finally {
			await env.REGISTRY.put(REGISTRY_SEARCH_KEY, saved);
		}
	});
});
