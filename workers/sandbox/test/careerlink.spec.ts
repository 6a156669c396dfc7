import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

interface JobSummary {
	job_id: string;
	title: string;
	company: { company_id: string; name: string };
	location: { city: string | null; label: string; state: string | null };
	workplace: "remote" | "hybrid" | "onsite";
	employment_type: string;
	seniority: string;
	salary: { currency: string; period: string; min: number; max: number };
	posted_at: string;
	skills: string[];
}
interface JobDetail extends JobSummary {
	status: "open" | "closed";
	closes_at: string;
	applicant_count: number;
	hours_per_week: number;
	responsibilities: string[];
	requirements: string[];
}
interface SearchResult {
	jobs: JobSummary[];
	total: number;
	limit: number;
	offset: number;
}
interface CompanySummary {
	company_id: string;
	name: string;
	industry: string;
	open_jobs: number;
	rating: number;
}
interface SavedSearch {
	saved_search_id: string;
	name: string;
	criteria: Record<string, unknown>;
	alert_frequency: string;
	created_at: string;
	match_count: number;
	new_matches: number;
	top_matches: JobSummary[];
}

const KEY = { "x-api-key": "careerlink-partner-a" };
const DAY = 86_400;

function get(path: string, fault?: string): Promise<Response> {
	return call(`/careerlink${path}`, { headers: { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) } });
}
async function ok<T>(path: string, fault?: string): Promise<T> {
	const response = await get(path, fault);
	expect(response.status, await response.clone().text()).toBe(200);
	return json<T>(response);
}
const search = (query: string, fault?: string) => ok<SearchResult>(`/jobs?${query}`, fault);

function saved(user: string, options: { method?: string; path?: string; body?: unknown; key?: string } = {}) {
	return call(`/careerlink/saved-searches${options.path ?? ""}`, {
		method: options.method ?? (options.body === undefined ? "GET" : "POST"),
		headers: { "x-api-key": options.key ?? KEY["x-api-key"], "x-careerlink-user": user },
		...(options.body === undefined ? {} : { body: options.body }),
	});
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/careerlink/openapi.json"));
});

