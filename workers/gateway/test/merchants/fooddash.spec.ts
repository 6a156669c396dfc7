import { readAmountCents } from "@penumbra/core/purchase";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

interface RestaurantSummary {
	restaurant_id: string;
	name: string;
	city: string;
}
interface Restaurant extends RestaurantSummary {
	address: string;
	menu_sections: string[];
	item_count: number;
}
interface Menu {
	restaurant_id: string;
	sections: { name: string; items: { item_id: string; name: string; price_cents: number }[] }[];
	item_count: number;
}
interface Pricing {
	subtotal_cents: number;
	delivery_fee_cents: number;
	service_fee_cents: number;
	tax_cents: number;
	tip_cents: number;
	total_cents: number;
}
interface Line {
	item_id: string;
	quantity: number;
}
interface Quote {
	quote_id: string;
	restaurant: { restaurant_id: string; name: string };
	items: Line[];
	pricing: Pricing;
}
interface Order {
	order_uuid: string;
	quote_id: string;
	status: string;
	restaurant: { restaurant_id: string };
	items: Line[];
	totals: Pricing;
	courier: unknown;
}

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("fooddash");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

/** Four of the menu's first item from Austin's first restaurant, delivered in Austin: above every minimum order. */
async function order(): Promise<{ restaurant: RestaurantSummary; parameters: Record<string, unknown> }> {
	const found = await execute<{ restaurants: RestaurantSummary[] }>("search_restaurants", { city: "austin" });
	const restaurant = found.restaurants[0];
	if (!restaurant) throw new Error("no restaurant in Austin");
	const menu = await execute<Menu>("get_menu", { restaurant_id: restaurant.restaurant_id });
	const item = menu.sections[0]?.items[0];
	if (!item) throw new Error(`no menu at ${restaurant.restaurant_id}`);
	return {
		restaurant,
		parameters: {
			restaurant_id: restaurant.restaurant_id,
			items: [{ item_id: item.item_id, quantity: 4 }],
			delivery_address: { street: "100 Congress Ave", city: restaurant.city },
			tip_cents: 300,
		},
	};
}

// purchase.spec.ts covers fooddash's checkout against the owner's controls and faults; this file covers the rest
// of its tools through the gateway, and the order a checkout through the gateway places.
describe("fooddash through the gateway", () => {
	it("lists delivery cities and a restaurant's card with the provider key injected", async () => {
		const { cities } = await execute<{ cities: { city: string; restaurant_count: number }[] }>(
			"list_delivery_cities",
			{},
		);
		expect(cities.map((c) => c.city).sort()).toEqual([
			"austin",
			"chicago",
			"new-york",
			"san-francisco",
			"seattle",
		]);
		expect(cities.every((c) => c.restaurant_count > 0)).toBe(true);

		const { restaurant } = await order();
		const card = await execute<Restaurant>("get_restaurant", { restaurant_id: restaurant.restaurant_id });
		expect(card).toMatchObject({
			restaurant_id: restaurant.restaurant_id,
			name: restaurant.name,
			city: "austin",
		});
		const menu = await execute<Menu>("get_menu", { restaurant_id: restaurant.restaurant_id });
		expect(card.menu_sections).toEqual(menu.sections.map((s) => s.name));
		expect(card.item_count).toBe(menu.item_count);
		await shop.expectBooksBalance();
	});

	it("passes the merchant's refusals through as problems with its suggestion", async () => {
		const problem = await expectProblem(
			await call("/v1/services/fooddash/tools/search_restaurants", {
				key: shop.key,
				body: { parameters: { city: "austn" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(problem.upstream_message).toContain("Did you mean austin");
		await shop.expectBooksBalance();
	});

	it("prices an order as a plain tool for its listed fee, reserving nothing", async () => {
		const { parameters } = await order();
		const quote = await execute<Quote>("get_checkout_quote", parameters);
		const precheck = shop.tool("get_checkout_quote").purchase;
		if (precheck?.kind !== "precheck") throw new Error("get_checkout_quote is not a precheck");
		const { total_cents: total, ...parts } = quote.pricing;
		expect(readAmountCents(quote, precheck.amount_path)).toBe(total);
		expect(total).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(quote.pricing.tip_cents).toBe(300);
		expect(quote.items).toEqual([expect.objectContaining({ item_id: expect.any(String), quantity: 4 })]);
		await shop.expectBooksBalance();
	});

	it("checks out through the gateway with the merchant's own quote filled in, then tracks the order", async () => {
		const { restaurant, parameters } = await order();
		const { quote, result: placed } = await shop.buy<Quote, Order>("checkout", parameters);
		// The gateway sent the precheck's quote_id, which the merchant records on the order.
		expect(placed).toMatchObject({
			quote_id: quote.details.quote_id,
			status: "confirmed",
			restaurant: { restaurant_id: restaurant.restaurant_id },
			totals: quote.details.pricing,
		});
		expect(placed.items).toEqual(quote.details.items);

		const tracked = await execute<Order>("get_order", { order_uuid: placed.order_uuid });
		expect(tracked).toMatchObject({
			order_uuid: placed.order_uuid,
			quote_id: quote.details.quote_id,
			status: "confirmed",
			totals: quote.details.pricing,
			courier: null,
		});
		await shop.expectBooksBalance();
	});
});
