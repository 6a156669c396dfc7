import { Hono } from "hono";
import { z } from "zod";
import ridenowSpec from "../../../../providers/ridenow/openapi.yaml";
import { requireBearerToken } from "../lib/auth.ts";
import { MerchantError } from "../lib/errors.ts";
import {
	idempotencyKeyOf,
	type PurchaseTerms,
	placePurchase,
	recordOnce,
	storedDocument,
} from "../lib/purchase.ts";
import { seeded } from "../lib/random.ts";
import { parseJsonBody, parseOptionalJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp } from "../merchant.ts";
import {
	DRIVER_NAMES,
	PLACE_KINDS,
	PRODUCTS,
	type Product,
	RIDE_CITIES,
	type RideCity,
	VEHICLE_COLORS,
	VEHICLES,
} from "./ridenow.data.ts";
import {
	BOARDING_MINUTES,
	fareRequestSchema,
	fareSchema,
	findCity,
	GRACE_PERIOD_MINUTES,
	locationSchema,
	pickupEtaMinutes,
	priceRide,
	productRates,
	QUOTE_TTL_MS,
	surgeAt,
} from "./ridenow.pricing.ts";

const MERCHANT_ID = "ridenow";
const CURRENCY = "USD";

const TERMS: PurchaseTerms = {
	purchase: "POST /rides",
	quote: "POST /fares/estimate",
	hold: "5 minutes",
	repeat: "the city, pickup, dropoff, product, passengers and tip",
};

const iso = (ms: number): string => new Date(ms).toISOString();
const cancellationId = (rideId: string): string => `cancel:${rideId}`;

function productCard(city: RideCity, product: Product) {
	return {
		product_id: product.product_id,
		name: product.name,
		description: product.description,
		seats: product.seats,
		rates: productRates(city, product),
		cancellation_fee_cents: product.cancellation_fee_cents,
	};
}

const quoteDocumentSchema = z.object({ quote_id: z.string(), surge_multiplier: z.number() });

const rideDocumentSchema = z.object({
	kind: z.literal("ride"),
	ride_id: z.string(),
	quote_id: z.string(),
	city: z.string(),
	product: z.object({ product_id: z.string(), name: z.string(), seats: z.number().int() }),
	pickup: locationSchema,
	dropoff: locationSchema,
	passengers: z.number().int(),
	trip: z.object({ distance_miles: z.number(), duration_minutes: z.number().int() }),
	surge_multiplier: z.number(),
	fare: fareSchema.extend({ adjustment_cents: z.number().int().optional() }),
	currency: z.string(),
	requested_at_ms: z.number().int(),
	pickup_eta_minutes: z.number().int(),
	driver: z.object({ name: z.string(), rating: z.number(), completed_trips: z.number().int() }),
	vehicle: z.object({ make: z.string(), model: z.string(), color: z.string(), license_plate: z.string() }),
	cancellation_fee_cents: z.number().int(),
});

type RideDocument = z.output<typeof rideDocumentSchema>;

const cancellationSchema = z.object({
	cancelled_at_ms: z.number().int(),
	reason: z.string(),
	within_grace_period: z.boolean(),
	cancellation_fee_cents: z.number().int(),
	refund_cents: z.number().int(),
});

type Cancellation = z.output<typeof cancellationSchema>;

const CANCEL_REASONS = [
	"changed_plans",
	"driver_too_far",
	"wrong_pickup",
	"found_other_ride",
	"other",
] as const;

/** Minutes after the request at which each stage begins. */
function stages(ride: RideDocument) {
	const arrived = ride.pickup_eta_minutes;
	const started = arrived + BOARDING_MINUTES;
	return [
		{ status: "driver_assigned", after: 0 },
		{ status: "arrived", after: arrived },
		{ status: "in_progress", after: started },
		{ status: "completed", after: started + ride.trip.duration_minutes },
	] as const;
}

function progressAt(ride: RideDocument, at: number) {
	const elapsed = (at - ride.requested_at_ms) / 60_000;
	const all = stages(ride);
	const reached = all.filter((stage) => stage.after <= elapsed);
	return { all, reached: reached.length > 0 ? reached : all.slice(0, 1), elapsed };
}

