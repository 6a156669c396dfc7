import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ToolView } from "@penumbra/core/contracts";
import { type CompiledService, compileProvider, fetchSpec, serviceKey } from "@penumbra/core/registry";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { addServices, call, json, sandboxOrigin } from "./helpers.ts";

/*
 * The sandbox serves one fixed FoodDash spec, so "the remote spec changed" is staged the other way round: the
 * operator's seeded build is compiled from a stricter copy of that spec, and the refresh then fetches the real one.
 * The manifest's default fee is 101 cents, so a tool the seed priced explicitly at 1 cent comes back at 101.
 */

const ID = "ceilingdash";
const DEFAULT_FEE_CENTS = 101;
const SEEDED_FEE_CENTS = 1;

type Spec = { paths: Record<string, Record<string, Record<string, unknown>>> };

function specUrl(): string {
	return `${sandboxOrigin()}/fooddash/openapi.json`;
}

async function servedSpec(): Promise<Spec> {
	const fetched = await fetchSpec(specUrl(), { allowlist: [sandboxOrigin()] });
	if (fetched.status !== "ok") throw new Error(`spec fetch: ${JSON.stringify(fetched)}`);
	return fetched.spec as Spec;
}

function operation(spec: Spec, path: string, method: string): Record<string, unknown> {
	const op = spec.paths[path]?.[method];
	if (!op) throw new Error(`no ${method} ${path} in the served spec`);
	return op;
}

/** The build the operator seeded: the served spec after `edit`, compiled without an ETag so a refresh refetches. */
async function seeded(edit: (spec: Spec) => void): Promise<CompiledService> {
	const spec = structuredClone(await servedSpec());
	edit(spec);
	const compiled = compileProvider({
		manifest: {
			id: ID,
			name: "Ceiling Dash",
			description: "Food delivery from a spec fetched by URL",
			category: "food-delivery",
			tags: ["food"],
			auth: { scheme: "apiKey", in: "header", name: "X-API-Key" },
			endpoints: specUrl(),
			upstream: `${sandboxOrigin()}/fooddash`,
			pricing: { usage_fee_cents: DEFAULT_FEE_CENTS },
		},
		manifestFile: `providers/${ID}/provider.yaml`,
		spec,
		specFile: specUrl(),
	});
	if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
	return compiled.service;
}

async function refreshHourly(): Promise<void> {
	const at = new Date();
	await worker.scheduled(createScheduledController({ cron: "0 * * * *", scheduledTime: at.getTime() }), env);
}

async function tools(): Promise<Map<string, ToolView>> {
	const body = await json<{ tools: ToolView[] }>(await call(`/v1/services/${ID}/tools`));
	return new Map(body.tools.map((t) => [t.name, t]));
}

function tool(all: Map<string, ToolView>, name: string): ToolView {
	const found = all.get(name);
	if (!found) throw new Error(`no tool ${name}; have ${[...all.keys()].join(", ")}`);
	return found;
}

interface Health {
	status: string;
	registry: { stale_services: string[]; policy_refused: string[] };
}

async function health(): Promise<Health> {
	return json<Health>(await call("/v1/health"));
}

async function stored(): Promise<CompiledService> {
	const service = await env.REGISTRY.get<CompiledService>(serviceKey(ID), "json");
	if (!service) throw new Error("not in the registry");
	return service;
}

const ORDER_PURCHASE = {
	kind: "purchase",
	precheck: "get_checkout_quote",
	amount_path: "$.totals.total_cents",
	transaction_id_path: "$.order_uuid",
} as const;

afterEach(() => {
	vi.restoreAllMocks();
});

