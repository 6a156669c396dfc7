import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { type MetricsReport, MetricsReportSchema } from "@penumbra/core/contracts";
import { flushMetrics } from "@penumbra/core/metrics";
import type { CompiledService } from "@penumbra/core/registry";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../../src/app.ts";
import {
	addServices,
	autoApprove,
	call,
	createKey,
	expectProblem,
	faulty,
	json,
	ORIGIN,
	ownerKeyOf,
	upstreamPointsOf,
} from "../helpers.ts";

/**
 * The metrics a gateway records on its hot path and `GET /v1/admin/metrics` reports (docs/operating.md): a scripted
 * mix through the real entry, then the report's exact counts. Service ids are this file's own.
 */

const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
const LISBON = { parameters: { city: "lisbon" } };
const BASKET = {
	restaurant_id: "sakura-ramen-sf",
	items: [
		{ item_id: "tonkotsu-ramen", quantity: 2 },
		{ item_id: "ramune", quantity: 1 },
	],
	delivery_address: { street: "1 Market St", city: "San Francisco" },
	tip_cents: 400,
};
const EMPTY_QUERY = "xqzvbnmwrtkpl";

/** A copy of skycast whose current-conditions tool costs `cents` per call. */
function withFee(service: CompiledService, cents: number): CompiledService {
	return {
		...service,
		tools: service.tools.map((t) => (t.name === "get_current_conditions" ? { ...t, fee_cents: cents } : t)),
	};
}

async function report(query: string): Promise<MetricsReport> {
	const response = await call(`/v1/admin/metrics?${query}`, { headers: ADMIN });
	expect(response.status, await response.clone().text()).toBe(200);
	return MetricsReportSchema.parse(await response.json());
}

function group(r: MetricsReport, service: string, tool: string | null = null) {
	const found = r.groups.find((g) => g.service === service && g.tool === tool);
	if (!found)
		throw new Error(`no group ${service}/${tool} in ${JSON.stringify(r.groups.map((g) => g.service))}`);
	return found;
}

async function execute(service: string, key?: string, body: unknown = LISBON): Promise<Response> {
	return call(`/v1/services/${service}/tools/get_current_conditions`, { ...(key ? { key } : {}), body });
}

/** Quote then buy a FoodDash-like checkout with `key`; the buy's response. */
async function buy(key: string, service: string): Promise<Response> {
	const quoted = await call("/v1/quotes", { key, body: { service, tool: "checkout", parameters: BASKET } });
	expect(quoted.status, await quoted.clone().text()).toBe(201);
	const { quote_id: quoteId } = await json<{ quote_id: string }>(quoted);
	return call(`/v1/services/${service}/tools/checkout`, {
		key,
		body: { parameters: BASKET, quote_id: quoteId },
	});
}

const started = Date.now();
let key: string;
let boughtCents = 0;
/** The request id of the buy that went through: its merchant call's point carries it. */
let boughtRequestId = "";

