import { z } from "zod";
import { MerchantError } from "../lib/errors.ts";
import { seeded } from "../lib/random.ts";
import { addDays, localIso, zoned, zonedToUtc } from "../lib/time.ts";
import {
	BOOKING_CITIES,
	type BookingCity,
	OCCASIONS,
	RESTAURANTS,
	type Restaurant,
	SEATING_AREAS,
	type SeatingArea,
} from "./tablebook.data.ts";

/** How long a deposit quote holds the table. */
export const QUOTE_TTL_MS = 10 * 60_000;
/** Tables open this many days ahead. */
export const BOOKING_WINDOW_DAYS = 60;
/** The latest a table can be booked before its time. */
export const MIN_LEAD_MINUTES = 30;
/** How long a party has its table. */
export const SEATING_MINUTES = 120;

const HOUR_MS = 3600_000;

export const dateSchema = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
	.refine((date) => addDays(date, 0) === date, "is not a calendar date");

export const reservationRequestSchema = z.object({
	restaurant_id: z.string().trim().min(1),
	date: dateSchema,
	time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time as HH:MM (24-hour)"),
	party_size: z.number().int().min(1).max(20),
	seating_area: z.enum(SEATING_AREAS).optional(),
	guest: z.object({
		name: z.string().trim().min(1).max(100),
		email: z.email(),
		phone: z.string().trim().min(7).max(30).optional(),
	}),
	occasion: z.enum(OCCASIONS).optional(),
	special_requests: z.string().trim().max(500).optional(),
});

export type ReservationRequest = z.output<typeof reservationRequestSchema>;

export const depositSchema = z.object({
	per_person_cents: z.number().int(),
	party_size: z.number().int(),
	deposit_cents: z.number().int(),
	booking_fee_cents: z.number().int(),
	total_cents: z.number().int(),
});

export type Deposit = z.output<typeof depositSchema>;

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

export function cityOf(restaurant: Restaurant): BookingCity {
	const city = BOOKING_CITIES.find((c) => c.slug === restaurant.city);
	if (!city) throw new Error(`restaurant ${restaurant.restaurant_id} is in unknown city ${restaurant.city}`);
	return city;
}

const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
/** The instant a local seating time begins (exact across DST changes, which happen in the small hours). */
export function startsAtMs(date: string, time: string, timeZone: string): number {
	const minutes = minutesOf(time);
	return zonedToUtc(date, Math.floor(minutes / 60), timeZone) + (minutes % 60) * 60_000;
}

