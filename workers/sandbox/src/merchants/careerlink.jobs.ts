import { z } from "zod";
import { MerchantError } from "../lib/errors.ts";
import { seeded } from "../lib/random.ts";
import { closest, slugify } from "../lib/text.ts";
import {
	COMPANIES,
	type Company,
	EMPLOYMENT_TYPES,
	type EmploymentType,
	INDUSTRY_ROLES,
	JOB_CITIES,
	type JobCity,
	ROLES,
	type Role,
	SENIORITIES,
	type Seniority,
	type Workplace,
} from "./careerlink.data.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A posting accepts applications this long after it went up. */
export const OPEN_DAYS = 30;
/** Closed postings stay viewable (as closed) this long, as on real job boards. */
const ARCHIVE_DAYS = 180;

const LEVEL_PAY: Record<Seniority, number> = { entry: 0.74, mid: 1, senior: 1.27, lead: 1.55 };
const LEVEL_WEIGHT: Record<Seniority, number> = { entry: 0.22, mid: 0.38, senior: 0.3, lead: 0.1 };
const LEVEL_YEARS: Record<Seniority, string> = {
	entry: "0-2 years",
	mid: "2-4 years",
	senior: "5+ years",
	lead: "8+ years",
};
/** Pay for remote roles: national, a little above the median city. */
const REMOTE_PAY_FACTOR = 1.06;

export interface Job {
	job_id: string;
	company: Company;
	role: Role;
	title: string;
	seniority: Seniority;
	employment_type: EmploymentType;
	hours_per_week: number;
	workplace: Workplace;
	city: JobCity | null;
	salary: { min: number; max: number };
	posted_ms: number;
	/** Applications per hour while open; the applicant count grows with it. */
	applicant_rate: number;
}

const roundTo = (value: number, step: number): number => Math.round(value / step) * step;
const compactDate = (day: number): string =>
	new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll("-", "");

function pickLevel(r: ReturnType<typeof seeded>, role: Role): Seniority {
	const levels = SENIORITIES.filter((level) => role.levels[level] !== undefined);
	const total = levels.reduce((sum, level) => sum + LEVEL_WEIGHT[level], 0);
	let roll = r.next() * total;
	for (const level of levels) {
		roll -= LEVEL_WEIGHT[level];
		if (roll < 0) return level;
	}
	return levels.at(-1) ?? "mid";
}

const postingCache = new Map<string, Job[]>();

/** What a company posted on one UTC day (epoch day number): usually nothing or one job, sometimes two. */
export function postingsOn(company: Company, day: number): Job[] {
	const key = `${company.company_id}|${day}`;
	const cached = postingCache.get(key);
	if (cached) return cached;
	const r = seeded("careerlink", "postings", company.company_id, day);
	const count = (r.chance(company.hiring_rate) ? 1 : 0) + (r.chance(company.hiring_rate / 4) ? 1 : 0);
	const roles = INDUSTRY_ROLES[company.industry];
	const jobs: Job[] = [];
	for (let n = 1; n <= count; n++) {
		// Skewed towards the industry's most common roles.
		const role = ROLES[roles[Math.floor(r.next() ** 1.6 * roles.length)] ?? ""];
		if (!role) continue;
		const seniority = pickLevel(r, role);
		const workplace: Workplace = !role.remote_ok
			? "onsite"
			: company.remote_policy === "remote_first"
				? r.chance(0.7)
					? "remote"
					: "hybrid"
				: company.remote_policy === "hybrid"
					? r.chance(0.15)
						? "remote"
						: "hybrid"
					: "onsite";
		const office = r.pick(company.offices);
		const city = workplace === "remote" ? null : (JOB_CITIES.find((c) => c.slug === office) ?? null);
		const employment: EmploymentType = r.chance(role.part_time_share)
			? "part_time"
			: r.chance(0.07)
				? "contract"
				: "full_time";
		const hours = employment === "part_time" ? r.pick([20, 24, 30]) : 40;
		const mid =
			role.base *
			LEVEL_PAY[seniority] *
			(city?.pay_factor ?? REMOTE_PAY_FACTOR) *
			company.pay_factor *
			(hours / 40) *
			(employment === "contract" ? 1.12 : 1) *
			(0.96 + r.next() * 0.08);
		const step = mid < 80_000 ? 1_000 : 5_000;
		const min = roundTo(mid * 0.9, step);
		const max = Math.max(min + step, roundTo(mid * 1.13, step));
		jobs.push({
			job_id: `${company.company_id}-${compactDate(day)}-${n}`,
			company,
			role,
			title: `${role.levels[seniority] ?? ""}${role.title}`,
			seniority,
			employment_type: employment,
			hours_per_week: hours,
			workplace,
			city,
			salary: { min, max },
			posted_ms: day * DAY_MS + r.int(13, 23) * HOUR_MS + r.int(0, 59) * 60_000,
			applicant_rate: r.range(0.05, 1.2),
		});
	}
	if (postingCache.size > 50_000) postingCache.clear();
	postingCache.set(key, jobs);
	return jobs;
}