/** The ride as the rider sees it at `at`: its status advances with the merchant's clock until cancelled. */
function renderRide(ride: RideDocument, at: number, cancellation: Cancellation | null) {
	const { kind: _kind, requested_at_ms: requestedAt, cancellation_fee_cents: fee, ...rest } = ride;
	const until = cancellation ? Math.min(at, cancellation.cancelled_at_ms) : at;
	const { all, reached, elapsed } = progressAt(ride, until);
	const history: { status: string; at: string }[] = reached.map((stage) => ({
		status: stage.status,
		at: iso(requestedAt + stage.after * 60_000),
	}));
	if (cancellation) history.push({ status: "cancelled", at: iso(cancellation.cancelled_at_ms) });
	const status = cancellation ? "cancelled" : (reached.at(-1)?.status ?? "driver_assigned");
	const pickupAfter = all[1].after;
	const dropoffAfter = all[3].after;
	const eta =
		status === "driver_assigned"
			? pickupAfter - elapsed
			: status === "arrived" || status === "in_progress"
				? dropoffAfter - elapsed
				: 0;
	return {
		...rest,
		status,
		status_history: history,
		requested_at: iso(requestedAt),
		pickup_eta_at: iso(requestedAt + pickupAfter * 60_000),
		dropoff_eta_at: iso(requestedAt + dropoffAfter * 60_000),
		eta_minutes: Math.max(0, Math.ceil(eta)),
		cancellation_policy: {
			free_cancellation_until: iso(requestedAt + GRACE_PERIOD_MINUTES * 60_000),
			cancellation_fee_cents: fee,
		},
		cancellation: cancellation
			? {
					cancelled_at: iso(cancellation.cancelled_at_ms),
					reason: cancellation.reason,
					within_grace_period: cancellation.within_grace_period,
					cancellation_fee_cents: cancellation.cancellation_fee_cents,
					refund_cents: cancellation.refund_cents,
				}
			: null,
	};
}

async function loadRide(store: ReturnType<typeof merchantStore>, rideId: string) {
	const raw = await storedDocument(store, rideId);
	const ride = raw === null ? undefined : rideDocumentSchema.safeParse(JSON.parse(raw)).data;
	if (!ride) throw new MerchantError(404, "ride_not_found", `No ride "${rideId}".`);
	const cancelled = await storedDocument(store, cancellationId(rideId));
	return { ride, cancellation: cancelled === null ? null : cancellationSchema.parse(JSON.parse(cancelled)) };
}

function plate(rideId: string): string {
	const r = seeded(MERCHANT_ID, rideId, "plate");
	const letters = "ABCDEFGHJKLMNPRSTUVWXYZ";
	const pick = () => letters[r.int(0, letters.length - 1)] ?? "A";
	return `${r.int(1, 9)}${pick()}${pick()}${pick()}${r.int(100, 999)}`;
}

const routes = new Hono<SandboxApp>();

routes.use("*", requireBearerToken("RideNow"));

routes.get("/cities", (c) =>
	c.json({
		cities: RIDE_CITIES.map((city) => ({
			city: city.slug,
			name: city.name,
			state: city.state,
			time_zone: city.time_zone,
			products: PRODUCTS.map((p) => p.product_id),
			place_count: city.places.length,
			airports: city.places.filter((p) => p.kind === "airport").map((p) => p.place_id),
		})),
	}),
);

routes.get("/products", (c) => {
	const { city: raw } = parseQuery(c, z.object({ city: z.string().trim().min(1).max(80) }));
	const city = findCity(raw);
	return c.json({
		city: city.slug,
		currency: CURRENCY,
		surge_multiplier: surgeAt(city, now(c)),
		city_fee: city.city_fee,
		tax_rate_percent: city.tax_rate_milli_percent / 1000,
		products: PRODUCTS.map((product) => productCard(city, product)),
	});
});

routes.get("/places", (c) => {
	const query = parseQuery(
		c,
		z.object({
			city: z.string().trim().min(1).max(80),
			query: z.string().trim().min(1).max(100).optional(),
			kind: z.string().trim().toLowerCase().pipe(z.enum(PLACE_KINDS)).optional(),
		}),
	);
	const city = findCity(query.city);
	const words = query.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
	const places = city.places.filter(
		(p) =>
			(!query.kind || p.kind === query.kind) &&
			words.every((w) => `${p.place_id} ${p.name} ${p.address} ${p.kind}`.toLowerCase().includes(w)),
	);
	return c.json({
		city: city.slug,
		places: places.map((p) => ({ ...p, airport_fee_cents: p.airport_fee_cents ?? null })),
		total: places.length,
	});
});

routes.post("/fares/estimate", async (c) => {
	const request = await parseJsonBody(c, fareRequestSchema);
	const createdAt = now(c);
	const priced = priceRide(request, surgeAt(findCity(request.city), createdAt));
	const quote = {
		quote_id: `fare_${crypto.randomUUID().replaceAll("-", "")}`,
		city: priced.city.slug,
		product: {
			product_id: priced.product.product_id,
			name: priced.product.name,
			seats: priced.product.seats,
		},
		pickup: priced.pickup,
		dropoff: priced.dropoff,
		passengers: request.passengers,
		trip: { distance_miles: priced.distance_miles, duration_minutes: priced.duration_minutes },
		pickup_eta_minutes: pickupEtaMinutes(priced.city, priced.product, priced.pickup),
		surge_multiplier: priced.surge_multiplier,
		fare: priced.fare,
		currency: CURRENCY,
		cancellation_policy: {
			grace_period_minutes: GRACE_PERIOD_MINUTES,
			cancellation_fee_cents: priced.product.cancellation_fee_cents,
		},
		created_at: iso(createdAt),
		expires_at: iso(createdAt + QUOTE_TTL_MS),
	};
	await merchantStore(c, MERCHANT_ID).saveQuote({
		quote_id: quote.quote_id,
		total_cents: priced.fare.total_cents,
		created_at: createdAt,
		expires_at: createdAt + QUOTE_TTL_MS,
		document: JSON.stringify(quote),
	});
	return c.json(quote, 201);
});

