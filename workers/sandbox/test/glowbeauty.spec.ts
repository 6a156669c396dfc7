import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json, minutes } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const KEY = { "x-api-key": "sandbox-test-key" };

interface Summary {
	product_id: string;
	brand: { brand_id: string; name: string };
	category: string;
	group: string;
	price_range: { min_cents: number; max_cents: number };
	rating: number;
	skin_types: string[];
	features: string[];
	in_stock: boolean;
}
interface SearchResult {
	products: Summary[];
	total: number;
}
interface Variant {
	variant_id: string;
	name: string;
	kind: string;
	shade_hex: string | null;
	price_cents: number;
	stock: number;
	in_stock: boolean;
}
interface Detail extends Summary {
	ingredients: string[];
	variants: Variant[];
}
interface Totals {
	subtotal_cents: number;
	discount_cents: number;
	shipping_cents: number;
	tax_cents: number;
	total_cents: number;
	adjustment_cents?: number;
}
interface Line {
	variant_id: string;
	quantity: number;
	unit_price_cents: number;
	line_total_cents: number;
	discount_cents: number;
}
interface Quote {
	quote_id: string;
	lines: Line[];
	shipping: { method: string; fee_cents: number; estimated_delivery: { earliest: string; latest: string } };
	promo: { code: string; description: string } | null;
	tax_rate_percent: number;
	totals: Totals;
	created_at: string;
	expires_at: string;
}
interface Order {
	order_id: string;
	order_number: string;
	quote_id: string;
	status: string;
	status_history: { status: string; at: string }[];
	totals: Totals;
	estimated_delivery: { earliest: string; latest: string };
	placed_at: string;
	tracking: { carrier: string; tracking_number: string } | null;
}

const get = (path: string, fault?: string) =>
	call(`/glowbeauty${path}`, { headers: { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) } });

const ADDRESS = {
	name: "Ada Lovelace",
	street: "350 5th Ave",
	city: "New York",
	state: "NY",
	postal_code: "10118",
};
const SERUM = "dewdrop-labs-vitamin-c-15-serum--60-ml";
const LIPSTICK = "haus-of-hue-satin-lipstick--rosewood";
const CART = {
	items: [
		{ variant_id: SERUM, quantity: 1 },
		{ variant_id: LIPSTICK, quantity: 2 },
	],
	shipping_address: ADDRESS,
};

async function variant(variantId: string): Promise<Variant> {
	const productId = variantId.split("--")[0];
	const product = await json<Detail>(await get(`/products/${productId}`));
	const found = product.variants.find((v) => v.variant_id === variantId);
	if (!found) throw new Error(`no variant ${variantId}`);
	return found;
}

async function quote(body: unknown = CART): Promise<Quote> {
	const response = await call("/glowbeauty/cart/quote", { headers: KEY, body });
	expect(response.status, await response.clone().text()).toBe(201);
	return json<Quote>(response);
}

const quoteError = (body: unknown) => call("/glowbeauty/cart/quote", { headers: KEY, body });

function checkout(body: unknown, key: string | undefined = crypto.randomUUID(), fault?: string) {
	const headers: Record<string, string> = {
		...KEY,
		...(key === undefined ? {} : { "idempotency-key": key }),
		...(fault ? { "x-sandbox-fault": fault } : {}),
	};
	return call("/glowbeauty/checkout", { headers, body });
}

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/glowbeauty/openapi.json"));
});

