import { Hono } from "hono";
import { z } from "zod";
import tixhubSpec from "../../../../providers/tixhub/openapi.yaml";
import { requirePrefixedKey } from "../lib/auth.ts";
import { daysBetween, isCalendarDate } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { idempotencyKeyOf, type PurchaseTerms, placePurchase, storedDocument } from "../lib/purchase.ts";
import { seeded } from "../lib/random.ts";
import { closest, slugify } from "../lib/text.ts";
import { addDays, localIso, zoned } from "../lib/time.ts";
import { parseJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp } from "../merchant.ts";
import { CITIES, type City, VENUES } from "./tixhub.data.ts";
import {
	CATEGORIES,
	cityOf,
	DELIVERY_FEES,
	DELIVERY_METHODS,
	type DeliveryMethod,
	eventsBetween,
	findEvent,
	MAIL_CUTOFF_DAYS,
	PER_ORDER_LIMIT,
	type SectionOffer,
	sectionOffers,
	statusOf,
	type TixEvent,
} from "./tixhub.events.ts";

const MERCHANT_ID = "tixhub";
const CURRENCY = "USD";
/** Seats are held for this long after a quote. */
const QUOTE_TTL_MS = 8 * 60_000;
const MAX_RANGE_DAYS = 92;
const TERMS: PurchaseTerms = {
	purchase: "POST /orders",
	quote: "POST /quotes",
	hold: "8 minutes",
	repeat: "the event, section, quantity and delivery method",
};

const iso = (ms: number): string => new Date(ms).toISOString();
const date = z.string().refine(isCalendarDate, "must be a date as YYYY-MM-DD");

function findCity(raw: string): City {
	const wanted = slugify(raw);
	const city = CITIES.find((c) => c.slug === wanted || slugify(c.name) === wanted);
	if (!city) {
		const slugs = CITIES.map((c) => c.slug);
		throw new MerchantError(
			404,
			"city_not_found",
			`TixHub sells no events in "${raw}". Did you mean ${closest(wanted, slugs).join(", ")}?`,
			{ supported_cities: slugs },
		);
	}
	return city;
}

function venueSummary(event: TixEvent) {
	return { venue_id: event.venue.venue_id, name: event.venue.name, city: event.city.slug };
}

function minPrice(offers: SectionOffer[]): number | null {
	const prices = offers.filter((o) => o.available > 0).map((o) => o.face_value_cents);
	return prices.length > 0 ? Math.min(...prices) : null;
}

function eventSummary(event: TixEvent, at: number) {
	const offers = sectionOffers(event, at);
	return {
		event_id: event.event_id,
		name: event.name,
		category: event.category,
		genre: event.genre,
		performers: event.performers,
		venue: venueSummary(event),
		date: event.date,
		starts_at: localIso(event.starts_at_ms, event.city.timeZone),
		status: statusOf(event, offers, at),
		min_price_cents: minPrice(offers),
		age_restriction: event.age_restriction,
	};
}

function deliveryAvailable(event: TixEvent, method: DeliveryMethod, at: number): boolean {
	return method !== "mail" || event.starts_at_ms - at >= MAIL_CUTOFF_DAYS * 86_400_000;
}

const quoteRequestSchema = z.object({
	event_id: z.string().trim().min(1),
	section_id: z.string().trim().min(1),
	quantity: z.number().int().min(1).max(PER_ORDER_LIMIT),
	delivery_method: z.enum(DELIVERY_METHODS).default("mobile"),
});

type QuoteRequest = z.output<typeof quoteRequestSchema>;

const perTicketSchema = z.object({
	face_value_cents: z.number().int(),
	service_fee_cents: z.number().int(),
	facility_fee_cents: z.number().int(),
});

const pricingSchema = z.object({
	face_value_cents: z.number().int(),
	service_fee_cents: z.number().int(),
	facility_fee_cents: z.number().int(),
	delivery_fee_cents: z.number().int(),
	tax_cents: z.number().int(),
	total_cents: z.number().int(),
});

