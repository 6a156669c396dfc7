import { Hono } from "hono";
import { z } from "zod";
import flyawaySpec from "../../../../providers/flyaway/openapi.yaml";
import { requireQueryApiKey } from "../lib/auth.ts";
import { isCalendarDate } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { idempotencyKeyOf, type PurchaseTerms, placePurchase, storedDocument } from "../lib/purchase.ts";
import { parseJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp } from "../merchant.ts";
import { AIRLINES, AIRPORTS, type Airport, CABINS, type Cabin } from "./flyaway.data.ts";
import {
	airlinesAt,
	bookingClass,
	type Charge,
	cabinAvailability,
	checkTravelDate,
	findAirport,
	findItinerary,
	type Itinerary,
	isDomestic,
	itineraries,
	type PassengerType,
	passengerFare,
	renderItinerary,
} from "./flyaway.flights.ts";

const MERCHANT_ID = "flyaway";
const CURRENCY = "USD";
/** Fares are held for this long after a quote. */
const QUOTE_TTL_MS = 15 * 60_000;
/** Sales close this long before departure. */
const SALES_CLOSE_MS = 45 * 60_000;
const TERMS: PurchaseTerms = {
	purchase: "POST /bookings",
	quote: "POST /fares/quote",
	hold: "15 minutes",
	repeat: "the offer, cabin and passengers",
};

const iso = (ms: number): string => new Date(ms).toISOString();
const date = z.string().refine(isCalendarDate, "must be a date as YYYY-MM-DD");

const FARE_BRANDS: Record<Cabin, string> = {
	economy: "Economy Standard",
	premium_economy: "Premium Economy",
	business: "Business Flex",
	first: "First",
};

function airportRef(airport: Airport) {
	return { iata: airport.iata, name: airport.name, city: airport.city, country: airport.country };
}

function departsAt(it: Itinerary): number {
	return it.segments[0]?.departure_ms ?? 0;
}

function arrivesAt(it: Itinerary): number {
	return it.segments.at(-1)?.arrival_ms ?? 0;
}

const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);

/** Adds up charges with the same code and name across passengers. */
function combine(charges: readonly Charge[]): Charge[] {
	const byKey = new Map<string, Charge>();
	for (const charge of charges) {
		const key = `${charge.code}|${charge.name}`;
		const seen = byKey.get(key);
		byKey.set(key, { ...charge, amount_cents: (seen?.amount_cents ?? 0) + charge.amount_cents });
	}
	return [...byKey.values()];
}

function baggageOf(it: Itinerary, cabin: Cabin) {
	const checked = { economy: isDomestic(it) ? 0 : 1, premium_economy: 2, business: 2, first: 3 }[cabin];
	return { carry_on: 1, checked_bags: checked };
}

const searchQuery = z.object({
	origin: z
		.string()
		.trim()
		.regex(/^[A-Za-z]{3}$/, "must be a 3-letter IATA airport code"),
	destination: z
		.string()
		.trim()
		.regex(/^[A-Za-z]{3}$/, "must be a 3-letter IATA airport code"),
	date,
	adults: z.coerce.number().int().min(1).max(9).default(1),
	children: z.coerce.number().int().min(0).max(8).default(0),
	infants: z.coerce.number().int().min(0).max(9).default(0),
	cabin: z.enum(CABINS).default("economy"),
	max_stops: z.coerce.number().int().min(0).max(1).optional(),
	airline: z.string().trim().toUpperCase().length(2).optional(),
	sort: z.enum(["price", "duration", "departure"]).default("price"),
	limit: z.coerce.number().int().min(1).max(50).default(20),
	offset: z.coerce.number().int().min(0).default(0),
});

function checkParty(adults: number, children: number, infants: number): void {
	if (adults === 0) {
		throw new MerchantError(
			422,
			"unaccompanied_minor",
			"Every booking needs at least one adult (12 or older).",
		);
	}
	if (infants > adults) {
		throw new MerchantError(
			422,
			"infant_without_adult",
			"Each lap infant (under 2) must travel with an adult.",
		);
	}
	if (adults + children > 9) {
		throw new MerchantError(422, "too_many_passengers", "At most 9 seated passengers per booking.");
	}
}

const passengerSchema = z.object({
	first_name: z.string().trim().min(1).max(60),
	last_name: z.string().trim().min(1).max(60),
	date_of_birth: date,
});

