import { Hono } from "hono";
import { z } from "zod";
import tablebookSpec from "../../../../providers/tablebook/openapi.yaml";
import { MerchantError } from "../lib/errors.ts";
import {
	idempotencyKeyOf,
	type PurchaseTerms,
	placePurchase,
	recordOnce,
	storedDocument,
} from "../lib/purchase.ts";
import { seeded } from "../lib/random.ts";
import { closest, slugify } from "../lib/text.ts";
import { parseJsonBody, parseOptionalJsonBody, parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp } from "../merchant.ts";
import {
	availability,
	cityOf,
	dateSchema,
	depositSchema,
	findRestaurant,
	holdTable,
	QUOTE_TTL_MS,
	refundDeadlines,
	refundFor,
	reservationRequestSchema,
	SEATING_MINUTES,
	tableKey,
} from "./tablebook.booking.ts";
import {
	BOOKING_CITIES,
	CUISINES,
	OCCASIONS,
	RESTAURANTS,
	type Restaurant,
	SEATING_AREAS,
} from "./tablebook.data.ts";

const MERCHANT_ID = "tablebook";
const CURRENCY = "USD";
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

const TERMS: PurchaseTerms = {
	purchase: "POST /reservations",
	quote: "POST /reservations/quote",
	hold: "10 minutes",
	repeat: "the restaurant, date, time, party size, seating and guest",
};

type Store = ReturnType<typeof merchantStore>;

const iso = (ms: number): string => new Date(ms).toISOString();
const cancellationId = (reservationId: string): string => `cancel:${reservationId}`;

/** Tables booked through the API are store records: one owner per restaurant and day, keyed by table. */
const TABLE = "table";
const MAX_TABLES_PER_DAY = 10_000;
const tableOwner = (restaurantId: string, date: string): string => `${restaurantId}|${date}`;
const claimId = (quoteId: string, table: string): string => `${quoteId}|${table}`;

/** The day's booked tables: {@link tableKey} → the id of the claim holding it. */
async function bookedTables(store: Store, restaurantId: string, date: string): Promise<Map<string, string>> {
	const records = await store.listRecords(TABLE, tableOwner(restaurantId, date));
	return new Map(records.map((record) => [record.unique_key ?? "", record.record_id]));
}

function summary(restaurant: Restaurant) {
	return {
		restaurant_id: restaurant.restaurant_id,
		name: restaurant.name,
		city: restaurant.city,
		cuisine: restaurant.cuisine,
		neighborhood: restaurant.neighborhood,
		price_level: restaurant.price_level,
		rating: restaurant.rating,
		review_count: restaurant.review_count,
		tags: restaurant.tags,
		deposit_per_person_cents: restaurant.deposit_per_person_cents,
	};
}

function policyCard(restaurant: Restaurant, startsAtMs: number) {
	const deadlines = refundDeadlines(restaurant, startsAtMs);
	return {
		full_refund_until: iso(deadlines.full_refund_until_ms),
		partial_refund_until: iso(deadlines.partial_refund_until_ms),
		partial_refund_percent: deadlines.partial_refund_percent,
		booking_fee_refundable: false,
	};
}

const guestSchema = reservationRequestSchema.shape.guest;

const reservationDocumentSchema = z.object({
	kind: z.literal("reservation"),
	reservation_id: z.string(),
	confirmation_code: z.string(),
	quote_id: z.string(),
	restaurant: z.object({ restaurant_id: z.string(), name: z.string(), address: z.string() }),
	date: z.string(),
	time: z.string(),
	starts_at: z.string(),
	starts_at_ms: z.number().int(),
	party_size: z.number().int(),
	seating_area: z.enum(SEATING_AREAS),
	guest: guestSchema,
	occasion: z.enum(OCCASIONS).optional(),
	special_requests: z.string().optional(),
	deposit: depositSchema.extend({ adjustment_cents: z.number().int().optional() }),
	currency: z.string(),
	created_at_ms: z.number().int(),
});

type ReservationDocument = z.output<typeof reservationDocumentSchema>;

const cancellationSchema = z.object({
	cancelled_at_ms: z.number().int(),
	reason: z.string(),
	refund_percent: z.number().int(),
	refund_cents: z.number().int(),
	kept_cents: z.number().int(),
});

