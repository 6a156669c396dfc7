import { z } from "zod";
import { MerchantError } from "../lib/errors.ts";
import { seeded } from "../lib/random.ts";
import { slugify } from "../lib/text.ts";
import { DELIVERY_CITIES, RESTAURANTS, type Restaurant } from "./fooddash.data.ts";

/** How long a quote's prices are honoured. */
export const QUOTE_TTL_MS = 10 * 60_000;

const SERVICE_FEE_PERCENT = 12;
const SERVICE_FEE_MIN_CENTS = 199;
const SERVICE_FEE_MAX_CENTS = 1499;
/** Delivery within this distance costs the restaurant's base fee; each further 0.1 km adds 5 cents. */
const BASE_DELIVERY_TENTHS_KM = 30;
const CENTS_PER_EXTRA_TENTH_KM = 5;
/** Minutes from order to the kitchen starting on it. */
export const CONFIRM_MINUTES = 2;

export const orderRequestSchema = z.object({
	restaurant_id: z.string().trim().min(1),
	items: z
		.array(
			z.object({
				item_id: z.string().trim().min(1),
				quantity: z.number().int().min(1).max(20),
				notes: z.string().trim().max(200).optional(),
			}),
		)
		.min(1)
		.max(30),
	delivery_address: z.object({
		street: z.string().trim().min(3).max(200),
		unit: z.string().trim().max(40).optional(),
		city: z.string().trim().min(1).max(80),
		postal_code: z.string().trim().max(20).optional(),
		instructions: z.string().trim().max(300).optional(),
	}),
	tip_cents: z.number().int().min(0).max(20_000).default(0),
});

export type OrderRequest = z.output<typeof orderRequestSchema>;

export const pricingSchema = z.object({
	subtotal_cents: z.number().int(),
	delivery_fee_cents: z.number().int(),
	service_fee_cents: z.number().int(),
	tax_cents: z.number().int(),
	tip_cents: z.number().int(),
	total_cents: z.number().int(),
});

export type Pricing = z.output<typeof pricingSchema>;

export const pricedLineSchema = z.object({
	item_id: z.string(),
	name: z.string(),
	quantity: z.number().int(),
	unit_price_cents: z.number().int(),
	line_total_cents: z.number().int(),
	notes: z.string().optional(),
});

export interface PricedOrder {
	restaurant: Restaurant;
	lines: z.output<typeof pricedLineSchema>[];
	delivery_address: OrderRequest["delivery_address"];
	distance_km: number;
	travel_minutes: number;
	pricing: Pricing;
	estimated_delivery_minutes: { min: number; max: number };
}

export function findRestaurant(restaurantId: string): Restaurant {
	const restaurant = RESTAURANTS.find((r) => r.restaurant_id === restaurantId);
	if (!restaurant) {
		throw new MerchantError(
			404,
			"restaurant_not_found",
			`No restaurant "${restaurantId}". Search with GET /restaurants.`,
		);
	}
	return restaurant;
}

/** Delivery time from the kitchen for a distance; the same rule prices the quote and tracks the order. */
export function travelMinutes(distanceKm: number): number {
	return Math.round(6 + distanceKm * 3.5);
}

export function deliveryWindow(restaurant: Restaurant, travel: number): { min: number; max: number } {
	const min = CONFIRM_MINUTES + restaurant.prep_minutes + travel;
	return { min, max: min + 10 };
}

/**
 * Prices an order the way the quote and the checkout both must: same request, same cents.
 * Throws the merchant's 404/422 errors for unknown items, wrong city or a too-small order.
 */
export function priceOrder(request: OrderRequest): PricedOrder {
	const restaurant = findRestaurant(request.restaurant_id);
	const lines = request.items.map((line) => {
		const item = restaurant.menu.find((m) => m.item_id === line.item_id);
		if (!item) {
			throw new MerchantError(
				422,
				"item_not_found",
				`${restaurant.name} has no menu item "${line.item_id}".`,
				{
					item_id: line.item_id,
				},
			);
		}
		return {
			item_id: item.item_id,
			name: item.name,
			quantity: line.quantity,
			unit_price_cents: item.price_cents,
			line_total_cents: item.price_cents * line.quantity,
			...(line.notes ? { notes: line.notes } : {}),
		};
	});

	const city = DELIVERY_CITIES.find((c) => c.slug === restaurant.city);
	if (!city || slugify(request.delivery_address.city) !== city.slug) {
		throw new MerchantError(
			422,
			"outside_delivery_area",
			`${restaurant.name} delivers only within ${city?.name ?? restaurant.city}.`,
			{ restaurant_city: restaurant.city },
		);
	}

	const subtotal = lines.reduce((sum, line) => sum + line.line_total_cents, 0);
	if (subtotal < restaurant.minimum_order_cents) {
		throw new MerchantError(
			422,
			"below_minimum_order",
			`${restaurant.name} needs a subtotal of at least ${restaurant.minimum_order_cents} cents; this order is ${subtotal}.`,
			{ minimum_order_cents: restaurant.minimum_order_cents, subtotal_cents: subtotal },
		);
	}

	// Distance stands in for geocoding: stable per restaurant and street.
	const distanceTenths = seeded(
		"fooddash",
		restaurant.restaurant_id,
		request.delivery_address.street.toLowerCase(),
	).int(6, 58);
	const freeDelivery =
		restaurant.free_delivery_over_cents !== null && subtotal >= restaurant.free_delivery_over_cents;
	const deliveryFee = freeDelivery
		? 0
		: restaurant.delivery_fee_cents +
			Math.max(0, distanceTenths - BASE_DELIVERY_TENTHS_KM) * CENTS_PER_EXTRA_TENTH_KM;
	const serviceFee = Math.min(
		SERVICE_FEE_MAX_CENTS,
		Math.max(SERVICE_FEE_MIN_CENTS, Math.round((subtotal * SERVICE_FEE_PERCENT) / 100)),
	);
	// Prepared food and the service fee are taxable in every city served; delivery and tip are not.
	const tax = Math.round(((subtotal + serviceFee) * city.tax_rate_milli_percent) / 100_000);
	const travel = travelMinutes(distanceTenths / 10);

	return {
		restaurant,
		lines,
		delivery_address: request.delivery_address,
		distance_km: distanceTenths / 10,
		travel_minutes: travel,
		pricing: {
			subtotal_cents: subtotal,
			delivery_fee_cents: deliveryFee,
			service_fee_cents: serviceFee,
			tax_cents: tax,
			tip_cents: request.tip_cents,
			total_cents: subtotal + deliveryFee + serviceFee + tax + request.tip_cents,
		},
		estimated_delivery_minutes: deliveryWindow(restaurant, travel),
	};
}
