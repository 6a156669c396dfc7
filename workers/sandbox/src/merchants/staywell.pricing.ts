import { z } from "zod";
import { daysBetween, isCalendarDate, weekday } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { seeded } from "../lib/random.ts";
import { closest, slugify } from "../lib/text.ts";
import { addDays, zoned, zonedToUtc } from "../lib/time.ts";
import { CITIES, type City, HOTELS, type Hotel, type RoomType } from "./staywell.data.ts";

/** How long a rate quote is honoured. */
export const QUOTE_TTL_MS = 15 * 60_000;
export const MAX_NIGHTS = 30;
export const MAX_ROOMS = 5;
const BOOKING_WINDOW_DAYS = 365;
/** Non-refundable rates are this much cheaper, in basis points. */
const NONREFUNDABLE_DISCOUNT_BP = 1200;

export const RATE_PLANS = ["flexible", "nonrefundable"] as const;
export type RatePlan = (typeof RATE_PLANS)[number];

const date = z.string().refine(isCalendarDate, "must be a date as YYYY-MM-DD");

export const stayRequestSchema = z.object({
	hotel_id: z.string().trim().min(1),
	room_type_id: z.string().trim().min(1),
	rate_plan: z.enum(RATE_PLANS).default("flexible"),
	check_in: date,
	check_out: date,
	guests: z.number().int().min(1).max(20),
	rooms: z.number().int().min(1).max(MAX_ROOMS).default(1),
});

export type StayRequest = z.output<typeof stayRequestSchema>;

export const pricingSchema = z.object({
	room_subtotal_cents: z.number().int(),
	resort_fee_cents: z.number().int(),
	taxes_cents: z.number().int(),
	total_cents: z.number().int(),
});

export const nightlyRateSchema = z.object({ date: z.string(), rate_cents: z.number().int() });

export const cancellationPolicySchema = z.object({
	refundable: z.boolean(),
	free_cancellation_until: z.string().nullable(),
	penalty_after_deadline_cents: z.number().int(),
	description: z.string(),
});

export type Pricing = z.output<typeof pricingSchema>;

export function findCity(raw: string): City {
	const wanted = slugify(raw);
	const city = CITIES.find((c) => c.slug === wanted || slugify(c.name) === wanted);
	if (!city) {
		const slugs = CITIES.map((c) => c.slug);
		throw new MerchantError(
			404,
			"city_not_found",
			`StayWell has no hotels in "${raw}". Did you mean ${closest(wanted, slugs).join(", ")}?`,
			{ supported_cities: slugs },
		);
	}
	return city;
}

export function findHotel(hotelId: string): Hotel {
	const hotel = HOTELS.find((h) => h.hotel_id === hotelId);
	if (!hotel) {
		throw new MerchantError(404, "hotel_not_found", `No hotel "${hotelId}". Search with GET /hotels.`);
	}
	return hotel;
}

export function findRoom(hotel: Hotel, roomTypeId: string): RoomType {
	const room = hotel.room_types.find((r) => r.room_type_id === roomTypeId);
	if (!room) {
		throw new MerchantError(404, "room_type_not_found", `${hotel.name} has no room type "${roomTypeId}".`, {
			room_type_ids: hotel.room_types.map((r) => r.room_type_id),
		});
	}
	return room;
}

/** Today's date where the hotel is. */
export function hotelToday(hotel: Hotel, nowMs: number): string {
	return zoned(nowMs, hotel.city.timeZone).date;
}

/** Checks a stay's dates against the hotel's calendar; returns the nights, or throws 400/422. */
export function stayNights(hotel: Hotel, checkIn: string, checkOut: string, nowMs: number): string[] {
	const nights = daysBetween(checkIn, checkOut);
	if (nights < 1) {
		throw new MerchantError(400, "invalid_dates", "check_out must be at least one day after check_in.");
	}
	if (nights > MAX_NIGHTS) {
		throw new MerchantError(400, "invalid_dates", `Stays are limited to ${MAX_NIGHTS} nights.`);
	}
	const ahead = daysBetween(hotelToday(hotel, nowMs), checkIn);
	if (ahead < 0) {
		throw new MerchantError(422, "check_in_in_past", `check_in ${checkIn} is in the past at ${hotel.name}.`);
	}
	if (ahead > BOOKING_WINDOW_DAYS) {
		throw new MerchantError(
			422,
			"beyond_booking_window",
			`Rates open ${BOOKING_WINDOW_DAYS} days ahead; ${checkIn} is not bookable yet.`,
		);
	}
	return Array.from({ length: nights }, (_, i) => addDays(checkIn, i));
}

