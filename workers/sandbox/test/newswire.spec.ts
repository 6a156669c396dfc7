import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

interface Article {
	article_id: string;
	title: string;
	description: string;
	url: string;
	source: { source_id: string; name: string };
	author: string;
	section: string;
	country: string;
	published_at: string;
	keywords: string[];
	reading_time_minutes: number;
}
interface ArticleDetail extends Article {
	body: string[];
	word_count: number;
	updated_at: string | null;
}
interface SearchResult {
	articles: Article[];
	total: number;
	limit: number;
	offset: number;
	from: string;
	to: string;
}
interface Source {
	source_id: string;
	country: string;
	sections: string[];
}

const DAY_MS = 86_400_000;

function get(path: string, fault?: string): Promise<Response> {
	const separator = path.includes("?") ? "&" : "?";
	return call(
		`/newswire${path}${separator}apikey=newswire-test-key`,
		fault ? { headers: { "x-sandbox-fault": fault } } : {},
	);
}
async function ok<T>(path: string, fault?: string): Promise<T> {
	const response = await get(path, fault);
	expect(response.status, await response.clone().text()).toBe(200);
	return json<T>(response);
}
const search = (query: string, fault?: string) => ok<SearchResult>(`/articles?${query}`, fault);
const published = (articles: Article[]) => articles.map((a) => Date.parse(a.published_at));

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/newswire/openapi.json"));
});

describe("newswire list_sources", () => {
	it("lists a dozen outlets in eight countries, filterable by country and section", async () => {
		const all = await ok<{ sources: Source[]; count: number }>("/sources");
		expectSchema(spec, "SourceList", all);
		expect(all.count).toBe(12);
		expect(new Set(all.sources.map((s) => s.country))).toEqual(
			new Set(["us", "gb", "de", "fr", "ca", "au", "jp", "in"]),
		);
		const gb = await ok<{ sources: Source[] }>("/sources?country=GB");
		expect(gb.sources.map((s) => s.source_id).sort()).toEqual(["albion-chronicle", "thames-observer"]);
		const science = await ok<{ sources: Source[] }>("/sources?section=science");
		expect(science.sources.every((s) => s.sections.includes("science"))).toBe(true);
		await expectError(await get("/sources?country=xx"), 400, "invalid_request");
	});

	it("needs the API key in the apikey query parameter", async () => {
		const error = await expectError(await call("/newswire/sources"), 401, "unauthorized");
		expect(error.message).toContain("apikey");
		await expectError(
			await call("/newswire/sources", { headers: { "x-api-key": "k" } }),
			401,
			"unauthorized",
		);
		expect((await call("/newswire/openapi.json")).status).toBe(200);
	});
});

describe("newswire get_top_headlines", () => {
	it("ranks the last day's stories, published no later than now", async () => {
		const body = await ok<{ articles: Article[]; count: number; generated_at: string }>("/headlines");
		expectSchema(spec, "Headlines", body);
		expect(body.count).toBe(10);
		const now = Date.parse(body.generated_at);
		for (const time of published(body.articles)) {
			expect(time).toBeLessThanOrEqual(now);
			expect(time).toBeGreaterThan(now - DAY_MS);
		}
		expect(new Set(body.articles.map((a) => a.article_id)).size).toBe(10);
	});

	it("filters by section, country and source, and turns over as the day goes on", async () => {
		const sport = await ok<{ articles: Article[] }>("/headlines?section=sports&limit=50");
		expect(sport.articles.length).toBeGreaterThan(0);
		expect(sport.articles.every((a) => a.section === "sports")).toBe(true);
		const india = await ok<{ articles: Article[] }>("/headlines?country=in&limit=50");
		expect(india.articles.every((a) => a.country === "in" && a.source.source_id === "ganges-times")).toBe(
			true,
		);
		const post = await ok<{ articles: Article[] }>("/headlines?source=meridian-post&section=health&limit=50");
		expect(post.articles.every((a) => a.source.name === "The Meridian Post" && a.section === "health")).toBe(
			true,
		);
		const today = await ok<{ articles: Article[] }>("/headlines");
		const tomorrow = await ok<{ articles: Article[] }>("/headlines", `clock=${2 * 86_400}`);
		const ids = new Set(today.articles.map((a) => a.article_id));
		expect(tomorrow.articles.some((a) => ids.has(a.article_id))).toBe(false);
		await expectError(await get("/headlines?source=daily-planet"), 404, "source_not_found");
		await expectError(await get("/headlines?section=weather"), 400, "invalid_request");
	});
});