describe("careerlink search_jobs", () => {
	it("lists hundreds of open jobs, newest first, with at least ten in every city and remote", async () => {
		const all = await search("limit=50");
		expectSchema(spec, "JobSearchResult", all);
		expect(all.total).toBeGreaterThan(300);
		const posted = all.jobs.map((j) => Date.parse(j.posted_at));
		expect(posted).toEqual([...posted].sort((a, b) => b - a));
		expect(posted[0]).toBeLessThanOrEqual(Date.now());
		for (const city of ["san-francisco", "new-york", "seattle", "boston", "chicago", "austin", "remote"]) {
			const here = await search(`location=${city}&limit=50`);
			expect(here.total, city).toBeGreaterThanOrEqual(10);
			for (const job of here.jobs) expect(job.location.city ?? "remote").toBe(city);
		}
	});

	it("matches every query word against title, skills, company or duties, most relevant first", async () => {
		const result = await search("query=software%20engineers&limit=50");
		expect(result.total).toBeGreaterThan(10);
		for (const job of result.jobs) {
			const detail = await ok<JobDetail>(`/jobs/${job.job_id}`);
			const text = [detail.title, ...detail.skills, detail.company.name, ...detail.responsibilities]
				.join(" ")
				.toLowerCase();
			expect(text).toContain("software");
			expect(text).toContain("engineer");
		}
		expect(result.jobs[0]?.title).toMatch(/Software Engineer/);
		expect((await search("query=zzzz")).total).toBe(0);
	});

	it("filters by location name, remote and on-site", async () => {
		const ny = await search("location=New%20York&limit=50");
		expect(ny.jobs.every((j) => j.location.label === "New York, NY" && j.workplace !== "remote")).toBe(true);
		const remote = await search("remote=true&limit=50");
		expect(remote.total).toBeGreaterThan(20);
		expect(remote.jobs.every((j) => j.workplace === "remote" && j.location.city === null)).toBe(true);
		expect((await search("location=remote&limit=50")).total).toBe(remote.total);
		const onsite = await search("remote=false&limit=1");
		const all = await search("limit=1");
		expect(onsite.total + remote.total).toBe(all.total);
		await expectError(await get("/jobs?location=seattle&remote=true"), 400, "conflicting_filters");
		const unknown = await expectError(await get("/jobs?location=Springfield"), 404, "location_not_found");
		expect(unknown.supported_locations).toContain("remote");
		await expectError(await get("/jobs?remote=yes"), 400, "invalid_request");
	});

	it("filters by salary range and sorts by salary", async () => {
		const high = await search("salary_min=180000&sort=salary&limit=50");
		expect(high.total).toBeGreaterThan(0);
		expect(high.jobs.every((j) => j.salary.max >= 180_000)).toBe(true);
		const maxes = high.jobs.map((j) => j.salary.max);
		expect(maxes).toEqual([...maxes].sort((a, b) => b - a));
		const low = await search("salary_max=60000&limit=50");
		expect(low.total).toBeGreaterThan(0);
		expect(low.jobs.every((j) => j.salary.min <= 60_000)).toBe(true);
		await expectError(await get("/jobs?salary_min=90000&salary_max=80000"), 400, "invalid_salary_range");
	});

	it("pays realistically: whole dollars, more for seniority and in expensive cities", async () => {
		const all: JobSummary[] = [];
		for (let offset = 0; ; offset += 50) {
			const page = await search(`limit=50&offset=${offset}`);
			all.push(...page.jobs);
			if (offset + 50 >= page.total) break;
		}
		for (const job of all) {
			expect(job.salary).toMatchObject({ currency: "USD", period: "year" });
			expect(Number.isInteger(job.salary.min)).toBe(true);
			expect(job.salary.max).toBeGreaterThan(job.salary.min);
			expect(job.salary.min).toBeGreaterThanOrEqual(15_000);
			expect(job.salary.max).toBeLessThan(400_000);
		}
		const engineers = all.filter(
			(j) => j.employment_type === "full_time" && /Software Engineer$/.test(j.title),
		);
		const byLevel = (level: string) =>
			mean(engineers.filter((j) => j.seniority === level).map((j) => j.salary.max));
		expect(byLevel("senior")).toBeGreaterThan(byLevel("mid"));
		expect(byLevel("mid")).toBeGreaterThan(byLevel("entry"));
		const nurses = await search("query=registered%20nurse&employment_type=full_time&limit=50");
		const swe = await search("query=software%20engineer&seniority=mid&employment_type=full_time&limit=50");
		expect(mean(swe.jobs.map((j) => j.salary.min))).toBeGreaterThan(
			mean(nurses.jobs.map((j) => j.salary.min)),
		);
	});

	it("filters by employment type, seniority, company and posting age, and pages", async () => {
		const parttime = await search("employment_type=part_time&limit=50");
		expect(parttime.total).toBeGreaterThan(0);
		expect(parttime.jobs.every((j) => j.employment_type === "part_time")).toBe(true);
		const senior = await search("seniority=senior&limit=50");
		expect(senior.jobs.every((j) => j.seniority === "senior")).toBe(true);
		const seniorEngineers = senior.jobs.filter((j) => j.title.endsWith("Software Engineer"));
		expect(seniorEngineers.every((j) => j.title === "Senior Software Engineer")).toBe(true);
		const company = await search("company=Harborview%20Medical%20Center&limit=50");
		expect(company.total).toBeGreaterThan(5);
		expect(company.jobs.every((j) => j.company.company_id === "harborview-medical-center")).toBe(true);
		const fresh = await search("posted_within_days=2&limit=50");
		for (const job of fresh.jobs)
			expect(Date.now() - Date.parse(job.posted_at)).toBeLessThanOrEqual(2 * DAY * 1000);
		const month = await search("limit=1");
		expect(fresh.total).toBeLessThan(month.total);

		const page = await search("limit=5&offset=5");
		expect(page.jobs).toEqual((await search("limit=10")).jobs.slice(5));
		await expectError(await get("/jobs?limit=51"), 400, "invalid_request");
		await expectError(await get("/jobs?company=Initech"), 404, "company_not_found");
	});

	it("posts new jobs every day and closes them after 30 days", async () => {
		const today = await search("limit=50");
		const later = await search("limit=50", `clock=${3 * DAY}`);
		const todayIds = new Set(today.jobs.map((j) => j.job_id));
		expect(later.jobs.filter((j) => !todayIds.has(j.job_id)).length).toBeGreaterThan(10);
		const oldest = (await search(`limit=1&offset=${today.total - 1}`)).jobs[0];
		if (!oldest) throw new Error("no jobs");
		expect(Date.now() - Date.parse(oldest.posted_at)).toBeLessThan(30 * DAY * 1000);
		const closesIn = Math.ceil((Date.parse(oldest.posted_at) + 30 * DAY * 1000 - Date.now()) / 1000);
		const after = await search(`limit=50&company=${oldest.company.company_id}`, `clock=${closesIn + 60}`);
		expect(after.jobs.map((j) => j.job_id)).not.toContain(oldest.job_id);
		const closed = await ok<JobDetail>(`/jobs/${oldest.job_id}`, `clock=${closesIn + 60}`);
		expect(closed.status).toBe("closed");
	});

	it("needs the partner API key", async () => {
		await expectError(await call("/careerlink/jobs"), 401, "unauthorized");
	});
});