const quoteRequestSchema = z.object({
	offer_id: z.string().trim().min(1).max(80),
	cabin: z.enum(CABINS).default("economy"),
	passengers: z.array(passengerSchema).min(1).max(9),
});

type QuoteRequest = z.output<typeof quoteRequestSchema>;

/** Age on the day of travel decides the fare: under 2 flies on a lap, under 12 as a child. */
function typeOf(dateOfBirth: string, travelDate: string): PassengerType {
	const [by, bm, bd] = dateOfBirth.split("-").map(Number);
	const [ty, tm, td] = travelDate.split("-").map(Number);
	const age = (ty ?? 0) - (by ?? 0) - ((tm ?? 0) < (bm ?? 0) || (tm === bm && (td ?? 0) < (bd ?? 0)) ? 1 : 0);
	return age < 2 ? "infant" : age < 12 ? "child" : "adult";
}

/** Prices an offer for named passengers the way the quote and the booking both must. */
function priceOffer(request: QuoteRequest, at: number) {
	const it = findItinerary(request.offer_id);
	checkTravelDate(it.origin, it.date, at);
	if (departsAt(it) - at < SALES_CLOSE_MS) {
		throw new MerchantError(422, "sales_closed", "Sales for this flight closed 45 minutes before departure.");
	}
	for (const [i, p] of request.passengers.entries()) {
		if (p.date_of_birth > it.date) {
			throw new MerchantError(
				422,
				"invalid_passenger",
				`passengers.${i}.date_of_birth is after the travel date.`,
			);
		}
	}
	const passengers = request.passengers.map((p) => ({ ...p, type: typeOf(p.date_of_birth, it.date) }));
	const count = (type: PassengerType) => passengers.filter((p) => p.type === type).length;
	checkParty(count("adult"), count("child"), count("infant"));
	const cabin = cabinAvailability(it, request.cabin);
	if (!cabin.offered) {
		throw new MerchantError(422, "cabin_unavailable", `${request.cabin} is not sold on this itinerary.`);
	}
	const seated = passengers.length - count("infant");
	if (cabin.seats_left < seated) {
		throw new MerchantError(
			409,
			"not_enough_seats",
			`Only ${cabin.seats_left} ${request.cabin} seats left at this fare.`,
			{
				seats_left: cabin.seats_left,
			},
		);
	}
	const fares = passengers.map((p) => ({ passenger: p, fare: passengerFare(it, request.cabin, p.type, at) }));
	const taxes = combine(fares.flatMap((f) => f.fare.taxes));
	const fees = combine(fares.flatMap((f) => f.fare.fees));
	const base = sum(fares.map((f) => f.fare.base_fare_cents));
	const taxTotal = sum(taxes.map((t) => t.amount_cents));
	const feeTotal = sum(fees.map((f) => f.amount_cents));
	return {
		itinerary: it,
		passengers: fares.map(({ passenger, fare }) => ({
			...passenger,
			base_fare_cents: fare.base_fare_cents,
			taxes_cents: sum(fare.taxes.map((t) => t.amount_cents)),
			fees_cents: sum(fare.fees.map((f) => f.amount_cents)),
			total_cents: fare.total_cents,
		})),
		price: {
			base_fare_cents: base,
			taxes_cents: taxTotal,
			fees_cents: feeTotal,
			total_cents: base + taxTotal + feeTotal,
		},
		taxes,
		fees,
		fare: {
			cabin: request.cabin,
			fare_brand: FARE_BRANDS[request.cabin],
			booking_class: bookingClass(it, request.cabin, at),
			baggage: baggageOf(it, request.cabin),
			refundable: request.cabin === "business" || request.cabin === "first",
			changeable: true,
		},
	};
}

const chargeSchema = z.object({ code: z.string(), name: z.string(), amount_cents: z.number().int() });
const priceSchema = z.object({
	base_fare_cents: z.number().int(),
	taxes_cents: z.number().int(),
	fees_cents: z.number().int(),
	total_cents: z.number().int(),
});

const bookingRequestSchema = quoteRequestSchema.extend({
	quote_id: z.string().trim().min(1),
	contact: z.object({ email: z.email() }),
});