/** Prices tickets the way the quote and the order both must; refuses what cannot be sold now. */
function priceTickets(request: QuoteRequest, at: number) {
	const event = findEvent(request.event_id, at);
	if (at >= event.starts_at_ms) {
		throw new MerchantError(422, "sales_closed", `${event.name} has started; ticket sales are closed.`);
	}
	const offers = sectionOffers(event, at);
	const offer = offers.find((o) => o.template.section_id === request.section_id);
	if (!offer) {
		throw new MerchantError(
			404,
			"section_not_found",
			`${event.venue.name} has no section "${request.section_id}" for this event.`,
			{
				section_ids: offers.map((o) => o.template.section_id),
			},
		);
	}
	if (offer.available < request.quantity) {
		throw new MerchantError(
			409,
			"not_enough_tickets",
			offer.available === 0
				? `${offer.template.name} is sold out.`
				: `Only ${offer.available} tickets left in ${offer.template.name}.`,
			{ available: offer.available },
		);
	}
	if (!deliveryAvailable(event, request.delivery_method, at)) {
		throw new MerchantError(
			422,
			"delivery_unavailable",
			`Mailed tickets need ${MAIL_CUTOFF_DAYS} days before the event; choose mobile or will_call.`,
		);
	}
	const quantity = request.quantity;
	const face = offer.face_value_cents * quantity;
	const service = offer.service_fee_cents * quantity;
	const facility = offer.facility_fee_cents * quantity;
	const delivery = DELIVERY_FEES[request.delivery_method];
	const tax = Math.round((face * event.city.admission_tax_bp) / 10_000);
	return {
		event,
		offer,
		per_ticket: {
			face_value_cents: offer.face_value_cents,
			service_fee_cents: offer.service_fee_cents,
			facility_fee_cents: offer.facility_fee_cents,
		},
		pricing: {
			face_value_cents: face,
			service_fee_cents: service,
			facility_fee_cents: facility,
			delivery_fee_cents: delivery,
			tax_cents: tax,
			total_cents: face + service + facility + delivery + tax,
		},
	};
}

const eventRef = z.object({
	event_id: z.string(),
	name: z.string(),
	starts_at: z.string(),
	venue_name: z.string(),
	city: z.string(),
});

const orderRequestSchema = quoteRequestSchema.extend({
	quote_id: z.string().trim().min(1),
	buyer: z.object({ name: z.string().trim().min(1).max(100), email: z.email() }),
});

const orderDocumentSchema = z.object({
	order_id: z.string(),
	quote_id: z.string(),
	event: eventRef.extend({ venue_address: z.string() }),
	section: z.object({ section_id: z.string(), name: z.string(), general_admission: z.boolean() }),
	quantity: z.number().int(),
	tickets: z.array(
		z.object({
			ticket_id: z.string(),
			row: z.string().nullable(),
			seat: z.string().nullable(),
			barcode: z.string(),
		}),
	),
	delivery: z.object({
		method: z.enum(DELIVERY_METHODS),
		ships_by: z.string().nullable(),
		instructions: z.string(),
	}),
	per_ticket: perTicketSchema,
	pricing: pricingSchema.extend({ adjustment_cents: z.number().int().optional() }),
	buyer: orderRequestSchema.shape.buyer,
	currency: z.string(),
	placed_at_ms: z.number().int(),
	event_starts_at_ms: z.number().int(),
});

type OrderDocument = z.output<typeof orderDocumentSchema>;

function renderOrder(order: OrderDocument, at: number) {
	const { placed_at_ms: placedAt, event_starts_at_ms: startsAt, ...rest } = order;
	// Four hours after the start the event is over and the tickets are spent.
	return { ...rest, status: at >= startsAt + 4 * 3600_000 ? "past" : "confirmed", placed_at: iso(placedAt) };
}

function digits(count: number): string {
	return Array.from(crypto.getRandomValues(new Uint8Array(count)), (d) => d % 10).join("");
}

