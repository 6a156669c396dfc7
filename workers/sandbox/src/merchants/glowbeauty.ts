import { Hono } from "hono";
import { z } from "zod";
import glowbeautySpec from "../../../../providers/glowbeauty/openapi.yaml";
import { MerchantError } from "../lib/errors.ts";
import { idempotencyKeyOf, type PurchaseTerms, placePurchase, storedDocument } from "../lib/purchase.ts";
import { seeded } from "../lib/random.ts";
import { parseJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp } from "../merchant.ts";
import {
	BRANDS,
	CATEGORY_IDS,
	FEATURES,
	GROUPS,
	PRODUCTS,
	type Product,
	SKIN_TYPES,
} from "./glowbeauty.data.ts";
import {
	cartLineSchema,
	cartRequestSchema,
	deliveryEstimate,
	FREE_SHIPPING_CENTS,
	priceCart,
	QUOTE_TTL_MS,
	SHIPPING_METHODS,
	totalsSchema,
} from "./glowbeauty.pricing.ts";

const MERCHANT_ID = "glowbeauty";
const CURRENCY = "USD";

const TERMS: PurchaseTerms = {
	purchase: "POST /checkout",
	quote: "POST /cart/quote",
	hold: "15 minutes",
	repeat: "the items, shipping address, shipping method and promo code",
};

const iso = (ms: number): string => new Date(ms).toISOString();

function summary(product: Product) {
	const prices = product.variants.map((v) => v.price_cents);
	return {
		product_id: product.product_id,
		name: product.name,
		brand: { brand_id: product.brand.brand_id, name: product.brand.name },
		category: product.category,
		group: product.group,
		price_range: { min_cents: Math.min(...prices), max_cents: Math.max(...prices) },
		rating: product.rating,
		review_count: product.review_count,
		skin_types: product.skin_types,
		features: product.features,
		variant_count: product.variants.length,
		in_stock: product.variants.some((v) => v.stock > 0),
	};
}

function findProduct(productId: string): Product {
	const product = PRODUCTS.find((p) => p.product_id === productId);
	if (!product) {
		throw new MerchantError(
			404,
			"product_not_found",
			`No product "${productId}". Search with GET /products.`,
		);
	}
	return product;
}

const searchQuery = z.object({
	query: z.string().trim().min(1).max(100).optional(),
	brand: z.string().trim().toLowerCase().min(1).max(60).optional(),
	category: z.string().trim().toLowerCase().pipe(z.enum(CATEGORY_IDS)).optional(),
	group: z.string().trim().toLowerCase().pipe(z.enum(GROUPS)).optional(),
	skin_type: z.string().trim().toLowerCase().pipe(z.enum(SKIN_TYPES)).optional(),
	feature: z.string().trim().toLowerCase().pipe(z.enum(FEATURES)).optional(),
	min_price_cents: z.coerce.number().int().min(0).optional(),
	max_price_cents: z.coerce.number().int().min(0).optional(),
	in_stock: z.enum(["true", "false"]).optional(),
	sort: z.enum(["rating", "price_asc", "price_desc", "reviews"]).default("rating"),
	limit: z.coerce.number().int().min(1).max(50).default(12),
	offset: z.coerce.number().int().min(0).default(0),
});

function searchText(product: Product): string {
	return [
		product.name,
		product.brand.name,
		product.category.replace("_", " "),
		product.group,
		product.description,
		...product.ingredients,
		...product.features.map((f) => f.replace("_", " ")),
	]
		.join(" ")
		.toLowerCase();
}

const orderDocumentSchema = z.object({
	order_id: z.string(),
	order_number: z.string(),
	quote_id: z.string(),
	lines: z.array(cartLineSchema),
	shipping_address: cartRequestSchema.shape.shipping_address,
	shipping_method: z.enum(["standard", "express", "overnight"]),
	shipping_fee_cents: z.number().int(),
	estimated_delivery: z.object({ earliest: z.string(), latest: z.string() }),
	shipped_at_ms: z.number().int(),
	delivered_at_ms: z.number().int(),
	promo: z.object({ code: z.string(), description: z.string() }).nullable(),
	totals: totalsSchema.extend({ adjustment_cents: z.number().int().optional() }),
	currency: z.string(),
	placed_at_ms: z.number().int(),
});

