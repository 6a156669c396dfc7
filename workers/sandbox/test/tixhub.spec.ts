import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const KEY = { "x-tixhub-signature": "key=sandbox-test-key" };

interface EventSummary {
	event_id: string;
	name: string;
	category: string;
	genre: string;
	performers: string[];
	venue: { venue_id: string; name: string; city: string };
	date: string;
	starts_at: string;
	status: string;
	min_price_cents: number | null;
}
interface EventList {
	start_date: string;
	end_date: string;
	events: EventSummary[];
	total: number;
}
interface Section {
	section_id: string;
	name: string;
	tier: string;
	general_admission: boolean;
	rows: string | null;
	face_value_cents: number;
	service_fee_cents: number;
	facility_fee_cents: number;
	available: number;
}
interface EventDetail extends EventSummary {
	sections: Section[];
	delivery_options: { method: string; fee_cents: number; available: boolean }[];
	admission_tax_percent: number;
	per_order_limit: number;
}
interface Pricing {
	face_value_cents: number;
	service_fee_cents: number;
	facility_fee_cents: number;
	delivery_fee_cents: number;
	tax_cents: number;
	total_cents: number;
	adjustment_cents?: number;
}
interface Quote {
	quote_id: string;
	quantity: number;
	per_ticket: { face_value_cents: number; service_fee_cents: number; facility_fee_cents: number };
	pricing: Pricing;
	created_at: string;
	expires_at: string;
}
interface Order {
	order_id: string;
	quote_id: string;
	status: string;
	quantity: number;
	tickets: { ticket_id: string; row: string | null; seat: string | null; barcode: string }[];
	delivery: { method: string; ships_by: string | null };
	pricing: Pricing;
	placed_at: string;
}
interface Pick {
	event: EventDetail;
	section: Section;
}

const BUYER = { name: "Ada Lovelace", email: "ada@example.com" };
const get = (path: string) => call(`/tixhub${path}`, { headers: KEY });
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const clockAt = (ms: number) => `clock=${Math.round((ms - Date.now()) / 1000)}`;

/** An event in the city from `from` days ahead with a section holding at least `seats` tickets. */
async function pick(city: string, from: number, want: (s: Section) => boolean): Promise<Pick> {
	const list = await json<EventList>(await get(`/events?city=${city}&start_date=${day(from)}&limit=50`));
	for (const summary of list.events) {
		const event = await json<EventDetail>(await get(`/events/${summary.event_id}`));
		const section = event.sections.find(want);
		if (section) return { event, section };
	}
	throw new Error(`no event in ${city} fits`);
}

