import { z } from "zod";
import { MerchantError } from "../lib/errors.ts";
import { seeded } from "../lib/random.ts";
import { slugify } from "../lib/text.ts";
import { addDays, localIso, zoned, zonedToUtc } from "../lib/time.ts";
import {
	GROCERY_CITIES,
	type GroceryCity,
	type GroceryItem,
	ITEMS,
	STORES,
	type Store,
} from "./freshcart.data.ts";

/** How long a basket quote's prices and slot are held. */
export const QUOTE_TTL_MS = 10 * 60_000;
/** Slots are offered for today and the next three days. */
export const SLOT_DAYS = 4;
/** A slot closes this long before it starts: the shopper needs the time. */
export const SLOT_CUTOFF_MINUTES = 60;
export const MIN_SUBTOTAL_CENTS = 1000;
export const ITEMS_PER_BAG = 8;
const SERVICE_FEE_PERCENT = 5;
const SERVICE_FEE_MIN_CENTS = 199;
const SERVICE_FEE_MAX_CENTS = 999;
/** Two-hour delivery windows, by starting hour. */
export const WINDOW_HOURS = [8, 10, 12, 14, 16, 18, 20] as const;

export const basketRequestSchema = z.object({
	store_id: z.string().trim().min(1),
	items: z
		.array(z.object({ item_id: z.string().trim().min(1), quantity: z.number().int().min(1).max(24) }))
		.min(1)
		.max(60),
	slot_id: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:00$/, "must be a slot id such as 2026-08-16T10:00"),
	delivery_address: z.object({
		street: z.string().trim().min(3).max(200),
		unit: z.string().trim().max(40).optional(),
		city: z.string().trim().min(1).max(80),
		postal_code: z.string().trim().max(20).optional(),
		instructions: z.string().trim().max(300).optional(),
	}),
	tip_cents: z.number().int().min(0).max(20_000).default(0),
});

export type BasketRequest = z.output<typeof basketRequestSchema>;

export const basketLineSchema = z.object({
	item_id: z.string(),
	name: z.string(),
	brand: z.string(),
	size: z.string(),
	quantity: z.number().int(),
	price_cents: z.number().int(),
	line_total_cents: z.number().int(),
	taxable: z.boolean(),
});

export const pricingSchema = z.object({
	subtotal_cents: z.number().int(),
	bag_fee_cents: z.number().int(),
	delivery_fee_cents: z.number().int(),
	service_fee_cents: z.number().int(),
	tax_cents: z.number().int(),
	tip_cents: z.number().int(),
	total_cents: z.number().int(),
});

export type Pricing = z.output<typeof pricingSchema>;

export const slotSchema = z.object({
	slot_id: z.string(),
	date: z.string(),
	starts_at: z.string(),
	ends_at: z.string(),
	delivery_fee_cents: z.number().int(),
	available: z.boolean(),
});

export type Slot = z.output<typeof slotSchema>;

export function findStore(storeId: string): Store {
	const store = STORES.find((s) => s.store_id === storeId);
	if (!store) {
		throw new MerchantError(404, "store_not_found", `No store "${storeId}". List stores with GET /stores.`, {
			stores: STORES.map((s) => s.store_id),
		});
	}
	return store;
}

export function cityOf(store: Store): GroceryCity {
	const city = GROCERY_CITIES.find((c) => c.slug === store.city);
	if (!city) throw new Error(`store ${store.store_id} is in unknown city ${store.city}`);
	return city;
}

/** Shelf prices end in 9, scaled to the city's price level. */
export function shelfPrice(item: GroceryItem, city: GroceryCity): number {
	return Math.max(99, Math.round((item.base_price_cents * city.price_factor) / 10) * 10 - 1);
}

/** The shelf label's comparison price: cents per pound, quart, count or item. */
export function unitPrice(item: GroceryItem, price: number) {
	return { cents: Math.round(price / item.compare.quantity), per: item.compare.unit };
}

/** About one item in twenty is out at any one store; stable per store and item. */
export function inStock(store: Store, item: GroceryItem): boolean {
	return !seeded("freshcart", store.store_id, item.item_id, "stock").chance(0.05);
}

/** Mornings are cheapest, the after-work rush dearest; weekends cost a dollar more. */
function windowFee(date: string, hour: number): number {
	const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
	const base = hour === 8 ? 399 : hour >= 16 && hour < 20 ? 799 : hour === 20 ? 499 : 599;
	return base + (weekday === 0 || weekday === 6 ? 100 : 0);
}

function slotAt(store: Store, date: string, hour: number, nowMs: number): Slot {
	const zone = cityOf(store).time_zone;
	const startsAt = zonedToUtc(date, hour, zone);
	const peak = hour >= 16 && hour < 20;
	const open =
		startsAt >= nowMs + SLOT_CUTOFF_MINUTES * 60_000 &&
		seeded("freshcart", store.store_id, date, hour).chance(peak ? 0.55 : 0.8);
	return {
		slot_id: `${date}T${String(hour).padStart(2, "0")}:00`,
		date,
		starts_at: localIso(startsAt, zone),
		ends_at: localIso(zonedToUtc(date, hour + 2, zone), zone),
		delivery_fee_cents: windowFee(date, hour),
		available: open,
	};
}

