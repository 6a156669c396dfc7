import { Hono } from "hono";
import { z } from "zod";
import fooddashSpec from "../../../../providers/fooddash/openapi.yaml";
import { MerchantError } from "../lib/errors.ts";
import { orderByKey } from "../lib/purchase.ts";
import { seeded } from "../lib/random.ts";
import { canonicalJson, closest, sha256Hex, slugify } from "../lib/text.ts";
import { parseJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp, type SandboxContext } from "../merchant.ts";
import type { PlaceOrderOutcome } from "../store.ts";
import { CUISINES, DELIVERY_CITIES, DIETARY, RESTAURANTS, type Restaurant } from "./fooddash.data.ts";
import {
	CONFIRM_MINUTES,
	deliveryWindow,
	findRestaurant,
	orderRequestSchema,
	pricedLineSchema,
	priceOrder,
	pricingSchema,
	QUOTE_TTL_MS,
	travelMinutes,
} from "./fooddash.pricing.ts";

const MERCHANT_ID = "fooddash";
const CURRENCY = "USD";
/** Typical kitchen-to-door time used for listings, before an address is known. */
const TYPICAL_DISTANCE_KM = 2.5;

const iso = (ms: number): string => new Date(ms).toISOString();

function summary(restaurant: Restaurant) {
	return {
		restaurant_id: restaurant.restaurant_id,
		name: restaurant.name,
		city: restaurant.city,
		cuisine: restaurant.cuisine,
		neighborhood: restaurant.neighborhood,
		rating: restaurant.rating,
		review_count: restaurant.review_count,
		price_level: restaurant.price_level,
		delivery_fee_cents: restaurant.delivery_fee_cents,
		free_delivery_over_cents: restaurant.free_delivery_over_cents,
		minimum_order_cents: restaurant.minimum_order_cents,
		estimated_delivery_minutes: deliveryWindow(restaurant, travelMinutes(TYPICAL_DISTANCE_KM)),
		tags: restaurant.tags,
	};
}

function sections(restaurant: Restaurant) {
	return [...new Set(restaurant.menu.map((item) => item.section))];
}

function cityOf(raw: string) {
	const wanted = slugify(raw);
	const city = DELIVERY_CITIES.find((c) => c.slug === wanted || slugify(c.name) === wanted);
	if (!city) {
		const supported = DELIVERY_CITIES.map((c) => c.slug);
		throw new MerchantError(
			404,
			"city_not_served",
			`FoodDash does not deliver in "${raw}" yet. Did you mean ${closest(wanted, supported).join(", ")}?`,
			{
				supported_cities: supported,
			},
		);
	}
	return city;
}

/** Each query word must appear somewhere in the restaurant; a trailing plural "s" is forgiven. */
function matches(restaurant: Restaurant, words: string[]) {
	const fields = [restaurant.name, restaurant.cuisine, restaurant.neighborhood, ...restaurant.tags].map((f) =>
		f.toLowerCase(),
	);
	const dishes = restaurant.menu.map((item) => ({
		name: item.name,
		text: `${item.name} ${item.description}`.toLowerCase(),
	}));
	const stems = words.map((w) => (w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w));
	const matchedItems = dishes
		.filter((dish) => stems.some((s) => dish.text.includes(s)))
		.map((dish) => dish.name);
	const all = stems.every(
		(s) => fields.some((f) => f.includes(s)) || dishes.some((dish) => dish.text.includes(s)),
	);
	return { all, matchedItems };
}

const searchQuery = z.object({
	city: z.string().trim().min(1).max(80).optional(),
	cuisine: z.string().trim().toLowerCase().pipe(z.enum(CUISINES)).optional(),
	query: z.string().trim().min(1).max(100).optional(),
	dietary: z.enum(DIETARY).optional(),
	sort: z.enum(["rating", "delivery_fee", "delivery_time"]).default("rating"),
	limit: z.coerce.number().int().min(1).max(50).default(10),
	offset: z.coerce.number().int().min(0).default(0),
});

const restaurantParams = z.object({ restaurant_id: z.string().min(1) });

const orderDocumentSchema = z.object({
	order_uuid: z.string(),
	quote_id: z.string(),
	restaurant: z.object({ restaurant_id: z.string(), name: z.string(), address: z.string() }),
	items: z.array(pricedLineSchema),
	delivery_address: orderRequestSchema.shape.delivery_address,
	distance_km: z.number(),
	totals: pricingSchema.extend({ adjustment_cents: z.number().int().optional() }),
	currency: z.string(),
	placed_at_ms: z.number().int(),
	prep_minutes: z.number().int(),
	travel_minutes: z.number().int(),
});

type OrderDocument = z.output<typeof orderDocumentSchema>;