beforeAll(async () => {
	await addServices(
		faulty("meterskies", "latency=5"),
		faulty("meterbroken", "status=503"),
		faulty("meterhung", "hang", { timeoutMs: 300 }),
		withFee(faulty("meterfee", "latency=1"), 3),
		// A merchant that refuses every checkout (4xx): the purchase's hold is released.
		faulty("refusedash", "status=422,only=checkout", { from: "fooddash" }),
	);
	key = (await createKey("authenticated", "metrics@example.com", 50_000)).key;
	await autoApprove(key);
	const poor = (await createKey("authenticated", "metrics-poor@example.com", 0)).key;
	await autoApprove(poor);

	for (let i = 0; i < 3; i++) expect((await execute("meterskies", key)).status).toBe(200);
	// The transparent path proxy.
	expect((await call("/meterskies/current?city=lisbon", { key })).status).toBe(200);
	for (let i = 0; i < 2; i++) await expectProblem(await execute("meterbroken", key), 502, "UPSTREAM_ERROR");
	await expectProblem(await execute("meterhung", key), 504, "UPSTREAM_TIMEOUT");
	for (let i = 0; i < 2; i++) expect((await execute("meterfee", key)).status).toBe(200);

	const bought = await buy(key, "fooddash");
	expect(bought.status, await bought.clone().text()).toBe(200);
	boughtCents = (await json<{ receipt: { amount_cents: number } }>(bought)).receipt.amount_cents;
	boughtRequestId = bought.headers.get("x-request-id") ?? "";
	expect((await buy(key, "refusedash")).status).toBe(422);
	await expectProblem(await buy(poor, "fooddash"), 402, "INSUFFICIENT_FUNDS");

	expect((await call("/v1/search?q=order%20some%20food")).status).toBe(200);
	const empty = await json<{ results: unknown[] }>(await call(`/v1/search?q=${EMPTY_QUERY}`));
	expect(empty.results).toEqual([]);

	// An agent's key may not confirm a purchase: 403, counted toward the gateway's route.
	const quoted = await call("/v1/quotes", {
		key,
		body: { service: "fooddash", tool: "checkout", parameters: BASKET },
	});
	const { quote_id: quoteId } = await json<{ quote_id: string }>(quoted);
	await expectProblem(await call(`/v1/quotes/${quoteId}/confirm`, { key, method: "POST" }), 403, "FORBIDDEN");
});

describe("GET /v1/admin/metrics after a scripted mix", () => {
	const since = () => new Date(started - 1000).toISOString();

	it("records the Account DO's merchant call as an upstream point of the purchase's request", async () => {
		expect(boughtRequestId).not.toBe("");
		await vi.waitFor(
			async () => {
				expect(await upstreamPointsOf(boughtRequestId)).toEqual([
					{ service: "fooddash", tool: "checkout", status: 201, outcome: "ok" },
				]);
			},
			{ timeout: 4_000, interval: 100 },
		);
	});

	it("counts every request, upstream call and purchase of each service exactly", async () => {
		// Points are inserted in batches shortly after each answer: wait until all of them are in.
		await vi.waitFor(
			async () => {
				const r = await report(`since=${since()}`);
				expect(r).toMatchObject({ by: "service", store: "d1" });
				expect(group(r, "meterskies")).toMatchObject({
					requests: 4,
					errors: 0,
					faults: 0,
					error_rate: 0,
					upstream_calls: 4,
					upstream_failures: 0,
					upstream_availability: 1,
				});
				expect(group(r, "meterbroken")).toMatchObject({
					requests: 2,
					faults: 2,
					error_rate: 1,
					upstream_calls: 2,
					upstream_failures: 2,
					upstream_timeouts: 0,
					upstream_availability: 0,
				});
				expect(group(r, "meterhung")).toMatchObject({
					requests: 1,
					faults: 1,
					upstream_calls: 1,
					upstream_failures: 1,
					upstream_timeouts: 1,
					upstream_availability: 0,
				});
				expect(group(r, "meterfee")).toMatchObject({ requests: 2, revenue_cents: 6 });
				// Three quotes (one precheck upstream call each) and two buys: one bought (the Account DO's merchant call,
				// an upstream point too), one refused for lack of funds (no merchant call).
				expect(group(r, "fooddash")).toMatchObject({
					requests: 5,
					errors: 1,
					upstream_calls: 4,
					upstream_failures: 0,
					purchases: { bought: 1, released: 0, unknown: 0, refused: 1 },
					revenue_cents: boughtCents,
				});
				// Its precheck, and the checkout it refused (422: the caller's business, not a failure of the merchant).
				expect(group(r, "refusedash")).toMatchObject({
					requests: 2,
					errors: 1,
					upstream_calls: 2,
					upstream_failures: 0,
					purchases: { bought: 0, released: 1, unknown: 0, refused: 0 },
					revenue_cents: 0,
				});
				expect(group(r, "gateway").errors).toBeGreaterThanOrEqual(1);
				expect(r.totals).toMatchObject({ searches: 2, empty_searches: 1 });
			},
			{ timeout: 10_000, interval: 100 },
		);
		expect(boughtCents).toBeGreaterThan(0);
	});

	it("reports plausible latencies and series whose buckets sum to the totals", async () => {
		const r = await report(`since=${since()}`);
		for (const service of ["meterskies", "meterbroken", "meterhung", "fooddash"]) {
			const g = group(r, service);
			expect(g.p50_ms, service).toBeGreaterThan(0);
			expect(g.p50_ms ?? 0, service).toBeLessThanOrEqual(g.p95_ms ?? 0);
			const series = r.series.find((s) => s.service === service);
			const sum = (pick: (b: MetricsReport["series"][number]["buckets"][number]) => number) =>
				(series?.buckets ?? []).reduce((total, b) => total + pick(b), 0);
			expect(
				sum((b) => b.requests),
				service,
			).toBe(g.requests);
			expect(
				sum((b) => b.errors),
				service,
			).toBe(g.errors + g.faults);
			expect(
				sum((b) => b.revenue_cents),
				service,
			).toBe(g.revenue_cents);
		}
		expect(r.totals.p50_ms ?? 0).toBeLessThanOrEqual(r.totals.p95_ms ?? 0);
		expect(r.bucket_s * (r.series[0]?.buckets.length ?? 0)).toBeGreaterThanOrEqual(
			(Date.parse(r.until) - Date.parse(r.since)) / 1000,
		);
	});

	it("lists the empty search and counts both searches", async () => {
		const r = await report(`since=${since()}`);
		expect(r.totals).toMatchObject({ searches: 2, empty_searches: 1 });
		expect(r.top_empty_searches).toEqual([{ query: EMPTY_QUERY, count: 1 }]);
	});

	it("groups by tool, naming gateway routes by their pattern (never a raw path)", async () => {
		const r = await report(`since=${since()}&by=tool`);
		expect(r.by).toBe("tool");
		expect(group(r, "meterskies", "get_current_conditions").requests).toBe(4);
		expect(group(r, "fooddash", "checkout").purchases.bought).toBe(1);
		expect(group(r, "gateway", "POST /v1/quotes/{id}/confirm")).toMatchObject({ requests: 1, errors: 1 });
		expect(r.groups.some((g) => g.tool?.includes("qt_"))).toBe(false);
	});

	it("keeps one service's points with service=", async () => {
		const r = await report(`since=${since()}&service=meterbroken`);
		expect(r.groups.map((g) => g.service)).toEqual(["meterbroken"]);
		expect(r.totals).toMatchObject({ requests: 2, faults: 2, upstream_calls: 2 });
	});
});

