import { Hono } from "hono";
import { z } from "zod";
import freshcartSpec from "../../../../providers/freshcart/openapi.yaml";
import { MerchantError } from "../lib/errors.ts";
import { idempotencyKeyOf, type PurchaseTerms, placePurchase, storedDocument } from "../lib/purchase.ts";
import { seeded } from "../lib/random.ts";
import { closest, slugify } from "../lib/text.ts";
import { parseJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp } from "../merchant.ts";
import {
	AISLE_IDS,
	AISLES,
	GROCERY_CITIES,
	type GroceryItem,
	ITEMS,
	STORES,
	type Store,
	TAGS,
} from "./freshcart.data.ts";
import {
	basketLineSchema,
	basketRequestSchema,
	cityOf,
	findStore,
	inStock,
	priceBasket,
	pricingSchema,
	QUOTE_TTL_MS,
	SLOT_CUTOFF_MINUTES,
	shelfPrice,
	slotDates,
	slotSchema,
	slotsOn,
	unitPrice,
} from "./freshcart.pricing.ts";

const MERCHANT_ID = "freshcart";
const CURRENCY = "USD";
/** The shopper starts picking this long before the delivery window opens. */
const SHOPPING_LEAD_MINUTES = SLOT_CUTOFF_MINUTES;

const TERMS: PurchaseTerms = {
	purchase: "POST /checkout",
	quote: "POST /basket/quote",
	hold: "10 minutes",
	repeat: "the store, items, delivery slot, address and tip",
};

const iso = (ms: number): string => new Date(ms).toISOString();

function itemCard(store: Store, item: GroceryItem) {
	const price = shelfPrice(item, cityOf(store));
	return {
		item_id: item.item_id,
		name: item.name,
		brand: item.brand,
		aisle: item.aisle,
		aisle_name: AISLES[item.aisle],
		size: item.size,
		price_cents: price,
		unit_price: unitPrice(item, price),
		taxable: item.taxable,
		tags: item.tags,
		in_stock: inStock(store, item),
	};
}

function storeCard(store: Store) {
	const city = cityOf(store);
	return {
		store_id: store.store_id,
		name: store.name,
		city: store.city,
		address: store.address,
		time_zone: city.time_zone,
		hours: store.hours,
		delivery_hours: { first_window: "08:00", last_window_ends: "22:00" },
		bag_fee_cents: city.bag_fee_cents,
		sales_tax_percent: city.tax_rate_milli_percent / 1000,
	};
}

const itemSearch = z.object({
	store_id: z.string().trim().min(1),
	query: z.string().trim().min(1).max(100).optional(),
	aisle: z.string().trim().toLowerCase().pipe(z.enum(AISLE_IDS)).optional(),
	brand: z.string().trim().min(1).max(60).optional(),
	tag: z.string().trim().toLowerCase().pipe(z.enum(TAGS)).optional(),
	in_stock: z.enum(["true", "false"]).optional(),
	sort: z.enum(["aisle", "price_asc", "price_desc", "unit_price"]).default("aisle"),
	limit: z.coerce.number().int().min(1).max(100).default(20),
	offset: z.coerce.number().int().min(0).default(0),
});

const SHOPPERS = ["Ana", "Ben", "Chloe", "Diego", "Esther", "Femi", "Gus", "Hana", "Ivan", "Jade"];

const orderDocumentSchema = z.object({
	order_id: z.string(),
	order_number: z.string(),
	quote_id: z.string(),
	store: z.object({ store_id: z.string(), name: z.string(), address: z.string() }),
	slot: slotSchema.omit({ available: true, date: true }),
	slot_start_ms: z.number().int(),
	delivered_after_minutes: z.number().int(),
	lines: z.array(basketLineSchema),
	bags: z.number().int(),
	delivery_address: basketRequestSchema.shape.delivery_address,
	pricing: pricingSchema.extend({ adjustment_cents: z.number().int().optional() }),
	currency: z.string(),
	placed_at_ms: z.number().int(),
});

type OrderDocument = z.output<typeof orderDocumentSchema>;

/** The order as the customer sees it at `at`: shopped, driven and delivered around its window. */
function renderOrder(order: OrderDocument, at: number) {
	const {
		placed_at_ms: placedAt,
		slot_start_ms: start,
		delivered_after_minutes: deliveredAfter,
		...rest
	} = order;
	const stages = [
		{ status: "scheduled", at: placedAt },
		{ status: "shopping", at: Math.max(placedAt, start - SHOPPING_LEAD_MINUTES * 60_000) },
		{ status: "out_for_delivery", at: start },
		{ status: "delivered", at: start + deliveredAfter * 60_000 },
	];
	const reached = stages.filter((stage) => stage.at <= at);
	const status = reached.at(-1)?.status ?? "scheduled";
	return {
		...rest,
		status,
		status_history: (reached.length > 0 ? reached : stages.slice(0, 1)).map((stage) => ({
			status: stage.status,
			at: iso(stage.at),
		})),
		placed_at: iso(placedAt),
		shopper:
			status === "scheduled" ? null : { name: seeded(MERCHANT_ID, order.order_id, "shopper").pick(SHOPPERS) },
	};
}

const routes = new Hono<SandboxApp>();

routes.get("/stores", (c) => {
	const { city } = parseQuery(c, z.object({ city: z.string().trim().min(1).max(80).optional() }));
	let stores = STORES;
	if (city !== undefined) {
		const wanted = slugify(city);
		const found = GROCERY_CITIES.find((g) => g.slug === wanted || slugify(g.name) === wanted);
		if (!found) {
			const supported = GROCERY_CITIES.map((g) => g.slug);
			throw new MerchantError(
				404,
				"city_not_served",
				`FreshCart does not deliver in "${city}" yet. Did you mean ${closest(wanted, supported).join(", ")}?`,
				{ supported_cities: supported },
			);
		}
		stores = STORES.filter((s) => s.city === found.slug);
	}
	return c.json({ stores: stores.map(storeCard) });
});

