import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const KEY = "api_key=sandbox-test-key";

interface Segment {
	flight_number: string;
	airline: { code: string };
	origin: { iata: string };
	destination: { iata: string };
	departure_at: string;
	arrival_at: string;
	duration_minutes: number;
}
interface Offer {
	offer_id: string;
	departure_at: string;
	arrival_at: string;
	duration_minutes: number;
	stops: number;
	segments: Segment[];
	layovers: { airport: string; minutes: number }[];
	seats_left: number;
	price: {
		total_cents: number;
		per_adult_cents: number;
		base_fare_cents: number;
		taxes_and_fees_cents: number;
	};
}
interface SearchResult {
	offers: Offer[];
	total: number;
}
interface Charge {
	code: string;
	name: string;
	amount_cents: number;
}
interface PricedPassenger {
	type: string;
	base_fare_cents: number;
	taxes_cents: number;
	fees_cents: number;
	total_cents: number;
	ticket_number?: string;
}
interface Price {
	base_fare_cents: number;
	taxes_cents: number;
	fees_cents: number;
	total_cents: number;
	adjustment_cents?: number;
}
interface Quote {
	quote_id: string;
	offer_id: string;
	passengers: PricedPassenger[];
	price: Price;
	taxes: Charge[];
	fees: Charge[];
	created_at: string;
	expires_at: string;
}
interface Booking {
	pnr: string;
	status: string;
	quote_id: string;
	passengers: PricedPassenger[];
	price: Price;
	itinerary: { arrival_at: string };
}

const ADULT = { first_name: "Ada", last_name: "Lovelace", date_of_birth: "1985-12-10" };
const CHILD = { first_name: "Byron", last_name: "Lovelace", date_of_birth: "2018-05-01" };
const INFANT = { first_name: "Annabella", last_name: "Lovelace", date_of_birth: "2026-03-01" };
const CONTACT = { email: "ada@example.com" };

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const get = (path: string) => call(`/flyaway${path}${path.includes("?") ? "&" : "?"}${KEY}`);
const clockAt = (ms: number) => `clock=${Math.round((ms - Date.now()) / 1000)}`;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function search(params: Record<string, string | number>): Promise<SearchResult> {
	const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
	return get(`/flights?${query}`).then((r) => json<SearchResult>(r));
}

async function quote(body: unknown, fault?: string): Promise<Quote> {
	const headers: Record<string, string> = fault ? { "x-sandbox-fault": fault } : {};
	const response = await call(`/flyaway/fares/quote?${KEY}`, { headers, body });
	expect(response.status).toBe(201);
	return json<Quote>(response);
}