describe("who called", () => {
	it("names the caller kind of each request point", async () => {
		const agent = await execute("meterskies", key);
		const owner = await execute("meterskies", ownerKeyOf(key));
		const anonymous = await call("/v1/services");
		const admin = await call("/v1/admin/credentials", { headers: ADMIN });
		const { credential_id: credentialId } = await json<{ credential_id: string }>(
			await call("/v1/account", { key }),
		);
		const viaMcp = await exports.GatewayRpc.call(credentialId, {
			method: "POST",
			path: "/v1/services/meterskies/tools/get_current_conditions",
			body: LISBON,
			via: "mcp",
			request_id: "metrics-via-mcp-1",
		});
		expect(viaMcp.status).toBe(200);
		await flushMetrics(env);
		const ids = [agent, owner, anonymous, admin].map((r) => r.headers.get("x-request-id") ?? "");
		const callerOf = async (id: string) =>
			(
				await env.DB.prepare("SELECT caller FROM metric_points WHERE kind = 'request' AND request_id = ?")
					.bind(id)
					.first<{ caller: string }>()
			)?.caller;
		await vi.waitFor(async () => expect(await callerOf("metrics-via-mcp-1")).toBe("mcp"));
		expect(await Promise.all(ids.map(callerOf))).toEqual(["agent", "owner", "anonymous", "admin"]);
	});
});