describe("careerlink get_job", () => {
	it("returns the full posting, consistent with the search result", async () => {
		const [summary] = (await search("query=nurse&limit=1")).jobs;
		if (!summary) throw new Error("no nurse jobs");
		const job = await ok<JobDetail>(`/jobs/${summary.job_id}`);
		expectSchema(spec, "JobDetail", job);
		expect(job).toMatchObject({ ...summary, status: "open" });
		expect(Date.parse(job.closes_at) - Date.parse(job.posted_at)).toBe(30 * DAY * 1000);
		expect(job.requirements.length).toBeGreaterThan(2);
		expect([20, 24, 30, 40]).toContain(job.hours_per_week);
		const tomorrow = await ok<JobDetail>(`/jobs/${summary.job_id}`, `clock=${DAY}`);
		expect(tomorrow.applicant_count).toBeGreaterThanOrEqual(job.applicant_count);
		expect(await ok<JobDetail>(`/jobs/${summary.job_id}`)).toEqual(job);
	});

	it("answers 404 for unknown jobs and for jobs not posted yet", async () => {
		await expectError(await get("/jobs/no-such-job"), 404, "job_not_found");
		await expectError(await get("/jobs/pinecrest-software-20260101-9"), 404, "job_not_found");
		const [newest] = (await search("limit=1")).jobs;
		await expectError(await get(`/jobs/${newest?.job_id}`, `clock=${-2 * DAY}`), 404, "job_not_found");
	});
});

describe("careerlink companies", () => {
	it("searches 30 employers by industry, office and keyword, most open jobs first", async () => {
		const all = await ok<{ companies: CompanySummary[]; total: number }>("/companies?limit=50");
		expectSchema(spec, "CompanySearchResult", all);
		expect(all.total).toBe(30);
		const open = all.companies.map((c) => c.open_jobs);
		expect(open).toEqual([...open].sort((a, b) => b - a));
		expect(open.reduce((a, b) => a + b, 0)).toBe((await search("limit=1")).total);
		const health = await ok<{ companies: CompanySummary[] }>("/companies?industry=healthcare");
		expect(health.companies.length).toBeGreaterThanOrEqual(4);
		expect(health.companies.every((c) => c.industry === "healthcare")).toBe(true);
		const bank = await ok<{ companies: CompanySummary[] }>("/companies?query=bank");
		expect(bank.companies.map((c) => c.company_id)).toEqual(["quillstone-bank"]);
		const hiring = await ok<{ companies: CompanySummary[] }>("/companies?hiring=true&limit=50");
		expect(hiring.companies.every((c) => c.open_jobs > 0)).toBe(true);
		await expectError(await get("/companies?industry=mining"), 400, "invalid_request");
	});

	it("describes a company with its offices and recent open jobs", async () => {
		const company = await ok<CompanySummary & { offices: { city: string }[]; recent_jobs: JobSummary[] }>(
			"/companies/Lumora%20Health",
		);
		expectSchema(spec, "CompanyDetail", company);
		expect(company.company_id).toBe("lumora-health");
		expect(company.offices.map((o) => o.city)).toEqual(["boston", "new-york", "chicago", "atlanta"]);
		const jobs = await search("company=lumora-health&limit=50");
		expect(company.open_jobs).toBe(jobs.total);
		expect(company.recent_jobs).toEqual(jobs.jobs.slice(0, 10));
		for (const job of company.recent_jobs) {
			expect(["boston", "new-york", "chicago", "atlanta"]).toContain(job.location.city);
		}
		const unknown = await expectError(await get("/companies/lumora-helth"), 404, "company_not_found");
		expect(unknown.suggestions).toContain("lumora-health");
	});
});