/** The flexible rate of one night; the same room and night always cost the same. */
export function nightlyRate(hotel: Hotel, room: RoomType, night: string, plan: RatePlan): number {
	const month = Number(night.slice(5, 7));
	const day = weekday(night);
	const weekend = day === 5 || day === 6;
	const dayFactor =
		hotel.city.kind === "business" ? (weekend ? 0.86 : day === 0 ? 0.92 : 1.05) : weekend ? 1.26 : 0.95;
	const noise = seeded("staywell", hotel.hotel_id, room.room_type_id, night).range(0.94, 1.06);
	const flexible =
		Math.round((room.base_rate_cents * (hotel.city.season[month - 1] ?? 1) * dayFactor * noise) / 100) * 100;
	if (plan === "flexible") return flexible;
	return Math.round((flexible * (10_000 - NONREFUNDABLE_DISCOUNT_BP)) / 10_000 / 100) * 100;
}

/** Rooms of a type still free on a night. */
export function roomsLeft(hotel: Hotel, room: RoomType, night: string): number {
	const r = seeded("staywell", hotel.hotel_id, room.room_type_id, night, "inventory");
	return r.chance(0.05) ? 0 : r.int(1, 9);
}

/** Lodging tax on room charges and resort fees, plus any flat nightly fee per room. */
function taxOn(hotel: Hotel, chargedCents: number, roomNights: number): number {
	return Math.round((chargedCents * hotel.city.tax_bp) / 10_000) + hotel.city.nightly_fee_cents * roomNights;
}

export interface PricedStay {
	hotel: Hotel;
	room: RoomType;
	nights: string[];
	nightly_rates: { date: string; rate_cents: number }[];
	pricing: Pricing;
	cancellation_policy: z.output<typeof cancellationPolicySchema>;
	/** When the stay starts (check-in time on the arrival day), UTC ms. */
	starts_at_ms: number;
}

/** Throws 422 `too_many_guests` or 409 `room_sold_out` when the rooms asked for cannot take the party. */
export function checkAvailability(
	hotel: Hotel,
	room: RoomType,
	nights: readonly string[],
	request: { guests: number; rooms: number },
): void {
	if (request.guests > room.max_occupancy * request.rooms) {
		throw new MerchantError(
			422,
			"too_many_guests",
			`${room.name} sleeps ${room.max_occupancy}; ${request.guests} guests need more rooms or a larger room type.`,
			{ max_occupancy: room.max_occupancy },
		);
	}
	const soldOut = nights.filter((night) => roomsLeft(hotel, room, night) < request.rooms);
	if (soldOut.length > 0) {
		throw new MerchantError(
			409,
			"room_sold_out",
			`${room.name} at ${hotel.name} has fewer than ${request.rooms} room(s) left on ${soldOut.join(", ")}.`,
			{ sold_out_dates: soldOut },
		);
	}
}

function hourOf(time: string): number {
	return Number(time.slice(0, 2));
}

/**
 * Prices a stay the way the quote and the booking both must: same request, same cents.
 * Throws the merchant's errors for unknown rooms, bad dates, too many guests or sold-out nights.
 */
export function priceStay(request: StayRequest, nowMs: number, enforceAvailability = true): PricedStay {
	const hotel = findHotel(request.hotel_id);
	const room = findRoom(hotel, request.room_type_id);
	const nights = stayNights(hotel, request.check_in, request.check_out, nowMs);
	if (enforceAvailability) checkAvailability(hotel, room, nights, request);
	const nightlyRates = nights.map((night) => ({
		date: night,
		rate_cents: nightlyRate(hotel, room, night, request.rate_plan),
	}));
	const roomNights = nights.length * request.rooms;
	const roomSubtotal = nightlyRates.reduce((sum, n) => sum + n.rate_cents, 0) * request.rooms;
	const resortFees = hotel.resort_fee_cents * roomNights;
	const taxes = taxOn(hotel, roomSubtotal + resortFees, roomNights);
	const total = roomSubtotal + resortFees + taxes;

	const startsAt = zonedToUtc(request.check_in, hourOf(hotel.check_in_time), hotel.city.timeZone);
	const firstNight = (nightlyRates[0]?.rate_cents ?? 0) * request.rooms;
	const firstNightPenalty = firstNight + taxOn(hotel, firstNight, request.rooms);
	const refundable = request.rate_plan === "flexible";
	const deadline = startsAt - hotel.free_cancellation_hours * 3600_000;
	return {
		hotel,
		room,
		nights,
		nightly_rates: nightlyRates,
		pricing: {
			room_subtotal_cents: roomSubtotal,
			resort_fee_cents: resortFees,
			taxes_cents: taxes,
			total_cents: total,
		},
		cancellation_policy: refundable
			? {
					refundable: true,
					free_cancellation_until: new Date(deadline).toISOString(),
					penalty_after_deadline_cents: firstNightPenalty,
					description: `Free cancellation until ${hotel.free_cancellation_hours} hours before check-in; after that the first night and its taxes are charged.`,
				}
			: {
					refundable: false,
					free_cancellation_until: null,
					penalty_after_deadline_cents: total,
					description: "Non-refundable: cancelling releases the room but nothing is refunded.",
				},
		starts_at_ms: startsAt,
	};
}
