import { Hono } from "hono";
import { z } from "zod";
import newswireSpec from "../../../../providers/newswire/openapi.yaml";
import { requireQueryApiKey } from "../lib/auth.ts";
import { isCalendarDate } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { closest } from "../lib/text.ts";
import { parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, now, type SandboxApp } from "../merchant.ts";
import {
	type Article,
	articlesBetween,
	findArticle,
	readingMinutes,
	wordCount,
} from "./newswire.articles.ts";
import { COUNTRIES, SECTIONS, SOURCES, type Source } from "./newswire.data.ts";

const MERCHANT_ID = "newswire";
const DAY_MS = 86_400_000;
/** How far back search reaches; older articles exist but are not indexed. */
const ARCHIVE_DAYS = 90;
const DEFAULT_SEARCH_DAYS = 30;
const HEADLINE_HOURS = 24;

const iso = (ms: number): string => new Date(ms).toISOString();

function summary(article: Article) {
	return {
		article_id: article.article_id,
		title: article.title,
		description: article.description,
		url: article.url,
		source: { source_id: article.source.source_id, name: article.source.name },
		author: article.author,
		section: article.section,
		country: article.source.country,
		published_at: iso(article.published_ms),
		keywords: article.keywords,
		reading_time_minutes: readingMinutes(article),
	};
}

function findSource(raw: string): Source {
	const wanted = raw.trim().toLowerCase();
	const source = SOURCES.find((s) => s.source_id === wanted);
	if (!source) {
		const ids = SOURCES.map((s) => s.source_id);
		throw new MerchantError(
			404,
			"source_not_found",
			`No source "${raw}". Did you mean ${closest(wanted, ids).join(", ")}? List them with GET /sources.`,
			{ suggestions: closest(wanted, ids) },
		);
	}
	return source;
}

const country = z.string().trim().toLowerCase().pipe(z.enum(COUNTRIES));
const section = z.string().trim().toLowerCase().pipe(z.enum(SECTIONS));

const filters = z.object({
	section: section.optional(),
	country: country.optional(),
	source: z.string().trim().min(1).max(60).optional(),
});

function sourcesFor(query: z.output<typeof filters>): Source[] {
	const only = query.source === undefined ? undefined : findSource(query.source);
	return SOURCES.filter(
		(s) =>
			(!only || s === only) &&
			(!query.country || s.country === query.country) &&
			(!query.section || s.sections.includes(query.section)),
	);
}

/** `YYYY-MM-DD` (the whole UTC day) or an ISO 8601 date-time. */
const instant = z
	.string()
	.trim()
	.refine(
		(v) =>
			/^\d{4}-\d{2}-\d{2}$/.test(v)
				? isCalendarDate(v)
				: /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)),
		{
			message: "use YYYY-MM-DD or an ISO 8601 date-time",
		},
	);

function instantMs(value: string, endOfDay: boolean): number {
	if (/^\d{4}-\d{2}-\d{2}$/.test(value))
		return Date.parse(`${value}T00:00:00Z`) + (endOfDay ? DAY_MS - 1 : 0);
	return Date.parse(value);
}

/** Words and "quoted phrases" of a query, lowercased. */
function terms(q: string): string[] {
	const out: string[] = [];
	for (const match of q.toLowerCase().matchAll(/"([^"]+)"|(\S+)/g)) {
		const term = (match[1] ?? match[2] ?? "").trim();
		if (term) out.push(term);
	}
	return out;
}

/** Relevance of an article to every term (null if a term is missing): title counts most, then summary and tags. */
function relevance(article: Article, words: string[]): number | null {
	const title = article.title.toLowerCase();
	const description = article.description.toLowerCase();
	const keywords = article.keywords.join(" ").toLowerCase();
	const body = article.body.join(" ").toLowerCase();
	let score = 0;
	for (const word of words) {
		const weight =
			(title.includes(word) ? 3 : 0) +
			(description.includes(word) ? 2 : 0) +
			(keywords.includes(word) ? 2 : 0) +
			(body.includes(word) ? 1 : 0);
		if (weight === 0) return null;
		score += weight;
	}
	return score;
}

const routes = new Hono<SandboxApp>();

routes.use("*", requireQueryApiKey("apikey"));