describe("a refreshed remote spec stays under the operator's ceiling", () => {
	it("refuses a higher fee, a lower auth level and a purchase turned plain, and flags the service", async () => {
		const seed = await seeded((spec) => {
			operation(spec, "/restaurants/{restaurant_id}", "get")["x-usage-fee-cents"] = SEEDED_FEE_CENTS;
			operation(spec, "/restaurants/{restaurant_id}/menu", "get")["x-auth-level"] = "authenticated";
			Object.assign(operation(spec, "/orders/{order_uuid}", "get"), {
				"x-purchase-endpoint": true,
				"x-purchase-precheck": "/checkout/quote",
				"x-amount-path": ORDER_PURCHASE.amount_path,
				"x-transaction-id-path": ORDER_PURCHASE.transaction_id_path,
			});
		});
		await addServices(seed);
		const before = await tools();
		expect(tool(before, "get_restaurant").fee_cents).toBe(SEEDED_FEE_CENTS);
		expect(tool(before, "get_order").purchase).toEqual(ORDER_PURCHASE);
		expect((await health()).registry.policy_refused).toEqual([]);

		const warnings = vi.spyOn(console, "error");
		await refreshHourly();

		const after = await tools();
		// The served spec asks 101 cents, "identified" and a plain get_order; the seeded values are kept.
		expect(tool(after, "get_restaurant").fee_cents).toBe(SEEDED_FEE_CENTS);
		expect(tool(after, "get_menu").auth_level).toBe("authenticated");
		expect(tool(after, "get_order").purchase).toEqual(ORDER_PURCHASE);
		expect(tool(after, "get_order").auth_level).toBe("authenticated");
		// Within the ceiling the new spec is served as compiled: the real checkout is untouched.
		expect(tool(after, "checkout").purchase).toMatchObject({
			kind: "purchase",
			precheck: "get_checkout_quote",
		});
		expect(tool(after, "search_restaurants").fee_cents).toBe(2);

		const service = await stored();
		if (service.spec.kind !== "url") throw new Error("expected a remote spec");
		expect(service.spec.ceiling).toEqual(seed.spec.kind === "url" ? seed.spec.ceiling : undefined);
		expect(service.spec.refused).toEqual(
			expect.arrayContaining([
				{ tool: "get_restaurant", field: "fee_cents", wanted: DEFAULT_FEE_CENTS, kept: SEEDED_FEE_CENTS },
				{ tool: "get_menu", field: "auth_level", wanted: "identified", kept: "authenticated" },
				{ tool: "get_order", field: "purchase", wanted: null, kept: ORDER_PURCHASE },
				{ tool: "get_order", field: "auth_level", wanted: "identified", kept: "authenticated" },
			]),
		);
		expect(service.spec.refused).toHaveLength(4);
		expect(service.card.fees.min_cents).toBe(0);
		expect(service.card.has_purchases).toBe(true);

		const flagged = await health();
		expect(flagged.status).toBe("degraded");
		expect(flagged.registry.policy_refused).toEqual([ID]);
		expect(flagged.registry.stale_services).not.toContain(ID);

		const ceilingWarnings = () =>
			warnings.mock.calls.filter(([line]) => String(line).includes("operator's ceiling")).length;
		expect(ceilingWarnings()).toBe(1);
		// The same attempt again, recompiled (a stale ETag defeats the 304): still refused and flagged, the
		// ceiling unchanged, not logged a second time.
		await env.REGISTRY.put(
			serviceKey(ID),
			JSON.stringify({ ...service, spec: { ...service.spec, etag: '"old"' } }),
		);
		await refreshHourly();
		const again = await stored();
		expect(again.spec.kind === "url" && again.spec.etag).not.toBe('"old"');
		expect(again.spec).toMatchObject({ ceiling: service.spec.ceiling, refused_at: service.spec.refused_at });
		expect(tool(await tools(), "get_restaurant").fee_cents).toBe(SEEDED_FEE_CENTS);
		expect((await health()).registry.policy_refused).toEqual([ID]);
		expect(ceilingWarnings()).toBe(1);

		// Reseeding is the operator deciding again: the flag goes.
		await addServices(seed);
		expect((await health()).registry.policy_refused).toEqual([]);
	});

	it("accepts a lower fee and a stricter auth level without flagging", async () => {
		await addServices(
			await seeded((spec) => {
				operation(spec, "/restaurants/{restaurant_id}", "get")["x-usage-fee-cents"] = DEFAULT_FEE_CENTS + 100;
				operation(spec, "/restaurants/{restaurant_id}/menu", "get")["x-auth-level"] = "anonymous";
			}),
		);
		await refreshHourly();
		const after = await tools();
		expect(tool(after, "get_restaurant").fee_cents).toBe(DEFAULT_FEE_CENTS);
		expect(tool(after, "get_menu").auth_level).toBe("identified");
		const service = await stored();
		expect(service.spec.kind === "url" && service.spec.refused).toBeFalsy();
		expect(service.card.fees.max_cents).toBe(DEFAULT_FEE_CENTS);
		expect((await health()).registry.policy_refused).toEqual([]);
	});

	it("serves a new plain tool at the service's strictest level and refuses a new purchase", async () => {
		await addServices(
			await seeded((spec) => {
				delete spec.paths["/orders/{order_uuid}"];
				delete spec.paths["/checkout"];
			}),
		);
		await refreshHourly();
		const after = await tools();
		// get_order asks "identified" at 0 cents; the seeded build's strictest level is the precheck's.
		expect(tool(after, "get_order")).toMatchObject({ fee_cents: 0, auth_level: "authenticated" });
		expect(after.has("checkout")).toBe(false);
		const service = await stored();
		expect(service.spec.kind === "url" && service.spec.refused).toEqual([
			{
				tool: "checkout",
				field: "tool",
				wanted: { purchase: expect.objectContaining({ kind: "purchase" }) },
				kept: null,
			},
			{ tool: "get_order", field: "auth_level", wanted: "identified", kept: "authenticated" },
		]);
		expect(service.card.has_purchases).toBe(false);
		expect((await health()).registry.policy_refused).toEqual([ID]);
	});
});