type Cancellation = z.output<typeof cancellationSchema>;

const CANCEL_REASONS = ["change_of_plans", "illness", "weather", "booked_elsewhere", "other"] as const;

function statusAt(reservation: ReservationDocument, at: number): "confirmed" | "seated" | "completed" {
	if (at < reservation.starts_at_ms) return "confirmed";
	return at < reservation.starts_at_ms + SEATING_MINUTES * 60_000 ? "seated" : "completed";
}

/** The reservation as the guest sees it at `at`. */
function renderReservation(reservation: ReservationDocument, at: number, cancellation: Cancellation | null) {
	const { kind: _kind, starts_at_ms: startsAt, created_at_ms: createdAt, ...rest } = reservation;
	return {
		...rest,
		status: cancellation ? "cancelled" : statusAt(reservation, at),
		created_at: iso(createdAt),
		cancellation_policy: policyCard(findRestaurant(reservation.restaurant.restaurant_id), startsAt),
		cancellation: cancellation
			? {
					cancelled_at: iso(cancellation.cancelled_at_ms),
					reason: cancellation.reason,
					refund_percent: cancellation.refund_percent,
					refund_cents: cancellation.refund_cents,
					kept_cents: cancellation.kept_cents,
				}
			: null,
	};
}

async function loadReservation(store: ReturnType<typeof merchantStore>, reservationId: string) {
	const raw = await storedDocument(store, reservationId);
	const reservation = raw === null ? undefined : reservationDocumentSchema.safeParse(JSON.parse(raw)).data;
	if (!reservation)
		throw new MerchantError(404, "reservation_not_found", `No reservation "${reservationId}".`);
	const cancelled = await storedDocument(store, cancellationId(reservationId));
	return {
		reservation,
		cancellation: cancelled === null ? null : cancellationSchema.parse(JSON.parse(cancelled)),
	};
}

function confirmationCode(reservationId: string): string {
	const r = seeded(MERCHANT_ID, reservationId, "code");
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	return `TB-${Array.from({ length: 6 }, () => alphabet[r.int(0, alphabet.length - 1)]).join("")}`;
}

function cityFilter(raw: string): string {
	const wanted = slugify(raw);
	const city = BOOKING_CITIES.find((c) => c.slug === wanted || slugify(c.name) === wanted);
	if (!city) {
		const supported = BOOKING_CITIES.map((c) => c.slug);
		throw new MerchantError(
			404,
			"city_not_served",
			`TableBook has no restaurants in "${raw}" yet. Did you mean ${closest(wanted, supported).join(", ")}?`,
			{ supported_cities: supported },
		);
	}
	return city.slug;
}

const searchQuery = z.object({
	city: z.string().trim().min(1).max(80).optional(),
	cuisine: z.string().trim().toLowerCase().pipe(z.enum(CUISINES)).optional(),
	query: z.string().trim().min(1).max(100).optional(),
	price_level: z.enum(["$$", "$$$", "$$$$"]).optional(),
	limit: z.coerce.number().int().min(1).max(50).default(10),
	offset: z.coerce.number().int().min(0).default(0),
});

const restaurantParams = z.object({ restaurant_id: z.string().min(1) });
const reservationParams = z.object({ reservation_id: z.string().min(1).max(64) });

const routes = new Hono<SandboxApp>();

routes.get("/cities", (c) =>
	c.json({
		cities: BOOKING_CITIES.map((city) => {
			const here = RESTAURANTS.filter((r) => r.city === city.slug);
			return {
				city: city.slug,
				name: city.name,
				state: city.state,
				time_zone: city.time_zone,
				restaurant_count: here.length,
				cuisines: [...new Set(here.map((r) => r.cuisine))].sort(),
			};
		}),
	}),
);