routes.get("/sources", (c) => {
	const query = parseQuery(c, filters.omit({ source: true }));
	const sources = sourcesFor(query).map((s) => ({
		source_id: s.source_id,
		name: s.name,
		description: s.description,
		url: `https://www.${s.domain}`,
		country: s.country,
		language: "en",
		sections: [...s.sections],
	}));
	return c.json({ sources, count: sources.length });
});

routes.get("/headlines", (c) => {
	const query = parseQuery(c, filters.extend({ limit: z.coerce.number().int().min(1).max(50).default(10) }));
	const at = now(c);
	const windowMs = HEADLINE_HOURS * 3_600_000;
	// Editors' weight, fading over the day, so the front page turns over.
	const ranked = articlesBetween(at - windowMs, at, sourcesFor(query))
		.filter((a) => !query.section || a.section === query.section)
		.map((article) => ({
			article,
			rank: article.importance * (1 - (at - article.published_ms) / windowMs / 2),
		}))
		.sort((a, b) => b.rank - a.rank || a.article.article_id.localeCompare(b.article.article_id));
	const articles = ranked.slice(0, query.limit).map((r) => summary(r.article));
	return c.json({ articles, count: articles.length, generated_at: iso(at) });
});

routes.get("/articles", (c) => {
	const query = parseQuery(
		c,
		filters.extend({
			q: z.string().trim().min(1).max(200).optional(),
			from: instant.optional(),
			to: instant.optional(),
			sort: z.enum(["relevance", "newest", "oldest"]).optional(),
			limit: z.coerce.number().int().min(1).max(50).default(20),
			offset: z.coerce.number().int().min(0).max(1000).default(0),
		}),
	);
	const at = now(c);
	const fromMs = query.from === undefined ? at - DEFAULT_SEARCH_DAYS * DAY_MS : instantMs(query.from, false);
	const toMs = Math.min(at, query.to === undefined ? at : instantMs(query.to, true));
	const oldest = at - ARCHIVE_DAYS * DAY_MS;
	if (fromMs < oldest) {
		throw new MerchantError(
			400,
			"date_out_of_range",
			`Search reaches back ${ARCHIVE_DAYS} days; "from" must be on or after ${iso(oldest).slice(0, 10)}.`,
			{ oldest_allowed: iso(oldest) },
		);
	}
	if (toMs < fromMs) throw new MerchantError(400, "invalid_date_range", '"to" must not be before "from".');
	const words = query.q ? terms(query.q) : [];
	const sort = query.sort ?? (words.length > 0 ? "relevance" : "newest");
	const found = articlesBetween(fromMs, toMs, sourcesFor(query))
		.filter((a) => !query.section || a.section === query.section)
		.map((article) => ({ article, score: words.length > 0 ? relevance(article, words) : 0 }))
		.filter((m): m is { article: Article; score: number } => m.score !== null)
		.sort((a, b) => {
			if (sort === "oldest") return a.article.published_ms - b.article.published_ms;
			if (sort === "relevance" && b.score !== a.score) return b.score - a.score;
			return b.article.published_ms - a.article.published_ms;
		});
	return c.json({
		articles: found.slice(query.offset, query.offset + query.limit).map((m) => summary(m.article)),
		total: found.length,
		limit: query.limit,
		offset: query.offset,
		from: iso(fromMs),
		to: iso(toMs),
	});
});

routes.get("/articles/:article_id", (c) => {
	const { article_id } = parseParams(c, z.object({ article_id: z.string().trim().toLowerCase().max(120) }));
	const at = now(c);
	const article = findArticle(article_id, at);
	if (!article) {
		throw new MerchantError(
			404,
			"article_not_found",
			`No article "${article_id}". Find articles with GET /articles.`,
		);
	}
	return c.json({
		...summary(article),
		body: article.body,
		word_count: wordCount(article),
		updated_at: article.updated_ms !== null && article.updated_ms <= at ? iso(article.updated_ms) : null,
	});
});

/** NewsWire: top headlines, article search and full articles from a dozen fictional outlets in eight countries. */
export const newswire: Merchant = {
	id: MERCHANT_ID,
	name: "NewsWire",
	specYaml: newswireSpec,
	routes,
};