describe("GatewayRpc.recordMetrics", () => {
	it("stores the valid points another Worker sends and drops the rest", async () => {
		const at_ms = Date.now();
		const answer = await exports.GatewayRpc.recordMetrics([
			{
				kind: "chat_turn",
				at_ms,
				outcome: "done",
				latency_ms: 1200,
				model_calls: 2,
				tokens_in: 300,
				tokens_out: 40,
			},
			{ kind: "chat_turn", at_ms, outcome: "failed", latency_ms: 300, model_calls: 1, tokens_in: 100 },
			{ kind: "no-such-kind", at_ms },
			"not a point",
		]);
		expect(answer).toMatchObject({ ok: true, recorded: 2, dropped: 2 });
		const r = await report(`since=${new Date(at_ms - 1000).toISOString()}`);
		expect(r.chat).toEqual({
			turns: 2,
			failed: 1,
			model_calls: 3,
			tokens_in: 400,
			tokens_out: 40,
			p50_ms: 300,
			p95_ms: 1200,
		});
	});

	it("refuses what is not a list of points", async () => {
		const answer = await exports.GatewayRpc.recordMetrics("points" as unknown as unknown[]);
		expect(answer).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
	});
});

describe("the query's parameters", () => {
	it("defaults to the last hour in at most 120 buckets", async () => {
		const r = await report("");
		expect(Date.parse(r.until) - Date.parse(r.since)).toBe(3600_000);
		expect(r.series.every((s) => s.buckets.length <= 120)).toBe(true);
		// 30 s buckets unless the hour does not start on one (then 121 of them): 60 s.
		expect([30, 60]).toContain(r.bucket_s);
	});

	it("takes durations and ISO times", async () => {
		const week = await report("since=7d");
		expect(Date.parse(week.until) - Date.parse(week.since)).toBe(7 * 24 * 3600_000);
		expect(week.series.every((s) => s.buckets.length <= 120)).toBe(true);
		const fixed = await report("since=2026-01-01T00:00:00Z&until=2026-01-01T01:00:00Z&bucket_s=600");
		expect(fixed).toMatchObject({ since: "2026-01-01T00:00:00.000Z", bucket_s: 600, groups: [] });
	});

	it("answers 400 naming the field", async () => {
		const cases: Array<[string, string]> = [
			["since=yesterday", "/query/since"],
			["until=15m", "/query/until"],
			["by=caller", "/query/by"],
			["bucket_s=5", "/query/bucket_s"],
			["service=Not%20A%20Service", "/query/service"],
			["since=2026-01-01T00:00:00Z&until=2025-12-01T00:00:00Z", "/query/since"],
			["since=40d", "/query/since"],
			["since=7d&bucket_s=60", "/query/bucket_s"],
		];
		for (const [query, pointer] of cases) {
			const response = await call(`/v1/admin/metrics?${query}`, { headers: ADMIN });
			const problem = await expectProblem(response, 400, "VALIDATION_FAILED");
			expect(problem.errors, query).toEqual(expect.arrayContaining([expect.objectContaining({ pointer })]));
		}
	});

	it("needs the admin token", async () => {
		await expectProblem(await call("/v1/admin/metrics"), 401, "AUTH_REQUIRED");
		await expectProblem(
			await call("/v1/admin/metrics", { headers: { authorization: "Bearer not-the-token" } }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(await call("/v1/admin/metrics", { key }), 403, "FORBIDDEN");
	});
});

describe("the recorder", () => {
	it("never stands in a request's way: with METRICS_STORE=off a call answers and leaves no point", async () => {
		const off = { ...env, METRICS_STORE: "off" } as GatewayEnv;
		const ctx = createExecutionContext();
		const response = await app.fetch(
			new Request(`${ORIGIN}/v1/services/meterskies/tools/get_current_conditions`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${key}`,
					"content-type": "application/json",
					"x-request-id": "metrics-store-off-1",
				},
				body: JSON.stringify(LISBON),
			}),
			off,
			ctx,
		);
		expect(response.status).toBe(200);
		await waitOnExecutionContext(ctx);
		await flushMetrics(env);
		const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM metric_points WHERE request_id = ?")
			.bind("metrics-store-off-1")
			.first<{ n: number }>();
		expect(row?.n).toBe(0);
	});
});
