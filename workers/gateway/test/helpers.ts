import { env, exports } from "cloudflare:workers";
import type { CompiledService } from "@penumbra/core/registry";
import { buildRegistry } from "@penumbra/core/registry";
import { expect } from "vitest";

export const ORIGIN = "http://gateway.test";

/** Writes services into the REGISTRY namespace exactly as `penumbra providers seed` does. */
export async function seedRegistry(services: CompiledService[]): Promise<void> {
	const { entries } = buildRegistry(services, new Date().toISOString());
	await Promise.all(entries.map((e) => env.REGISTRY.put(e.key, e.value)));
}

/** The services built from providers/ by the global setup. */
export function providerServices(): CompiledService[] {
	return JSON.parse(env.TEST_REGISTRY);
}

export function providerService(id: string): CompiledService {
	const service = providerServices().find((s) => s.card.id === id);
	if (!service) throw new Error(`no provider ${id} in providers/`);
	return service;
}

/** Adds services to the seeded registry (the real ones stay). */
export async function addServices(...extra: CompiledService[]): Promise<void> {
	const ids = new Set(extra.map((s) => s.card.id));
	await seedRegistry([...providerServices().filter((s) => !ids.has(s.card.id)), ...extra]);
}

export function sandboxOrigin(): string {
	return env.UPSTREAM_ALLOWLIST.split(/[\s,]+/)[0] ?? "";
}

export interface FaultyOptions {
	/** The provider to copy; default `skycast`, which needs no upstream key. */
	from?: string;
	timeoutMs?: number;
	maxResponseBytes?: number;
}

/**
 * A copy of a provider's service, registered as `id`, whose upstream injects sandbox faults into every call through
 * the `/_fault/<faults>/` path prefix: `latency=300`, `status=503`, `hang`, `malformed`, `amount-delta=150`,
 * `large=200000`, `clock=3600`, `only=checkout`, comma-separated (workers/sandbox/README.md). Upstream keys are per
 * service id (`PROVIDER_<ID>_API_KEY`), so a copy of a keyed provider needs an id with a bound key: the provider's
 * own id (each test file has its own registry) or one bound in vitest.config.ts.
 */
export function faulty(id: string, fault: string, options: FaultyOptions = {}): CompiledService {
	const base = providerService(options.from ?? "skycast");
	return {
		...base,
		card: { ...base.card, id },
		upstream: `${sandboxOrigin()}/_fault/${fault}/${base.card.id}`,
		...(options.timeoutMs === undefined ? {} : { timeout_ms: options.timeoutMs }),
		...(options.maxResponseBytes === undefined ? {} : { max_response_bytes: options.maxResponseBytes }),
	};
}

export interface CallOptions {
	method?: string;
	key?: string;
	body?: unknown;
	headers?: Record<string, string>;
}

/** Calls the gateway through its real entry point. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
	const headers = new Headers(options.headers);
	if (options.key) headers.set("authorization", `Bearer ${options.key}`);
	if (options.body !== undefined) headers.set("content-type", "application/json");
	return exports.default.fetch(
		new Request(`${ORIGIN}${path}`, {
			method: options.method ?? (options.body === undefined ? "GET" : "POST"),
			headers,
			...(options.body !== undefined
				? { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }
				: {}),
		}),
	);
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
	return (await response.json()) as T;
}

/** Creates a credential through the admin API and, unless `fundCents` is 0, credits it ($100 by default). */
/** The owner key of each test account, by the agent key the test acts with. */
const owners = new Map<string, string>();

/**
 * The owner key of the account an agent key belongs to: what a test uses for the owner's own actions (confirm a
 * quote, change controls, manage keys), as the person would on the site.
 */
export function ownerKeyOf(key: string): string {
	const owner = owners.get(key);
	if (!owner) throw new Error("not a key made by createKey()");
	return owner;
}

/**
 * A funded account as tests use it: `key` is an agent key (what an assistant holds), `ownerKey` the owner's own key
 * (made with owner_key through the admin API, as `penumbra keys create --owner` does).
 */
export async function createKey(
	level: "identified" | "authenticated" = "authenticated",
	email = "user@example.com",
	fundCents = 10_000,
): Promise<{ id: string; key: string; ownerKey: string }> {
	const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
	const response = await call("/v1/admin/credentials", {
		headers: admin,
		body: { email, level, owner_key: true },
	});
	expect(response.status).toBe(201);
	const created = await json<{ id: string; key: string }>(response);
	const agent = await call("/v1/account/keys", { key: created.key, body: { name: "assistant" } });
	expect(agent.status).toBe(201);
	const { key } = await json<{ key: string }>(agent);
	owners.set(key, created.key);
	if (fundCents > 0) {
		const credited = await call(`/v1/admin/credentials/${created.id}/credit`, {
			headers: admin,
			body: { amount_cents: fundCents, reference: `test-funding:${created.id}` },
		});
		expect(credited.status).toBe(200);
	}
	return { id: created.id, key, ownerKey: created.key };
}

/** Raises the owner's auto-approve threshold so purchases of any test size go through without a confirmation. */
export async function autoApprove(key: string): Promise<void> {
	const response = await call("/v1/account/controls", {
		key: ownerKeyOf(key),
		method: "PUT",
		body: { auto_approve_threshold_cents: 1_000_000 },
	});
	expect(response.status, await response.clone().text()).toBe(200);
}

/** Asserts an RFC 9457 problem with our stable code, and returns it. */
export async function expectProblem(
	response: Response,
	status: number,
	code: string,
): Promise<Record<string, unknown> & { detail: string }> {
	expect(response.headers.get("content-type")).toContain("application/problem+json");
	const problem = await json<Record<string, unknown> & { detail: string }>(response);
	expect({ status: response.status, code: problem.code }).toEqual({ status, code });
	expect(problem).toMatchObject({
		type: expect.stringMatching(/^https:\/\/penumbra\.dev\/problems\//),
		title: expect.any(String),
		status,
		detail: expect.any(String),
	});
	expect(JSON.stringify(problem)).not.toMatch(/at .+\.ts:\d+|stack/i);
	return problem;
}

/** An `upstream` metric point as the d1 store keeps it (tests run with METRICS_STORE=d1). */
export interface UpstreamPoint {
	service: string;
	tool: string;
	status: number;
	outcome: string;
}

/** The `upstream` points stored under `requestId`, oldest first. */
export async function upstreamPointsOf(requestId: string | null): Promise<UpstreamPoint[]> {
	const rows = await env.DB.prepare(
		"SELECT service, tool, status, outcome FROM metric_points WHERE kind = 'upstream' AND request_id = ? ORDER BY at_ms, id",
	)
		.bind(requestId)
		.all<UpstreamPoint>();
	return rows.results;
}
