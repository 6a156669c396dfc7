import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// What the gateway injects (in the `apikey` query parameter) from PROVIDER_NEWSWIRE_API_KEY.
const UPSTREAM_KEY = "test-newswire-key";

interface Article {
	article_id: string;
	title: string;
	section: string;
	country: string;
	source: { source_id: string };
	published_at: string;
}
interface SearchResult {
	articles: Article[];
	total: number;
	from: string;
	to: string;
}

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

async function execute<T>(tool: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/newswire/tools/${tool}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "newswire", tool });
	return body.result;
}

async function direct<T>(path: string): Promise<T> {
	const separator = path.includes("?") ? "&" : "?";
	const response = await fetch(`${sandboxOrigin()}/newswire${path}${separator}apikey=${UPSTREAM_KEY}`);
	expect(response.status).toBe(200);
	return json<T>(response);
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe("newswire through the gateway", () => {
	it("is a news service whose key goes in the query string, never a tool parameter", async () => {
		const service = providerService("newswire");
		expect(service.auth).toEqual({ scheme: "apiKey", in: "query", name: "apikey" });
		expect(service.card.category).toBe("news");
		expect(service.tools.map((t) => t.name).sort()).toEqual([
			"get_article",
			"get_top_headlines",
			"list_sources",
			"search_articles",
		]);
		for (const tool of service.tools)
			expect(Object.keys(tool.input_schema.properties ?? {})).not.toContain("apikey");
		expect((await fetch(`${sandboxOrigin()}/newswire/sources`)).status).toBe(401);
		const sources = await execute<{ sources: { source_id: string }[]; count: number }>("list_sources", {});
		expect(sources.count).toBe(12);
		expect(JSON.stringify(sources)).not.toContain(UPSTREAM_KEY);
	});

	it("gets top headlines by section and country", async () => {
		const sports = await execute<{ articles: Article[]; count: number }>("get_top_headlines", {
			section: "sports",
			limit: 5,
		});
		expect(sports.count).toBeGreaterThan(0);
		expect(sports.articles.every((a) => a.section === "sports")).toBe(true);
		const uk = await execute<{ articles: Article[] }>("get_top_headlines", { country: "gb", limit: 50 });
		expect(uk.articles.every((a) => a.country === "gb")).toBe(true);
	});

	it("searches by query, date range and source, as the merchant itself answers", async () => {
		const parameters = { q: "bank", from: day(-20), to: day(-2), source: "global-dispatch", limit: 20 };
		const result = await execute<SearchResult>("search_articles", parameters);
		expect(result.total).toBeGreaterThan(0);
		for (const article of result.articles) {
			expect(article.source.source_id).toBe("global-dispatch");
			expect(article.published_at >= `${day(-20)}T00:00:00.000Z`).toBe(true);
			expect(article.published_at <= `${day(-2)}T23:59:59.999Z`).toBe(true);
		}
		expect(
			await direct(`/articles?q=bank&from=${day(-20)}&to=${day(-2)}&source=global-dispatch&limit=20`),
		).toEqual(result);
	});

	it("reads a full article", async () => {
		const [first] = (await execute<SearchResult>("search_articles", { section: "science", limit: 1 }))
			.articles;
		if (!first) throw new Error("no science article");
		const article = await execute<Article & { body: string[]; word_count: number }>("get_article", {
			article_id: first.article_id,
		});
		expect(article).toMatchObject(first);
		expect(article.body.length).toBeGreaterThanOrEqual(3);
		expect(article.word_count).toBeGreaterThan(40);
	});

	it("checks enums itself and maps the merchant's refusals", async () => {
		const invalid = await expectProblem(
			await call("/v1/services/newswire/tools/get_top_headlines", {
				key,
				body: { parameters: { section: "weather" } },
			}),
			400,
			"VALIDATION_FAILED",
		);
		expect(invalid.errors).toEqual([expect.objectContaining({ pointer: "/parameters/section" })]);
		const old = await expectProblem(
			await call("/v1/services/newswire/tools/search_articles", {
				key,
				body: { parameters: { from: day(-200) } },
			}),
			400,
			"VALIDATION_FAILED",
		);
		expect(old).toMatchObject({ upstream_status: 400, upstream_message: expect.stringContaining("90 days") });
		await expectProblem(
			await call("/v1/services/newswire/tools/get_article", {
				key,
				body: { parameters: { article_id: "meridian-post-20200101-99" } },
			}),
			404,
			"NOT_FOUND",
		);
	});

	it("injects the key on the transparent path proxy too", async () => {
		const response = await call("/newswire/headlines?section=business&limit=3", { key });
		expect(response.status).toBe(200);
		const body = await json<{ articles: Article[] }>(response);
		expect(body.articles.every((a) => a.section === "business")).toBe(true);
	});
});
