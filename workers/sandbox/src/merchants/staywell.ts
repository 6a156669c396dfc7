import { Hono } from "hono";
import { z } from "zod";
import staywellSpec from "../../../../providers/staywell/openapi.yaml";
import { isCalendarDate } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import {
	idempotencyKeyOf,
	type PurchaseTerms,
	placePurchase,
	recordOnce,
	storedDocument,
} from "../lib/purchase.ts";
import { parseJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp, type SandboxContext } from "../merchant.ts";
import { AMENITIES, CITIES, HOTELS, type Hotel, type RoomType } from "./staywell.data.ts";
import {
	cancellationPolicySchema,
	findCity,
	findHotel,
	MAX_ROOMS,
	nightlyRateSchema,
	type PricedStay,
	priceStay,
	pricingSchema,
	QUOTE_TTL_MS,
	RATE_PLANS,
	roomsLeft,
	type StayRequest,
	stayNights,
	stayRequestSchema,
} from "./staywell.pricing.ts";

const MERCHANT_ID = "staywell";
const CURRENCY = "USD";
const TERMS: PurchaseTerms = {
	purchase: "POST /bookings",
	quote: "POST /quotes",
	hold: "15 minutes",
	repeat: "the hotel, room type, rate plan, dates, guests and rooms",
};

const iso = (ms: number): string => new Date(ms).toISOString();
const date = z.string().refine(isCalendarDate, "must be a date as YYYY-MM-DD");

const stayQuery = z.object({
	check_in: date.optional(),
	check_out: date.optional(),
	guests: z.coerce.number().int().min(1).max(20).default(2),
	rooms: z.coerce.number().int().min(1).max(MAX_ROOMS).default(1),
});

const searchQuery = stayQuery.extend({
	city: z.string().trim().min(1).max(80),
	min_stars: z.coerce.number().int().min(1).max(5).optional(),
	min_rating: z.coerce.number().min(0).max(10).optional(),
	amenities: z
		.string()
		.transform((text) =>
			text
				.split(",")
				.map((a) => a.trim().toLowerCase())
				.filter(Boolean),
		)
		.pipe(z.array(z.enum(AMENITIES)))
		.optional(),
	max_price_cents: z.coerce.number().int().min(1).optional(),
	sort: z.enum(["recommended", "price", "rating", "stars"]).default("recommended"),
	limit: z.coerce.number().int().min(1).max(50).default(10),
	offset: z.coerce.number().int().min(0).default(0),
});

type Stay = { check_in: string; check_out: string; guests: number; rooms: number };

/** Both dates or neither; a half-given stay is the caller's mistake, not an open-ended one. */
function stayOf(query: z.output<typeof stayQuery>): Stay | undefined {
	if (query.check_in === undefined && query.check_out === undefined) return undefined;
	if (query.check_in === undefined || query.check_out === undefined) {
		throw new MerchantError(400, "invalid_dates", "Send both check_in and check_out, or neither.");
	}
	return { check_in: query.check_in, check_out: query.check_out, guests: query.guests, rooms: query.rooms };
}

function request(hotel: Hotel, room: RoomType, stay: Stay, plan: StayRequest["rate_plan"]): StayRequest {
	return { hotel_id: hotel.hotel_id, room_type_id: room.room_type_id, rate_plan: plan, ...stay };
}

function fits(hotel: Hotel, room: RoomType, nights: string[], stay: Stay): boolean {
	return (
		room.max_occupancy * stay.rooms >= stay.guests &&
		nights.every((night) => roomsLeft(hotel, room, night) >= stay.rooms)
	);
}

function offer(priced: PricedStay, rooms: number) {
	return {
		room_type_id: priced.room.room_type_id,
		nights: priced.nights.length,
		average_nightly_cents: Math.round(priced.pricing.room_subtotal_cents / priced.nights.length / rooms),
		total_cents: priced.pricing.total_cents,
	};
}

/** The cheapest flexible stay at a hotel that takes the party on every night, if any. */
function bestOffer(hotel: Hotel, stay: Stay, at: number) {
	const nights = stayNights(hotel, stay.check_in, stay.check_out, at);
	const offers = hotel.room_types
		.filter((room) => fits(hotel, room, nights, stay))
		.map((room) => offer(priceStay(request(hotel, room, stay, "flexible"), at, false), stay.rooms));
	return offers.sort((a, b) => a.total_cents - b.total_cents)[0];
}

