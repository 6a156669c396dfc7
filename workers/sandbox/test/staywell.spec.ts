import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const KEY = { "x-staywell-key": "sandbox-test-key" };

interface Offer {
	room_type_id: string;
	nights: number;
	average_nightly_cents: number;
	total_cents: number;
}
interface Hit {
	hotel_id: string;
	name: string;
	city: string;
	stars: number;
	guest_rating: number;
	amenities: string[];
	typical_nightly_cents: number;
	price: Offer | null;
}
interface SearchResult {
	hotels: Hit[];
	total: number;
	limit: number;
	offset: number;
}
interface Rate extends Offer {
	rate_plan: string;
	available: boolean;
	rooms_left: number;
}
interface HotelDetail extends Hit {
	lodging_tax_percent: number;
	nightly_fee_cents: number;
	resort_fee_cents: number;
	free_cancellation_hours: number;
	check_in_time: string;
	room_types: { room_type_id: string; max_occupancy: number; rates: Rate[] | null }[];
}
interface Pricing {
	room_subtotal_cents: number;
	resort_fee_cents: number;
	taxes_cents: number;
	total_cents: number;
	adjustment_cents?: number;
}
interface Policy {
	refundable: boolean;
	free_cancellation_until: string | null;
	penalty_after_deadline_cents: number;
}
interface Quote {
	quote_id: string;
	nights: number;
	nightly_rates: { date: string; rate_cents: number }[];
	pricing: Pricing;
	cancellation_policy: Policy;
	created_at: string;
	expires_at: string;
}
interface Booking {
	confirmation_number: string;
	quote_id: string;
	status: string;
	pricing: Pricing;
	cancellation_policy: Policy;
	cancellation: { cancelled_at: string; penalty_cents: number; refund_cents: number } | null;
	booked_at: string;
}
interface StayBody {
	hotel_id: string;
	room_type_id: string;
	rate_plan?: string;
	check_in: string;
	check_out: string;
	guests: number;
	rooms?: number;
}