describe("glowbeauty catalog", () => {
	it("carries a dozen brands and dozens of products across skincare, makeup, hair and fragrance", async () => {
		const brands = await json<{ brands: { brand_id: string; product_count: number }[] }>(
			await get("/brands"),
		);
		expectSchema(spec, "BrandList", brands);
		expect(brands.brands).toHaveLength(12);
		const all = await json<SearchResult>(await get("/products?limit=50"));
		expect(all.total).toBeGreaterThanOrEqual(60);
		expect(brands.brands.reduce((sum, b) => sum + b.product_count, 0)).toBe(all.total);
		const categories = await json<{
			categories: { category: string; group: string; product_count: number }[];
		}>(await get("/categories"));
		expectSchema(spec, "CategoryList", categories);
		expect(new Set(categories.categories.map((c) => c.group))).toEqual(
			new Set(["skincare", "makeup", "hair", "fragrance"]),
		);
	});

	it("filters by brand, category, skin type, feature and price, and sorts", async () => {
		const serums = await json<SearchResult>(await get("/products?category=serum&skin_type=oily&limit=50"));
		expectSchema(spec, "ProductSearchResult", serums);
		expect(serums.total).toBeGreaterThan(2);
		for (const p of serums.products) {
			expect(p.category).toBe("serum");
			expect(p.skin_types).toContain("oily");
		}
		const brand = await json<SearchResult>(await get("/products?brand=Haus%20of%20Hue"));
		expect(brand.products.every((p) => p.brand.brand_id === "haus-of-hue")).toBe(true);
		const vegan = await json<SearchResult>(await get("/products?feature=vegan&limit=50"));
		expect(vegan.products.every((p) => p.features.includes("vegan"))).toBe(true);
		const cheap = await json<SearchResult>(
			await get("/products?max_price_cents=1000&sort=price_asc&limit=50"),
		);
		const prices = cheap.products.map((p) => p.price_range.min_cents);
		expect(prices).toEqual([...prices].sort((a, b) => a - b));
		expect(prices.every((p) => p <= 1000)).toBe(true);
		const ratings = (await json<SearchResult>(await get("/products?group=fragrance"))).products.map(
			(p) => p.rating,
		);
		expect(ratings).toEqual([...ratings].sort((a, b) => b - a));
	});

	it("matches free text against names and key ingredients", async () => {
		const niacinamide = await json<SearchResult>(await get("/products?query=niacinamide&limit=50"));
		expect(niacinamide.total).toBeGreaterThan(0);
		for (const p of niacinamide.products) {
			const detail = await json<Detail>(await get(`/products/${p.product_id}`));
			expect(
				`${detail.ingredients.join(" ")} ${detail.product_id}`.toLowerCase().includes("niacinamide"),
			).toBe(true);
		}
		expect((await json<SearchResult>(await get("/products?query=zzzz"))).total).toBe(0);
	});

	it("describes products with shades (colors) or sizes, each priced and stocked", async () => {
		const lipstick = await json<Detail>(await get("/products/haus-of-hue-satin-lipstick"));
		expectSchema(spec, "ProductDetail", lipstick);
		expect(lipstick.variants.length).toBe(8);
		for (const v of lipstick.variants) {
			expect(v.kind).toBe("shade");
			expect(v.shade_hex).toMatch(/^#[0-9A-F]{6}$/);
			expect(v.in_stock).toBe(v.stock > 0);
		}
		const serum = await json<Detail>(await get("/products/dewdrop-labs-vitamin-c-15-serum"));
		expect(serum.variants.map((v) => v.name)).toEqual(["15 ml", "30 ml", "60 ml"]);
		const perMl = serum.variants.map((v) => v.price_cents / Number.parseInt(v.name, 10));
		expect(perMl).toEqual([...perMl].sort((a, b) => b - a));
		expect(serum.price_range).toEqual({
			min_cents: serum.variants[0]?.price_cents,
			max_cents: serum.variants[2]?.price_cents,
		});
		expect(await json(await get("/products/dewdrop-labs-vitamin-c-15-serum"))).toEqual(serum);
	});

	it("answers unknown products and brands with 404 and bad filters with 400", async () => {
		await expectError(await get("/products/nope"), 404, "product_not_found");
		const brand = await expectError(await get("/products?brand=acme"), 404, "brand_not_found");
		expect(brand.brands).toContain("dewdrop-labs");
		await expectError(await get("/products?skin_type=scaly"), 400, "invalid_request");
	});
});

describe("glowbeauty quote_cart (precheck)", () => {
	it("prices lines, shipping and the state's sales tax into the total, in integer cents", async () => {
		const [serum, lipstick] = [await variant(SERUM), await variant(LIPSTICK)];
		const q = await quote();
		expectSchema(spec, "CartQuote", q);
		const subtotal = serum.price_cents + 2 * lipstick.price_cents;
		expect(q.totals).toEqual({
			subtotal_cents: subtotal,
			discount_cents: 0,
			shipping_cents: 0,
			tax_cents: Math.round((subtotal * 8530) / 100_000),
			total_cents: subtotal + Math.round((subtotal * 8530) / 100_000),
		});
		expect(q.tax_rate_percent).toBe(8.53);
		expect(q.lines.map((l) => l.line_total_cents)).toEqual([serum.price_cents, 2 * lipstick.price_cents]);
		expect(q.shipping.estimated_delivery.earliest <= q.shipping.estimated_delivery.latest).toBe(true);
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(15 * 60_000);
	});

	it("charges shipping below $35, by method, and no tax in Oregon", async () => {
		const cleanser = "pure-theory-clarifying-salicylic-cleanser--150-ml";
		const small = { items: [{ variant_id: cleanser, quantity: 1 }], shipping_address: ADDRESS };
		expect((await quote(small)).totals.shipping_cents).toBe(595);
		expect((await quote({ ...small, shipping_method: "express" })).totals.shipping_cents).toBe(1295);
		expect((await quote({ ...CART, shipping_method: "overnight" })).totals.shipping_cents).toBe(2495);
		const oregon = await quote({
			...CART,
			shipping_address: { ...ADDRESS, state: "or", postal_code: "97205" },
		});
		expect(oregon.totals.tax_cents).toBe(0);
		expect(oregon.totals.total_cents).toBe(oregon.totals.subtotal_cents);
	});

	it("applies promo codes to the lines they cover", async () => {
		const glow = await quote({ ...CART, promo_code: "glow10" });
		expect(glow.promo).toEqual({ code: "GLOW10", description: "10% off your order" });
		expect(glow.lines.map((l) => l.discount_cents)).toEqual(
			glow.lines.map((l) => Math.round(l.line_total_cents / 10)),
		);
		expect(glow.totals.discount_cents).toBe(glow.lines.reduce((s, l) => s + l.discount_cents, 0));
		const merchandise = glow.totals.subtotal_cents - glow.totals.discount_cents;
		expect(glow.totals.tax_cents).toBe(Math.round((merchandise * 8530) / 100_000));
		expect(glow.totals.total_cents).toBe(merchandise + glow.totals.shipping_cents + glow.totals.tax_cents);

		// SKIN20 discounts the serum, not the lipstick.
		const skin = await quote({ ...CART, promo_code: "SKIN20" });
		expect(skin.lines.map((l) => l.discount_cents)).toEqual([
			Math.round((skin.lines[0]?.line_total_cents ?? 0) / 5),
			0,
		]);

		const cheap = {
			items: [{ variant_id: "pure-theory-hydrating-sheet-mask-5-pack--standard", quantity: 1 }],
			shipping_address: ADDRESS,
		};
		expect((await quote({ ...cheap, promo_code: "FREESHIP" })).totals.shipping_cents).toBe(0);
		await expectError(await quoteError({ ...cheap, promo_code: "WELCOME15" }), 422, "promo_not_applicable");
		await expectError(
			await quoteError({ ...cheap, promo_code: "FREESHIP", shipping_method: "express" }),
			422,
			"promo_not_applicable",
		);
		await expectError(await quoteError({ ...CART, promo_code: "SUMMER24" }), 422, "promo_expired");
		await expectError(await quoteError({ ...CART, promo_code: "FREEMONEY" }), 422, "invalid_promo_code");
	});

	it("refuses out-of-stock and short-stock variants with what is available", async () => {
		const gone = await expectError(
			await quoteError({
				...CART,
				items: [{ variant_id: "dewdrop-labs-vitamin-c-15-serum--30-ml", quantity: 1 }],
			}),
			422,
			"insufficient_stock",
		);
		expect(gone.available).toBe(0);
		const few = await variant("bare-canvas-radiant-creamy-concealer--5w-golden");
		const short = await expectError(
			await quoteError({ ...CART, items: [{ variant_id: few.variant_id, quantity: few.stock + 1 }] }),
			422,
			"insufficient_stock",
		);
		expect(short.available).toBe(few.stock);
		// Repeated lines add up.
		const doubled = await quote({ ...CART, items: [...CART.items, { variant_id: LIPSTICK, quantity: 1 }] });
		expect(doubled.lines.find((l) => l.variant_id === LIPSTICK)?.quantity).toBe(3);
	});

	it("refuses unknown variants, unserved destinations and malformed addresses", async () => {
		await expectError(
			await quoteError({ ...CART, items: [{ variant_id: "nope--x", quantity: 1 }] }),
			422,
			"variant_not_found",
		);
		await expectError(
			await quoteError({ ...CART, shipping_address: { ...ADDRESS, state: "PR" } }),
			422,
			"cannot_ship_to",
		);
		const zip = await expectError(
			await quoteError({ ...CART, shipping_address: { ...ADDRESS, postal_code: "SW1A 1AA" } }),
			400,
			"invalid_request",
		);
		expect(zip.details).toEqual([expect.objectContaining({ field: "body.shipping_address.postal_code" })]);
		await expectError(
			await quoteError({ ...CART, items: [{ variant_id: LIPSTICK, quantity: 11 }] }),
			400,
			"invalid_request",
		);
	});
});

describe("glowbeauty checkout (purchase)", () => {
	it("places the quoted order and tracks it through shipping to delivery", async () => {
		const q = await quote({ ...CART, promo_code: "GLOW10" });
		const response = await checkout({ ...CART, promo_code: "GLOW10", quote_id: q.quote_id });
		expect(response.status).toBe(201);
		const order = await json<Order>(response);
		expectSchema(spec, "Order", order);
		expect(order).toMatchObject({
			quote_id: q.quote_id,
			status: "confirmed",
			totals: q.totals,
			tracking: null,
		});
		expect(order.order_number).toMatch(/^GB-\d{4}-\d{4}$/);

		const at = async (m: number) => json<Order>(await get(`/orders/${order.order_id}`, minutes(m)));
		expect((await at(30)).status).toBe("confirmed");
		expect((await at(90)).status).toBe("processing");
		const shipped = await at(25 * 60);
		expect(shipped.status).toBe("shipped");
		expect(shipped.tracking?.carrier).toBe("USPS");
		const delivered = await at(8 * 24 * 60);
		expect(delivered.status).toBe("delivered");
		expect(delivered.tracking).toEqual(shipped.tracking);
		expect(delivered.status_history.map((s) => s.status)).toEqual([
			"confirmed",
			"processing",
			"shipped",
			"delivered",
		]);
		expect(delivered.status_history.at(-1)?.at.slice(0, 10)).toBe(order.estimated_delivery.latest);
		await expectError(await get(`/orders/${crypto.randomUUID()}`), 404, "order_not_found");
	});

	it("returns the same order for the same Idempotency-Key and never orders twice", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		const first = await json<Order>(await checkout({ ...CART, quote_id: q.quote_id }, key));
		const again = await checkout({ ...CART, quote_id: q.quote_id }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await json<Order>(again)).order_id).toBe(first.order_id);
		await expectError(await checkout({ ...CART, quote_id: q.quote_id }), 409, "quote_already_used");
		const other = await quote({ ...CART, shipping_method: "express" });
		await expectError(
			await checkout({ ...CART, shipping_method: "express", quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("refuses an expired quote and a cart that no longer matches it, with 409", async () => {
		const q = await quote({ ...CART, promo_code: "GLOW10" });
		const expired = await expectError(
			await checkout({ ...CART, promo_code: "GLOW10", quote_id: q.quote_id }, undefined, minutes(15)),
			409,
			"quote_expired",
		);
		expect(expired.expired_at).toBe(q.expires_at);
		const mismatch = await expectError(
			await checkout({ ...CART, quote_id: q.quote_id }),
			409,
			"total_mismatch",
		);
		expect(mismatch.quoted_total_cents).toBe(q.totals.total_cents);
		expect(mismatch.total_cents).toBeGreaterThan(q.totals.total_cents);
		expect(
			(await checkout({ ...CART, promo_code: "GLOW10", quote_id: q.quote_id }, undefined, "clock=899"))
				.status,
		).toBe(201);
	});

	it("needs an Idempotency-Key and a known quote, and reports amount-delta charges", async () => {
		const q = await quote();
		await expectError(
			await call("/glowbeauty/checkout", { headers: KEY, body: { ...CART, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await checkout({ ...CART, quote_id: "cq_nope" }), 404, "quote_not_found");
		const order = await json<Order>(
			await checkout({ ...CART, quote_id: q.quote_id }, undefined, "amount-delta=99"),
		);
		expect(order.totals.total_cents).toBe(q.totals.total_cents + 99);
		expect(order.totals.adjustment_cents).toBe(99);
	});
});

describe("glowbeauty auth and faults", () => {
	it("needs the X-API-Key header, and injects faults on its routes", async () => {
		await expectError(await call("/glowbeauty/brands"), 401, "unauthorized");
		await expectError(await get("/products", "status=502"), 502, "bad_gateway");
		const padded = await call("/_fault/large=8000/glowbeauty/categories", { headers: KEY });
		expect((await padded.text()).length).toBe(8000);
	});
});