const COURIERS = ["Maya R.", "Jordan T.", "Luis G.", "Priya S.", "Sam K.", "Aiko M.", "Dev P.", "Nora B."];
const VEHICLES = ["bicycle", "e-bike", "scooter", "car"];

/** The order as the customer sees it at `at`: its status advances with the merchant's clock. */
function renderOrder(order: OrderDocument, at: number) {
	const { placed_at_ms: placedAt, ...rest } = order;
	const stages = [
		{ status: "confirmed", after: 0 },
		{ status: "preparing", after: CONFIRM_MINUTES },
		{ status: "out_for_delivery", after: CONFIRM_MINUTES + order.prep_minutes },
		{ status: "delivered", after: CONFIRM_MINUTES + order.prep_minutes + order.travel_minutes },
	];
	const elapsedMinutes = (at - placedAt) / 60_000;
	const reached = stages.filter((stage) => stage.after <= elapsedMinutes);
	const status = reached.at(-1)?.status ?? "confirmed";
	const deliveredAfter = stages[3]?.after ?? 0;
	const r = seeded(MERCHANT_ID, order.order_uuid, "courier");
	const courier = { name: r.pick(COURIERS), vehicle: r.pick(VEHICLES) };
	return {
		...rest,
		status,
		status_history: (reached.length > 0 ? reached : stages.slice(0, 1)).map((stage) => ({
			status: stage.status,
			at: iso(placedAt + stage.after * 60_000),
		})),
		placed_at: iso(placedAt),
		estimated_delivery_at: iso(placedAt + deliveredAfter * 60_000),
		eta_minutes: Math.max(0, Math.ceil(deliveredAfter - elapsedMinutes)),
		courier: status === "out_for_delivery" || status === "delivered" ? courier : null,
	};
}

function idempotencyKey(c: SandboxContext): string {
	const key = c.req.header("idempotency-key")?.trim() ?? "";
	if (key === "" || key.length > 255) {
		throw new MerchantError(
			400,
			"missing_idempotency_key",
			"POST /checkout needs an Idempotency-Key header (1-255 characters); retries with the same key return the same order.",
		);
	}
	return key;
}

function refuse(
	outcome: Exclude<PlaceOrderOutcome, { outcome: "created" | "replayed" }>,
	totalCents: number,
): never {
	switch (outcome.outcome) {
		case "quote_not_found":
			throw new MerchantError(
				404,
				"quote_not_found",
				"No such quote. Ask for a new one with POST /checkout/quote.",
			);
		case "quote_expired":
			throw new MerchantError(
				409,
				"quote_expired",
				"The quote has expired; prices are held for 10 minutes. Request a new quote.",
				{
					expired_at: iso(outcome.expires_at),
				},
			);
		case "quote_already_used":
			throw new MerchantError(409, "quote_already_used", "This quote was already used for an order.", {
				order_uuid: outcome.order_uuid,
			});
		case "total_mismatch":
			throw new MerchantError(
				409,
				"total_mismatch",
				`The order prices to ${totalCents} cents but the quote was for ${outcome.quoted_total_cents}. Checkout must repeat the quoted items, address and tip.`,
				{ quoted_total_cents: outcome.quoted_total_cents, total_cents: totalCents },
			);
		case "idempotency_key_reused":
			throw new MerchantError(
				422,
				"idempotency_key_reused",
				"This Idempotency-Key was already used for a different checkout.",
				{
					order_uuid: outcome.order_uuid,
				},
			);
	}
}

const routes = new Hono<SandboxApp>();

routes.get("/cities", (c) =>
	c.json({
		cities: DELIVERY_CITIES.map((city) => {
			const here = RESTAURANTS.filter((r) => r.city === city.slug);
			return {
				city: city.slug,
				name: city.name,
				state: city.state,
				restaurant_count: here.length,
				cuisines: [...new Set(here.map((r) => r.cuisine))].sort(),
			};
		}),
	}),
);

routes.get("/restaurants", (c) => {
	const query = parseQuery(c, searchQuery);
	const city = query.city === undefined ? undefined : cityOf(query.city);
	const words = query.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
	const found = RESTAURANTS.filter(
		(r) =>
			(!city || r.city === city.slug) &&
			(!query.cuisine || r.cuisine === query.cuisine) &&
			(!query.dietary ||
				r.menu.some((item) => item.section === "Mains" && item.dietary.includes(query.dietary ?? "vegan"))),
	)
		.map((restaurant) => ({ restaurant, match: matches(restaurant, words) }))
		.filter(({ match }) => match.all);
	const key = {
		rating: (r: Restaurant) => -r.rating,
		delivery_fee: (r: Restaurant) => r.delivery_fee_cents,
		delivery_time: (r: Restaurant) => r.prep_minutes,
	}[query.sort];
	found.sort(
		(a, b) => key(a.restaurant) - key(b.restaurant) || a.restaurant.name.localeCompare(b.restaurant.name),
	);
	return c.json({
		restaurants: found.slice(query.offset, query.offset + query.limit).map(({ restaurant, match }) => ({
			...summary(restaurant),
			...(words.length > 0 ? { matched_items: match.matchedItems.slice(0, 5) } : {}),
		})),
		total: found.length,
		limit: query.limit,
		offset: query.offset,
	});
});