function typicalNightly(hotel: Hotel): number {
	return Math.min(...hotel.room_types.map((r) => r.base_rate_cents));
}

function summary(hotel: Hotel) {
	return {
		hotel_id: hotel.hotel_id,
		name: hotel.name,
		city: hotel.city.slug,
		neighborhood: hotel.neighborhood,
		stars: hotel.stars,
		guest_rating: hotel.guest_rating,
		review_count: hotel.review_count,
		amenities: hotel.amenities,
		resort_fee_cents: hotel.resort_fee_cents,
		free_cancellation_hours: hotel.free_cancellation_hours,
		typical_nightly_cents: typicalNightly(hotel),
	};
}

const bookingRequestSchema = stayRequestSchema.extend({
	quote_id: z.string().trim().min(1),
	guest: z.object({
		first_name: z.string().trim().min(1).max(60),
		last_name: z.string().trim().min(1).max(60),
		email: z.email(),
	}),
	special_requests: z.string().trim().max(500).optional(),
});

const bookingDocumentSchema = z.object({
	confirmation_number: z.string(),
	quote_id: z.string(),
	hotel: z.object({ hotel_id: z.string(), name: z.string(), address: z.string(), city: z.string() }),
	room_type: z.object({
		room_type_id: z.string(),
		name: z.string(),
		beds: z.string(),
		max_occupancy: z.number(),
	}),
	rate_plan: z.enum(RATE_PLANS),
	check_in: z.string(),
	check_out: z.string(),
	check_in_time: z.string(),
	check_out_time: z.string(),
	nights: z.number().int(),
	rooms: z.number().int(),
	guests: z.number().int(),
	guest: bookingRequestSchema.shape.guest,
	special_requests: z.string().optional(),
	nightly_rates: z.array(nightlyRateSchema),
	pricing: pricingSchema.extend({ adjustment_cents: z.number().int().optional() }),
	cancellation_policy: cancellationPolicySchema,
	currency: z.string(),
	booked_at_ms: z.number().int(),
	starts_at_ms: z.number().int(),
	ends_at_ms: z.number().int(),
});

type BookingDocument = z.output<typeof bookingDocumentSchema>;

const cancellationSchema = z.object({
	cancelled_at_ms: z.number().int(),
	penalty_cents: z.number().int(),
	refund_cents: z.number().int(),
});

type Cancellation = z.output<typeof cancellationSchema>;

const cancellationId = (confirmation: string) => `${confirmation}:cancellation`;

function renderBooking(booking: BookingDocument, cancellation: Cancellation | null, at: number) {
	const { booked_at_ms: bookedAt, starts_at_ms: startsAt, ends_at_ms: endsAt, ...rest } = booking;
	const status = cancellation
		? "cancelled"
		: at >= endsAt
			? "completed"
			: at >= startsAt
				? "in_house"
				: "confirmed";
	return {
		...rest,
		status,
		booked_at: iso(bookedAt),
		cancellation: cancellation
			? {
					cancelled_at: iso(cancellation.cancelled_at_ms),
					penalty_cents: cancellation.penalty_cents,
					refund_cents: cancellation.refund_cents,
				}
			: null,
	};
}

async function loadBooking(c: SandboxContext) {
	const { confirmation_number } = parseParams(
		c,
		z.object({
			confirmation_number: z
				.string()
				.trim()
				.toUpperCase()
				.pipe(z.string().regex(/^SW\d{9}$/)),
		}),
	);
	const store = merchantStore(c, MERCHANT_ID);
	const [stored, cancelled] = await Promise.all([
		storedDocument(store, confirmation_number),
		storedDocument(store, cancellationId(confirmation_number)),
	]);
	if (!stored) {
		throw new MerchantError(
			404,
			"booking_not_found",
			`No booking with confirmation number ${confirmation_number}.`,
		);
	}
	return {
		store,
		booking: bookingDocumentSchema.parse(JSON.parse(stored)),
		cancellation: cancelled ? cancellationSchema.parse(JSON.parse(cancelled)) : null,
	};
}

function confirmationNumber(): string {
	const digits = crypto.getRandomValues(new Uint8Array(9));
	return `SW${Array.from(digits, (d) => d % 10).join("")}`;
}

const routes = new Hono<SandboxApp>();

