import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, json } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

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

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("freshcart");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

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
				key: shop.key,
				body: { parameters: { store_id: STORE, date: "2020-01-01" } },
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("Delivery slots are offered from");
	});

	it("quotes a basket and checks it out through the gateway for exactly the merchant's total", async () => {
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
		// An unknown item is refused at the quote: no gateway quote, nothing charged.
		await expectProblem(
			await call("/v1/quotes", {
				key: shop.key,
				body: { service: "freshcart", tool: "checkout", parameters },
			}),
			422,
			"VALIDATION_FAILED",
		);
		await shop.expectBooksBalance();
		parameters.items = [
			{ item_id: "chicken-breast", quantity: 2 },
			{ item_id: "broccoli-crowns", quantity: 2 },
			{ item_id: "trash-bags", quantity: 1 },
		];
		const { quote, result: order } = await shop.buy<Quote, Order>("checkout", parameters);
		const { total_cents: total, ...parts } = quote.details.pricing;
		expect(quote.amount_cents).toBe(total);
		expect(total).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(quote.details.pricing.delivery_fee_cents).toBe(slot.delivery_fee_cents);
		expect(quote.details.pricing.bag_fee_cents).toBe(7);
		expect(quote.details.pricing.tax_cents).toBeGreaterThan(0);
		expect(order.pricing).toEqual(quote.details.pricing);

		const tracked = await execute<Order>("get_order", { order_id: order.order_id });
		expect(tracked).toMatchObject({
			order_id: order.order_id,
			status: "scheduled",
			pricing: quote.details.pricing,
		});
		await shop.expectBooksBalance();
	});
});
