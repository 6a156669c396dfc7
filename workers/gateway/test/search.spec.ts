import { env } from "cloudflare:workers";
import { REGISTRY_SEARCH_KEY } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json } from "./helpers.ts";

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
		expect(answer.results[0]?.id).toBe("fooddash");
		expect(answer.results[0]?.why.length).toBeGreaterThan(0);
		expect(answer.results[0]?.tools.length).toBeGreaterThan(0);
		// "food" stands for a concept (delivery, restaurant, …): the answer says what it searched for.
		expect(answer.expanded.some((e) => e.from.includes("food") && e.to.length > 0)).toBe(true);
		expect(answer.categories).toEqual(expect.arrayContaining(["food-delivery", "weather"]));
		expect(answer.results.length).toBeLessThanOrEqual(5);
	});

	it("corrects typos, filters by category, limits results, and answers with a key too", async () => {
		const { key } = await createKey("authenticated", "search@example.com", 0);
		const typo = await search("q=wether%20forcast", key);
		expect(typo.results[0]?.id).toBe("skycast");
		expect(typo.corrected.length).toBeGreaterThan(0);

		const weatherOnly = await search("q=food&category=weather");
		expect(weatherOnly.results.every((r) => r.category === "weather")).toBe(true);
		const one = await search("q=buy&limit=1");
		expect(one.results).toHaveLength(1);

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