routes.get("/cities", (c) =>
	c.json({
		cities: CITIES.map((city) => ({
			city: city.slug,
			name: city.name,
			state: city.state,
			hotel_count: HOTELS.filter((h) => h.city === city).length,
			neighborhoods: city.neighborhoods.map((n) => n.name),
			lodging_tax_percent: city.tax_bp / 100,
		})),
	}),
);

routes.get("/hotels", (c) => {
	const query = parseQuery(c, searchQuery);
	const city = findCity(query.city);
	const stay = stayOf(query);
	const at = now(c);
	const wanted = query.amenities ?? [];
	const found = HOTELS.filter(
		(h) =>
			h.city === city &&
			(query.min_stars === undefined || h.stars >= query.min_stars) &&
			(query.min_rating === undefined || h.guest_rating >= query.min_rating) &&
			wanted.every((a) => h.amenities.includes(a)),
	)
		.map((hotel) => ({ hotel, price: stay ? (bestOffer(hotel, stay, at) ?? null) : null }))
		.filter(({ price }) => !stay || price !== null)
		.filter(
			({ hotel, price }) =>
				query.max_price_cents === undefined ||
				(price?.average_nightly_cents ?? typicalNightly(hotel)) <= query.max_price_cents,
		);
	const score = {
		recommended: (h: Hotel) => -(h.guest_rating + h.stars * 0.3),
		rating: (h: Hotel) => -h.guest_rating,
		stars: (h: Hotel) => -h.stars,
		price: (h: Hotel) => typicalNightly(h),
	}[query.sort];
	found.sort((a, b) => {
		const byPrice =
			query.sort === "price" && a.price && b.price ? a.price.total_cents - b.price.total_cents : 0;
		return byPrice || score(a.hotel) - score(b.hotel) || a.hotel.name.localeCompare(b.hotel.name);
	});
	return c.json({
		city: city.slug,
		stay: stay ?? null,
		hotels: found
			.slice(query.offset, query.offset + query.limit)
			.map(({ hotel, price }) => ({ ...summary(hotel), price })),
		total: found.length,
		limit: query.limit,
		offset: query.offset,
	});
});

routes.get("/hotels/:hotel_id", (c) => {
	const hotel = findHotel(parseParams(c, z.object({ hotel_id: z.string().min(1) })).hotel_id);
	const stay = stayOf(parseQuery(c, stayQuery));
	const at = now(c);
	const nights = stay ? stayNights(hotel, stay.check_in, stay.check_out, at) : [];
	return c.json({
		...summary(hotel),
		address: hotel.address,
		description: hotel.description,
		check_in_time: hotel.check_in_time,
		check_out_time: hotel.check_out_time,
		lodging_tax_percent: hotel.city.tax_bp / 100,
		nightly_fee_cents: hotel.city.nightly_fee_cents,
		stay: stay ?? null,
		room_types: hotel.room_types.map((room) => ({
			room_type_id: room.room_type_id,
			name: room.name,
			description: room.description,
			beds: room.beds,
			max_occupancy: room.max_occupancy,
			size_sqm: room.size_sqm,
			typical_nightly_cents: room.base_rate_cents,
			rates: stay
				? RATE_PLANS.map((plan) => {
						const priced = priceStay(request(hotel, room, stay, plan), at, false);
						return {
							rate_plan: plan,
							available: fits(hotel, room, nights, stay),
							rooms_left: Math.min(...nights.map((night) => roomsLeft(hotel, room, night))),
							...offer(priced, stay.rooms),
						};
					})
				: null,
		})),
	});
});

