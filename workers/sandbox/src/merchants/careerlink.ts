import { Hono } from "hono";
import { z } from "zod";
import careerlinkSpec from "../../../../providers/careerlink/openapi.yaml";
import { MerchantError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/text.ts";
import { parseJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp, type SandboxContext } from "../merchant.ts";
import { COMPANIES, type Company, INDUSTRIES, JOB_CITIES } from "./careerlink.data.ts";
import {
	applicantCount,
	type Criteria,
	checkCriteria,
	criteriaQuerySchema,
	criteriaSchema,
	findCity,
	findCompany,
	findJob,
	isOpen,
	type Job,
	jobDescription,
	jobSkills,
	matchScore,
	OPEN_DAYS,
	openJobs,
} from "./careerlink.jobs.ts";

const MERCHANT_ID = "careerlink";
const API_KEY_HEADER = "X-API-Key";
/**
 * The end user a partner acts for. CareerLink partners call with one API key for all their users, so saved
 * searches are kept per (key, user) and the user travels in a header, apart from the search itself.
 */
const USER_HEADER = "X-CareerLink-User";
const SAVED_SEARCH = "saved_search";
const MAX_SAVED_SEARCHES = 20;
const DAY_MS = 86_400_000;

const iso = (ms: number): string => new Date(ms).toISOString();

function jobSummary(job: Job) {
	return {
		job_id: job.job_id,
		title: job.title,
		company: { company_id: job.company.company_id, name: job.company.name, rating: job.company.rating },
		location: job.city
			? { city: job.city.slug, label: `${job.city.name}, ${job.city.state}`, state: job.city.state }
			: { city: null, label: "Remote (US)", state: null },
		workplace: job.workplace,
		employment_type: job.employment_type,
		seniority: job.seniority,
		salary: { currency: "USD", period: "year", min: job.salary.min, max: job.salary.max },
		posted_at: iso(job.posted_ms),
		skills: jobSkills(job),
	};
}

function jobDetail(job: Job, at: number) {
	return {
		...jobSummary(job),
		status: isOpen(job, at) ? "open" : "closed",
		closes_at: iso(job.posted_ms + OPEN_DAYS * DAY_MS),
		hours_per_week: job.hours_per_week,
		applicant_count: applicantCount(job, at),
		...jobDescription(job),
		benefits: [...job.company.benefits],
		apply_url: `https://careers.${job.company.company_id}.example/jobs/${job.job_id}`,
	};
}

function companySummary(company: Company, open: Job[]) {
	const hq = JOB_CITIES.find((c) => c.slug === company.headquarters);
	return {
		company_id: company.company_id,
		name: company.name,
		industry: company.industry,
		tagline: company.tagline,
		headquarters: hq ? `${hq.name}, ${hq.state}` : company.headquarters,
		employee_count: company.employee_count,
		rating: company.rating,
		review_count: company.review_count,
		remote_policy: company.remote_policy,
		open_jobs: open.filter((j) => j.company.company_id === company.company_id).length,
	};
}

/** Open jobs matching the criteria, best first (or as sorted). */
function search(criteria: Criteria, at: number, sort: "relevance" | "newest" | "salary"): Job[] {
	checkCriteria(criteria);
	const scored = openJobs(at)
		.map((job) => ({ job, score: matchScore(job, criteria, at) }))
		.filter((s): s is { job: Job; score: number } => s.score !== null);
	const by = {
		relevance: (a: (typeof scored)[number], b: (typeof scored)[number]) =>
			b.score - a.score || b.job.posted_ms - a.job.posted_ms,
		newest: (a: (typeof scored)[number], b: (typeof scored)[number]) => b.job.posted_ms - a.job.posted_ms,
		salary: (a: (typeof scored)[number], b: (typeof scored)[number]) => b.job.salary.max - a.job.salary.max,
	}[sort];
	return scored.sort((a, b) => by(a, b) || a.job.job_id.localeCompare(b.job.job_id)).map((s) => s.job);
}

/** The saved-search owner: the partner's key (hashed, never stored) and the end user it acts for. */
async function owner(c: SandboxContext): Promise<string> {
	const user = c.req.header(USER_HEADER)?.trim() ?? "";
	if (user === "") {
		throw new MerchantError(
			400,
			"missing_user",
			`Saved searches belong to one of your users: send their id in the ${USER_HEADER} header.`,
		);
	}
	if (!/^[A-Za-z0-9._@:+-]{1,128}$/.test(user)) {
		throw new MerchantError(
			400,
			"invalid_user",
			`${USER_HEADER} must be 1-128 letters, digits or . _ @ : + -.`,
		);
	}
	const key = (await sha256Hex(c.req.header(API_KEY_HEADER) ?? "")).slice(0, 16);
	return `${key}:${user}`;
}

const storedSearchSchema = z.object({
	saved_search_id: z.string(),
	name: z.string(),
	criteria: criteriaSchema,
	alert_frequency: z.enum(["daily", "weekly", "off"]),
	created_at_ms: z.number().int(),
});

type StoredSearch = z.output<typeof storedSearchSchema>;

function savedSearchView(saved: StoredSearch, at: number) {
	const matches = search(saved.criteria, at, "newest");
	return {
		saved_search_id: saved.saved_search_id,
		name: saved.name,
		criteria: saved.criteria,
		alert_frequency: saved.alert_frequency,
		created_at: iso(saved.created_at_ms),
		match_count: matches.length,
		new_matches: matches.filter((j) => j.posted_ms > saved.created_at_ms).length,
		top_matches: matches.slice(0, 3).map(jobSummary),
	};
}

const routes = new Hono<SandboxApp>();

routes.get("/jobs", (c) => {
	const query = parseQuery(
		c,
		criteriaQuerySchema.extend({
			sort: z.enum(["relevance", "newest", "salary"]).optional(),
			limit: z.coerce.number().int().min(1).max(50).default(20),
			offset: z.coerce.number().int().min(0).default(0),
		}),
	);
	const { sort, limit, offset, ...criteria } = query;
	const jobs = search(criteria, now(c), sort ?? (criteria.query ? "relevance" : "newest"));
	return c.json({
		jobs: jobs.slice(offset, offset + limit).map(jobSummary),
		total: jobs.length,
		limit,
		offset,
	});
});

routes.get("/jobs/:job_id", (c) => {
	const { job_id } = parseParams(c, z.object({ job_id: z.string().trim().toLowerCase().max(120) }));
	const at = now(c);
	const job = findJob(job_id, at);
	if (!job) throw new MerchantError(404, "job_not_found", `No job "${job_id}". Find jobs with GET /jobs.`);
	return c.json(jobDetail(job, at));
});

routes.get("/companies", (c) => {
	const query = parseQuery(
		c,
		z.object({
			query: z.string().trim().min(1).max(100).optional(),
			industry: z.enum(INDUSTRIES).optional(),
			location: z.string().trim().min(1).max(80).optional(),
			hiring: z
				.enum(["true", "false"])
				.transform((v) => v === "true")
				.optional(),
			limit: z.coerce.number().int().min(1).max(50).default(20),
			offset: z.coerce.number().int().min(0).default(0),
		}),
	);
	const at = now(c);
	const open = openJobs(at);
	const location = query.location === undefined ? undefined : findCity(query.location);
	const words = query.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
	const found = COMPANIES.filter((company) => {
		if (query.industry && company.industry !== query.industry) return false;
		if (location === "remote" && company.remote_policy !== "remote_first") return false;
		if (location && location !== "remote" && !company.offices.includes(location.slug)) return false;
		const text = `${company.name} ${company.tagline} ${company.industry}`.toLowerCase();
		return words.every((w) => text.includes(w));
	})
		.map((company) => companySummary(company, open))
		.filter((summary) => query.hiring === undefined || summary.open_jobs > 0 === query.hiring)
		.sort((a, b) => b.open_jobs - a.open_jobs || b.rating - a.rating || a.name.localeCompare(b.name));
	return c.json({
		companies: found.slice(query.offset, query.offset + query.limit),
		total: found.length,
		limit: query.limit,
		offset: query.offset,
	});
});

routes.get("/companies/:company_id", (c) => {
	const company = findCompany(parseParams(c, z.object({ company_id: z.string().min(1).max(80) })).company_id);
	const at = now(c);
	const open = openJobs(at);
	const jobs = open.filter((j) => j.company.company_id === company.company_id);
	return c.json({
		...companySummary(company, open),
		description: company.description,
		founded: company.founded,
		website: `https://www.${company.company_id}.example`,
		offices: company.offices.map((slug) => {
			const city = JOB_CITIES.find((x) => x.slug === slug);
			return { city: slug, label: city ? `${city.name}, ${city.state}` : slug };
		}),
		benefits: [...company.benefits],
		recent_jobs: jobs.slice(0, 10).map(jobSummary),
	});
});

routes.post("/saved-searches", async (c) => {
	const who = await owner(c);
	const body = await parseJsonBody(
		c,
		z.object({
			name: z.string().trim().min(1).max(80),
			criteria: criteriaSchema,
			alert_frequency: z.enum(["daily", "weekly", "off"]).default("daily"),
		}),
	);
	checkCriteria(body.criteria);
	const at = now(c);
	const saved: StoredSearch = {
		saved_search_id: `ss_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
		name: body.name,
		criteria: body.criteria,
		alert_frequency: body.alert_frequency,
		created_at_ms: at,
	};
	const outcome = await merchantStore(c, MERCHANT_ID).addRecord(
		{
			kind: SAVED_SEARCH,
			owner: who,
			record_id: saved.saved_search_id,
			unique_key: body.name.toLowerCase(),
			created_at: at,
			document: JSON.stringify(saved),
		},
		MAX_SAVED_SEARCHES,
	);
	if (outcome.outcome === "duplicate") {
		throw new MerchantError(409, "duplicate_name", `You already have a saved search called "${body.name}".`, {
			saved_search_id: outcome.record_id,
		});
	}
	if (outcome.outcome === "limit_reached") {
		throw new MerchantError(
			409,
			"saved_search_limit",
			`A user can keep at most ${outcome.limit} saved searches; delete one first.`,
		);
	}
	return c.json(savedSearchView(saved, at), 201);
});

routes.get("/saved-searches", async (c) => {
	const who = await owner(c);
	const at = now(c);
	const records = await merchantStore(c, MERCHANT_ID).listRecords(SAVED_SEARCH, who);
	const searches = records.map((r) => savedSearchView(storedSearchSchema.parse(JSON.parse(r.document)), at));
	return c.json({ saved_searches: searches, count: searches.length });
});

routes.delete("/saved-searches/:saved_search_id", async (c) => {
	const who = await owner(c);
	const { saved_search_id } = parseParams(c, z.object({ saved_search_id: z.string().min(1).max(64) }));
	const deleted = await merchantStore(c, MERCHANT_ID).deleteRecord(SAVED_SEARCH, who, saved_search_id);
	if (!deleted) {
		throw new MerchantError(
			404,
			"saved_search_not_found",
			`No saved search "${saved_search_id}" for this user.`,
		);
	}
	return c.json({ saved_search_id, deleted: true });
});

/** CareerLink: job search, job and company details, and per-user saved searches kept in the Durable Object. */
export const careerlink: Merchant = {
	id: MERCHANT_ID,
	name: "CareerLink",
	specYaml: careerlinkSpec,
	apiKeyHeader: API_KEY_HEADER,
	routes,
};