/** Postings accepting applications at `nowMs`, newest first. */
export function openJobs(nowMs: number): Job[] {
	const today = Math.floor(nowMs / DAY_MS);
	const jobs: Job[] = [];
	for (let day = today - OPEN_DAYS; day <= today; day++) {
		for (const company of COMPANIES) {
			for (const job of postingsOn(company, day)) if (isOpen(job, nowMs)) jobs.push(job);
		}
	}
	return jobs.sort((a, b) => b.posted_ms - a.posted_ms || a.job_id.localeCompare(b.job_id));
}

export function isOpen(job: Job, nowMs: number): boolean {
	return job.posted_ms <= nowMs && nowMs - job.posted_ms < OPEN_DAYS * DAY_MS;
}

/** A posting by id, open or archived; null if it never existed, is not up yet, or is long gone. */
export function findJob(jobId: string, nowMs: number): Job | null {
	const match = /^([a-z0-9-]+)-(\d{4})(\d{2})(\d{2})-(\d+)$/.exec(jobId);
	if (!match) return null;
	const company = COMPANIES.find((c) => c.company_id === match[1]);
	const dayMs = Date.UTC(Number(match[2]), Number(match[3]) - 1, Number(match[4]));
	if (!company || Number.isNaN(dayMs)) return null;
	const job = postingsOn(company, dayMs / DAY_MS).find((j) => j.job_id === jobId);
	if (!job || job.posted_ms > nowMs || nowMs - job.posted_ms > ARCHIVE_DAYS * DAY_MS) return null;
	return job;
}

export function applicantCount(job: Job, nowMs: number): number {
	const openUntil = Math.min(nowMs, job.posted_ms + OPEN_DAYS * DAY_MS);
	return Math.floor((Math.max(0, openUntil - job.posted_ms) / HOUR_MS) * job.applicant_rate);
}

export function jobSkills(job: Job): string[] {
	const r = seeded("careerlink", "skills", job.job_id);
	const skills = [...job.role.skills];
	// Each posting leads with a slightly different mix, as written by different hiring managers.
	for (let i = skills.length - 1; i > 0; i--) {
		const j = r.int(0, i);
		[skills[i], skills[j]] = [skills[j] ?? "", skills[i] ?? ""];
	}
	return skills.slice(0, 5);
}

export function jobDescription(job: Job) {
	const skills = jobSkills(job);
	const where =
		job.workplace === "remote"
			? "fully remote (US time zones)"
			: job.workplace === "hybrid"
				? `hybrid, three days a week in our ${job.city?.name} office`
				: `on site in ${job.city?.name}`;
	return {
		description: [
			`${job.company.description}`,
			`As a ${job.title} at ${job.company.name}, you will ${job.role.duties[0]?.toLowerCase() ?? "join a growing team"}. This role is ${where}.`,
		],
		responsibilities: [...job.role.duties],
		requirements: [
			`${LEVEL_YEARS[job.seniority]} of experience as a ${job.role.title} or similar`,
			...skills.slice(0, 3).map((s) => `Working knowledge of ${s}`),
		],
		nice_to_have: skills.slice(3).map((s) => `Experience with ${s}`),
	};
}

// ---- search criteria ---------------------------------------------------------------------------

/** Search filters, as JSON (saved searches); the query-string form is parsed into the same shape. */
export const criteriaSchema = z
	.object({
		query: z.string().trim().min(1).max(100).optional(),
		location: z.string().trim().min(1).max(80).optional(),
		remote: z.boolean().optional(),
		salary_min: z.number().int().min(0).max(2_000_000).optional(),
		salary_max: z.number().int().min(0).max(2_000_000).optional(),
		employment_type: z.enum(EMPLOYMENT_TYPES).optional(),
		seniority: z.enum(SENIORITIES).optional(),
		company: z.string().trim().min(1).max(80).optional(),
		posted_within_days: z.number().int().min(1).max(OPEN_DAYS).optional(),
	})
	.strict();

export type Criteria = z.output<typeof criteriaSchema>;

const booleanText = z.enum(["true", "false"]).transform((v) => v === "true");