routes.post("/rides", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const request = await parseJsonBody(c, fareRequestSchema.extend({ quote_id: z.string().trim().min(1) }));
	const store = merchantStore(c, MERCHANT_ID);
	// The upfront fare locks the surge of the moment it was quoted; everything else re-prices from the request.
	const quoted = await store.getQuote(request.quote_id);
	const surge = quoted ? quoteDocumentSchema.parse(JSON.parse(quoted.document)).surge_multiplier : 1;
	const priced = priceRide(request, surge);
	const at = now(c);
	const delta = c.get("faults").amountDeltaCents;
	const rideId = crypto.randomUUID();
	const r = seeded(MERCHANT_ID, rideId, "driver");
	const car = r.pick(VEHICLES[priced.product.product_id]);
	const document: RideDocument = {
		kind: "ride",
		ride_id: rideId,
		quote_id: request.quote_id,
		city: priced.city.slug,
		product: {
			product_id: priced.product.product_id,
			name: priced.product.name,
			seats: priced.product.seats,
		},
		pickup: priced.pickup,
		dropoff: priced.dropoff,
		passengers: request.passengers,
		trip: { distance_miles: priced.distance_miles, duration_minutes: priced.duration_minutes },
		surge_multiplier: priced.surge_multiplier,
		// The amount-delta fault plays a merchant that charges other than it quoted.
		fare: {
			...priced.fare,
			total_cents: priced.fare.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		currency: CURRENCY,
		requested_at_ms: at,
		pickup_eta_minutes: pickupEtaMinutes(priced.city, priced.product, priced.pickup),
		driver: {
			name: r.pick(DRIVER_NAMES),
			rating: Math.round(r.range(4.7, 5) * 100) / 100,
			completed_trips: r.int(120, 9800),
		},
		vehicle: { ...car, color: r.pick(VEHICLE_COLORS), license_plate: plate(rideId) },
		cancellation_fee_cents: priced.product.cancellation_fee_cents,
	};
	const placed = await placePurchase(c, store, {
		idempotencyKey: key,
		request,
		quoteId: request.quote_id,
		expectedTotalCents: priced.fare.total_cents,
		id: rideId,
		totalCents: document.fare.total_cents,
		document,
		terms: TERMS,
	});
	return c.json(renderRide(rideDocumentSchema.parse(JSON.parse(placed.document)), at, null), 201);
});

const rideParams = z.object({ ride_id: z.string().min(1).max(64) });

routes.get("/rides/:ride_id", async (c) => {
	const { ride_id } = parseParams(c, rideParams);
	const { ride, cancellation } = await loadRide(merchantStore(c, MERCHANT_ID), ride_id);
	return c.json(renderRide(ride, now(c), cancellation));
});

routes.post("/rides/:ride_id/cancel", async (c) => {
	const { ride_id } = parseParams(c, rideParams);
	const { reason } = await parseOptionalJsonBody(
		c,
		z.object({ reason: z.enum(CANCEL_REASONS).default("other") }),
	);
	const store = merchantStore(c, MERCHANT_ID);
	const at = now(c);
	const { ride, cancellation: earlier } = await loadRide(store, ride_id);
	if (earlier) {
		c.header("Idempotent-Replayed", "true");
		return c.json(renderRide(ride, at, earlier));
	}
	const current = progressAt(ride, at).reached.at(-1)?.status;
	if (current === "in_progress" || current === "completed") {
		throw new MerchantError(
			409,
			"ride_not_cancellable",
			current === "completed"
				? "The ride is already completed."
				: "The trip has started; ask the driver to end it at a safe place instead.",
			{ status: current },
		);
	}
	const withinGrace = at - ride.requested_at_ms < GRACE_PERIOD_MINUTES * 60_000;
	const fee = withinGrace ? 0 : Math.min(ride.cancellation_fee_cents, ride.fare.total_cents);
	const cancellation: Cancellation = {
		cancelled_at_ms: at,
		reason,
		within_grace_period: withinGrace,
		cancellation_fee_cents: fee,
		refund_cents: ride.fare.total_cents - fee,
	};
	// Two racing cancellations record one; the loser answers with the winner's terms.
	const recorded = await recordOnce(store, {
		id: cancellationId(ride_id),
		amountCents: fee,
		document: cancellation,
		now: at,
	});
	if (!recorded.created) c.header("Idempotent-Replayed", "true");
	return c.json(renderRide(ride, at, cancellationSchema.parse(JSON.parse(recorded.document))));
});

/** RideNow: upfront ride fares, ride requests with driver tracking and cancellation after a grace period. */
export const ridenow: Merchant = {
	id: MERCHANT_ID,
	name: "RideNow",
	specYaml: ridenowSpec,
	apiKeyHeader: "Authorization",
	routes,
};