routes.get("/restaurants/:restaurant_id", (c) => {
	const restaurant = findRestaurant(parseParams(c, restaurantParams).restaurant_id);
	return c.json({
		...summary(restaurant),
		address: restaurant.address,
		menu_sections: sections(restaurant),
		item_count: restaurant.menu.length,
		popular_items: restaurant.menu.filter((item) => item.popular).map((item) => item.name),
	});
});

routes.get("/restaurants/:restaurant_id/menu", (c) => {
	const restaurant = findRestaurant(parseParams(c, restaurantParams).restaurant_id);
	const { dietary } = parseQuery(c, z.object({ dietary: z.enum(DIETARY).optional() }));
	const items = restaurant.menu.filter((item) => !dietary || item.dietary.includes(dietary));
	return c.json({
		restaurant_id: restaurant.restaurant_id,
		restaurant_name: restaurant.name,
		currency: CURRENCY,
		sections: sections(restaurant)
			.map((name) => ({ name, items: items.filter((item) => item.section === name) }))
			.filter((section) => section.items.length > 0),
		item_count: items.length,
	});
});

routes.post("/checkout/quote", async (c) => {
	const request = await parseJsonBody(c, orderRequestSchema);
	const priced = priceOrder(request);
	const createdAt = now(c);
	const quote = {
		quote_id: `q_${crypto.randomUUID().replaceAll("-", "")}`,
		restaurant: { restaurant_id: priced.restaurant.restaurant_id, name: priced.restaurant.name },
		items: priced.lines,
		delivery_address: priced.delivery_address,
		distance_km: priced.distance_km,
		pricing: priced.pricing,
		currency: CURRENCY,
		estimated_delivery_minutes: priced.estimated_delivery_minutes,
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
	const key = idempotencyKey(c);
	const request = await parseJsonBody(c, orderRequestSchema.extend({ quote_id: z.string().trim().min(1) }));
	const priced = priceOrder(request);
	const at = now(c);
	const delta = c.get("faults").amountDeltaCents;
	const orderUuid = crypto.randomUUID();
	const document: OrderDocument = {
		order_uuid: orderUuid,
		quote_id: request.quote_id,
		restaurant: {
			restaurant_id: priced.restaurant.restaurant_id,
			name: priced.restaurant.name,
			address: priced.restaurant.address,
		},
		items: priced.lines,
		delivery_address: priced.delivery_address,
		distance_km: priced.distance_km,
		// The amount-delta fault plays a merchant that charges other than it quoted.
		totals: {
			...priced.pricing,
			total_cents: priced.pricing.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		currency: CURRENCY,
		placed_at_ms: at,
		prep_minutes: priced.restaurant.prep_minutes,
		travel_minutes: priced.travel_minutes,
	};
	const result = await merchantStore(c, MERCHANT_ID).placeOrder({
		idempotency_key: key,
		request_hash: await sha256Hex(canonicalJson(request)),
		quote_id: request.quote_id,
		expected_total_cents: priced.pricing.total_cents,
		now: at,
		order: {
			order_uuid: orderUuid,
			total_cents: document.totals.total_cents,
			document: JSON.stringify(document),
		},
	});
	if (result.outcome !== "created" && result.outcome !== "replayed")
		refuse(result, priced.pricing.total_cents);
	if (result.outcome === "replayed") c.header("Idempotent-Replayed", "true");
	return c.json(renderOrder(orderDocumentSchema.parse(JSON.parse(result.order.document)), at), 201);
});

routes.get("/orders/by-key/:idempotency_key", async (c) => {
	const document = await orderByKey(c, merchantStore(c, MERCHANT_ID));
	return c.json(renderOrder(orderDocumentSchema.parse(JSON.parse(document)), now(c)));
});

routes.get("/orders/:order_uuid", async (c) => {
	const { order_uuid } = parseParams(c, z.object({ order_uuid: z.string().min(1).max(64) }));
	const order = await merchantStore(c, MERCHANT_ID).getOrder(order_uuid);
	if (!order) throw new MerchantError(404, "order_not_found", `No order "${order_uuid}".`);
	return c.json(renderOrder(orderDocumentSchema.parse(JSON.parse(order.document)), now(c)));
});

/** FoodDash: restaurant search, menus and delivery orders through a quote → checkout purchase flow. */
export const fooddash: Merchant = {
	id: MERCHANT_ID,
	name: "FoodDash",
	specYaml: fooddashSpec,
	apiKeyHeader: "X-API-Key",
	routes,
};