routes.get("/aisles", (c) =>
	c.json({
		aisles: AISLE_IDS.map((aisle) => {
			const items = ITEMS.filter((i) => i.aisle === aisle);
			return {
				aisle,
				name: AISLES[aisle],
				item_count: items.length,
				brands: [...new Set(items.map((i) => i.brand))].sort(),
			};
		}),
	}),
);

routes.get("/items", (c) => {
	const query = parseQuery(c, itemSearch);
	const store = findStore(query.store_id);
	const words = query.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
	const stem = (w: string) => (w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w);
	const cards = ITEMS.filter(
		(item) =>
			(!query.aisle || item.aisle === query.aisle) &&
			(!query.brand || item.brand.toLowerCase() === query.brand.toLowerCase()) &&
			(!query.tag || item.tags.includes(query.tag)) &&
			words.every((w) =>
				`${item.name} ${item.brand} ${AISLES[item.aisle]} ${item.tags.join(" ")}`
					.toLowerCase()
					.includes(stem(w)),
			),
	)
		.map((item) => itemCard(store, item))
		.filter((card) => query.in_stock !== "true" || card.in_stock);
	if (query.sort !== "aisle") {
		const key = {
			price_asc: (x: (typeof cards)[number]) => x.price_cents,
			price_desc: (x: (typeof cards)[number]) => -x.price_cents,
			unit_price: (x: (typeof cards)[number]) => x.unit_price.cents,
		}[query.sort];
		cards.sort((a, b) => key(a) - key(b) || a.item_id.localeCompare(b.item_id));
	}
	return c.json({
		store_id: store.store_id,
		items: cards.slice(query.offset, query.offset + query.limit),
		total: cards.length,
		limit: query.limit,
		offset: query.offset,
	});
});

routes.get("/delivery-slots", (c) => {
	const query = parseQuery(
		c,
		z.object({
			store_id: z.string().trim().min(1),
			date: z
				.string()
				.regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
				.optional(),
		}),
	);
	const store = findStore(query.store_id);
	const at = now(c);
	const dates = slotDates(store, at);
	if (query.date !== undefined && !dates.includes(query.date)) {
		throw new MerchantError(
			422,
			"date_out_of_range",
			`Delivery slots are offered from ${dates[0]} to ${dates.at(-1)}.`,
			{ dates },
		);
	}
	return c.json({
		store_id: store.store_id,
		time_zone: cityOf(store).time_zone,
		cutoff_minutes: SLOT_CUTOFF_MINUTES,
		days: (query.date ? [query.date] : dates).map((date) => ({ date, slots: slotsOn(store, date, at) })),
	});
});

routes.post("/basket/quote", async (c) => {
	const request = await parseJsonBody(c, basketRequestSchema);
	const createdAt = now(c);
	const priced = priceBasket(request, createdAt);
	const { available: _available, date: _date, ...slot } = priced.slot;
	const quote = {
		quote_id: `bq_${crypto.randomUUID().replaceAll("-", "")}`,
		store: { store_id: priced.store.store_id, name: priced.store.name, address: priced.store.address },
		slot,
		lines: priced.lines,
		bags: priced.bags,
		delivery_address: request.delivery_address,
		pricing: priced.pricing,
		currency: CURRENCY,
		created_at: iso(createdAt),
		expires_at: iso(createdAt + QUOTE_TTL_MS),
	};
	await merchantStore(c, MERCHANT_ID).saveQuote({
		quote_id: quote.quote_id,
		total_cents: priced.pricing.total_cents,
		created_at: createdAt,
		expires_at: createdAt + QUOTE_TTL_MS,
		document: JSON.stringify(quote),
	});
	return c.json(quote, 201);
});

routes.post("/checkout", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const request = await parseJsonBody(c, basketRequestSchema.extend({ quote_id: z.string().trim().min(1) }));
	const at = now(c);
	const priced = priceBasket(request, at);
	const delta = c.get("faults").amountDeltaCents;
	const orderId = crypto.randomUUID();
	const r = seeded(MERCHANT_ID, orderId, "order");
	const { available: _available, date: _date, ...slot } = priced.slot;
	const document: OrderDocument = {
		order_id: orderId,
		order_number: `FC-${r.int(100_000, 999_999)}`,
		quote_id: request.quote_id,
		store: { store_id: priced.store.store_id, name: priced.store.name, address: priced.store.address },
		slot,
		slot_start_ms: Date.parse(priced.slot.starts_at),
		delivered_after_minutes: r.int(20, 100),
		lines: priced.lines,
		bags: priced.bags,
		delivery_address: request.delivery_address,
		// The amount-delta fault plays a merchant that charges other than it quoted.
		pricing: {
			...priced.pricing,
			total_cents: priced.pricing.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		currency: CURRENCY,
		placed_at_ms: at,
	};
	const placed = await placePurchase(c, merchantStore(c, MERCHANT_ID), {
		idempotencyKey: key,
		request,
		quoteId: request.quote_id,
		expectedTotalCents: priced.pricing.total_cents,
		id: orderId,
		totalCents: document.pricing.total_cents,
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

/** FreshCart: grocery delivery with aisles, unit prices, delivery slots priced by time and a basket quote → checkout. */
export const freshcart: Merchant = {
	id: MERCHANT_ID,
	name: "FreshCart",
	specYaml: freshcartSpec,
	apiKeyHeader: "X-FreshCart-Key",
	routes,
};
