import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json, sandboxOrigin } from "../helpers.ts";

// What the gateway injects from PROVIDER_CAREERLINK_API_KEY; used to look at the merchant directly.
const UPSTREAM_KEY = "test-careerlink-key";
const USER = "X-CareerLink-User";

interface Job {
	job_id: string;
	title: string;
	company: { company_id: string };
	location: { city: string | null };
	workplace: string;
	salary: { min: number; max: number };
}
interface SearchResult {
	jobs: Job[];
	total: number;
}
interface SavedSearch {
	saved_search_id: string;
	name: string;
	criteria: Record<string, unknown>;
	match_count: number;
}

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

async function execute<T>(tool: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/careerlink/tools/${tool}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "careerlink", tool });
	return body.result;
}

function direct(path: string, init: { apiKey?: string; user?: string } = {}): Promise<Response> {
	const headers: Record<string, string> = { "x-api-key": init.apiKey ?? UPSTREAM_KEY };
	if (init.user) headers["x-careerlink-user"] = init.user;
	return fetch(`${sandboxOrigin()}/careerlink${path}`, { headers });
}

describe("careerlink through the gateway", () => {
	it("is a jobs service with seven tools, the merchant's key injected by the gateway", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/careerlink"));
		expect(body.service).toMatchObject({ category: "jobs", has_purchases: false });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"create_saved_search",
			"delete_saved_search",
			"get_company",
			"get_job",
			"list_saved_searches",
			"search_companies",
			"search_jobs",
		]);
		// Without a key the merchant refuses; through the gateway the same search works.
		expect((await fetch(`${sandboxOrigin()}/careerlink/jobs`)).status).toBe(401);
		const jobs = await execute<SearchResult>("search_jobs", { limit: 5 });
		expect(jobs.total).toBeGreaterThan(300);
	});

	it("searches by query, location, remote and salary range, as the merchant itself answers", async () => {
		const parameters = { query: "engineer", location: "Seattle", salary_min: 150_000, limit: 10 };
		const result = await execute<SearchResult>("search_jobs", parameters);
		expect(result.total).toBeGreaterThan(0);
		for (const job of result.jobs) {
			expect(job.location.city).toBe("seattle");
			expect(job.salary.max).toBeGreaterThanOrEqual(150_000);
		}
		const same = await direct("/jobs?query=engineer&location=Seattle&salary_min=150000&limit=10");
		expect(await json(same)).toEqual(result);
		const remote = await execute<SearchResult>("search_jobs", {
			remote: true,
			salary_max: 120_000,
			limit: 50,
		});
		expect(remote.jobs.every((j) => j.workplace === "remote" && j.salary.min <= 120_000)).toBe(true);
	});

	it("reads a job, searches companies and reads a company", async () => {
		const [job] = (await execute<SearchResult>("search_jobs", { query: "nurse", limit: 1 })).jobs;
		if (!job) throw new Error("no nurse jobs");
		const detail = await execute<Job & { status: string; requirements: string[]; apply_url: string }>(
			"get_job",
			{
				job_id: job.job_id,
			},
		);
		expect(detail).toMatchObject({ job_id: job.job_id, title: job.title, status: "open" });
		expect(detail.apply_url).toContain(job.job_id);
		const companies = await execute<{
			companies: { company_id: string; open_jobs: number }[];
			total: number;
		}>("search_companies", { industry: "healthcare", hiring: true });
		expect(companies.companies.map((c) => c.company_id)).toContain(job.company.company_id);
		const company = await execute<{ company_id: string; open_jobs: number; recent_jobs: Job[] }>(
			"get_company",
			{
				company_id: job.company.company_id,
			},
		);
		expect(company.open_jobs).toBe(
			companies.companies.find((c) => c.company_id === job.company.company_id)?.open_jobs,
		);
		expect(company.recent_jobs.every((j) => j.company.company_id === job.company.company_id)).toBe(true);
	});

	it("creates, lists and deletes saved searches for the user named in X-CareerLink-User", async () => {
		const user = `penumbra-${crypto.randomUUID()}`;
		const created = await execute<SavedSearch>("create_saved_search", {
			[USER]: user,
			name: "Remote data roles",
			criteria: { query: "data", remote: true },
			alert_frequency: "weekly",
		});
		expect(created).toMatchObject({ name: "Remote data roles", criteria: { query: "data", remote: true } });
		expect(created.match_count).toBe(
			(await execute<SearchResult>("search_jobs", { query: "data", remote: true, limit: 1 })).total,
		);
		const listed = await execute<{ saved_searches: SavedSearch[]; count: number }>("list_saved_searches", {
			[USER]: user,
		});
		expect(listed.saved_searches.map((s) => s.saved_search_id)).toEqual([created.saved_search_id]);

		// Stored by the merchant under the gateway's partner key and this user only.
		const mine = await json<{ count: number }>(await direct("/saved-searches", { user }));
		expect(mine.count).toBe(1);
		const otherKey = await json<{ count: number }>(
			await direct("/saved-searches", { user, apiKey: "another-partner" }),
		);
		expect(otherKey.count).toBe(0);
		const otherUser = await execute<{ count: number }>("list_saved_searches", { [USER]: `${user}-2` });
		expect(otherUser.count).toBe(0);

		const duplicate = await expectProblem(
			await call("/v1/services/careerlink/tools/create_saved_search", {
				key,
				body: { parameters: { [USER]: user, name: "remote DATA roles", criteria: {} } },
			}),
			409,
			"CONFLICT",
		);
		expect(duplicate.upstream_status).toBe(409);

		const deleted = await execute<{ deleted: boolean }>("delete_saved_search", {
			[USER]: user,
			saved_search_id: created.saved_search_id,
		});
		expect(deleted.deleted).toBe(true);
		expect((await execute<{ count: number }>("list_saved_searches", { [USER]: user })).count).toBe(0);
		await expectProblem(
			await call("/v1/services/careerlink/tools/delete_saved_search", {
				key,
				body: { parameters: { [USER]: user, saved_search_id: created.saved_search_id } },
			}),
			404,
			"NOT_FOUND",
		);
	});

	it("validates inputs itself, and maps the merchant's refusals to problems", async () => {
		const missingUser = await expectProblem(
			await call("/v1/services/careerlink/tools/list_saved_searches", { key, body: { parameters: {} } }),
			400,
			"VALIDATION_FAILED",
		);
		expect(missingUser.errors).toEqual([expect.objectContaining({ pointer: `/parameters/${USER}` })]);
		await expectProblem(
			await call("/v1/services/careerlink/tools/search_jobs", {
				key,
				body: { parameters: { salary_min: -1 } },
			}),
			400,
			"VALIDATION_FAILED",
		);
		const conflicting = await expectProblem(
			await call("/v1/services/careerlink/tools/search_jobs", {
				key,
				body: { parameters: { location: "boston", remote: true } },
			}),
			400,
			"VALIDATION_FAILED",
		);
		expect(conflicting.upstream_status).toBe(400);
		const nowhere = await expectProblem(
			await call("/v1/services/careerlink/tools/search_jobs", {
				key,
				body: { parameters: { location: "Gotham" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(nowhere.upstream_message).toContain("Gotham");
	});
});