/** Seats side by side in one row of the section, or standing room. */
function seatsFor(orderId: string, offer: SectionOffer, quantity: number) {
	const { rows, seats_per_row: perRow } = offer.template;
	const r = seeded(MERCHANT_ID, orderId, "seats");
	const row = rows ? r.pick(rows) : null;
	const first = r.int(1, perRow - quantity + 1);
	return Array.from({ length: quantity }, (_, i) => ({
		ticket_id: `${orderId}-${i + 1}`,
		row,
		seat: row === null ? null : String(first + i),
		barcode: digits(16),
	}));
}

function deliveryOf(event: TixEvent, method: DeliveryMethod, at: number) {
	const today = zoned(at, event.city.timeZone).date;
	switch (method) {
		case "mobile":
			return {
				method,
				ships_by: null,
				instructions: "Your tickets are in the TixHub app; the barcodes refresh 24 hours before the event.",
			};
		case "will_call":
			return {
				method,
				ships_by: null,
				instructions: `Pick up at the ${event.venue.name} box office with photo ID, from 2 hours before the start.`,
			};
		case "mail":
			return {
				method,
				ships_by: addDays(today, 2),
				instructions: "Printed tickets ship by tracked mail to the buyer's address on file.",
			};
	}
}

const listQuery = z.object({
	city: z.string().trim().min(1).max(80).optional(),
	category: z.string().trim().toLowerCase().pipe(z.enum(CATEGORIES)).optional(),
	start_date: date.optional(),
	end_date: date.optional(),
	query: z.string().trim().min(1).max(100).optional(),
	sort: z.enum(["date", "price"]).default("date"),
	limit: z.coerce.number().int().min(1).max(50).default(20),
	offset: z.coerce.number().int().min(0).default(0),
});

/** Every query word must appear in the event's name, performers, venue or genre; a trailing plural "s" is forgiven. */
function matches(event: TixEvent, words: string[]): boolean {
	const text = [event.name, event.genre, event.venue.name, ...event.performers].join(" ").toLowerCase();
	return words.every((w) => text.includes(w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w));
}

const routes = new Hono<SandboxApp>();

// TixHub's gateway wants `X-Tixhub-Signature: key=<api key>`, nothing else.
routes.use("*", requirePrefixedKey("X-Tixhub-Signature", "key="));

routes.get("/venues", (c) => {
	const { city } = parseQuery(c, z.object({ city: z.string().trim().min(1).max(80).optional() }));
	const wanted = city === undefined ? undefined : findCity(city);
	return c.json({
		venues: VENUES.filter((v) => !wanted || v.city === wanted.slug).map((v) => ({
			venue_id: v.venue_id,
			name: v.name,
			city: v.city,
			kind: v.kind,
			address: v.address,
			capacity: v.capacity,
			home_teams: v.home_teams.map((t) => ({ name: t.name, league: t.league })),
		})),
	});
});

routes.get("/events", (c) => {
	const query = parseQuery(c, listQuery);
	const at = now(c);
	const city = query.city === undefined ? undefined : findCity(query.city);
	const today = zoned(at, "America/New_York").date;
	const from = query.start_date ?? today;
	const to = query.end_date ?? addDays(from, 30);
	const span = daysBetween(from, to);
	if (span < 0 || span > MAX_RANGE_DAYS) {
		throw new MerchantError(
			400,
			"invalid_date_range",
			`end_date must be on or after start_date and at most ${MAX_RANGE_DAYS} days later.`,
		);
	}
	const venues = VENUES.filter((v) => !city || v.city === city.slug);
	const words = query.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
	const found = eventsBetween(venues, from, to, at)
		.filter(
			(e) => e.starts_at_ms > at && (!query.category || e.category === query.category) && matches(e, words),
		)
		.map((e) => eventSummary(e, at));
	if (query.sort === "price") {
		found.sort(
			(a, b) =>
				(a.min_price_cents ?? Number.MAX_SAFE_INTEGER) - (b.min_price_cents ?? Number.MAX_SAFE_INTEGER),
		);
	}
	return c.json({
		start_date: from,
		end_date: to,
		events: found.slice(query.offset, query.offset + query.limit),
		total: found.length,
		limit: query.limit,
		offset: query.offset,
	});
});