/** The same filters from a query string. */
export const criteriaQuerySchema = z.object({
	query: z.string().trim().min(1).max(100).optional(),
	location: z.string().trim().min(1).max(80).optional(),
	remote: booleanText.optional(),
	salary_min: z.coerce.number().int().min(0).max(2_000_000).optional(),
	salary_max: z.coerce.number().int().min(0).max(2_000_000).optional(),
	employment_type: z.enum(EMPLOYMENT_TYPES).optional(),
	seniority: z.enum(SENIORITIES).optional(),
	company: z.string().trim().min(1).max(80).optional(),
	posted_within_days: z.coerce.number().int().min(1).max(OPEN_DAYS).optional(),
});

export function findCity(raw: string): JobCity | "remote" {
	const wanted = slugify(raw);
	if (wanted === "remote") return "remote";
	const city = JOB_CITIES.find((c) => c.slug === wanted || slugify(c.name) === wanted);
	if (city) return city;
	const supported = [...JOB_CITIES.map((c) => c.slug), "remote"];
	throw new MerchantError(
		404,
		"location_not_found",
		`CareerLink has no jobs in "${raw}". Did you mean ${closest(wanted, supported).join(", ")}?`,
		{ supported_locations: supported },
	);
}

export function findCompany(raw: string): Company {
	const wanted = slugify(raw);
	const company = COMPANIES.find((c) => c.company_id === wanted || slugify(c.name) === wanted);
	if (company) return company;
	const suggestions = closest(
		wanted,
		COMPANIES.map((c) => c.company_id),
	);
	throw new MerchantError(
		404,
		"company_not_found",
		`No company "${raw}". Did you mean ${suggestions.join(", ")}?`,
		{
			suggestions,
		},
	);
}

/** Checks that filters can be applied together (known city and company, sane salary range). */
export function checkCriteria(criteria: Criteria): void {
	const location = criteria.location === undefined ? undefined : findCity(criteria.location);
	if (criteria.company !== undefined) findCompany(criteria.company);
	if (location !== undefined && location !== "remote" && criteria.remote === true) {
		throw new MerchantError(
			400,
			"conflicting_filters",
			"Remote jobs have no city: use location=remote (or remote=true) without a city.",
		);
	}
	if (location === "remote" && criteria.remote === false) {
		throw new MerchantError(400, "conflicting_filters", "location=remote contradicts remote=false.");
	}
	if (
		criteria.salary_min !== undefined &&
		criteria.salary_max !== undefined &&
		criteria.salary_min > criteria.salary_max
	) {
		throw new MerchantError(400, "invalid_salary_range", "salary_min must not be above salary_max.");
	}
}

const stem = (word: string): string => (word.length > 3 && word.endsWith("s") ? word.slice(0, -1) : word);

/**
 * How well a job matches the filters: null when it does not, else a relevance score (title and skills
 * count more than the company and the description).
 */
export function matchScore(job: Job, criteria: Criteria, nowMs: number): number | null {
	const location = criteria.location === undefined ? undefined : findCity(criteria.location);
	if (location === "remote" && job.workplace !== "remote") return null;
	if (location !== undefined && location !== "remote" && job.city?.slug !== location.slug) return null;
	if (criteria.remote === true && job.workplace !== "remote") return null;
	if (criteria.remote === false && job.workplace === "remote") return null;
	if (criteria.salary_min !== undefined && job.salary.max < criteria.salary_min) return null;
	if (criteria.salary_max !== undefined && job.salary.min > criteria.salary_max) return null;
	if (criteria.employment_type !== undefined && job.employment_type !== criteria.employment_type) return null;
	if (criteria.seniority !== undefined && job.seniority !== criteria.seniority) return null;
	if (criteria.company !== undefined && job.company.company_id !== findCompany(criteria.company).company_id)
		return null;
	if (
		criteria.posted_within_days !== undefined &&
		nowMs - job.posted_ms > criteria.posted_within_days * DAY_MS
	)
		return null;
	const words = (criteria.query ?? "").toLowerCase().split(/\s+/).filter(Boolean).map(stem);
	if (words.length === 0) return 0;
	const title = job.title.toLowerCase();
	const skills = job.role.skills.join(" ").toLowerCase();
	const company = `${job.company.name} ${job.company.industry}`.toLowerCase();
	const text = job.role.duties.join(" ").toLowerCase();
	let score = 0;
	for (const word of words) {
		const weight =
			(title.includes(word) ? 3 : 0) +
			(skills.includes(word) ? 2 : 0) +
			(company.includes(word) ? 2 : 0) +
			(text.includes(word) ? 1 : 0);
		if (weight === 0) return null;
		score += weight;
	}
	return score;
}
