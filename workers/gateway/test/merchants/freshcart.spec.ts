import { beforeAll, describe, expect, it } from "vitest";
import { readAmountCents, readTransactionId } from "../../../../packages/core/src/purchase.ts";
import type { CompiledTool } from "../../../../packages/core/src/registry/types.ts";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// What the gateway injects from PROVIDER_FRESHCART_API_KEY; used for the direct purchase call.
const UPSTREAM_KEY = { "x-freshcart-key": "test-freshcart-key" };
const STORE = "chi-lincoln-park";

interface Pricing {
	subtotal_cents: number;
	bag_fee_cents: number;
	delivery_fee_cents: number;
	service_fee_cents: number;
	tax_cents: number;
	tip_cents: number;
	total_cents: number;
}
interface Quote {
	quote_id: string;
	pricing: Pricing;
	bags: number;
}
interface Order {
	order_id: string;
	status: string;
	pricing: Pricing;
}
interface Slot {
	slot_id: string;
	date: string;
	available: boolean;
	delivery_fee_cents: number;
}

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

function tool(name: string): CompiledTool {
	const found = providerService("freshcart").tools.find((t) => t.name === name);
	if (!found) throw new Error(`freshcart has no tool ${name}`);
	return found;
}

async function execute<T>(name: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/freshcart/tools/${name}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "freshcart", tool: name });
	return body.result;
}

describe("freshcart through the gateway", () => {
	it("is listed as a groceries service with its seven tools", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/freshcart"));
		expect(body.service).toMatchObject({ category: "groceries", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"checkout",
			"get_order",
			"list_aisles",
			"list_delivery_slots",
			"list_stores",
			"quote_basket",
			"search_items",
		]);
	});

	it("finds stores, aisles and items with the provider key injected", async () => {
		const stores = await execute<{ stores: { store_id: string; bag_fee_cents: number }[] }>("list_stores", {
			city: "chicago",
		});
		expect(stores.stores).toEqual([expect.objectContaining({ store_id: STORE, bag_fee_cents: 7 })]);
		const aisles = await execute<{ aisles: { aisle: string }[] }>("list_aisles", {});
		expect(aisles.aisles.map((a) => a.aisle)).toContain("frozen");
		const items = await execute<{ items: { item_id: string; aisle: string; tags: string[] }[] }>(
			"search_items",
			{ store_id: STORE, aisle: "produce", tag: "organic" },
		);
		expect(items.items.map((i) => i.item_id).sort()).toEqual([
			"baby-spinach",
			"blueberries",
			"organic-bananas",
		]);
	});

	it("passes the merchant's refusals through as problems with its message", async () => {
		const problem = await expectProblem(
			await call("/v1/services/freshcart/tools/list_delivery_slots", {
				key,
				body: { parameters: { store_id: STORE, date: "2020-01-01" } },
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("Delivery slots are offered from");
	});

	it("quotes a basket whose amount is the merchant's total; checkout charges exactly that", async () => {
		const { days } = await execute<{ days: { slots: Slot[] }[] }>("list_delivery_slots", { store_id: STORE });
		const slot = days.at(-1)?.slots.find((s) => s.available);
		if (!slot) throw new Error("no open window");
		const parameters = {
			store_id: STORE,
			items: [
				{ item_id: "chicken-breast", quantity: 2 },
				{ item_id: "jasmine-rice-nope", quantity: 1 },
			],
			slot_id: slot.slot_id,
			delivery_address: { street: "1550 N Kingsbury St", city: "Chicago" },
			tip_cents: 300,
		};
		await expectProblem(
			await call("/v1/services/freshcart/tools/quote_basket", { key, body: { parameters } }),
			422,
			"VALIDATION_FAILED",
		);
		parameters.items = [
			{ item_id: "chicken-breast", quantity: 2 },
			{ item_id: "broccoli-crowns", quantity: 2 },
			{ item_id: "trash-bags", quantity: 1 },
		];
		const quote = await execute<Quote>("quote_basket", parameters);
		const precheck = tool("quote_basket").purchase;
		if (precheck?.kind !== "precheck") throw new Error("quote_basket is not a precheck");
		const amount = readAmountCents(quote, precheck.amount_path);
		const { total_cents: total, ...parts } = quote.pricing;
		expect(amount).toBe(total);
		expect(amount).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(quote.pricing.delivery_fee_cents).toBe(slot.delivery_fee_cents);
		expect(quote.pricing.bag_fee_cents).toBe(7);
		expect(quote.pricing.tax_cents).toBeGreaterThan(0);

		const purchase = tool("checkout").purchase;
		if (purchase?.kind !== "purchase") throw new Error("checkout is not a purchase");
		expect(purchase.precheck).toBe("quote_basket");
		await expectProblem(
			await call("/v1/services/freshcart/tools/checkout", {
				key,
				body: { parameters: { ...parameters, quote_id: quote.quote_id, "Idempotency-Key": "k-1" } },
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);

		const response = await fetch(`${sandboxOrigin()}/freshcart/checkout`, {
			method: "POST",
			headers: {
				...UPSTREAM_KEY,
				"content-type": "application/json",
				"idempotency-key": crypto.randomUUID(),
			},
			body: JSON.stringify({ ...parameters, quote_id: quote.quote_id }),
		});
		expect(response.status).toBe(201);
		const order = await json<Order>(response);
		expect(readAmountCents(order, purchase.amount_path)).toBe(amount);
		expect(readTransactionId(order, purchase.transaction_id_path)).toBe(order.order_id);

		const tracked = await execute<Order>("get_order", { order_id: order.order_id });
		expect(tracked).toMatchObject({ order_id: order.order_id, status: "scheduled", pricing: quote.pricing });
	});
});