const bookingDocumentSchema = z.object({
	pnr: z.string(),
	quote_id: z.string(),
	offer_id: z.string(),
	cabin: z.enum(CABINS),
	fare_brand: z.string(),
	booking_class: z.string(),
	itinerary: z.looseObject({}),
	passengers: z.array(
		passengerSchema.extend({
			type: z.enum(["adult", "child", "infant"]),
			ticket_number: z.string(),
			base_fare_cents: z.number().int(),
			taxes_cents: z.number().int(),
			fees_cents: z.number().int(),
			total_cents: z.number().int(),
		}),
	),
	price: priceSchema.extend({ adjustment_cents: z.number().int().optional() }),
	taxes: z.array(chargeSchema),
	fees: z.array(chargeSchema),
	baggage: z.object({ carry_on: z.number().int(), checked_bags: z.number().int() }),
	refundable: z.boolean(),
	changeable: z.boolean(),
	contact: bookingRequestSchema.shape.contact,
	currency: z.string(),
	booked_at_ms: z.number().int(),
	arrives_at_ms: z.number().int(),
});

type BookingDocument = z.output<typeof bookingDocumentSchema>;

function renderBooking(booking: BookingDocument, at: number) {
	const { booked_at_ms: bookedAt, arrives_at_ms: arrivesAtMs, ...rest } = booking;
	return { ...rest, status: at >= arrivesAtMs ? "flown" : "ticketed", booked_at: iso(bookedAt) };
}

const PNR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function recordLocator(): string {
	return Array.from(
		crypto.getRandomValues(new Uint8Array(6)),
		(b) => PNR_ALPHABET[b % PNR_ALPHABET.length],
	).join("");
}

function ticketNumber(prefix: string): string {
	return prefix + Array.from(crypto.getRandomValues(new Uint8Array(10)), (d) => d % 10).join("");
}

const routes = new Hono<SandboxApp>();

// FlyAway's partner API takes its key in the query string, as many travel APIs still do.
routes.use("*", requireQueryApiKey("api_key"));

routes.get("/airports", (c) => {
	const query = parseQuery(
		c,
		z.object({
			query: z.string().trim().min(1).max(80).optional(),
			country: z.string().trim().toUpperCase().length(2).optional(),
		}),
	);
	const text = query.query?.toLowerCase();
	const found = AIRPORTS.filter(
		(ap) =>
			(!query.country || ap.country === query.country) &&
			(!text || [ap.iata, ap.name, ap.city].some((field) => field.toLowerCase().includes(text))),
	);
	return c.json({
		airports: found.map((ap) => ({ ...airportRef(ap), time_zone: ap.timeZone, airlines: airlinesAt(ap) })),
		airlines: AIRLINES.map((al) => ({ code: al.code, name: al.name, hubs: al.hubs })),
	});
});

routes.get("/flights", (c) => {
	const query = parseQuery(c, searchQuery);
	const origin = findAirport(query.origin);
	const destination = findAirport(query.destination);
	if (origin === destination) {
		throw new MerchantError(400, "same_origin_destination", "origin and destination must differ.");
	}
	checkParty(query.adults, query.children, query.infants);
	const at = now(c);
	checkTravelDate(origin, query.date, at);
	const party: [PassengerType, number][] = [
		["adult", query.adults],
		["child", query.children],
		["infant", query.infants],
	];
	const offers = itineraries(origin, destination, query.date)
		.filter(
			(it) =>
				departsAt(it) - at >= SALES_CLOSE_MS &&
				(query.max_stops === undefined || it.segments.length - 1 <= query.max_stops) &&
				(!query.airline || it.segments.some((s) => s.airline.code === query.airline)),
		)
		.map((it) => ({ it, seats: cabinAvailability(it, query.cabin) }))
		.filter(({ seats }) => seats.offered && seats.seats_left >= query.adults + query.children)
		.map(({ it, seats }) => {
			const fares = party.map(([type, n]) => ({ n, fare: passengerFare(it, query.cabin, type, at) }));
			const total = sum(fares.map(({ n, fare }) => n * fare.total_cents));
			const base = sum(fares.map(({ n, fare }) => n * fare.base_fare_cents));
			return {
				offer_id: it.offer_id,
				...renderItinerary(it),
				cabin: query.cabin,
				booking_class: bookingClass(it, query.cabin, at),
				seats_left: seats.seats_left,
				price: {
					total_cents: total,
					per_adult_cents: fares[0]?.fare.total_cents ?? 0,
					base_fare_cents: base,
					taxes_and_fees_cents: total - base,
				},
				sort: { departs: departsAt(it), arrives: arrivesAt(it) },
			};
		});
	const key = {
		price: (o: (typeof offers)[number]) => o.price.total_cents,
		duration: (o: (typeof offers)[number]) => o.duration_minutes,
		departure: (o: (typeof offers)[number]) => o.sort.departs,
	}[query.sort];
	offers.sort(
		(a, b) => key(a) - key(b) || a.sort.departs - b.sort.departs || a.offer_id.localeCompare(b.offer_id),
	);
	return c.json({
		origin: airportRef(origin),
		destination: airportRef(destination),
		date: query.date,
		cabin: query.cabin,
		passengers: { adults: query.adults, children: query.children, infants: query.infants },
		offers: offers.slice(query.offset, query.offset + query.limit).map(({ sort: _, ...offer }) => offer),
		total: offers.length,
		limit: query.limit,
		offset: query.offset,
	});
});

