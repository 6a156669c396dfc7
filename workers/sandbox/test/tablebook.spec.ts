import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json, minutes } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const KEY = { "x-tablebook-key": "sandbox-test-key" };

interface Summary {
	restaurant_id: string;
	city: string;
	cuisine: string;
	price_level: string;
	rating: number;
	deposit_per_person_cents: number;
}
interface SearchResult {
	restaurants: Summary[];
	total: number;
}
interface Detail extends Summary {
	time_zone: string;
	seating_areas: string[];
	max_party_size: number;
	booking_fee_cents: number;
	service_periods: { name: string; first: string; last: string }[];
	closed_on: string[];
	cancellation_policy: {
		full_refund_hours: number;
		partial_refund_hours: number;
		partial_refund_percent: number;
	};
}
interface Slot {
	time: string;
	starts_at: string;
	seating_areas: string[];
}
interface Availability {
	closed: boolean;
	bookable_party_size: boolean;
	slots: Slot[];
}
interface Deposit {
	per_person_cents: number;
	party_size: number;
	deposit_cents: number;
	booking_fee_cents: number;
	total_cents: number;
	adjustment_cents?: number;
}
interface Policy {
	full_refund_until: string;
	partial_refund_until: string;
	partial_refund_percent: number;
}
interface Quote {
	quote_id: string;
	starts_at: string;
	seating_area: string;
	deposit: Deposit;
	cancellation_policy: Policy;
	created_at: string;
	expires_at: string;
}
interface Reservation {
	reservation_id: string;
	confirmation_code: string;
	quote_id: string;
	status: string;
	starts_at: string;
	deposit: Deposit;
	cancellation_policy: Policy;
	cancellation: {
		reason: string;
		refund_percent: number;
		refund_cents: number;
		kept_cents: number;
	} | null;
}

const get = (path: string, fault?: string) =>
	call(`/tablebook${path}`, { headers: { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) } });

/** The restaurant's local date `days` from now. */
function localDate(timeZone: string, days: number): string {
	return new Intl.DateTimeFormat("en-CA", { timeZone }).format(Date.now() + days * 86_400_000);
}

async function detail(id: string): Promise<Detail> {
	return json<Detail>(await get(`/restaurants/${id}`));
}

/** The first open table for the party at least `fromDays` ahead (in `area`, if given). */
async function openTable(
	id: string,
	partySize: number,
	fromDays = 7,
	area?: string,
): Promise<{ date: string; slot: Slot }> {
	const { time_zone } = await detail(id);
	for (let days = fromDays; days < fromDays + 21; days++) {
		const date = localDate(time_zone, days);
		const day = await json<Availability>(
			await get(`/restaurants/${id}/availability?date=${date}&party_size=${partySize}`),
		);
		const slot = day.slots.find((s) => !area || s.seating_areas.includes(area));
		if (slot) return { date, slot };
	}
	throw new Error(`no open table at ${id}`);
}

const GUEST = { name: "Ada Lovelace", email: "ada@example.com" };

async function booking(id = "osteria-greco-nyc", partySize = 2, fromDays = 7, area?: string) {
	const { date, slot } = await openTable(id, partySize, fromDays, area);
	return { restaurant_id: id, date, time: slot.time, party_size: partySize, guest: GUEST };
}

async function quote(body: unknown): Promise<Quote> {
	const response = await call("/tablebook/reservations/quote", { headers: KEY, body });
	expect(response.status, await response.clone().text()).toBe(201);
	return json<Quote>(response);
}

function book(body: unknown, key: string | undefined = crypto.randomUUID(), fault?: string) {
	const headers: Record<string, string> = {
		...KEY,
		...(key === undefined ? {} : { "idempotency-key": key }),
		...(fault ? { "x-sandbox-fault": fault } : {}),
	};
	return call("/tablebook/reservations", { headers, body });
}

async function reserved(request: Record<string, unknown>): Promise<Reservation> {
	const q = await quote(request);
	const response = await book({ ...request, quote_id: q.quote_id });
	expect(response.status).toBe(201);
	return json<Reservation>(response);
}

function cancel(id: string, fault?: string, body?: unknown) {
	return call(`/tablebook/reservations/${id}/cancel`, {
		method: "POST",
		headers: { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) },
		...(body === undefined ? {} : { body }),
	});
}