describe("careerlink saved searches", () => {
	const criteria = { query: "engineer", remote: true, salary_min: 120_000 };

	it("creates, lists and deletes a user's saved searches, kept in the merchant's storage", async () => {
		const user = `user-${crypto.randomUUID()}`;
		const created = await saved(user, { body: { name: "Remote engineering", criteria } });
		expect(created.status).toBe(201);
		const search1 = await json<SavedSearch>(created);
		expectSchema(spec, "SavedSearch", search1);
		const direct = await search("query=engineer&remote=true&salary_min=120000&sort=newest&limit=3");
		expect(search1).toMatchObject({
			name: "Remote engineering",
			criteria,
			alert_frequency: "daily",
			match_count: direct.total,
			new_matches: 0,
			top_matches: direct.jobs,
		});

		const second = await saved(user, {
			body: {
				name: "Seattle nursing",
				criteria: { query: "nurse", location: "seattle" },
				alert_frequency: "weekly",
			},
		});
		expect(second.status).toBe(201);
		const list = await json<{ saved_searches: SavedSearch[]; count: number }>(await saved(user));
		expectSchema(spec, "SavedSearchList", list);
		expect(list.count).toBe(2);
		expect(list.saved_searches.map((s) => s.name)).toEqual(["Remote engineering", "Seattle nursing"]);

		const deleted = await saved(user, { method: "DELETE", path: `/${search1.saved_search_id}` });
		expect(deleted.status).toBe(200);
		expect(await json(deleted)).toEqual({ saved_search_id: search1.saved_search_id, deleted: true });
		const after = await json<{ saved_searches: SavedSearch[] }>(await saved(user));
		expect(after.saved_searches.map((s) => s.name)).toEqual(["Seattle nursing"]);
		await expectError(
			await saved(user, { method: "DELETE", path: `/${search1.saved_search_id}` }),
			404,
			"saved_search_not_found",
		);
	});

	it("keeps each user's searches apart, per partner key too", async () => {
		const alice = `alice-${crypto.randomUUID()}`;
		const created = await json<SavedSearch>(await saved(alice, { body: { name: "Mine", criteria } }));
		expect((await json<{ count: number }>(await saved(`bob-${crypto.randomUUID()}`))).count).toBe(0);
		expect((await json<{ count: number }>(await saved(alice, { key: "careerlink-partner-b" }))).count).toBe(
			0,
		);
		await expectError(
			await saved(`bob-${crypto.randomUUID()}`, { method: "DELETE", path: `/${created.saved_search_id}` }),
			404,
			"saved_search_not_found",
		);
		expect((await json<{ count: number }>(await saved(alice))).count).toBe(1);
	});

	it("reports jobs posted since the search was saved", async () => {
		const user = `user-${crypto.randomUUID()}`;
		await saved(user, { body: { name: "Anything remote", criteria: { remote: true } } });
		const later = await call("/careerlink/saved-searches", {
			headers: { ...KEY, "x-careerlink-user": user, "x-sandbox-fault": `clock=${5 * DAY}` },
		});
		const [search5] = (await json<{ saved_searches: SavedSearch[] }>(later)).saved_searches;
		expect(search5?.new_matches).toBeGreaterThan(0);
		expect(search5?.new_matches).toBeLessThanOrEqual(search5?.match_count ?? 0);
		expect(search5?.match_count).toBe((await search("remote=true&limit=1", `clock=${5 * DAY}`)).total);
	});

	it("refuses duplicate names, more than 20 searches, and invalid criteria", async () => {
		const user = `user-${crypto.randomUUID()}`;
		const first = await json<SavedSearch>(await saved(user, { body: { name: "Data jobs", criteria } }));
		const duplicate = await expectError(
			await saved(user, { body: { name: "data JOBS", criteria: {} } }),
			409,
			"duplicate_name",
		);
		expect(duplicate.saved_search_id).toBe(first.saved_search_id);
		for (let i = 2; i <= 20; i++) {
			expect((await saved(user, { body: { name: `Search ${i}`, criteria: {} } })).status).toBe(201);
		}
		await expectError(
			await saved(user, { body: { name: "One too many", criteria: {} } }),
			409,
			"saved_search_limit",
		);

		const other = `user-${crypto.randomUUID()}`;
		await expectError(
			await saved(other, { body: { name: "x", criteria: { location: "Gotham" } } }),
			404,
			"location_not_found",
		);
		await expectError(
			await saved(other, { body: { name: "x", criteria: { location: "boston", remote: true } } }),
			400,
			"conflicting_filters",
		);
		await expectError(
			await saved(other, { body: { name: "x", criteria: { salary: 5 } } }),
			400,
			"invalid_request",
		);
		await expectError(await saved(other, { body: { criteria: {} } }), 400, "invalid_request");
		expect((await json<{ count: number }>(await saved(other))).count).toBe(0);
	});

	it("needs the user header", async () => {
		await expectError(await call("/careerlink/saved-searches", { headers: KEY }), 400, "missing_user");
		await expectError(
			await call("/careerlink/saved-searches", { headers: { ...KEY, "x-careerlink-user": "a b" } }),
			400,
			"invalid_user",
		);
		await expectError(
			await call("/careerlink/saved-searches", { headers: { "x-careerlink-user": "u1" } }),
			401,
			"unauthorized",
		);
	});
});