function book(body: unknown, key: string = crypto.randomUUID(), fault?: string): Promise<Response> {
	const headers = { "idempotency-key": key, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	return call(`/flyaway/bookings?${KEY}`, { headers, body });
}

let spec: unknown;
let nonstop: Offer;
beforeAll(async () => {
	spec = await json(await call("/flyaway/openapi.json"));
	const found = await search({ origin: "SFO", destination: "JFK", date: day(60), max_stops: 0 });
	const offer = found.offers.find((o) => o.seats_left >= 3);
	if (!offer) throw new Error("no SFO-JFK nonstop with 3 seats");
	nonstop = offer;
});

describe("flyaway airports", () => {
	it("lists 26 airports with their airlines, searchable by city and country", async () => {
		const all = await json<{
			airports: { iata: string; airlines: string[] }[];
			airlines: { code: string; hubs: string[] }[];
		}>(await get("/airports"));
		expectSchema(spec, "AirportList", all);
		expect(all.airports).toHaveLength(26);
		expect(all.airlines).toHaveLength(8);
		expect(all.airports.every((a) => a.airlines.length > 0)).toBe(true);
		const tokyo = await json<{ airports: { iata: string }[] }>(await get("/airports?query=tokyo"));
		expect(tokyo.airports.map((a) => a.iata)).toEqual(["HND"]);
		const uk = await json<{ airports: { iata: string }[] }>(await get("/airports?country=gb"));
		expect(uk.airports.map((a) => a.iata)).toEqual(["LHR"]);
	});

	it("wants the key in the api_key query parameter, not a header", async () => {
		const missing = await expectError(await call("/flyaway/airports"), 401, "unauthorized");
		expect(missing.message).toContain("api_key");
		await expectError(
			await call("/flyaway/airports", { headers: { "x-api-key": "k" } }),
			401,
			"unauthorized",
		);
		expect((await call("/flyaway/openapi.json")).status).toBe(200);
	});
});

describe("flyaway flight search", () => {
	it("finds nonstops and connections, cheapest first, with consistent times", async () => {
		const result = await search({ origin: "SFO", destination: "JFK", date: day(60) });
		expectSchema(spec, "FlightSearchResult", result);
		expect(result.offers.some((o) => o.stops === 0)).toBe(true);
		expect(result.offers.some((o) => o.stops === 1)).toBe(true);
		const totals = result.offers.map((o) => o.price.total_cents);
		expect(totals).toEqual([...totals].sort((a, b) => a - b));
		for (const offer of result.offers) {
			expect((Date.parse(offer.arrival_at) - Date.parse(offer.departure_at)) / 60_000).toBe(
				offer.duration_minutes,
			);
			expect(offer.segments[0]?.origin.iata).toBe("SFO");
			expect(offer.segments.at(-1)?.destination.iata).toBe("JFK");
			offer.layovers.forEach((layover, i) => {
				expect(offer.segments[i]?.destination.iata).toBe(layover.airport);
				expect(offer.segments[i + 1]?.origin.iata).toBe(layover.airport);
				expect(layover.minutes).toBeGreaterThanOrEqual(45);
			});
			expect(offer.price.total_cents).toBe(offer.price.per_adult_cents);
			expect(offer.price.total_cents).toBe(offer.price.base_fare_cents + offer.price.taxes_and_fees_cents);
		}
		// San Francisco to New York nonstop: about five and a half hours, in local times three hours apart.
		expect(nonstop.duration_minutes).toBeGreaterThan(280);
		expect(nonstop.duration_minutes).toBeLessThan(360);
		expect(nonstop.departure_at).toMatch(/-0[78]:00$/);
		expect(nonstop.arrival_at).toMatch(/-0[45]:00$/);
		expect(await search({ origin: "SFO", destination: "JFK", date: day(60) })).toEqual(result);
	});

	it("flies east faster than west, and never connects through the airport next door", async () => {
		const west = await search({ origin: "JFK", destination: "SFO", date: day(60), max_stops: 0 });
		expect(west.offers.length).toBeGreaterThan(0);
		expect(west.offers[0]?.duration_minutes).toBeGreaterThan(nonstop.duration_minutes);
		const london = await search({ origin: "JFK", destination: "LHR", date: day(60), limit: 50 });
		for (const offer of london.offers) expect(offer.layovers.map((l) => l.airport)).not.toContain("EWR");
		// Transatlantic nonstops leave New York in the evening.
		for (const offer of london.offers.filter((o) => o.stops === 0)) {
			expect(Number(offer.departure_at.slice(11, 13))).toBeGreaterThanOrEqual(16);
		}
	});

	it("prices the whole party, cabins and late bookings higher", async () => {
		const family = await search({
			origin: "JFK",
			destination: "LHR",
			date: day(60),
			adults: 2,
			children: 1,
			infants: 1,
		});
		const solo = await search({ origin: "JFK", destination: "LHR", date: day(60) });
		const same = family.offers.find((o) => o.offer_id === solo.offers[0]?.offer_id);
		expect(same?.price.per_adult_cents).toBe(solo.offers[0]?.price.per_adult_cents);
		expect(same?.price.total_cents).toBeGreaterThan(2 * (solo.offers[0]?.price.per_adult_cents ?? 0));

		const business = await search({
			origin: "JFK",
			destination: "LHR",
			date: day(60),
			cabin: "business",
			limit: 50,
		});
		const economy = await search({ origin: "JFK", destination: "LHR", date: day(60), limit: 50 });
		const compared = business.offers.filter((offer) => {
			const same = economy.offers.find((o) => o.offer_id === offer.offer_id);
			if (same) expect(offer.price.base_fare_cents).toBeGreaterThan(same.price.base_fare_cents * 3);
			return same !== undefined;
		});
		expect(compared.length).toBeGreaterThan(0);
		const first = await search({ origin: "SFO", destination: "JFK", date: day(60), cabin: "first" });
		expect(first.total).toBe(0);
		const longFirst = await search({
			origin: "SFO",
			destination: "HND",
			date: day(60),
			cabin: "first",
			max_stops: 0,
		});
		expect(longFirst.total).toBeGreaterThan(0);

		// Tomorrow is in the last-minute fare bucket; two months out is the cheapest one.
		const cheapest = async (date: string) => {
			const { offers } = await search({ origin: "LAX", destination: "SFO", date, max_stops: 0 });
			expect(offers.length).toBeGreaterThan(0);
			return Math.min(...offers.map((o) => o.price.base_fare_cents));
		};
		expect(await cheapest(day(1))).toBeGreaterThan(await cheapest(day(60)));
	});

	it("filters by airline and stops, sorts by duration and departure", async () => {
		const pq = await search({ origin: "SEA", destination: "BOS", date: day(45), airline: "LQ" });
		expect(pq.offers.length).toBeGreaterThan(0);
		for (const offer of pq.offers) expect(offer.segments.some((s) => s.airline.code === "LQ")).toBe(true);
		const quick = await search({
			origin: "SEA",
			destination: "BOS",
			date: day(45),
			sort: "duration",
			limit: 50,
		});
		const durations = quick.offers.map((o) => o.duration_minutes);
		expect(durations).toEqual([...durations].sort((a, b) => a - b));
		const early = await search({
			origin: "SEA",
			destination: "BOS",
			date: day(45),
			sort: "departure",
			limit: 50,
		});
		const departures = early.offers.map((o) => Date.parse(o.departure_at));
		expect(departures).toEqual([...departures].sort((a, b) => a - b));
		const direct = await search({ origin: "SEA", destination: "BOS", date: day(45), max_stops: 0 });
		expect(direct.offers.every((o) => o.stops === 0)).toBe(true);
	});

	it("refuses unknown airports, bad dates and impossible parties", async () => {
		const q = (params: string) => get(`/flights?${params}`);
		const unknown = await expectError(
			await q(`origin=JFL&destination=SFO&date=${day(30)}`),
			404,
			"airport_not_found",
		);
		expect(unknown.suggestions).toContain("JFK");
		await expectError(await q(`origin=SFO&destination=SFO&date=${day(30)}`), 400, "same_origin_destination");
		await expectError(await q(`origin=Tokyo&destination=SFO&date=${day(30)}`), 400, "invalid_request");
		await expectError(await q(`origin=SFO&destination=JFK&date=${day(-2)}`), 422, "date_out_of_range");
		await expectError(await q(`origin=SFO&destination=JFK&date=${day(340)}`), 422, "date_out_of_range");
		await expectError(
			await q(`origin=SFO&destination=JFK&date=${day(30)}&infants=2`),
			422,
			"infant_without_adult",
		);
		await expectError(
			await q(`origin=SFO&destination=JFK&date=${day(30)}&cabin=coach`),
			400,
			"invalid_request",
		);
		await expectError(await q("origin=SFO&destination=JFK"), 400, "invalid_request");
	});
});

describe("flyaway fare quote (precheck)", () => {
	it("itemises a domestic fare: 7.5% tax, segment, security and facility fees; lap infants fly free", async () => {
		const q = await quote({ offer_id: nonstop.offer_id, passengers: [ADULT, CHILD, INFANT] });
		expectSchema(spec, "Quote", q);
		const [adult, child, infant] = q.passengers;
		expect(q.passengers.map((p) => p.type)).toEqual(["adult", "child", "infant"]);
		expect(adult?.total_cents).toBe(nonstop.price.per_adult_cents);
		expect(child?.total_cents).toBe(adult?.total_cents);
		expect(infant?.total_cents).toBe(0);
		const tax = (code: string) => q.taxes.find((t) => t.code === code)?.amount_cents;
		expect(tax("US")).toBe(2 * Math.round((adult?.base_fare_cents ?? 0) * 0.075));
		expect([tax("ZP"), tax("AY"), tax("XF")]).toEqual([2 * 520, 2 * 560, 2 * 450]);
		expect(q.fees).toEqual([{ code: "SF", name: "FlyAway service fee", amount_cents: 2 * 799 }]);
		expect(q.price).toEqual({
			base_fare_cents: sum(q.passengers.map((p) => p.base_fare_cents)),
			taxes_cents: sum(q.taxes.map((t) => t.amount_cents)),
			fees_cents: sum(q.fees.map((f) => f.amount_cents)),
			total_cents: sum(q.passengers.map((p) => p.total_cents)),
		});
		expect(q.price.total_cents).toBe(q.price.base_fare_cents + q.price.taxes_cents + q.price.fees_cents);
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(15 * 60_000);
	});

	it("prices an international family as the search did: children 75%, infants 10%, surcharge and UK duty", async () => {
		const family = await search({
			origin: "LHR",
			destination: "JFK",
			date: day(75),
			adults: 1,
			children: 1,
			infants: 1,
		});
		const offer = family.offers.find((o) => o.seats_left >= 2);
		const q = await quote({ offer_id: offer?.offer_id, passengers: [ADULT, CHILD, INFANT] });
		expect(q.price.total_cents).toBe(offer?.price.total_cents);
		const [adult, child, infant] = q.passengers;
		expect(child?.base_fare_cents).toBe(Math.round(((adult?.base_fare_cents ?? 0) * 0.75) / 100) * 100);
		expect(infant?.base_fare_cents).toBe(Math.round(((adult?.base_fare_cents ?? 0) * 0.1) / 100) * 100);
		expect(q.taxes.find((t) => t.code === "GB")?.amount_cents).toBe(3 * 11_000);
		expect(q.fees.find((f) => f.code === "YQ")?.amount_cents).toBeGreaterThan(0);
		expect(q.taxes.map((t) => t.code)).toEqual(expect.arrayContaining(["US", "YC", "XA"]));
	});

	it("refuses unknown offers, unsold cabins, unaccompanied children, full flights and closed sales", async () => {
		const post = (body: unknown, fault?: string) =>
			call(`/flyaway/fares/quote?${KEY}`, { headers: fault ? { "x-sandbox-fault": fault } : {}, body });
		await expectError(
			await post({ offer_id: "SFOJFK20990101-PQ1", passengers: [ADULT] }),
			404,
			"offer_not_found",
		);
		await expectError(
			await post({ offer_id: nonstop.offer_id, cabin: "first", passengers: [ADULT] }),
			422,
			"cabin_unavailable",
		);
		await expectError(
			await post({ offer_id: nonstop.offer_id, passengers: [CHILD] }),
			422,
			"unaccompanied_minor",
		);
		await expectError(
			await post({ offer_id: nonstop.offer_id, passengers: [ADULT, INFANT, INFANT] }),
			422,
			"infant_without_adult",
		);
		await expectError(
			await post({ offer_id: nonstop.offer_id, passengers: [{ ...ADULT, date_of_birth: day(90) }] }),
			422,
			"invalid_passenger",
		);
		const scarce = (
			await search({ origin: "SFO", destination: "JFK", date: day(60), limit: 50 })
		).offers.find((o) => o.seats_left < 9);
		const seats = scarce?.seats_left ?? 0;
		const full = await expectError(
			await post({ offer_id: scarce?.offer_id, passengers: Array.from({ length: seats + 1 }, () => ADULT) }),
			409,
			"not_enough_seats",
		);
		expect(full.seats_left).toBe(seats);
		const departure = Date.parse(nonstop.departure_at);
		await expectError(
			await post({ offer_id: nonstop.offer_id, passengers: [ADULT] }, clockAt(departure - 30 * 60_000)),
			422,
			"sales_closed",
		);
		await expectError(await post({ offer_id: nonstop.offer_id, passengers: [] }), 400, "invalid_request");
	});
});

describe("flyaway booking (purchase)", () => {
	it("tickets the quoted fare under a record locator, one ticket number per passenger", async () => {
		const q = await quote({ offer_id: nonstop.offer_id, passengers: [ADULT, CHILD] });
		const response = await book({
			offer_id: nonstop.offer_id,
			passengers: [ADULT, CHILD],
			quote_id: q.quote_id,
			contact: CONTACT,
		});
		expect(response.status).toBe(201);
		const booking = await json<Booking>(response);
		expectSchema(spec, "Booking", booking);
		expect(booking.pnr).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
		expect(booking).toMatchObject({ quote_id: q.quote_id, status: "ticketed", price: q.price });
		const prefix = nonstop.segments[0]?.airline.code === "PQ" ? "731" : "742";
		for (const p of booking.passengers) expect(p.ticket_number).toMatch(new RegExp(`^${prefix}\\d{10}$`));

		const again = await json<Booking>(await get(`/bookings/${booking.pnr.toLowerCase()}`));
		expectSchema(spec, "Booking", again);
		expect(again).toEqual(booking);
		const landed = await json<Booking>(
			await call(`/flyaway/bookings/${booking.pnr}?${KEY}`, {
				headers: { "x-sandbox-fault": clockAt(Date.parse(booking.itinerary.arrival_at) + 60_000) },
			}),
		);
		expect(landed.status).toBe("flown");
	});

	it("returns the same booking for the same Idempotency-Key and never tickets twice", async () => {
		const body = { offer_id: nonstop.offer_id, passengers: [ADULT] };
		const q = await quote(body);
		const key = crypto.randomUUID();
		const first = await json<Booking>(await book({ ...body, quote_id: q.quote_id, contact: CONTACT }, key));
		const again = await book({ ...body, quote_id: q.quote_id, contact: CONTACT }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(await json<Booking>(again)).toEqual(first);
		const reuse = await expectError(
			await book({ ...body, quote_id: q.quote_id, contact: CONTACT }),
			409,
			"quote_already_used",
		);
		expect(reuse.order_uuid).toBe(first.pnr);
		const other = await quote({ ...body, cabin: "business" });
		await expectError(
			await book({ ...body, cabin: "business", quote_id: other.quote_id, contact: CONTACT }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("refuses an expired quote, a changed booking and a missing Idempotency-Key", async () => {
		const body = { offer_id: nonstop.offer_id, passengers: [ADULT], contact: CONTACT };
		const q = await quote(body);
		const expired = await expectError(
			await book({ ...body, quote_id: q.quote_id }, undefined, "clock=900"),
			409,
			"quote_expired",
		);
		expect(expired.expired_at).toBe(q.expires_at);
		const changed = await expectError(
			await book({ ...body, passengers: [ADULT, CHILD], quote_id: q.quote_id }),
			409,
			"total_mismatch",
		);
		expect(changed.quoted_total_cents).toBe(q.price.total_cents);
		await expectError(
			await call(`/flyaway/bookings?${KEY}`, { body: { ...body, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await book({ ...body, quote_id: "faq_unknown" }), 404, "quote_not_found");
		await expectError(
			await book({ ...body, contact: { email: "nope" }, quote_id: q.quote_id }),
			400,
			"invalid_request",
		);
		expect((await book({ ...body, quote_id: q.quote_id }, undefined, "clock=899")).status).toBe(201);
	});

	it("reports a different total when the airline charges other than it quoted (amount-delta)", async () => {
		const body = { offer_id: nonstop.offer_id, passengers: [ADULT], contact: CONTACT };
		const q = await quote(body);
		const booking = await json<Booking>(
			await book({ ...body, quote_id: q.quote_id }, undefined, "amount-delta=1200"),
		);
		expect(booking.price).toMatchObject({ total_cents: q.price.total_cents + 1200, adjustment_cents: 1200 });
	});

	it("answers 404 for an unknown record locator and 400 for a malformed one", async () => {
		await expectError(await get("/bookings/ZZZZZZ"), 404, "booking_not_found");
		await expectError(await get("/bookings/AB1"), 400, "invalid_request");
	});
});