const GUEST = { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com" };
const get = (path: string) => call(`/staywell${path}`, { headers: KEY });
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const clockAt = (ms: number) => `clock=${Math.round((ms - Date.now()) / 1000)}`;

/** A stay the hotel can take: the first start date (from `from` days ahead) whose cheapest room is free every night. */
async function availableStay(hotelId: string, nights: number, from = 30, guests = 2): Promise<StayBody> {
	for (let start = from; start < from + 60; start++) {
		const query = `check_in=${day(start)}&check_out=${day(start + nights)}&guests=${guests}`;
		const hotel = await json<HotelDetail>(await get(`/hotels/${hotelId}?${query}`));
		const room = hotel.room_types.find((r) => r.rates?.[0]?.available);
		if (room) {
			return {
				hotel_id: hotelId,
				room_type_id: room.room_type_id,
				check_in: day(start),
				check_out: day(start + nights),
				guests,
			};
		}
	}
	throw new Error(`${hotelId} has no room for ${nights} nights`);
}

async function quote(body: StayBody, fault?: string): Promise<Quote> {
	const headers = { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	const response = await call("/staywell/quotes", { headers, body });
	expect(response.status).toBe(201);
	return json<Quote>(response);
}

function book(body: unknown, key: string = crypto.randomUUID(), fault?: string): Promise<Response> {
	const headers = { ...KEY, "idempotency-key": key, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	return call("/staywell/bookings", { headers, body });
}

async function booked(stay: StayBody): Promise<{ quote: Quote; booking: Booking }> {
	const q = await quote(stay);
	const response = await book({ ...stay, quote_id: q.quote_id, guest: GUEST });
	expect(response.status).toBe(201);
	return { quote: q, booking: await json<Booking>(response) };
}

function cancel(confirmation: string, fault?: string): Promise<Response> {
	const headers = { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	return call(`/staywell/bookings/${confirmation}/cancel`, { method: "POST", headers });
}

let spec: unknown;
let nycHotel: string;
beforeAll(async () => {
	spec = await json(await call("/staywell/openapi.json"));
	const nyc = await json<SearchResult>(await get("/hotels?city=new-york&limit=50"));
	nycHotel = nyc.hotels.find((h) => h.stars === 4)?.hotel_id ?? "";
});

describe("staywell catalog", () => {
	it("lists eight destinations with five hotels each, every class from 2 to 5 stars", async () => {
		const body = await json<{ cities: { city: string; hotel_count: number; neighborhoods: string[] }[] }>(
			await get("/cities"),
		);
		expectSchema(spec, "CityList", body);
		expect(body.cities.map((c) => c.city)).toEqual([
			"new-york",
			"san-francisco",
			"chicago",
			"miami",
			"las-vegas",
			"honolulu",
			"austin",
			"seattle",
		]);
		for (const city of body.cities) {
			expect(city.hotel_count).toBe(5);
			const hotels = await json<SearchResult>(await get(`/hotels?city=${city.city}&limit=50`));
			expect(new Set(hotels.hotels.map((h) => h.stars))).toEqual(new Set([2, 3, 4, 5]));
			expect(new Set(hotels.hotels.map((h) => h.hotel_id)).size).toBe(5);
		}
	});

	it("searches a city by name, best recommended first, and filters by stars, rating and amenities", async () => {
		const all = await json<SearchResult>(await get("/hotels?city=Las%20Vegas"));
		expectSchema(spec, "HotelSearchResult", all);
		expect(all.total).toBe(5);
		expect(all.hotels.every((h) => h.city === "las-vegas" && h.price === null)).toBe(true);
		const scores = all.hotels.map((h) => h.guest_rating + h.stars * 0.3);
		expect(scores).toEqual([...scores].sort((a, b) => b - a));

		const fancy = await json<SearchResult>(await get("/hotels?city=las-vegas&min_stars=4&min_rating=8"));
		expect(fancy.hotels.length).toBeGreaterThan(0);
		expect(fancy.hotels.every((h) => h.stars >= 4 && h.guest_rating >= 8)).toBe(true);
		const pools = await json<SearchResult>(await get("/hotels?city=miami&amenities=pool,beach_access"));
		expect(pools.hotels.length).toBeGreaterThan(0);
		for (const h of pools.hotels)
			expect(h.amenities).toEqual(expect.arrayContaining(["pool", "beach_access"]));
		const cheap = await json<SearchResult>(await get("/hotels?city=chicago&sort=price"));
		const prices = cheap.hotels.map((h) => h.typical_nightly_cents);
		expect(prices).toEqual([...prices].sort((a, b) => a - b));
		const page = await json<SearchResult>(await get("/hotels?city=chicago&sort=price&limit=2&offset=2"));
		expect(page.hotels).toEqual(cheap.hotels.slice(2, 4));
	});

	it("prices every listed hotel for dates, cheapest first with sort=price", async () => {
		const result = await json<SearchResult>(
			await get(`/hotels?city=seattle&check_in=${day(40)}&check_out=${day(43)}&guests=2&sort=price`),
		);
		expectSchema(spec, "HotelSearchResult", result);
		expect(result.total).toBeGreaterThan(0);
		for (const hit of result.hotels) {
			expect(hit.price?.nights).toBe(3);
			expect(hit.price?.total_cents).toBeGreaterThan((hit.price?.average_nightly_cents ?? 0) * 3);
		}
		const totals = result.hotels.map((h) => h.price?.total_cents ?? 0);
		expect(totals).toEqual([...totals].sort((a, b) => a - b));
		const crowd = await json<SearchResult>(
			await get(`/hotels?city=seattle&check_in=${day(40)}&check_out=${day(41)}&guests=9`),
		);
		expect(crowd.total).toBe(0);
	});

	it("refuses unknown cities and amenities, half-given and past dates", async () => {
		const unknown = await expectError(await get("/hotels?city=bostn"), 404, "city_not_found");
		expect(unknown.message).toContain("Did you mean");
		await expectError(await get("/hotels"), 400, "invalid_request");
		await expectError(await get("/hotels?city=miami&amenities=pool,helipad"), 400, "invalid_request");
		await expectError(await get(`/hotels?city=miami&check_in=${day(5)}`), 400, "invalid_dates");
		await expectError(
			await get(`/hotels?city=miami&check_in=${day(6)}&check_out=${day(5)}`),
			400,
			"invalid_dates",
		);
		await expectError(
			await get(`/hotels?city=miami&check_in=${day(-3)}&check_out=${day(-1)}`),
			422,
			"check_in_in_past",
		);
		await expectError(
			await get(`/hotels?city=miami&check_in=${day(400)}&check_out=${day(401)}`),
			422,
			"beyond_booking_window",
		);
	});

	it("details a hotel's room types, and both rate plans for a stay", async () => {
		const plain = await json<HotelDetail>(await get(`/hotels/${nycHotel}`));
		expectSchema(spec, "HotelDetail", plain);
		expect(plain.room_types.length).toBeGreaterThanOrEqual(3);
		expect(plain.room_types.every((r) => r.rates === null)).toBe(true);
		expect(plain.nightly_fee_cents).toBe(350);

		const dated = await json<HotelDetail>(
			await get(`/hotels/${nycHotel}?check_in=${day(50)}&check_out=${day(52)}`),
		);
		expectSchema(spec, "HotelDetail", dated);
		for (const room of dated.room_types) {
			const [flexible, nonrefundable] = room.rates ?? [];
			expect([flexible?.rate_plan, nonrefundable?.rate_plan]).toEqual(["flexible", "nonrefundable"]);
			expect(nonrefundable?.total_cents).toBeLessThan(flexible?.total_cents ?? 0);
		}
		expect(await json(await get(`/hotels/${nycHotel}`))).toEqual(plain);
		await expectError(await get("/hotels/nope"), 404, "hotel_not_found");
	});
});

describe("staywell rate quote (precheck)", () => {
	it("prices each night; room, resort fee and taxes add up to the total in cents", async () => {
		const stay = await availableStay(nycHotel, 3);
		const q = await quote(stay);
		expectSchema(spec, "Quote", q);
		const hotel = await json<HotelDetail>(await get(`/hotels/${nycHotel}`));
		const dates = [0, 1, 2].map((i) =>
			new Date(Date.parse(`${stay.check_in}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
		);
		expect(q.nightly_rates.map((n) => n.date)).toEqual(dates);
		const subtotal = q.nightly_rates.reduce((sum, n) => sum + n.rate_cents, 0);
		const resort = hotel.resort_fee_cents * 3;
		const { pricing } = q;
		expect(pricing.room_subtotal_cents).toBe(subtotal);
		expect(pricing.resort_fee_cents).toBe(resort);
		expect(pricing.taxes_cents).toBe(
			Math.round(((subtotal + resort) * hotel.lodging_tax_percent) / 100) + 350 * 3,
		);
		expect(pricing.total_cents).toBe(subtotal + resort + pricing.taxes_cents);
		for (const value of Object.values(pricing)) expect(Number.isInteger(value)).toBe(true);
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(15 * 60_000);
		// Free cancellation ends the hotel's deadline before check-in time in New York (UTC-5, or -4 in summer).
		const deadline = Date.parse(q.cancellation_policy.free_cancellation_until ?? "");
		const hoursBefore =
			(Date.parse(`${stay.check_in}T${hotel.check_in_time}:00-05:00`) - deadline) / 3600_000;
		expect([hotel.free_cancellation_hours, hotel.free_cancellation_hours + 1]).toContain(hoursBefore);
		expect((await quote(stay)).pricing).toEqual(pricing);
	});

	it("makes the non-refundable plan 12% cheaper a night, and two rooms twice the room charge", async () => {
		const stay = await availableStay(nycHotel, 2, 60);
		const flexible = await quote(stay);
		const saver = await quote({ ...stay, rate_plan: "nonrefundable" });
		saver.nightly_rates.forEach((night, i) => {
			expect(night.rate_cents).toBe(Math.round((flexible.nightly_rates[i]?.rate_cents ?? 0) * 0.0088) * 100);
		});
		expect(saver.cancellation_policy).toMatchObject({ refundable: false, free_cancellation_until: null });
		const detail = await json<HotelDetail>(
			await get(`/hotels/${nycHotel}?check_in=${stay.check_in}&check_out=${stay.check_out}&rooms=2`),
		);
		const room = detail.room_types.find((r) => r.room_type_id === stay.room_type_id);
		if (room?.rates?.[0]?.available) {
			const two = await quote({ ...stay, rooms: 2 });
			expect(two.pricing.room_subtotal_cents).toBe(flexible.pricing.room_subtotal_cents * 2);
		}
	});

	it("charges more on weekend nights in a leisure city", async () => {
		const vegas = await json<SearchResult>(await get("/hotels?city=las-vegas&min_stars=3&limit=1"));
		const stay = await availableStay(vegas.hotels[0]?.hotel_id ?? "", 14, 30);
		const q = await quote(stay);
		const weekend = q.nightly_rates.filter((n) =>
			[5, 6].includes(new Date(`${n.date}T00:00:00Z`).getUTCDay()),
		);
		const weekdays = q.nightly_rates.filter((n) =>
			[1, 2, 3].includes(new Date(`${n.date}T00:00:00Z`).getUTCDay()),
		);
		const mean = (nights: { rate_cents: number }[]) =>
			nights.reduce((s, n) => s + n.rate_cents, 0) / nights.length;
		expect(mean(weekend)).toBeGreaterThan(mean(weekdays) * 1.1);
		for (const night of q.nightly_rates) expect(night.rate_cents % 100).toBe(0);
	});

	it("refuses sold-out nights, too many guests, unknown rooms and bad dates", async () => {
		const hotel = await json<HotelDetail>(await get(`/hotels/${nycHotel}`));
		let soldOut: StayBody | undefined;
		for (let start = 20; start < 200 && !soldOut; start++) {
			const detail = await json<HotelDetail>(
				await get(`/hotels/${nycHotel}?check_in=${day(start)}&check_out=${day(start + 1)}`),
			);
			const room = detail.room_types.find((r) => r.rates?.[0]?.rooms_left === 0);
			if (room) {
				soldOut = {
					hotel_id: nycHotel,
					room_type_id: room.room_type_id,
					check_in: day(start),
					check_out: day(start + 1),
					guests: 1,
				};
			}
		}
		expect(soldOut).toBeDefined();
		const full = await expectError(
			await call("/staywell/quotes", { headers: KEY, body: soldOut }),
			409,
			"room_sold_out",
		);
		expect(full.sold_out_dates).toEqual([soldOut?.check_in]);

		const stay = await availableStay(nycHotel, 1);
		const room = hotel.room_types.find((r) => r.room_type_id === stay.room_type_id);
		const post = (body: unknown) => call("/staywell/quotes", { headers: KEY, body });
		await expectError(
			await post({ ...stay, guests: (room?.max_occupancy ?? 2) + 1 }),
			422,
			"too_many_guests",
		);
		const missing = await expectError(
			await post({ ...stay, room_type_id: "penthouse" }),
			404,
			"room_type_not_found",
		);
		expect(missing.room_type_ids).toEqual(hotel.room_types.map((r) => r.room_type_id));
		await expectError(await post({ ...stay, check_out: day(100) }), 400, "invalid_dates");
		await expectError(await post({ ...stay, check_in: "2026-02-30" }), 400, "invalid_request");
		await expectError(await post({ ...stay, rooms: 6 }), 400, "invalid_request");
	});
});

describe("staywell booking (purchase)", () => {
	it("books the quoted stay, which get_booking then returns", async () => {
		const stay = await availableStay(nycHotel, 2);
		const { quote: q, booking } = await booked(stay);
		expectSchema(spec, "Booking", booking);
		expect(booking.confirmation_number).toMatch(/^SW\d{9}$/);
		expect(booking).toMatchObject({
			quote_id: q.quote_id,
			status: "confirmed",
			pricing: q.pricing,
			cancellation: null,
		});
		const again = await json<Booking>(await get(`/bookings/${booking.confirmation_number}`));
		expectSchema(spec, "Booking", again);
		expect(again).toEqual(booking);
		await expectError(await get("/bookings/SW000000000"), 404, "booking_not_found");
		await expectError(await get("/bookings/12345"), 400, "invalid_request");
	});

	it("returns the same booking for the same Idempotency-Key and never books twice", async () => {
		const stay = await availableStay(nycHotel, 1, 70);
		const q = await quote(stay);
		const key = crypto.randomUUID();
		const body = { ...stay, quote_id: q.quote_id, guest: GUEST };
		const first = await json<Booking>(await book(body, key));
		const again = await book(body, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await json<Booking>(again)).confirmation_number).toBe(first.confirmation_number);
		const reuse = await expectError(await book(body), 409, "quote_already_used");
		expect(reuse.order_uuid).toBe(first.confirmation_number);
		const other = await quote({ ...stay, rate_plan: "nonrefundable" });
		await expectError(
			await book({ ...body, rate_plan: "nonrefundable", quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("refuses an expired quote, a changed stay and a missing Idempotency-Key", async () => {
		const stay = await availableStay(nycHotel, 2, 80);
		const q = await quote(stay);
		const body = { ...stay, quote_id: q.quote_id, guest: GUEST };
		const expired = await expectError(await book(body, undefined, "clock=900"), 409, "quote_expired");
		expect(expired.expired_at).toBe(q.expires_at);
		const changed = await expectError(
			await book({ ...body, rate_plan: "nonrefundable" }),
			409,
			"total_mismatch",
		);
		expect(changed.quoted_total_cents).toBe(q.pricing.total_cents);
		await expectError(
			await call("/staywell/bookings", { headers: KEY, body }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await book({ ...body, quote_id: "swq_unknown" }), 404, "quote_not_found");
		await expectError(
			await book({ ...body, guest: { ...GUEST, email: "not-an-email" } }),
			400,
			"invalid_request",
		);
		expect((await book(body, undefined, "clock=899")).status).toBe(201);
	});

	it("reports a different total when the hotel charges other than it quoted (amount-delta)", async () => {
		const stay = await availableStay(nycHotel, 1, 90);
		const q = await quote(stay);
		const booking = await json<Booking>(
			await book({ ...stay, quote_id: q.quote_id, guest: GUEST }, undefined, "amount-delta=-500"),
		);
		expect(booking.pricing).toMatchObject({
			total_cents: q.pricing.total_cents - 500,
			adjustment_cents: -500,
		});
	});
});

describe("staywell cancellation", () => {
	it("refunds a flexible booking in full before the deadline, once", async () => {
		const { booking } = await booked(await availableStay(nycHotel, 2, 35));
		const response = await cancel(booking.confirmation_number);
		expect(response.status).toBe(200);
		const cancelled = await json<Booking>(response);
		expectSchema(spec, "Booking", cancelled);
		expect(cancelled.status).toBe("cancelled");
		expect(cancelled.cancellation).toMatchObject({
			penalty_cents: 0,
			refund_cents: booking.pricing.total_cents,
		});
		expect(await json(await get(`/bookings/${booking.confirmation_number}`))).toEqual(cancelled);
		const twice = await expectError(await cancel(booking.confirmation_number), 409, "already_cancelled");
		expect(twice.refund_cents).toBe(booking.pricing.total_cents);
	});

	it("keeps the first night and its taxes after the deadline, everything on a non-refundable rate", async () => {
		const { booking } = await booked(await availableStay(nycHotel, 3, 45));
		const deadline = Date.parse(booking.cancellation_policy.free_cancellation_until ?? "");
		const late = await json<Booking>(await cancel(booking.confirmation_number, clockAt(deadline + 60_000)));
		expect(late.cancellation?.penalty_cents).toBe(booking.cancellation_policy.penalty_after_deadline_cents);
		expect(late.cancellation?.penalty_cents).toBeGreaterThan(0);
		expect(late.cancellation?.refund_cents).toBe(
			booking.pricing.total_cents - (late.cancellation?.penalty_cents ?? 0),
		);

		const stay = await availableStay(nycHotel, 2, 55);
		const saver = await booked({ ...stay, rate_plan: "nonrefundable" });
		const kept = await json<Booking>(await cancel(saver.booking.confirmation_number));
		expect(kept.cancellation).toMatchObject({
			refund_cents: 0,
			penalty_cents: saver.booking.pricing.total_cents,
		});
	});

	it("shows the stay in house, then completed, and refuses to cancel once it started", async () => {
		const stay = await availableStay(nycHotel, 2, 40);
		const { booking } = await booked(stay);
		const at = async (iso: string) =>
			json<Booking>(
				await call(`/staywell/bookings/${booking.confirmation_number}`, {
					headers: { ...KEY, "x-sandbox-fault": clockAt(Date.parse(iso)) },
				}),
			);
		// Noon UTC on arrival day is before a 3 or 4 p.m. New York check-in; the next day is mid-stay.
		expect((await at(`${stay.check_in}T12:00:00Z`)).status).toBe("confirmed");
		expect((await at(`${stay.check_out}T01:00:00Z`)).status).toBe("in_house");
		expect((await at(`${stay.check_out}T23:00:00Z`)).status).toBe("completed");
		await expectError(
			await cancel(booking.confirmation_number, clockAt(Date.parse(`${stay.check_out}T01:00:00Z`))),
			409,
			"stay_started",
		);
		await expectError(await cancel("SW000000000"), 404, "booking_not_found");
	});
});