routes.post("/fares/quote", async (c) => {
	const request = await parseJsonBody(c, quoteRequestSchema);
	const createdAt = now(c);
	const priced = priceOffer(request, createdAt);
	const quote = {
		quote_id: `faq_${crypto.randomUUID().replaceAll("-", "")}`,
		offer_id: priced.itinerary.offer_id,
		...priced.fare,
		itinerary: renderItinerary(priced.itinerary),
		passengers: priced.passengers,
		price: priced.price,
		taxes: priced.taxes,
		fees: priced.fees,
		currency: CURRENCY,
		created_at: iso(createdAt),
		expires_at: iso(createdAt + QUOTE_TTL_MS),
	};
	await merchantStore(c, MERCHANT_ID).saveQuote({
		quote_id: quote.quote_id,
		total_cents: priced.price.total_cents,
		created_at: createdAt,
		expires_at: createdAt + QUOTE_TTL_MS,
		document: JSON.stringify(quote),
	});
	return c.json(quote, 201);
});

routes.post("/bookings", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const request = await parseJsonBody(c, bookingRequestSchema);
	const at = now(c);
	const priced = priceOffer(request, at);
	const delta = c.get("faults").amountDeltaCents;
	const prefix = priced.itinerary.segments[0]?.airline.ticket_prefix ?? "000";
	const document: BookingDocument = {
		pnr: recordLocator(),
		quote_id: request.quote_id,
		offer_id: priced.itinerary.offer_id,
		...priced.fare,
		itinerary: renderItinerary(priced.itinerary),
		passengers: priced.passengers.map((p) => ({ ...p, ticket_number: ticketNumber(prefix) })),
		// The amount-delta fault plays an airline that charges other than it quoted.
		price: {
			...priced.price,
			total_cents: priced.price.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		taxes: priced.taxes,
		fees: priced.fees,
		contact: request.contact,
		currency: CURRENCY,
		booked_at_ms: at,
		arrives_at_ms: arrivesAt(priced.itinerary),
	};
	const placed = await placePurchase(c, merchantStore(c, MERCHANT_ID), {
		idempotencyKey: key,
		request,
		quoteId: request.quote_id,
		expectedTotalCents: priced.price.total_cents,
		id: document.pnr,
		totalCents: document.price.total_cents,
		document,
		terms: TERMS,
	});
	return c.json(renderBooking(bookingDocumentSchema.parse(JSON.parse(placed.document)), at), 201);
});

routes.get("/bookings/:pnr", async (c) => {
	const { pnr } = parseParams(
		c,
		z.object({
			pnr: z
				.string()
				.trim()
				.toUpperCase()
				.pipe(z.string().regex(/^[A-Z2-9]{6}$/)),
		}),
	);
	const stored = await storedDocument(merchantStore(c, MERCHANT_ID), pnr);
	if (!stored)
		throw new MerchantError(404, "booking_not_found", `No FlyAway booking with record locator ${pnr}.`);
	return c.json(renderBooking(bookingDocumentSchema.parse(JSON.parse(stored)), now(c)));
});

/** FlyAway: airports, flight search across eight airlines, fare quotes and ticketed bookings (PNR). */
export const flyaway: Merchant = {
	id: MERCHANT_ID,
	name: "FlyAway",
	specYaml: flyawaySpec,
	routes,
};