routes.get("/events/:event_id", (c) => {
	const { event_id } = parseParams(c, z.object({ event_id: z.string().min(1).max(100) }));
	const at = now(c);
	const event = findEvent(event_id, at);
	const offers = sectionOffers(event, at);
	return c.json({
		...eventSummary(event, at),
		description: event.description,
		doors_open_at: localIso(event.doors_open_ms, event.city.timeZone),
		venue: { ...venueSummary(event), address: event.venue.address, capacity: event.venue.capacity },
		sections: offers.map((o) => ({
			section_id: o.template.section_id,
			name: o.template.name,
			tier: o.template.tier,
			general_admission: o.template.rows === null,
			rows: o.template.rows ? `${o.template.rows[0]}-${o.template.rows.at(-1)}` : null,
			face_value_cents: o.face_value_cents,
			service_fee_cents: o.service_fee_cents,
			facility_fee_cents: o.facility_fee_cents,
			available: o.available,
		})),
		delivery_options: DELIVERY_METHODS.map((method) => ({
			method,
			fee_cents: DELIVERY_FEES[method],
			available: deliveryAvailable(event, method, at),
		})),
		admission_tax_percent: event.city.admission_tax_bp / 100,
		per_order_limit: PER_ORDER_LIMIT,
	});
});

routes.post("/quotes", async (c) => {
	const request = await parseJsonBody(c, quoteRequestSchema);
	const createdAt = now(c);
	const priced = priceTickets(request, createdAt);
	const quote = {
		quote_id: `thq_${crypto.randomUUID().replaceAll("-", "")}`,
		event: {
			event_id: priced.event.event_id,
			name: priced.event.name,
			starts_at: localIso(priced.event.starts_at_ms, priced.event.city.timeZone),
			venue_name: priced.event.venue.name,
			city: priced.event.city.slug,
		},
		section: {
			section_id: priced.offer.template.section_id,
			name: priced.offer.template.name,
			general_admission: priced.offer.template.rows === null,
		},
		quantity: request.quantity,
		delivery_method: request.delivery_method,
		per_ticket: priced.per_ticket,
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

routes.post("/orders", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const request = await parseJsonBody(c, orderRequestSchema);
	const at = now(c);
	const priced = priceTickets(request, at);
	const delta = c.get("faults").amountDeltaCents;
	const orderId = `TH${digits(10)}`;
	const { event, offer } = priced;
	const document: OrderDocument = {
		order_id: orderId,
		quote_id: request.quote_id,
		event: {
			event_id: event.event_id,
			name: event.name,
			starts_at: localIso(event.starts_at_ms, event.city.timeZone),
			venue_name: event.venue.name,
			venue_address: event.venue.address,
			city: cityOf(event.venue).slug,
		},
		section: {
			section_id: offer.template.section_id,
			name: offer.template.name,
			general_admission: offer.template.rows === null,
		},
		quantity: request.quantity,
		tickets: seatsFor(orderId, offer, request.quantity),
		delivery: deliveryOf(event, request.delivery_method, at),
		per_ticket: priced.per_ticket,
		// The amount-delta fault plays a ticket seller that charges other than it quoted.
		pricing: {
			...priced.pricing,
			total_cents: priced.pricing.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		buyer: request.buyer,
		currency: CURRENCY,
		placed_at_ms: at,
		event_starts_at_ms: event.starts_at_ms,
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
	const { order_id } = parseParams(
		c,
		z.object({
			order_id: z
				.string()
				.trim()
				.toUpperCase()
				.pipe(z.string().regex(/^TH\d{10}$/)),
		}),
	);
	const stored = await storedDocument(merchantStore(c, MERCHANT_ID), order_id);
	if (!stored) throw new MerchantError(404, "order_not_found", `No TixHub order "${order_id}".`);
	return c.json(renderOrder(orderDocumentSchema.parse(JSON.parse(stored)), now(c)));
});

/** TixHub: concerts, games and shows in six US cities, seat quotes and ticket orders with barcodes. */
export const tixhub: Merchant = {
	id: MERCHANT_ID,
	name: "TixHub",
	specYaml: tixhubSpec,
	routes,
};