/** A clock fault that puts the merchant's now `hours` before (negative: after) an instant. */
function hoursBefore(instant: string, hours: number): string {
	return `clock=${Math.round((Date.parse(instant) - hours * 3_600_000 - Date.now()) / 1000)}`;
}

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/tablebook/openapi.json"));
});

describe("tablebook restaurants", () => {
	it("has forty restaurants across five cities", async () => {
		const body = await json<{ cities: { city: string; restaurant_count: number }[] }>(await get("/cities"));
		expectSchema(spec, "CityList", body);
		expect(body.cities.map((c) => c.city)).toEqual([
			"san-francisco",
			"new-york",
			"chicago",
			"austin",
			"seattle",
		]);
		for (const city of body.cities) expect(city.restaurant_count).toBeGreaterThanOrEqual(8);
		const all = await json<SearchResult>(await get("/restaurants?limit=50"));
		expect(all.total).toBe(40);
	});

	it("searches by city, cuisine, price level and words, best rated first", async () => {
		const nyc = await json<SearchResult>(await get("/restaurants?city=New%20York&limit=50"));
		expectSchema(spec, "RestaurantSearchResult", nyc);
		expect(nyc.total).toBe(8);
		expect(nyc.restaurants.every((r) => r.city === "new-york")).toBe(true);
		const ratings = nyc.restaurants.map((r) => r.rating);
		expect(ratings).toEqual([...ratings].sort((a, b) => b - a));
		const steak = await json<SearchResult>(await get("/restaurants?cuisine=Steakhouse&price_level=$$$$"));
		expect(steak.total).toBe(5);
		expect(steak.restaurants.every((r) => r.cuisine === "steakhouse" && r.price_level === "$$$$")).toBe(true);
		const omakase = await json<SearchResult>(await get("/restaurants?query=omakase"));
		expect(omakase.restaurants.map((r) => r.restaurant_id).sort()).toEqual([
			"koji-omakase-sf",
			"lakeview-sushi-bar-chi",
			"shinjuku-counter-nyc",
		]);
		const page = await json<SearchResult & { offset: number }>(await get("/restaurants?limit=5&offset=5"));
		const all = await json<SearchResult>(await get("/restaurants?limit=50"));
		expect(page.restaurants).toEqual(all.restaurants.slice(5, 10));
	});

	it("refuses unknown cities, cuisines and restaurants", async () => {
		const city = await expectError(await get("/restaurants?city=boston"), 404, "city_not_served");
		expect(city.supported_cities).toContain("seattle");
		await expectError(await get("/restaurants?cuisine=martian"), 400, "invalid_request");
		await expectError(await get("/restaurants/nope"), 404, "restaurant_not_found");
		await expectError(
			await get("/restaurants/nope/availability?date=2030-01-01"),
			404,
			"restaurant_not_found",
		);
	});

	it("describes a restaurant's deposit, seating and refund policy", async () => {
		const fine = await detail("maison-laurent-nyc");
		expectSchema(spec, "RestaurantDetail", fine);
		expect(fine).toMatchObject({
			price_level: "$$$$",
			time_zone: "America/New_York",
			booking_fee_cents: 300,
			closed_on: ["monday"],
			cancellation_policy: { full_refund_hours: 48, partial_refund_hours: 24, partial_refund_percent: 50 },
		});
		expect(fine.deposit_per_person_cents).toBeGreaterThanOrEqual(5000);
		const casual = await detail("han-river-bbq-nyc");
		expect(casual).toMatchObject({ price_level: "$$", booking_fee_cents: 0 });
		expect(casual.cancellation_policy.full_refund_hours).toBe(24);
	});
});