type OrderDocument = z.output<typeof orderDocumentSchema>;

/** Minutes after placing at which an order starts being picked and packed. */
const PROCESSING_AFTER_MS = 60 * 60_000;

/** The order as the customer sees it at `at`: it is packed, shipped and delivered as the merchant's clock moves. */
function renderOrder(order: OrderDocument, at: number) {
	const { placed_at_ms: placedAt, shipped_at_ms: shippedAt, delivered_at_ms: deliveredAt, ...rest } = order;
	const stages = [
		{ status: "confirmed", at: placedAt },
		{ status: "processing", at: placedAt + PROCESSING_AFTER_MS },
		{ status: "shipped", at: shippedAt },
		{ status: "delivered", at: deliveredAt },
	];
	const reached = stages.filter((stage) => stage.at <= at);
	const status = reached.at(-1)?.status ?? "confirmed";
	const shipped = status === "shipped" || status === "delivered";
	const r = seeded(MERCHANT_ID, order.order_id, "tracking");
	const method = SHIPPING_METHODS[order.shipping_method];
	return {
		...rest,
		status,
		status_history: (reached.length > 0 ? reached : stages.slice(0, 1)).map((stage) => ({
			status: stage.status,
			at: iso(stage.at),
		})),
		placed_at: iso(placedAt),
		tracking: shipped
			? {
					carrier: method.carrier,
					tracking_number: `${method.carrier === "USPS" ? "9400" : "1Z"}${String(r.int(10_000_000, 99_999_999))}${String(r.int(10_000_000, 99_999_999))}`,
				}
			: null,
	};
}

const routes = new Hono<SandboxApp>();

routes.get("/brands", (c) =>
	c.json({
		brands: BRANDS.map((brand) => {
			const products = PRODUCTS.filter((p) => p.brand.brand_id === brand.brand_id);
			return {
				brand_id: brand.brand_id,
				name: brand.name,
				origin: brand.origin,
				description: brand.description,
				features: brand.features,
				product_count: products.length,
				categories: [...new Set(products.map((p) => p.category))].sort(),
			};
		}),
	}),
);

routes.get("/categories", (c) =>
	c.json({
		categories: CATEGORY_IDS.map((category) => {
			const products = PRODUCTS.filter((p) => p.category === category);
			return {
				category,
				group: products[0]?.group ?? "skincare",
				product_count: products.length,
				brands: [...new Set(products.map((p) => p.brand.brand_id))].sort(),
			};
		}).filter((entry) => entry.product_count > 0),
	}),
);

routes.get("/products", (c) => {
	const query = parseQuery(c, searchQuery);
	const words = query.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
	const brand =
		query.brand === undefined
			? undefined
			: BRANDS.find((b) => b.brand_id === query.brand || b.name.toLowerCase() === query.brand);
	if (query.brand !== undefined && !brand) {
		throw new MerchantError(
			404,
			"brand_not_found",
			`No brand "${query.brand}". List brands with GET /brands.`,
			{
				brands: BRANDS.map((b) => b.brand_id),
			},
		);
	}
	const found = PRODUCTS.filter((p) => {
		const min = Math.min(...p.variants.map((v) => v.price_cents));
		return (
			(!brand || p.brand.brand_id === brand.brand_id) &&
			(!query.category || p.category === query.category) &&
			(!query.group || p.group === query.group) &&
			(!query.skin_type || p.skin_types.includes(query.skin_type)) &&
			(!query.feature || p.features.includes(query.feature)) &&
			(query.min_price_cents === undefined || min >= query.min_price_cents) &&
			(query.max_price_cents === undefined || min <= query.max_price_cents) &&
			(query.in_stock !== "true" || p.variants.some((v) => v.stock > 0)) &&
			words.every((w) => searchText(p).includes(w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w))
		);
	}).map(summary);
	const key = {
		rating: (p: ReturnType<typeof summary>) => -p.rating,
		reviews: (p: ReturnType<typeof summary>) => -p.review_count,
		price_asc: (p: ReturnType<typeof summary>) => p.price_range.min_cents,
		price_desc: (p: ReturnType<typeof summary>) => -p.price_range.min_cents,
	}[query.sort];
	found.sort((a, b) => key(a) - key(b) || a.product_id.localeCompare(b.product_id));
	return c.json({
		products: found.slice(query.offset, query.offset + query.limit),
		total: found.length,
		limit: query.limit,
		offset: query.offset,
	});
});