routes.post("/quotes", async (c) => {
	const body = await parseJsonBody(c, stayRequestSchema);
	const createdAt = now(c);
	const priced = priceStay(body, createdAt);
	const quote = {
		quote_id: `swq_${crypto.randomUUID().replaceAll("-", "")}`,
		hotel: { hotel_id: priced.hotel.hotel_id, name: priced.hotel.name, city: priced.hotel.city.slug },
		room_type: {
			room_type_id: priced.room.room_type_id,
			name: priced.room.name,
			beds: priced.room.beds,
			max_occupancy: priced.room.max_occupancy,
		},
		rate_plan: body.rate_plan,
		check_in: body.check_in,
		check_out: body.check_out,
		nights: priced.nights.length,
		rooms: body.rooms,
		guests: body.guests,
		nightly_rates: priced.nightly_rates,
		pricing: priced.pricing,
		cancellation_policy: priced.cancellation_policy,
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

routes.post("/bookings", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const body = await parseJsonBody(c, bookingRequestSchema);
	const at = now(c);
	const priced = priceStay(body, at);
	const delta = c.get("faults").amountDeltaCents;
	const document: BookingDocument = {
		confirmation_number: confirmationNumber(),
		quote_id: body.quote_id,
		hotel: {
			hotel_id: priced.hotel.hotel_id,
			name: priced.hotel.name,
			address: priced.hotel.address,
			city: priced.hotel.city.slug,
		},
		room_type: {
			room_type_id: priced.room.room_type_id,
			name: priced.room.name,
			beds: priced.room.beds,
			max_occupancy: priced.room.max_occupancy,
		},
		rate_plan: body.rate_plan,
		check_in: body.check_in,
		check_out: body.check_out,
		check_in_time: priced.hotel.check_in_time,
		check_out_time: priced.hotel.check_out_time,
		nights: priced.nights.length,
		rooms: body.rooms,
		guests: body.guests,
		guest: body.guest,
		...(body.special_requests ? { special_requests: body.special_requests } : {}),
		nightly_rates: priced.nightly_rates,
		// The amount-delta fault plays a hotel that charges other than it quoted.
		pricing: {
			...priced.pricing,
			total_cents: priced.pricing.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		cancellation_policy: priced.cancellation_policy,
		currency: CURRENCY,
		booked_at_ms: at,
		starts_at_ms: priced.starts_at_ms,
		ends_at_ms:
			priced.starts_at_ms +
			priced.nights.length * 86_400_000 +
			(Number(priced.hotel.check_out_time.slice(0, 2)) - Number(priced.hotel.check_in_time.slice(0, 2))) *
				3600_000,
	};
	const placed = await placePurchase(c, merchantStore(c, MERCHANT_ID), {
		idempotencyKey: key,
		request: body,
		quoteId: body.quote_id,
		expectedTotalCents: priced.pricing.total_cents,
		id: document.confirmation_number,
		totalCents: document.pricing.total_cents,
		document,
		terms: TERMS,
	});
	return c.json(renderBooking(bookingDocumentSchema.parse(JSON.parse(placed.document)), null, at), 201);
});

routes.get("/bookings/:confirmation_number", async (c) => {
	const { booking, cancellation } = await loadBooking(c);
	return c.json(renderBooking(booking, cancellation, now(c)));
});

routes.post("/bookings/:confirmation_number/cancel", async (c) => {
	const { store, booking, cancellation } = await loadBooking(c);
	const at = now(c);
	const refuseAlreadyCancelled = (existing: Cancellation): never => {
		throw new MerchantError(
			409,
			"already_cancelled",
			`Booking ${booking.confirmation_number} is already cancelled.`,
			{
				cancelled_at: iso(existing.cancelled_at_ms),
				refund_cents: existing.refund_cents,
			},
		);
	};
	if (cancellation) refuseAlreadyCancelled(cancellation);
	if (at >= booking.starts_at_ms) {
		throw new MerchantError(
			409,
			"stay_started",
			`The stay began at check-in on ${booking.check_in}; it can no longer be cancelled online. Contact the hotel.`,
		);
	}
	const total = booking.pricing.total_cents;
	const policy = booking.cancellation_policy;
	const deadline =
		policy.free_cancellation_until === null ? null : Date.parse(policy.free_cancellation_until);
	const penalty =
		!policy.refundable || deadline === null
			? total
			: at < deadline
				? 0
				: Math.min(total, policy.penalty_after_deadline_cents);
	const recorded = await recordOnce(store, {
		id: cancellationId(booking.confirmation_number),
		amountCents: total - penalty,
		document: {
			cancelled_at_ms: at,
			penalty_cents: penalty,
			refund_cents: total - penalty,
		} satisfies Cancellation,
		now: at,
	});
	const stored = cancellationSchema.parse(JSON.parse(recorded.document));
	// A concurrent cancel got there first: same answer as a repeated one.
	if (!recorded.created) refuseAlreadyCancelled(stored);
	return c.json(renderBooking(booking, stored, at));
});

/** StayWell: hotel search, rooms and rates, bookings through a quote → booking flow, and free cancellation until a deadline. */
export const staywell: Merchant = {
	id: MERCHANT_ID,
	name: "StayWell",
	specYaml: staywellSpec,
	apiKeyHeader: "X-StayWell-Key",
	routes,
};