export function slotDates(store: Store, nowMs: number): string[] {
	const today = zoned(nowMs, cityOf(store).time_zone).date;
	return Array.from({ length: SLOT_DAYS }, (_, i) => addDays(today, i));
}

/** Every delivery window of a day at a store, open or not. */
export function slotsOn(store: Store, date: string, nowMs: number): Slot[] {
	return WINDOW_HOURS.map((hour) => slotAt(store, date, hour, nowMs));
}

/** The requested slot if it can still be booked; 422 when it does not exist, 409 when full or past. */
export function bookableSlot(store: Store, slotId: string, nowMs: number): Slot {
	const date = slotId.slice(0, 10);
	const hour = Number(slotId.slice(11, 13));
	const dates = slotDates(store, nowMs);
	if (!dates.includes(date) || !WINDOW_HOURS.some((h) => h === hour)) {
		throw new MerchantError(
			422,
			"slot_not_found",
			`"${slotId}" is not a delivery window. Windows start every two hours from 08:00 to 20:00, ${dates[0]} to ${dates.at(-1)}; list them with GET /delivery-slots.`,
		);
	}
	const slot = slotAt(store, date, hour, nowMs);
	if (!slot.available) {
		const alternatives = dates
			.flatMap((d) => slotsOn(store, d, nowMs))
			.filter((s) => s.available)
			.slice(0, 3)
			.map((s) => s.slot_id);
		throw new MerchantError(409, "slot_unavailable", `The ${slotId} delivery window is full or closed.`, {
			alternatives,
		});
	}
	return slot;
}

export interface PricedBasket {
	store: Store;
	city: GroceryCity;
	slot: Slot;
	lines: z.output<typeof basketLineSchema>[];
	bags: number;
	pricing: Pricing;
}

/**
 * Prices a basket for a delivery slot the way the quote and the checkout both must: same request, same
 * cents. Throws the merchant's errors for unknown or unavailable items, a wrong city, a small basket or a
 * slot that cannot be booked.
 */
export function priceBasket(request: BasketRequest, nowMs: number): PricedBasket {
	const store = findStore(request.store_id);
	const city = cityOf(store);
	if (
		slugify(request.delivery_address.city) !== city.slug &&
		slugify(request.delivery_address.city) !== slugify(city.name)
	) {
		throw new MerchantError(
			422,
			"outside_delivery_area",
			`${store.name} delivers only within ${city.name}.`,
			{ store_city: city.slug },
		);
	}
	const quantities = new Map<string, number>();
	for (const line of request.items)
		quantities.set(line.item_id, (quantities.get(line.item_id) ?? 0) + line.quantity);
	const lines = [...quantities].map(([itemId, quantity]) => {
		const item = ITEMS.find((i) => i.item_id === itemId);
		if (!item) {
			throw new MerchantError(422, "item_not_found", `FreshCart has no item "${itemId}".`, {
				item_id: itemId,
			});
		}
		if (!inStock(store, item)) {
			throw new MerchantError(422, "item_unavailable", `${item.name} is out of stock at ${store.name}.`, {
				item_id: itemId,
			});
		}
		const price = shelfPrice(item, city);
		return {
			item_id: item.item_id,
			name: item.name,
			brand: item.brand,
			size: item.size,
			quantity,
			price_cents: price,
			line_total_cents: price * quantity,
			taxable: item.taxable,
		};
	});
	const subtotal = lines.reduce((sum, line) => sum + line.line_total_cents, 0);
	if (subtotal < MIN_SUBTOTAL_CENTS) {
		throw new MerchantError(
			422,
			"below_minimum_order",
			`Delivery needs a subtotal of at least ${MIN_SUBTOTAL_CENTS} cents; this basket is ${subtotal}.`,
			{ minimum_order_cents: MIN_SUBTOTAL_CENTS, subtotal_cents: subtotal },
		);
	}
	const slot = bookableSlot(store, request.slot_id, nowMs);
	const units = lines.reduce((sum, line) => sum + line.quantity, 0);
	const bags = Math.ceil(units / ITEMS_PER_BAG);
	const bagFee = bags * city.bag_fee_cents;
	const serviceFee = Math.min(
		SERVICE_FEE_MAX_CENTS,
		Math.max(SERVICE_FEE_MIN_CENTS, Math.round((subtotal * SERVICE_FEE_PERCENT) / 100)),
	);
	// Groceries are tax-exempt; household goods, personal care, soda and candy are not. Fees and tip are untaxed.
	const taxable = lines.filter((line) => line.taxable).reduce((sum, line) => sum + line.line_total_cents, 0);
	const tax = Math.round((taxable * city.tax_rate_milli_percent) / 100_000);
	return {
		store,
		city,
		slot,
		lines,
		bags,
		pricing: {
			subtotal_cents: subtotal,
			bag_fee_cents: bagFee,
			delivery_fee_cents: slot.delivery_fee_cents,
			service_fee_cents: serviceFee,
			tax_cents: tax,
			tip_cents: request.tip_cents,
			total_cents: subtotal + bagFee + slot.delivery_fee_cents + serviceFee + tax + request.tip_cents,
		},
	};
}