const timeOf = (minutes: number): string =>
	`${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/** Every seating time the restaurant offers on an open day. */
export function seatingTimes(restaurant: Restaurant): string[] {
	const times: string[] = [];
	for (const period of restaurant.service_periods) {
		for (let m = minutesOf(period.first); m <= minutesOf(period.last); m += 30) times.push(timeOf(m));
	}
	return times;
}

/** Where a party of this size can sit: bar seats pairs, the chef's counter up to four. */
function areasFor(restaurant: Restaurant, partySize: number): SeatingArea[] {
	return restaurant.seating_areas.filter(
		(area) => (area !== "bar" || partySize <= 2) && (area !== "chef_counter" || partySize <= 4),
	);
}

export interface Slot {
	time: string;
	starts_at: string;
	seating_areas: SeatingArea[];
}

export interface DayAvailability {
	closed: boolean;
	slots: Slot[];
}

/** The restaurant's local calendar date at `ms`. */
export function localDate(restaurant: Restaurant, ms: number): string {
	return zoned(ms, cityOf(restaurant).time_zone).date;
}

/** Identifies one table: a seating area at a seating time (the day and restaurant are the owner). */
export const tableKey = (time: string, area: SeatingArea): string => `${time}|${area}`;

/**
 * Open tables for a party on a date. Each open area at a time is the last table there: other diners'
 * bookings are simulated (stable per restaurant, date, time and party size; prime time on weekends is
 * busiest, large parties are harder), and `taken` holds the {@link tableKey}s booked through this API.
 * Times closer than {@link MIN_LEAD_MINUTES} from now or outside the booking window are never offered.
 */
export function availability(
	restaurant: Restaurant,
	date: string,
	partySize: number,
	nowMs: number,
	taken: ReadonlySet<string> = new Set(),
): DayAvailability {
	const zone = cityOf(restaurant).time_zone;
	const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
	const today = localDate(restaurant, nowMs);
	const inWindow = date >= today && date <= addDays(today, BOOKING_WINDOW_DAYS);
	if (restaurant.closed_weekdays.includes(weekday)) return { closed: true, slots: [] };
	if (!inWindow || partySize > restaurant.max_party_size) return { closed: false, slots: [] };
	const sizeBucket = partySize <= 2 ? "2" : partySize <= 4 ? "4" : "large";
	const weekend = weekday === 5 || weekday === 6;
	const slots: Slot[] = [];
	for (const time of seatingTimes(restaurant)) {
		const startsAt = startsAtMs(date, time, zone);
		if (startsAt < nowMs + MIN_LEAD_MINUTES * 60_000) continue;
		const prime = minutesOf(time) >= 18 * 60 + 30 && minutesOf(time) <= 20 * 60 + 30;
		let open = 1 - restaurant.popularity;
		if (prime) open *= weekend ? 0.45 : 0.75;
		if (sizeBucket === "large") open *= 0.6;
		const rng = seeded("tablebook", restaurant.restaurant_id, date, time, sizeBucket);
		const areas = areasFor(restaurant, partySize)
			.filter(() => rng.chance(open))
			.filter((area) => !taken.has(tableKey(time, area)));
		if (areas.length > 0) slots.push({ time, starts_at: localIso(startsAt, zone), seating_areas: areas });
	}
	return { closed: false, slots };
}

export function priceDeposit(restaurant: Restaurant, partySize: number): Deposit {
	const deposit = restaurant.deposit_per_person_cents * partySize;
	return {
		per_person_cents: restaurant.deposit_per_person_cents,
		party_size: partySize,
		deposit_cents: deposit,
		booking_fee_cents: restaurant.booking_fee_cents,
		total_cents: deposit + restaurant.booking_fee_cents,
	};
}

export interface HeldTable {
	restaurant: Restaurant;
	starts_at_ms: number;
	starts_at: string;
	seating_area: SeatingArea;
	deposit: Deposit;
}

/**
 * Checks a requested table against the restaurant's rules and open slots (`taken`: tables booked through
 * this API), and prices its deposit; the quote and the booking both run it, so a table that is gone by
 * booking time is refused there too. `preferredArea` keeps a retried booking on the table it already has.
 */
export function holdTable(
	request: ReservationRequest,
	nowMs: number,
	taken: ReadonlySet<string> = new Set(),
	preferredArea?: SeatingArea,
): HeldTable {
	const restaurant = findRestaurant(request.restaurant_id);
	const zone = cityOf(restaurant).time_zone;
	if (request.party_size > restaurant.max_party_size) {
		throw new MerchantError(
			422,
			"party_too_large",
			`${restaurant.name} books parties of up to ${restaurant.max_party_size} online; call the restaurant for larger groups.`,
			{ max_party_size: restaurant.max_party_size },
		);
	}
	if (request.seating_area && !restaurant.seating_areas.includes(request.seating_area)) {
		throw new MerchantError(
			422,
			"seating_area_not_offered",
			`${restaurant.name} has no ${request.seating_area.replace("_", " ")} seating.`,
			{ seating_areas: restaurant.seating_areas },
		);
	}
	const times = seatingTimes(restaurant);
	if (!times.includes(request.time)) {
		throw new MerchantError(
			422,
			"invalid_time",
			`${restaurant.name} seats guests at ${times[0]}-${times.at(-1)} every 30 minutes.`,
			{ seating_times: times },
		);
	}
	const today = localDate(restaurant, nowMs);
	if (request.date < today || request.date > addDays(today, BOOKING_WINDOW_DAYS)) {
		throw new MerchantError(
			422,
			"date_out_of_range",
			`Tables can be booked from today (${today}) up to ${BOOKING_WINDOW_DAYS} days ahead.`,
			{ earliest_date: today, latest_date: addDays(today, BOOKING_WINDOW_DAYS) },
		);
	}
	const day = availability(restaurant, request.date, request.party_size, nowMs, taken);
	const slot = day.slots.find(
		(s) =>
			s.time === request.time && (!request.seating_area || s.seating_areas.includes(request.seating_area)),
	);
	if (!slot) {
		const wanted = minutesOf(request.time);
		const alternatives = day.slots
			.filter((s) => !request.seating_area || s.seating_areas.includes(request.seating_area))
			.map((s) => s.time)
			.sort((a, b) => Math.abs(minutesOf(a) - wanted) - Math.abs(minutesOf(b) - wanted))
			.slice(0, 3)
			.sort();
		throw new MerchantError(
			409,
			"slot_unavailable",
			day.closed
				? `${restaurant.name} is closed on ${request.date}.`
				: `No table for ${request.party_size} at ${request.time} on ${request.date}${request.seating_area ? ` (${request.seating_area})` : ""}.${alternatives.length > 0 ? ` Open nearby: ${alternatives.join(", ")}.` : ""}`,
			{ alternatives },
		);
	}
	const startsAt = startsAtMs(request.date, request.time, zone);
	return {
		restaurant,
		starts_at_ms: startsAt,
		starts_at: slot.starts_at,
		seating_area:
			request.seating_area ??
			(preferredArea && slot.seating_areas.includes(preferredArea) ? preferredArea : undefined) ??
			slot.seating_areas[0] ??
			"dining_room",
		deposit: priceDeposit(restaurant, request.party_size),
	};
}

/** The refund deadlines of a reservation, as instants. */
export function refundDeadlines(restaurant: Restaurant, startsAtMs: number) {
	const policy = restaurant.cancellation_policy;
	return {
		full_refund_until_ms: startsAtMs - policy.full_refund_hours * HOUR_MS,
		partial_refund_until_ms: startsAtMs - policy.partial_refund_hours * HOUR_MS,
		partial_refund_percent: policy.partial_refund_percent,
	};
}

/** What a cancellation at `nowMs` refunds: the deposit share the policy allows; the booking fee never. */
export function refundFor(
	deadlines: ReturnType<typeof refundDeadlines>,
	deposit: Deposit,
	nowMs: number,
): { refund_percent: number; refund_cents: number } {
	const percent =
		nowMs <= deadlines.full_refund_until_ms
			? 100
			: nowMs <= deadlines.partial_refund_until_ms
				? deadlines.partial_refund_percent
				: 0;
	return { refund_percent: percent, refund_cents: Math.round((deposit.deposit_cents * percent) / 100) };
}