routes.get("/restaurants", (c) => {
	const query = parseQuery(c, searchQuery);
	const city = query.city === undefined ? undefined : cityFilter(query.city);
	const words = query.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
	const found = RESTAURANTS.filter(
		(r) =>
			(!city || r.city === city) &&
			(!query.cuisine || r.cuisine === query.cuisine) &&
			(!query.price_level || r.price_level === query.price_level) &&
			words.every((w) => [r.name, r.cuisine, r.neighborhood, ...r.tags].join(" ").toLowerCase().includes(w)),
	).sort((a, b) => b.rating - a.rating || a.name.localeCompare(b.name));
	return c.json({
		restaurants: found.slice(query.offset, query.offset + query.limit).map(summary),
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
		time_zone: cityOf(restaurant).time_zone,
		seating_areas: restaurant.seating_areas,
		max_party_size: restaurant.max_party_size,
		booking_fee_cents: restaurant.booking_fee_cents,
		service_periods: restaurant.service_periods,
		closed_on: restaurant.closed_weekdays.map((d) => WEEKDAYS[d] ?? "unknown"),
		cancellation_policy: restaurant.cancellation_policy,
	});
});

routes.get("/restaurants/:restaurant_id/availability", async (c) => {
	const restaurant = findRestaurant(parseParams(c, restaurantParams).restaurant_id);
	const query = parseQuery(
		c,
		z.object({ date: dateSchema, party_size: z.coerce.number().int().min(1).max(20).default(2) }),
	);
	const booked = await bookedTables(merchantStore(c, MERCHANT_ID), restaurant.restaurant_id, query.date);
	const day = availability(restaurant, query.date, query.party_size, now(c), new Set(booked.keys()));
	return c.json({
		restaurant_id: restaurant.restaurant_id,
		date: query.date,
		party_size: query.party_size,
		time_zone: cityOf(restaurant).time_zone,
		closed: day.closed,
		bookable_party_size: query.party_size <= restaurant.max_party_size,
		slots: day.slots,
		deposit_per_person_cents: restaurant.deposit_per_person_cents,
	});
});

routes.post("/reservations/quote", async (c) => {
	const request = await parseJsonBody(c, reservationRequestSchema);
	const createdAt = now(c);
	const booked = await bookedTables(merchantStore(c, MERCHANT_ID), request.restaurant_id, request.date);
	const held = holdTable(request, createdAt, new Set(booked.keys()));
	const quote = {
		quote_id: `dq_${crypto.randomUUID().replaceAll("-", "")}`,
		restaurant: {
			restaurant_id: held.restaurant.restaurant_id,
			name: held.restaurant.name,
			address: held.restaurant.address,
		},
		date: request.date,
		time: request.time,
		starts_at: held.starts_at,
		party_size: request.party_size,
		seating_area: held.seating_area,
		guest: request.guest,
		deposit: held.deposit,
		currency: CURRENCY,
		cancellation_policy: policyCard(held.restaurant, held.starts_at_ms),
		created_at: iso(createdAt),
		expires_at: iso(createdAt + QUOTE_TTL_MS),
	};
	await merchantStore(c, MERCHANT_ID).saveQuote({
		quote_id: quote.quote_id,
		total_cents: held.deposit.total_cents,
		created_at: createdAt,
		expires_at: createdAt + QUOTE_TTL_MS,
		document: JSON.stringify(quote),
	});
	return c.json(quote, 201);
});