describe("tablebook get_availability", () => {
	it("offers seatings every 30 minutes within service hours, the same on every call", async () => {
		const { time_zone, service_periods } = await detail("osteria-greco-nyc");
		const date = localDate(time_zone, 10);
		const path = `/restaurants/osteria-greco-nyc/availability?date=${date}&party_size=2`;
		const day = await json<Availability>(await get(path));
		expectSchema(spec, "Availability", day);
		expect(day.slots.length).toBeGreaterThan(0);
		const dinner = service_periods.find((p) => p.name === "dinner");
		for (const slot of day.slots) {
			expect(slot.time >= (dinner?.first ?? "") && slot.time <= (dinner?.last ?? "")).toBe(true);
			expect(["00", "30"]).toContain(slot.time.slice(3));
			expect(slot.starts_at.startsWith(`${date}T${slot.time}:00`)).toBe(true);
		}
		expect(await json(await get(path))).toEqual(day);
	});

	it("seats only pairs at the bar and respects the largest online party", async () => {
		const { time_zone, max_party_size } = await detail("osteria-greco-nyc");
		const date = localDate(time_zone, 12);
		const four = await json<Availability>(
			await get(`/restaurants/osteria-greco-nyc/availability?date=${date}&party_size=4`),
		);
		expect(four.slots.every((s) => !s.seating_areas.includes("bar"))).toBe(true);
		const huge = await json<Availability>(
			await get(`/restaurants/osteria-greco-nyc/availability?date=${date}&party_size=${max_party_size + 1}`),
		);
		expect(huge).toMatchObject({ bookable_party_size: false, slots: [] });
	});

	it("is closed on the restaurant's closing day and empty for past dates", async () => {
		const { time_zone } = await detail("maison-laurent-nyc");
		let monday = "";
		for (let days = 1; days <= 7; days++) {
			const date = localDate(time_zone, days);
			if (new Date(`${date}T12:00:00Z`).getUTCDay() === 1) monday = date;
		}
		const closed = await json<Availability>(
			await get(`/restaurants/maison-laurent-nyc/availability?date=${monday}`),
		);
		expect(closed).toMatchObject({ closed: true, slots: [] });
		const past = await json<Availability>(
			await get("/restaurants/osteria-greco-nyc/availability?date=2020-01-04"),
		);
		expect(past.slots).toEqual([]);
		await expectError(
			await get("/restaurants/osteria-greco-nyc/availability?date=2026-02-30"),
			400,
			"invalid_request",
		);
		await expectError(await get("/restaurants/osteria-greco-nyc/availability"), 400, "invalid_request");
	});
});

describe("tablebook quote_reservation (precheck)", () => {
	it("prices the deposit per guest plus the booking fee, with refund deadlines before the table's time", async () => {
		const request = await booking("maison-laurent-nyc", 3);
		const q = await quote(request);
		expectSchema(spec, "DepositQuote", q);
		const { deposit_per_person_cents: perPerson } = await detail("maison-laurent-nyc");
		expect(q.deposit).toEqual({
			per_person_cents: perPerson,
			party_size: 3,
			deposit_cents: perPerson * 3,
			booking_fee_cents: 300,
			total_cents: perPerson * 3 + 300,
		});
		const start = Date.parse(q.starts_at);
		expect(start - Date.parse(q.cancellation_policy.full_refund_until)).toBe(48 * 3_600_000);
		expect(start - Date.parse(q.cancellation_policy.partial_refund_until)).toBe(24 * 3_600_000);
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(10 * 60_000);
	});

	it("refuses a taken table with the nearest open times", async () => {
		const { time_zone, service_periods } = await detail("osteria-greco-nyc");
		const dinner = service_periods.find((p) => p.name === "dinner");
		const grid: string[] = [];
		for (let m = 17 * 60; m <= 22 * 60; m += 30) {
			const time = `${String(Math.floor(m / 60)).padStart(2, "0")}:${m % 60 === 0 ? "00" : "30"}`;
			if (time >= (dinner?.first ?? "") && time <= (dinner?.last ?? "")) grid.push(time);
		}
		for (let days = 3; days < 30; days++) {
			const date = localDate(time_zone, days);
			const day = await json<Availability>(
				await get(`/restaurants/osteria-greco-nyc/availability?date=${date}`),
			);
			const open = new Set(day.slots.map((s) => s.time));
			const taken = grid.find((t) => !open.has(t));
			if (!taken || open.size === 0) continue;
			const error = await expectError(
				await call("/tablebook/reservations/quote", {
					headers: KEY,
					body: { restaurant_id: "osteria-greco-nyc", date, time: taken, party_size: 2, guest: GUEST },
				}),
				409,
				"slot_unavailable",
			);
			expect((error.alternatives as string[]).length).toBeGreaterThan(0);
			for (const t of error.alternatives as string[]) expect(open.has(t)).toBe(true);
			return;
		}
		throw new Error("every table was open for a month");
	});

	it("refuses requests that break the restaurant's rules", async () => {
		const request = await booking();
		const path = "/tablebook/reservations/quote";
		const big = await expectError(
			await call(path, { headers: KEY, body: { ...request, party_size: 20 } }),
			422,
			"party_too_large",
		);
		expect(big.max_party_size).toBeGreaterThan(0);
		await expectError(
			await call(path, { headers: KEY, body: { ...request, time: "19:10" } }),
			422,
			"invalid_time",
		);
		await expectError(
			await call(path, { headers: KEY, body: { ...request, date: "2020-01-04" } }),
			422,
			"date_out_of_range",
		);
		await expectError(
			await call(path, { headers: KEY, body: { ...request, seating_area: "patio" } }),
			422,
			"seating_area_not_offered",
		);
		const invalid = await expectError(
			await call(path, { headers: KEY, body: { ...request, guest: { name: "Ada", email: "not-an-email" } } }),
			400,
			"invalid_request",
		);
		expect(invalid.details).toEqual([expect.objectContaining({ field: "body.guest.email" })]);
	});
});