async function quote(body: unknown, fault?: string): Promise<Quote> {
	const headers = { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	const response = await call("/tixhub/quotes", { headers, body });
	expect(response.status).toBe(201);
	return json<Quote>(response);
}

function order(body: unknown, key: string = crypto.randomUUID(), fault?: string): Promise<Response> {
	const headers = { ...KEY, "idempotency-key": key, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	return call("/tixhub/orders", { headers, body });
}

let spec: unknown;
let chicago: Pick;
beforeAll(async () => {
	spec = await json(await call("/tixhub/openapi.json"));
	chicago = await pick("chicago", 14, (s) => s.available >= 8 && !s.general_admission);
});

describe("tixhub catalog", () => {
	it("lists 23 venues in six cities, filtered by city", async () => {
		const all = await json<{ venues: { city: string; kind: string }[] }>(await get("/venues"));
		expectSchema(spec, "VenueList", all);
		expect(all.venues).toHaveLength(23);
		expect(new Set(all.venues.map((v) => v.city))).toEqual(
			new Set(["new-york", "los-angeles", "chicago", "nashville", "austin", "las-vegas"]),
		);
		const nashville = await json<{ venues: { city: string; kind: string }[] }>(
			await get("/venues?city=Nashville"),
		);
		expect(nashville.venues.map((v) => v.kind).sort()).toEqual(["arena", "club", "stadium", "theatre"]);
		await expectError(await get("/venues?city=boston"), 404, "city_not_found");
	});

	it("lists upcoming events soonest first for the next 30 days, in every city and category", async () => {
		const list = await json<EventList>(await get("/events?limit=50"));
		expectSchema(spec, "EventList", list);
		expect(list.total).toBeGreaterThan(200);
		const starts = list.events.map((e) => Date.parse(e.starts_at));
		expect(starts).toEqual([...starts].sort((a, b) => a - b));
		expect(starts.every((t) => t > Date.now())).toBe(true);
		for (const city of ["new-york", "los-angeles", "chicago", "nashville", "austin", "las-vegas"]) {
			const here = await json<EventList>(await get(`/events?city=${city}&limit=50`));
			expect(here.total, city).toBeGreaterThan(20);
			expect(here.events.every((e) => e.venue.city === city)).toBe(true);
		}
		for (const category of ["concert", "sports", "theatre"]) {
			const only = await json<EventList>(await get(`/events?category=${category}&limit=50`));
			expect(only.total, category).toBeGreaterThan(0);
			expect(only.events.every((e) => e.category === category)).toBe(true);
		}
		expect(await json(await get("/events?limit=50"))).toEqual(list);
	});

	it("filters by date range and free text, sorts by price and pages", async () => {
		const week = await json<EventList>(
			await get(`/events?city=new-york&start_date=${day(20)}&end_date=${day(26)}&limit=50`),
		);
		expect(week.events.every((e) => e.date >= day(20) && e.date <= day(26))).toBe(true);
		const jazz = await json<EventList>(await get(`/events?query=jazz&end_date=${day(60)}&limit=50`));
		expect(jazz.total).toBeGreaterThan(0);
		for (const e of jazz.events)
			expect(`${e.name} ${e.genre} ${e.performers.join(" ")}`.toLowerCase()).toContain("jazz");
		const cheap = await json<EventList>(await get("/events?city=austin&sort=price&limit=50"));
		const prices = cheap.events.map((e) => e.min_price_cents ?? Number.MAX_SAFE_INTEGER);
		expect(prices).toEqual([...prices].sort((a, b) => a - b));
		const page = await json<EventList>(await get("/events?city=austin&sort=price&limit=5&offset=5"));
		expect(page.events).toEqual(cheap.events.slice(5, 10));
		await expectError(
			await get(`/events?start_date=${day(10)}&end_date=${day(5)}`),
			400,
			"invalid_date_range",
		);
		await expectError(
			await get(`/events?start_date=${day(1)}&end_date=${day(120)}`),
			400,
			"invalid_date_range",
		);
		await expectError(await get("/events?category=opera"), 400, "invalid_request");
	});

	it("runs theatre shows Tuesday to Sunday, with matinees on Wednesday and Saturday", async () => {
		const shows = await json<EventList>(
			await get(`/events?category=theatre&city=chicago&start_date=${day(30)}&end_date=${day(43)}&limit=50`),
		);
		const byDay = new Map<number, number>();
		for (const e of shows.events) {
			const weekday = new Date(`${e.date}T00:00:00Z`).getUTCDay();
			byDay.set(weekday, (byDay.get(weekday) ?? 0) + 1);
			expect(e.genre).toMatch(/^(musical|play|comedy)$/);
		}
		expect(byDay.get(1)).toBeUndefined();
		expect(byDay.get(3)).toBe(4);
		expect(byDay.get(6)).toBe(4);
		expect(byDay.get(2)).toBe(2);
	});

	it("details an event's sections with face value, fees and tickets left", async () => {
		const { event } = chicago;
		expectSchema(spec, "EventDetail", event);
		expect(event.admission_tax_percent).toBe(9);
		expect(event.per_order_limit).toBe(8);
		for (const section of event.sections) {
			expect(section.service_fee_cents).toBe(
				Math.max(450, Math.round((section.face_value_cents * 0.15) / 5) * 5),
			);
			expect(section.face_value_cents % 50).toBe(0);
			expect(section.rows === null).toBe(section.general_admission);
		}
		expect(event.delivery_options.map((d) => [d.method, d.fee_cents])).toEqual([
			["mobile", 0],
			["will_call", 250],
			["mail", 1500],
		]);
		expect(await json(await get(`/events/${event.event_id}`))).toEqual(event);
		await expectError(
			await get(`/events/${event.venue.venue_id}-${event.date}-0315`),
			404,
			"event_not_found",
		);
		await expectError(await get("/events/nowhere"), 404, "event_not_found");
	});
});

describe("tixhub seat quote (precheck)", () => {
	it("prices tickets: face value, fees, delivery and admission tax add up to the total", async () => {
		const { event, section } = chicago;
		const q = await quote({
			event_id: event.event_id,
			section_id: section.section_id,
			quantity: 3,
			delivery_method: "will_call",
		});
		expectSchema(spec, "Quote", q);
		expect(q.per_ticket).toEqual({
			face_value_cents: section.face_value_cents,
			service_fee_cents: section.service_fee_cents,
			facility_fee_cents: section.facility_fee_cents,
		});
		expect(q.pricing).toMatchObject({
			face_value_cents: section.face_value_cents * 3,
			service_fee_cents: section.service_fee_cents * 3,
			facility_fee_cents: section.facility_fee_cents * 3,
			delivery_fee_cents: 250,
			tax_cents: Math.round(section.face_value_cents * 3 * 0.09),
		});
		const { total_cents: total, ...parts } = q.pricing;
		expect(total).toBe(Object.values(parts).reduce((sum, v) => sum + v, 0));
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(8 * 60_000);
		const mailed = await quote({
			event_id: event.event_id,
			section_id: section.section_id,
			quantity: 3,
			delivery_method: "mail",
		});
		expect(mailed.pricing.total_cents - total).toBe(1500 - 250);
	});

	it("charges no admission tax in New York", async () => {
		const ny = await pick("new-york", 14, (s) => s.available >= 2);
		const q = await quote({ event_id: ny.event.event_id, section_id: ny.section.section_id, quantity: 2 });
		expect(ny.event.admission_tax_percent).toBe(0);
		expect(q.pricing.tax_cents).toBe(0);
	});

	it("refuses sold-out sections, late mail delivery, started events and bad quantities", async () => {
		const soldOut = await pick("las-vegas", 2, (s) => s.available === 0);
		const full = await expectError(
			await call("/tixhub/quotes", {
				headers: KEY,
				body: { event_id: soldOut.event.event_id, section_id: soldOut.section.section_id, quantity: 1 },
			}),
			409,
			"not_enough_tickets",
		);
		expect(full.available).toBe(0);

		const soon = await pick("new-york", 0, (s) => s.available >= 2);
		const body = { event_id: soon.event.event_id, section_id: soon.section.section_id, quantity: 2 };
		const post = (b: unknown, fault?: string) =>
			call("/tixhub/quotes", {
				headers: { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) },
				body: b,
			});
		if (Date.parse(soon.event.starts_at) - Date.now() < 10 * 86_400_000) {
			await expectError(await post({ ...body, delivery_method: "mail" }), 422, "delivery_unavailable");
		}
		await expectError(
			await post(body, clockAt(Date.parse(soon.event.starts_at) + 60_000)),
			422,
			"sales_closed",
		);
		await expectError(await post({ ...body, quantity: 9 }), 400, "invalid_request");
		await expectError(await post({ ...body, quantity: 0 }), 400, "invalid_request");
		const missing = await expectError(
			await post({ ...body, section_id: "vip-box" }),
			404,
			"section_not_found",
		);
		expect(missing.section_ids).toEqual(soon.event.sections.map((s) => s.section_id));
		await expectError(await post({ ...body, event_id: "nope" }), 404, "event_not_found");
	});
});

describe("tixhub orders (purchase)", () => {
	it("buys the quoted tickets: seats side by side in one row, a barcode each", async () => {
		const { event, section } = chicago;
		const body = { event_id: event.event_id, section_id: section.section_id, quantity: 4 };
		const q = await quote(body);
		const response = await order({ ...body, quote_id: q.quote_id, buyer: BUYER });
		expect(response.status).toBe(201);
		const placed = await json<Order>(response);
		expectSchema(spec, "Order", placed);
		expect(placed.order_id).toMatch(/^TH\d{10}$/);
		expect(placed).toMatchObject({
			quote_id: q.quote_id,
			status: "confirmed",
			quantity: 4,
			pricing: q.pricing,
		});
		expect(placed.tickets).toHaveLength(4);
		expect(new Set(placed.tickets.map((t) => t.row)).size).toBe(1);
		const seats = placed.tickets.map((t) => Number(t.seat));
		expect(seats).toEqual([seats[0], (seats[0] ?? 0) + 1, (seats[0] ?? 0) + 2, (seats[0] ?? 0) + 3]);
		expect(new Set(placed.tickets.map((t) => t.barcode)).size).toBe(4);
		for (const t of placed.tickets) expect(t.barcode).toMatch(/^\d{16}$/);

		const again = await json<Order>(await get(`/orders/${placed.order_id}`));
		expectSchema(spec, "Order", again);
		expect(again).toEqual(placed);
		const later = await json<Order>(
			await call(`/tixhub/orders/${placed.order_id}`, {
				headers: { ...KEY, "x-sandbox-fault": clockAt(Date.parse(event.starts_at) + 5 * 3600_000) },
			}),
		);
		expect(later.status).toBe("past");
	});

	it("gives standing-room tickets no seats, and mailed tickets a ship-by date", async () => {
		const ga = await pick("austin", 14, (s) => s.general_admission && s.available >= 2);
		const body = {
			event_id: ga.event.event_id,
			section_id: ga.section.section_id,
			quantity: 2,
			delivery_method: "mail",
		};
		const q = await quote(body);
		const placed = await json<Order>(await order({ ...body, quote_id: q.quote_id, buyer: BUYER }));
		expect(placed.tickets.every((t) => t.row === null && t.seat === null)).toBe(true);
		expect(placed.delivery.method).toBe("mail");
		expect(placed.delivery.ships_by).toMatch(/^\d{4}-\d{2}-\d{2}$/);
	});

	it("returns the same order for the same Idempotency-Key and never buys twice", async () => {
		const { event, section } = chicago;
		const body = { event_id: event.event_id, section_id: section.section_id, quantity: 2, buyer: BUYER };
		const q = await quote(body);
		const key = crypto.randomUUID();
		const first = await json<Order>(await order({ ...body, quote_id: q.quote_id }, key));
		const again = await order({ ...body, quote_id: q.quote_id }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(await json<Order>(again)).toEqual(first);
		const reuse = await expectError(
			await order({ ...body, quote_id: q.quote_id }),
			409,
			"quote_already_used",
		);
		expect(reuse.order_uuid).toBe(first.order_id);
		const other = await quote({ ...body, quantity: 1 });
		await expectError(
			await order({ ...body, quantity: 1, quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("refuses an expired quote, a changed order and a missing Idempotency-Key", async () => {
		const { event, section } = chicago;
		const body = { event_id: event.event_id, section_id: section.section_id, quantity: 2, buyer: BUYER };
		const q = await quote(body);
		const expired = await expectError(
			await order({ ...body, quote_id: q.quote_id }, undefined, "clock=480"),
			409,
			"quote_expired",
		);
		expect(expired.expired_at).toBe(q.expires_at);
		const changed = await expectError(
			await order({ ...body, quantity: 3, quote_id: q.quote_id }),
			409,
			"total_mismatch",
		);
		expect(changed.quoted_total_cents).toBe(q.pricing.total_cents);
		await expectError(
			await call("/tixhub/orders", { headers: KEY, body: { ...body, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await order({ ...body, quote_id: "thq_unknown" }), 404, "quote_not_found");
		await expectError(
			await order({ ...body, buyer: { name: "A" }, quote_id: q.quote_id }),
			400,
			"invalid_request",
		);
		expect((await order({ ...body, quote_id: q.quote_id }, undefined, "clock=479")).status).toBe(201);
	});

	it("reports a different total when TixHub charges other than it quoted (amount-delta)", async () => {
		const { event, section } = chicago;
		const body = { event_id: event.event_id, section_id: section.section_id, quantity: 1 };
		const q = await quote(body);
		const placed = await json<Order>(
			await order({ ...body, quote_id: q.quote_id, buyer: BUYER }, undefined, "amount-delta=99"),
		);
		expect(placed.pricing).toMatchObject({ total_cents: q.pricing.total_cents + 99, adjustment_cents: 99 });
	});

	it("answers 404 for an unknown order and 400 for a malformed id", async () => {
		await expectError(await get("/orders/TH0000000000"), 404, "order_not_found");
		await expectError(await get("/orders/12"), 400, "invalid_request");
	});
});

describe("tixhub credentials", () => {
	it("wants X-Tixhub-Signature as key=<api key>, nothing else", async () => {
		await expectError(await call("/tixhub/venues"), 401, "unauthorized");
		const wrong = await expectError(
			await call("/tixhub/venues", { headers: { "x-tixhub-signature": "Bearer abc" } }),
			401,
			"unauthorized",
		);
		expect(wrong.message).toContain("key=");
		await expectError(
			await call("/tixhub/venues", { headers: { "x-tixhub-signature": "key=" } }),
			401,
			"unauthorized",
		);
		expect((await call("/tixhub/venues", { headers: { "x-tixhub-signature": "key=abc" } })).status).toBe(200);
		expect((await call("/tixhub/openapi.json")).status).toBe(200);
	});
});