routes.post("/reservations", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const request = await parseJsonBody(
		c,
		reservationRequestSchema.extend({ quote_id: z.string().trim().min(1) }),
	);
	const at = now(c);
	const store = merchantStore(c, MERCHANT_ID);
	const owner = tableOwner(request.restaurant_id, request.date);
	const booked = await bookedTables(store, request.restaurant_id, request.date);
	// A retry of this quote's booking already holds its table; only other bookings make tables taken.
	const mine = (id: string) => id.startsWith(`${request.quote_id}|`);
	const own = [...booked].find(([, id]) => mine(id));
	const taken = new Set([...booked].filter(([, id]) => !mine(id)).map(([table]) => table));
	const held = holdTable(request, at, taken, z.enum(SEATING_AREAS).safeParse(own?.[0].split("|")[1]).data);
	const table = tableKey(request.time, held.seating_area);
	const claim = claimId(request.quote_id, table);
	const claimed = await store.addRecord(
		{ kind: TABLE, owner, record_id: claim, unique_key: table, created_at: at, document: "{}" },
		MAX_TABLES_PER_DAY,
	);
	if (
		claimed.outcome === "limit_reached" ||
		(claimed.outcome === "duplicate" && claimed.record_id !== claim)
	) {
		throw new MerchantError(
			409,
			"slot_unavailable",
			`The ${held.seating_area.replace("_", " ")} table at ${request.time} was just booked by someone else.`,
			{ alternatives: [] },
		);
	}
	const delta = c.get("faults").amountDeltaCents;
	const reservationId = crypto.randomUUID();
	const document: ReservationDocument = {
		kind: "reservation",
		reservation_id: reservationId,
		confirmation_code: confirmationCode(reservationId),
		quote_id: request.quote_id,
		restaurant: {
			restaurant_id: held.restaurant.restaurant_id,
			name: held.restaurant.name,
			address: held.restaurant.address,
		},
		date: request.date,
		time: request.time,
		starts_at: held.starts_at,
		starts_at_ms: held.starts_at_ms,
		party_size: request.party_size,
		seating_area: held.seating_area,
		guest: request.guest,
		...(request.occasion ? { occasion: request.occasion } : {}),
		...(request.special_requests ? { special_requests: request.special_requests } : {}),
		// The amount-delta fault plays a merchant that charges other than it quoted.
		deposit: {
			...held.deposit,
			total_cents: held.deposit.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		currency: CURRENCY,
		created_at_ms: at,
	};
	const placed = await placePurchase(c, store, {
		idempotencyKey: key,
		request,
		quoteId: request.quote_id,
		expectedTotalCents: held.deposit.total_cents,
		id: reservationId,
		totalCents: document.deposit.total_cents,
		document,
		terms: TERMS,
	}).catch(async (error: unknown) => {
		// A refused booking must not keep the table it claimed for itself.
		if (claimed.outcome === "created") await store.deleteRecord(TABLE, owner, claim);
		throw error;
	});
	return c.json(
		renderReservation(reservationDocumentSchema.parse(JSON.parse(placed.document)), at, null),
		201,
	);
});

routes.get("/reservations/:reservation_id", async (c) => {
	const { reservation_id } = parseParams(c, reservationParams);
	const { reservation, cancellation } = await loadReservation(merchantStore(c, MERCHANT_ID), reservation_id);
	return c.json(renderReservation(reservation, now(c), cancellation));
});

routes.post("/reservations/:reservation_id/cancel", async (c) => {
	const { reservation_id } = parseParams(c, reservationParams);
	const { reason } = await parseOptionalJsonBody(
		c,
		z.object({ reason: z.enum(CANCEL_REASONS).default("other") }),
	);
	const store = merchantStore(c, MERCHANT_ID);
	const at = now(c);
	const { reservation, cancellation: earlier } = await loadReservation(store, reservation_id);
	if (earlier) {
		c.header("Idempotent-Replayed", "true");
		return c.json(renderReservation(reservation, at, earlier));
	}
	const status = statusAt(reservation, at);
	if (status !== "confirmed") {
		throw new MerchantError(
			409,
			"reservation_not_cancellable",
			`The reservation is already ${status}; its time has passed.`,
			{ status },
		);
	}
	const restaurant = findRestaurant(reservation.restaurant.restaurant_id);
	const refund = refundFor(refundDeadlines(restaurant, reservation.starts_at_ms), reservation.deposit, at);
	const cancellation: Cancellation = {
		cancelled_at_ms: at,
		reason,
		...refund,
		kept_cents: reservation.deposit.total_cents - refund.refund_cents,
	};
	// Two racing cancellations record one; the loser answers with the winner's terms.
	const recorded = await recordOnce(store, {
		id: cancellationId(reservation_id),
		amountCents: refund.refund_cents,
		document: cancellation,
		now: at,
	});
	if (recorded.created) {
		// The table is free again for other diners.
		await store.deleteRecord(
			TABLE,
			tableOwner(reservation.restaurant.restaurant_id, reservation.date),
			claimId(reservation.quote_id, tableKey(reservation.time, reservation.seating_area)),
		);
	} else {
		c.header("Idempotent-Replayed", "true");
	}
	return c.json(renderReservation(reservation, at, cancellationSchema.parse(JSON.parse(recorded.document))));
});

/** TableBook: restaurant reservations with live availability, deposit quotes, booking and refundable cancellation. */
export const tablebook: Merchant = {
	id: MERCHANT_ID,
	name: "TableBook",
	specYaml: tablebookSpec,
	apiKeyHeader: "X-TableBook-Key",
	routes,
};