describe("tablebook book_reservation (purchase)", () => {
	it("books the quoted table, charges the deposit and finds the reservation again", async () => {
		const request = {
			...(await booking()),
			occasion: "anniversary",
			special_requests: "Window table if possible",
		};
		const q = await quote(request);
		const response = await book({ ...request, quote_id: q.quote_id });
		expect(response.status).toBe(201);
		expect(response.headers.get("idempotent-replayed")).toBeNull();
		const r = await json<Reservation>(response);
		expectSchema(spec, "Reservation", r);
		expect(r).toMatchObject({
			quote_id: q.quote_id,
			status: "confirmed",
			deposit: q.deposit,
			starts_at: q.starts_at,
			cancellation: null,
			occasion: "anniversary",
		});
		expect(r.confirmation_code).toMatch(/^TB-[A-Z2-9]{6}$/);
		const found = await json<Reservation>(await get(`/reservations/${r.reservation_id}`));
		expectSchema(spec, "Reservation", found);
		expect(found).toEqual(r);
	});

	it("returns the same reservation for the same Idempotency-Key and never books twice", async () => {
		const request = await booking();
		const q = await quote(request);
		const key = crypto.randomUUID();
		const first = await json<Reservation>(await book({ ...request, quote_id: q.quote_id }, key));
		const again = await book({ ...request, quote_id: q.quote_id }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await json<Reservation>(again)).reservation_id).toBe(first.reservation_id);
		await expectError(await book({ ...request, quote_id: q.quote_id }), 409, "quote_already_used");
		// The table is gone now, so the key is tried on another one.
		const elsewhere = await booking();
		const other = await quote(elsewhere);
		await expectError(
			await book({ ...elsewhere, quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
		// That refusal did not take the other table.
		expect((await book({ ...elsewhere, quote_id: other.quote_id })).status).toBe(201);
	});

	it("takes the table out of availability, and a cancellation puts it back", async () => {
		const request = await booking("han-river-bbq-nyc", 2, 9, "dining_room");
		const open = async () => {
			const day = await json<Availability>(
				await get(`/restaurants/han-river-bbq-nyc/availability?date=${request.date}&party_size=2`),
			);
			return day.slots.find((s) => s.time === request.time)?.seating_areas ?? [];
		};
		const before = await open();
		expect(before).toContain("dining_room");
		const r = await reserved({ ...request, seating_area: "dining_room" });
		expect(await open()).not.toContain("dining_room");
		await expectError(
			await call("/tablebook/reservations/quote", {
				headers: KEY,
				body: { ...request, seating_area: "dining_room" },
			}),
			409,
			"slot_unavailable",
		);
		await cancel(r.reservation_id);
		expect(await open()).toEqual(before);
	});

	it("gives the last table to one of two racing bookings", async () => {
		const request = {
			...(await booking("bowery-table-nyc", 2, 11, "dining_room")),
			seating_area: "dining_room",
		};
		const [a, b] = [await quote(request), await quote(request)];
		const responses = await Promise.all([
			book({ ...request, quote_id: a.quote_id }),
			book({ ...request, quote_id: b.quote_id }),
		]);
		expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
		const loser = responses.find((r) => r.status === 409);
		if (loser) await expectError(loser, 409, "slot_unavailable");
	});

	it("refuses an expired quote and a changed party with 409", async () => {
		const request = await booking();
		const q = await quote(request);
		const expired = await expectError(
			await book({ ...request, quote_id: q.quote_id }, undefined, minutes(10)),
			409,
			"quote_expired",
		);
		expect(expired.expired_at).toBe(q.expires_at);
		const mismatch = await expectError(
			await book({ ...request, party_size: 1, quote_id: q.quote_id }),
			409,
			"total_mismatch",
		);
		expect(mismatch.quoted_total_cents).toBe(q.deposit.total_cents);
		expect((await book({ ...request, quote_id: q.quote_id }, undefined, "clock=599")).status).toBe(201);
	});

	it("needs an Idempotency-Key and a known quote, and reports amount-delta charges", async () => {
		const request = await booking();
		const q = await quote(request);
		await expectError(
			await call("/tablebook/reservations", { headers: KEY, body: { ...request, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await book({ ...request, quote_id: "dq_nope" }), 404, "quote_not_found");
		const r = await json<Reservation>(
			await book({ ...request, quote_id: q.quote_id }, undefined, "amount-delta=75"),
		);
		expect(r.deposit.total_cents).toBe(q.deposit.total_cents + 75);
		expect(r.deposit.adjustment_cents).toBe(75);
	});

	it("is seated at its time and completed two hours later", async () => {
		const r = await reserved(await booking());
		const at = async (hours: number) =>
			(
				await json<Reservation>(
					await get(`/reservations/${r.reservation_id}`, hoursBefore(r.starts_at, -hours)),
				)
			).status;
		expect(await at(-1)).toBe("confirmed");
		expect(await at(0.5)).toBe("seated");
		expect(await at(2.5)).toBe("completed");
		await expectError(await get(`/reservations/${crypto.randomUUID()}`), 404, "reservation_not_found");
	});
});

describe("tablebook cancel_reservation", () => {
	it("refunds the whole deposit before the full-refund deadline, keeping the booking fee", async () => {
		const r = await reserved(await booking("lupa-trattoria-sf", 2));
		const response = await cancel(r.reservation_id, hoursBefore(r.starts_at, 30), { reason: "illness" });
		expect(response.status).toBe(200);
		const cancelled = await json<Reservation>(response);
		expectSchema(spec, "Reservation", cancelled);
		expect(cancelled.status).toBe("cancelled");
		expect(cancelled.cancellation).toMatchObject({
			reason: "illness",
			refund_percent: 100,
			refund_cents: r.deposit.deposit_cents,
			kept_cents: r.deposit.booking_fee_cents,
		});
		expect(r.deposit.booking_fee_cents).toBe(150);
		const stored = await json<Reservation>(await get(`/reservations/${r.reservation_id}`));
		expect(stored.cancellation).toEqual(cancelled.cancellation);
	});

	it("refunds half between the deadlines and nothing after, once", async () => {
		const half = await reserved(await booking("lupa-trattoria-sf", 4));
		const partial = await json<Reservation>(
			await cancel(half.reservation_id, hoursBefore(half.starts_at, 5)),
		);
		expect(partial.cancellation).toMatchObject({
			refund_percent: 50,
			refund_cents: half.deposit.deposit_cents / 2,
			kept_cents: half.deposit.deposit_cents / 2 + 150,
		});
		const again = await cancel(half.reservation_id);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await json<Reservation>(again)).cancellation).toEqual(partial.cancellation);

		const late = await reserved(await booking("lupa-trattoria-sf", 2));
		const none = await json<Reservation>(await cancel(late.reservation_id, hoursBefore(late.starts_at, 1)));
		expect(none.cancellation).toMatchObject({
			refund_percent: 0,
			refund_cents: 0,
			kept_cents: late.deposit.total_cents,
		});
	});

	it("cannot cancel once the reservation's time has come", async () => {
		const r = await reserved(await booking());
		const error = await expectError(
			await cancel(r.reservation_id, hoursBefore(r.starts_at, -0.5)),
			409,
			"reservation_not_cancellable",
		);
		expect(error.status).toBe("seated");
		expect((await json<Reservation>(await get(`/reservations/${r.reservation_id}`))).cancellation).toBeNull();
		await expectError(await cancel(crypto.randomUUID()), 404, "reservation_not_found");
		await expectError(await cancel(r.reservation_id, undefined, { reason: "meh" }), 400, "invalid_request");
	});
});

describe("tablebook auth and faults", () => {
	it("needs the X-TableBook-Key header, and injects faults on its routes", async () => {
		await expectError(await call("/tablebook/cities"), 401, "unauthorized");
		await expectError(await get("/cities", "status=429"), 429, "rate_limited");
		const slow = await call("/_fault/latency=1/tablebook/restaurants/lupa-trattoria-sf", { headers: KEY });
		expect(slow.status).toBe(200);
	});
});