describe("newswire search_articles", () => {
	it("searches the last 30 days by default, newest first, with thousands of articles", async () => {
		const body = await search("limit=50");
		expectSchema(spec, "ArticleSearchResult", body);
		expect(body.total).toBeGreaterThan(1500);
		expect(Date.parse(body.to) - Date.parse(body.from)).toBe(30 * DAY_MS);
		const times = published(body.articles);
		expect(times).toEqual([...times].sort((a, b) => b - a));
		const page = await search("limit=10&offset=10");
		expect(page.articles).toEqual(body.articles.slice(10, 20));
	});

	it("matches every word of q, and quoted phrases exactly, best match first", async () => {
		const body = await search("q=aurelia%20motors&limit=50");
		expect(body.total).toBeGreaterThan(5);
		for (const article of body.articles) {
			const detail = await ok<ArticleDetail>(`/articles/${article.article_id}`);
			const text = [detail.title, detail.description, ...detail.body, ...detail.keywords]
				.join(" ")
				.toLowerCase();
			expect(text).toContain("aurelia");
			expect(text).toContain("motors");
		}
		expect(body.articles[0]?.title).toContain("Aurelia Motors");
		const phrase = await search(`q=${encodeURIComponent('"wins approval"')}&limit=50`);
		expect(phrase.total).toBeGreaterThan(0);
		expect(phrase.articles.every((a) => a.title.includes("wins approval"))).toBe(true);
		expect((await search("q=zzzzqx")).total).toBe(0);
	});

	it("filters by date range, source, section and country, and sorts oldest first on request", async () => {
		const now = Date.now();
		const from = new Date(now - 10 * DAY_MS).toISOString().slice(0, 10);
		const to = new Date(now - 8 * DAY_MS).toISOString().slice(0, 10);
		const window = await search(`from=${from}&to=${to}&sort=oldest&limit=50`);
		expect(window.from).toBe(`${from}T00:00:00.000Z`);
		expect(window.to).toBe(`${to}T23:59:59.999Z`);
		const times = published(window.articles);
		expect(times).toEqual([...times].sort((a, b) => a - b));
		for (const time of times) {
			expect(time).toBeGreaterThanOrEqual(Date.parse(window.from));
			expect(time).toBeLessThanOrEqual(Date.parse(window.to));
		}
		const filtered = await search("source=albion-chronicle&section=politics&limit=50");
		expect(filtered.total).toBeGreaterThan(0);
		expect(
			filtered.articles.every((a) => a.source.source_id === "albion-chronicle" && a.section === "politics"),
		).toBe(true);
		const japan = await search("country=jp&limit=50");
		expect(japan.articles.every((a) => a.country === "jp")).toBe(true);
		const sinceIso = new Date(now - 6 * 3_600_000).toISOString();
		const recent = await search(`from=${encodeURIComponent(sinceIso)}&limit=50`);
		expect(published(recent.articles).every((t) => t >= Date.parse(sinceIso))).toBe(true);
	});

	it("refuses dates beyond the 90-day archive and reversed ranges", async () => {
		const old = new Date(Date.now() - 120 * DAY_MS).toISOString().slice(0, 10);
		const error = await expectError(await get(`/articles?from=${old}`), 400, "date_out_of_range");
		expect(typeof error.oldest_allowed).toBe("string");
		const a = new Date(Date.now() - 5 * DAY_MS).toISOString().slice(0, 10);
		const b = new Date(Date.now() - 9 * DAY_MS).toISOString().slice(0, 10);
		await expectError(await get(`/articles?from=${a}&to=${b}`), 400, "invalid_date_range");
		await expectError(await get("/articles?from=2026-13-01"), 400, "invalid_request");
		await expectError(await get("/articles?limit=0"), 400, "invalid_request");
	});
});

describe("newswire get_article", () => {
	it("returns the full text, consistent with the listing, the same every time", async () => {
		const [first] = (await search("section=business&limit=1")).articles;
		if (!first) throw new Error("no business article");
		const article = await ok<ArticleDetail>(`/articles/${first.article_id}`);
		expectSchema(spec, "ArticleDetail", article);
		expect(article).toMatchObject(first);
		expect(article.body.length).toBeGreaterThanOrEqual(3);
		expect(article.word_count).toBe([article.title, ...article.body].join(" ").split(/\s+/).length);
		expect(article.reading_time_minutes).toBeGreaterThanOrEqual(1);
		expect(article.url).toMatch(/^https:\/\/www\.[a-z]+\.example\/business\/\d{4}\/\d\d\/\d\d\//);
		for (const keyword of article.keywords) {
			expect([article.title, article.description, ...article.body].join(" ").toLowerCase()).toContain(
				keyword.toLowerCase(),
			);
		}
		expect(await ok<ArticleDetail>(`/articles/${first.article_id}`)).toEqual(article);
	});

	it("shows revisions only once they happened", async () => {
		const body = await search(
			`limit=50&from=${new Date(Date.now() - 3 * DAY_MS).toISOString().slice(0, 10)}`,
		);
		let revised = 0;
		for (const summary of body.articles) {
			const later = await ok<ArticleDetail>(`/articles/${summary.article_id}`, `clock=${86_400}`);
			if (later.updated_at === null) continue;
			revised++;
			expect(Date.parse(later.updated_at)).toBeGreaterThan(Date.parse(later.published_at));
			const before = await ok<ArticleDetail>(
				`/articles/${summary.article_id}`,
				`clock=${Math.round((Date.parse(later.updated_at) - Date.now()) / 1000) - 60}`,
			);
			expect(before.updated_at).toBeNull();
		}
		expect(revised).toBeGreaterThan(0);
	});

	it("answers 404 for unknown articles and for ones not published yet", async () => {
		await expectError(await get("/articles/no-such-article"), 404, "article_not_found");
		await expectError(await get("/articles/meridian-post-20260101-99"), 404, "article_not_found");
		const [newest] = (await search("limit=1")).articles;
		await expectError(await get(`/articles/${newest?.article_id}`, "clock=-86400"), 404, "article_not_found");
	});
});