routes.get("/products/:product_id", (c) => {
	const product = findProduct(parseParams(c, z.object({ product_id: z.string().min(1) })).product_id);
	return c.json({
		...summary(product),
		description: product.description,
		ingredients: product.ingredients,
		brand_origin: product.brand.origin,
		variants: product.variants.map((v) => ({ ...v, in_stock: v.stock > 0 })),
	});
});

routes.post("/cart/quote", async (c) => {
	const request = await parseJsonBody(c, cartRequestSchema);
	const priced = priceCart(request);
	const createdAt = now(c);
	const estimate = deliveryEstimate(priced.shipping_method, createdAt);
	const quote = {
		quote_id: `cq_${crypto.randomUUID().replaceAll("-", "")}`,
		lines: priced.lines,
		shipping_address: request.shipping_address,
		shipping: {
			method: priced.shipping_method,
			fee_cents: priced.shipping_fee_cents,
			free_shipping_threshold_cents: FREE_SHIPPING_CENTS,
			estimated_delivery: { earliest: estimate.earliest, latest: estimate.latest },
		},
		promo: priced.promo,
		tax_rate_percent: priced.tax_rate_percent,
		totals: priced.totals,
		currency: CURRENCY,
		created_at: iso(createdAt),
		expires_at: iso(createdAt + QUOTE_TTL_MS),
	};
	await merchantStore(c, MERCHANT_ID).saveQuote({
		quote_id: quote.quote_id,
		total_cents: priced.totals.total_cents,
		created_at: createdAt,
		expires_at: createdAt + QUOTE_TTL_MS,
		document: JSON.stringify(quote),
	});
	return c.json(quote, 201);
});

routes.post("/checkout", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const request = await parseJsonBody(c, cartRequestSchema.extend({ quote_id: z.string().trim().min(1) }));
	const priced = priceCart(request);
	const at = now(c);
	const estimate = deliveryEstimate(priced.shipping_method, at);
	const delta = c.get("faults").amountDeltaCents;
	const orderId = crypto.randomUUID();
	const r = seeded(MERCHANT_ID, orderId, "number");
	const document: OrderDocument = {
		order_id: orderId,
		order_number: `GB-${r.int(1000, 9999)}-${r.int(1000, 9999)}`,
		quote_id: request.quote_id,
		lines: priced.lines,
		shipping_address: request.shipping_address,
		shipping_method: priced.shipping_method,
		shipping_fee_cents: priced.shipping_fee_cents,
		estimated_delivery: { earliest: estimate.earliest, latest: estimate.latest },
		shipped_at_ms: estimate.shipped_at_ms,
		delivered_at_ms: estimate.delivered_at_ms,
		promo: priced.promo,
		// The amount-delta fault plays a merchant that charges other than it quoted.
		totals: {
			...priced.totals,
			total_cents: priced.totals.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		currency: CURRENCY,
		placed_at_ms: at,
	};
	const placed = await placePurchase(c, merchantStore(c, MERCHANT_ID), {
		idempotencyKey: key,
		request,
		quoteId: request.quote_id,
		expectedTotalCents: priced.totals.total_cents,
		id: orderId,
		totalCents: document.totals.total_cents,
		document,
		terms: TERMS,
	});
	return c.json(renderOrder(orderDocumentSchema.parse(JSON.parse(placed.document)), at), 201);
});

routes.get("/orders/:order_id", async (c) => {
	const { order_id } = parseParams(c, z.object({ order_id: z.string().min(1).max(64) }));
	const raw = await storedDocument(merchantStore(c, MERCHANT_ID), order_id);
	const order = raw === null ? undefined : orderDocumentSchema.safeParse(JSON.parse(raw)).data;
	if (!order) throw new MerchantError(404, "order_not_found", `No order "${order_id}".`);
	return c.json(renderOrder(order, now(c)));
});

/** GlowBeauty: beauty retail with shades and sizes in stock, cart quotes with promo codes, checkout and shipping. */
export const glowbeauty: Merchant = {
	id: MERCHANT_ID,
	name: "GlowBeauty",
	specYaml: glowbeautySpec,
	apiKeyHeader: "X-API-Key",
	routes,
};
