import { z } from "zod";
import { MerchantError } from "../lib/errors.ts";
import { seeded } from "../lib/random.ts";
import { closest, slugify } from "../lib/text.ts";
import { zoned } from "../lib/time.ts";
import { PRODUCT_IDS, PRODUCTS, type Product, RIDE_CITIES, type RideCity } from "./ridenow.data.ts";

/** How long an upfront fare is honoured. */
export const QUOTE_TTL_MS = 5 * 60_000;
/** A ride cancelled within this time after it was requested costs nothing. */
export const GRACE_PERIOD_MINUTES = 2;
/** Minutes the driver waits at the pickup before the trip starts. */
export const BOARDING_MINUTES = 2;
/** Roads are longer than the straight line between two points. */
const ROAD_FACTOR = 1.25;
const KM_PER_MILE = 1.609344;

export const fareRequestSchema = z.object({
	city: z.string().trim().min(1).max(80),
	pickup: z.string().trim().min(2).max(200),
	dropoff: z.string().trim().min(2).max(200),
	product: z.string().trim().toLowerCase().pipe(z.enum(PRODUCT_IDS)).default("standard"),
	passengers: z.number().int().min(1).max(6).default(1),
	tip_cents: z.number().int().min(0).max(20_000).default(0),
});

export type FareRequest = z.output<typeof fareRequestSchema>;

export const locationSchema = z.object({
	place_id: z.string().nullable(),
	name: z.string(),
	address: z.string(),
	lat: z.number(),
	lng: z.number(),
});

export type ResolvedLocation = z.output<typeof locationSchema>;

export const fareSchema = z.object({
	base_fare_cents: z.number().int(),
	distance_cents: z.number().int(),
	time_cents: z.number().int(),
	minimum_fare_adjustment_cents: z.number().int(),
	surge_cents: z.number().int(),
	booking_fee_cents: z.number().int(),
	airport_fee_cents: z.number().int(),
	city_fee_cents: z.number().int(),
	tax_cents: z.number().int(),
	tip_cents: z.number().int(),
	total_cents: z.number().int(),
});

export type Fare = z.output<typeof fareSchema>;

export interface PricedRide {
	city: RideCity;
	product: Product;
	pickup: ResolvedLocation;
	dropoff: ResolvedLocation;
	distance_miles: number;
	duration_minutes: number;
	surge_multiplier: number;
	fare: Fare;
}

export function findCity(raw: string): RideCity {
	const wanted = slugify(raw);
	const city = RIDE_CITIES.find((c) => c.slug === wanted || slugify(c.name) === wanted);
	if (!city) {
		const supported = RIDE_CITIES.map((c) => c.slug);
		throw new MerchantError(
			404,
			"city_not_served",
			`RideNow does not operate in "${raw}". Did you mean ${closest(wanted, supported).join(", ")}?`,
			{ supported_cities: supported },
		);
	}
	return city;
}

export function findProduct(id: string): Product {
	const product = PRODUCTS.find((p) => p.product_id === id);
	if (!product) throw new MerchantError(404, "product_not_found", `No ride product "${id}".`);
	return product;
}

const STREET_ADDRESS = /^\d+[A-Za-z]?\s+\S/;

/**
 * A pickup or dropoff as the rider typed it: a place id or name from `GET /places`, or a street address
 * starting with a house number (geocoded to a stable point in the city, standing in for a real geocoder).
 */
export function resolveLocation(city: RideCity, text: string, field: string): ResolvedLocation {
	const wanted = slugify(text);
	const lower = text.toLowerCase();
	const place =
		city.places.find((p) => p.place_id === wanted || slugify(p.name) === wanted) ??
		(lower.length >= 4 ? city.places.find((p) => p.name.toLowerCase().includes(lower)) : undefined);
	if (place) {
		return {
			place_id: place.place_id,
			name: place.name,
			address: place.address,
			lat: place.lat,
			lng: place.lng,
		};
	}
	if (STREET_ADDRESS.test(text)) {
		const r = seeded("ridenow", city.slug, lower);
		const bearing = r.range(0, 2 * Math.PI);
		const km = city.radius_km * Math.sqrt(r.next());
		const lat = city.center.lat + (km / 111.32) * Math.cos(bearing);
		const lng =
			city.center.lng + (km / (111.32 * Math.cos((city.center.lat * Math.PI) / 180))) * Math.sin(bearing);
		const address = lower.includes(city.name.toLowerCase()) ? text : `${text}, ${city.name}, ${city.state}`;
		return {
			place_id: null,
			name: text,
			address,
			lat: Math.round(lat * 1e5) / 1e5,
			lng: Math.round(lng * 1e5) / 1e5,
		};
	}
	throw new MerchantError(
		422,
		"unknown_location",
		`"${text}" (${field}) is neither a known place in ${city.name} nor a street address with a house number. Did you mean ${closest(
			wanted,
			city.places.map((p) => p.place_id),
		).join(", ")}?`,
		{ field },
	);
}

function haversineKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
	const rad = (d: number) => (d * Math.PI) / 180;
	const h =
		Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
		Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lng - a.lng) / 2) ** 2;
	return 2 * 6371 * Math.asin(Math.sqrt(h));
}

const RUSH_SURGES = [1.2, 1.3, 1.4, 1.5, 1.7, 2.0] as const;

/**
 * Demand pricing at a moment in the city: weekday rush hours and weekend nights surge, stable for each
 * city and local hour; other hours are mostly 1.0.
 */
export function surgeAt(city: RideCity, ms: number): number {
	const t = zoned(ms, city.time_zone);
	const weekday = new Date(`${t.date}T12:00:00Z`).getUTCDay();
	const isWeekday = weekday >= 1 && weekday <= 5;
	const rush = isWeekday && (t.hour === 7 || t.hour === 8 || (t.hour >= 16 && t.hour <= 18));
	const night =
		((weekday === 5 || weekday === 6) && t.hour >= 22) || ((weekday === 6 || weekday === 0) && t.hour < 2);
	const r = seeded("ridenow", "surge", city.slug, t.date, t.hour);
	if (rush || night) return r.pick(RUSH_SURGES);
	return r.chance(0.15) ? 1.1 : 1;
}

/** Minutes until a driver of this product reaches the pickup; stable per city, product and pickup. */
export function pickupEtaMinutes(city: RideCity, product: Product, pickup: ResolvedLocation): number {
	return (
		seeded("ridenow", "eta", city.slug, product.product_id, pickup.address).int(2, 7) +
		product.extra_pickup_minutes
	);
}

/** A ride type's published rates in a city, in whole cents. */
export function productRates(city: RideCity, product: Product) {
	const f = product.rate_factor;
	return {
		base_fare_cents: Math.round(city.rates.base_fare_cents * f),
		per_mile_cents: Math.round(city.rates.per_mile_cents * f),
		per_minute_cents: Math.round(city.rates.per_minute_cents * f),
		// Black cars fold the booking fee into their rates.
		booking_fee_cents: product.product_id === "black" ? 0 : city.rates.booking_fee_cents,
		minimum_fare_cents: Math.round(city.rates.minimum_fare_cents * product.minimum_factor),
	};
}

/**
 * Prices a ride upfront. The same request and surge always give the same cents, so a purchase can be
 * re-priced against its quote; the surge is the one input that depends on time, and the quote locks it.
 */
export function priceRide(request: FareRequest, surge: number): PricedRide {
	const city = findCity(request.city);
	const product = findProduct(request.product);
	if (request.passengers > product.seats) {
		throw new MerchantError(
			422,
			"too_many_passengers",
			`${product.name} seats ${product.seats}; choose RideNow XL for up to 6 passengers.`,
			{ seats: product.seats },
		);
	}
	const pickup = resolveLocation(city, request.pickup, "pickup");
	const dropoff = resolveLocation(city, request.dropoff, "dropoff");
	const miles = Math.round(((haversineKm(pickup, dropoff) * ROAD_FACTOR) / KM_PER_MILE) * 10) / 10;
	if (miles < 0.3) {
		throw new MerchantError(422, "trip_too_short", "Pickup and dropoff are the same place; walk it.");
	}
	if (miles > 100) {
		throw new MerchantError(422, "trip_too_long", "RideNow trips are limited to 100 miles.", {
			distance_miles: miles,
		});
	}
	// Long trips run on highways, faster than city streets.
	const speed = city.speed_mph * (miles > 8 ? 1.6 : 1);
	const minutes = Math.round((miles / speed) * 60) + 2;

	const rates = productRates(city, product);
	const base = rates.base_fare_cents;
	const distance = Math.round(miles * rates.per_mile_cents);
	const time = minutes * rates.per_minute_cents;
	const minimumAdjustment = Math.max(0, rates.minimum_fare_cents - (base + distance + time));
	const fareBeforeSurge = base + distance + time + minimumAdjustment;
	const surgeCents = Math.round(fareBeforeSurge * (surge - 1));
	const bookingFee = rates.booking_fee_cents;
	const airportFee =
		(city.places.find((p) => p.place_id === pickup.place_id)?.airport_fee_cents ?? 0) +
		(city.places.find((p) => p.place_id === dropoff.place_id)?.airport_fee_cents ?? 0);
	const cityFee = city.city_fee?.cents ?? 0;
	const tax = Math.round(((fareBeforeSurge + surgeCents) * city.tax_rate_milli_percent) / 100_000);

	return {
		city,
		product,
		pickup,
		dropoff,
		distance_miles: miles,
		duration_minutes: minutes,
		surge_multiplier: surge,
		fare: {
			base_fare_cents: base,
			distance_cents: distance,
			time_cents: time,
			minimum_fare_adjustment_cents: minimumAdjustment,
			surge_cents: surgeCents,
			booking_fee_cents: bookingFee,
			airport_fee_cents: airportFee,
			city_fee_cents: cityFee,
			tax_cents: tax,
			tip_cents: request.tip_cents,
			total_cents: fareBeforeSurge + surgeCents + bookingFee + airportFee + cityFee + tax + request.tip_cents,
		},
	};
}
