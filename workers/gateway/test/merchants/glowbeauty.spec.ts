import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, json } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

interface Totals {
	subtotal_cents: number;
	discount_cents: number;
	shipping_cents: number;
	tax_cents: number;
	total_cents: number;
}
interface Quote {
	quote_id: string;
	totals: Totals;
	promo: { code: string } | null;
}
interface Order {
	order_id: string;
	status: string;
	totals: Totals;
}
interface Variant {
	variant_id: string;
	stock: number;
	kind: string;
}

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("glowbeauty");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

const ADDRESS = {
	name: "Grace Hopper",
	street: "1 Pike St",
	city: "Seattle",
	state: "WA",
	postal_code: "98101",
};

describe("glowbeauty through the gateway", () => {
	it("is listed as a beauty-retail service with its seven tools", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/glowbeauty"));
		expect(body.service).toMatchObject({ category: "beauty-retail", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"checkout",
			"get_order",
			"get_product",
			"list_brands",
			"list_categories",
			"quote_cart",
			"search_products",
		]);
	});

	it("browses brands, categories and products with the provider key injected", async () => {
		const brands = await execute<{ brands: { brand_id: string }[] }>("list_brands", {});
		expect(brands.brands.map((b) => b.brand_id)).toContain("seoul-glow");
		const categories = await execute<{ categories: { category: string }[] }>("list_categories", {});
		expect(categories.categories.map((c) => c.category)).toContain("sunscreen");
		const found = await execute<{ products: { product_id: string; category: string }[] }>("search_products", {
			category: "sunscreen",
			skin_type: "oily",
			in_stock: "true",
		});
		expect(found.products.length).toBeGreaterThan(0);
		expect(found.products.every((p) => p.category === "sunscreen")).toBe(true);
		const product = await execute<{ variants: Variant[] }>("get_product", {
			product_id: "bare-canvas-long-wear-matte-foundation",
		});
		expect(product.variants).toHaveLength(12);
		expect(product.variants.every((v) => v.kind === "shade")).toBe(true);
	});

	it("passes an unusable promo code through as a problem with the merchant's message", async () => {
		const problem = await expectProblem(
			await call("/v1/services/glowbeauty/tools/quote_cart", {
				key: shop.key,
				body: {
					parameters: {
						items: [{ variant_id: "haus-of-hue-satin-lipstick--rosewood", quantity: 1 }],
						shipping_address: ADDRESS,
						promo_code: "SUMMER24",
					},
				},
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("SUMMER24 has expired");
	});

	it("quotes a cart and checks it out through the gateway for exactly the merchant's total", async () => {
		const { variants } = await execute<{ variants: Variant[] }>("get_product", {
			product_id: "seoul-glow-hyaluronic-acid-hydrating-serum",
		});
		const inStock = variants.find((v) => v.stock >= 2);
		if (!inStock) throw new Error("no serum in stock");
		const { quote, result: order } = await shop.buy<Quote, Order>("checkout", {
			items: [{ variant_id: inStock.variant_id, quantity: 2 }],
			shipping_address: ADDRESS,
			shipping_method: "express",
			promo_code: "SKIN20",
		});
		const t = quote.details.totals;
		expect(quote.amount_cents).toBe(t.total_cents);
		expect(quote.amount_cents).toBe(t.subtotal_cents - t.discount_cents + t.shipping_cents + t.tax_cents);
		expect(t.discount_cents).toBe(Math.round(t.subtotal_cents / 5));
		expect(t.shipping_cents).toBe(1295);
		expect(quote.details.promo?.code).toBe("SKIN20");
		expect(order.totals).toEqual(t);

		const tracked = await execute<Order>("get_order", { order_id: order.order_id });
		expect(tracked).toMatchObject({ order_id: order.order_id, status: "confirmed", totals: t });
		await shop.expectBooksBalance();
	});
});
