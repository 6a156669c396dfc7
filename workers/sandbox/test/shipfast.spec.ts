import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const KEY = { "x-api-key": "sandbox-test-key" };

interface Charges {
	base_cents: number;
	fuel_surcharge_cents: number;
	residential_surcharge_cents: number;
	additional_handling_cents: number;
	oversize_cents: number;
	delivery_area_surcharge_cents: number;
	insurance_cents: number;
	total_cents: number;
	adjustment_cents?: number;
}
interface Quote {
	quote_id: string;
	service_level: string;
	zone: number;
	parcel: { dim_weight_lb: number; billable_weight_lb: number };
	ship_date: string;
	transit_business_days: number;
	estimated_delivery_date: string;
	charges: Charges;
	created_at: string;
	expires_at: string;
}
interface Label {
	tracking_number: string;
	quote_id: string;
	status: string;
	charges: Charges;
	label_url: string;
	ship_date: string;
	estimated_delivery_date: string;
	created_at: string;
}
interface Tracking {
	status: string;
	delivered_at: string | null;
	estimated_delivery_date: string;
	events: { status: string; location: string; at: string }[];
}

const FROM = {
	name: "Ada Lovelace",
	company: "Analytical Engines",
	street1: "500 Howard St",
	city: "San Francisco",
	state: "CA",
	postal_code: "94105",
};
const TO = {
	name: "Grace Hopper",
	street1: "350 5th Ave",
	city: "New York",
	state: "NY",
	postal_code: "10118",
	residential: true,
};
const SHIPMENT = {
	from_address: FROM,
	to_address: TO,
	parcel: { length_in: 12, width_in: 10, height_in: 8, weight_oz: 80 },
	service_level: "ground",
};

async function rate(body: unknown = SHIPMENT, fault?: string): Promise<Quote> {
	const headers = { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	const response = await call("/shipfast/rates", { headers, body });
	expect(response.status).toBe(201);
	return json<Quote>(response);
}

function buy(body: unknown, key: string | undefined = crypto.randomUUID(), fault?: string) {
	const headers: Record<string, string> = {
		...KEY,
		...(key === undefined ? {} : { "idempotency-key": key }),
		...(fault ? { "x-sandbox-fault": fault } : {}),
	};
	return call("/shipfast/labels", { headers, body });
}

/** A clock fault that moves the merchant to `iso` (UTC). */
const clockAt = (iso: string) => `clock=${Math.round((Date.parse(iso) - Date.now()) / 1000)}`;
const isWeekday = (date: string) => ![0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
const nextDay = (date: string) =>
	new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/shipfast/openapi.json"));
});

describe("shipfast service levels", () => {
	it("lists Saver, Ground, 2Day and Overnight, slowest first, with their limits", async () => {
		const body = await json<{
			service_levels: {
				service_level: string;
				transit_business_days: { min: number; max: number };
				max_weight_lb: number;
				serves_alaska_hawaii: boolean;
			}[];
		}>(await call("/shipfast/service-levels", { headers: KEY }));
		expectSchema(spec, "ServiceLevelList", body);
		expect(body.service_levels.map((l) => l.service_level)).toEqual([
			"economy",
			"ground",
			"express",
			"overnight",
		]);
		const overnight = body.service_levels.at(-1);
		expect(overnight?.transit_business_days).toEqual({ min: 1, max: 1 });
		expect(overnight?.serves_alaska_hawaii).toBe(true);
		expect(body.service_levels[0]?.max_weight_lb).toBe(70);
	});
});

describe("shipfast rate quote (precheck)", () => {
	it("prices by zone and billable weight: base, fuel and residential add up to the total, in cents", async () => {
		const q = await rate();
		expectSchema(spec, "RateQuote", q);
		// 12 x 10 x 8 in = 960 in³ → 7 lb dimensional, more than the 5 lb actual weight.
		expect(q.parcel).toMatchObject({ dim_weight_lb: 7, billable_weight_lb: 7 });
		expect(q.zone).toBe(8);
		expect(q.charges.base_cents).toBe(1365 + 240 * 6);
		expect(q.charges.fuel_surcharge_cents).toBe(Math.round(q.charges.base_cents * 0.165));
		expect(q.charges.residential_surcharge_cents).toBe(545);
		const { total_cents: total, ...parts } = q.charges;
		expect(total).toBe(Object.values(parts).reduce((sum, v) => sum + v, 0));
		for (const value of Object.values(q.charges)) expect(Number.isInteger(value)).toBe(true);
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(24 * 3600_000);
		// The same shipment always costs the same.
		expect((await rate()).charges).toEqual(q.charges);
	});

	it("charges less for nearer zones and heavier parcels more", async () => {
		const local = await rate({
			...SHIPMENT,
			to_address: { ...TO, city: "San Francisco", state: "CA", postal_code: "94110" },
		});
		const inState = await rate({
			...SHIPMENT,
			to_address: { ...TO, city: "Los Angeles", state: "CA", postal_code: "90012" },
		});
		const nevada = await rate({
			...SHIPMENT,
			to_address: { ...TO, city: "Las Vegas", state: "NV", postal_code: "89101" },
		});
		const far = await rate();
		expect([local.zone, inState.zone]).toEqual([1, 2]);
		expect(nevada.zone).toBeGreaterThan(2);
		expect(nevada.zone).toBeLessThan(8);
		const totals = [local, inState, nevada, far].map((q) => q.charges.total_cents);
		expect(totals).toEqual([...totals].sort((a, b) => a - b));
		const heavy = await rate({ ...SHIPMENT, parcel: { ...SHIPMENT.parcel, weight_oz: 320 } });
		expect(heavy.parcel.billable_weight_lb).toBe(20);
		expect(heavy.charges.base_cents).toBe(1365 + 240 * 19);
	});

	it("is faster and dearer by air; delivery dates are business days after the ship date", async () => {
		const levels = ["economy", "ground", "express", "overnight"];
		const quotes = await Promise.all(levels.map((service_level) => rate({ ...SHIPMENT, service_level })));
		expect(quotes.map((q) => q.transit_business_days)).toEqual([7, 5, 2, 1]);
		const totals = quotes.map((q) => q.charges.total_cents);
		expect(totals).toEqual([...totals].sort((a, b) => a - b));
		for (const q of quotes) {
			expect(isWeekday(q.ship_date)).toBe(true);
			expect(isWeekday(q.estimated_delivery_date)).toBe(true);
			let date = q.ship_date;
			for (let left = q.transit_business_days; left > 0; ) {
				date = nextDay(date);
				if (isWeekday(date)) left--;
			}
			expect(q.estimated_delivery_date).toBe(date);
		}
	});

	it("adds handling, oversize, remote-area and declared-value charges where they apply", async () => {
		const long = await rate({
			...SHIPMENT,
			parcel: { length_in: 50, width_in: 12, height_in: 6, weight_oz: 160 },
		});
		expect(long.charges.additional_handling_cents).toBe(2650);
		const huge = await rate({
			...SHIPMENT,
			parcel: { length_in: 60, width_in: 20, height_in: 20, weight_oz: 400 },
		});
		expect(huge.charges).toMatchObject({ oversize_cents: 11_500, additional_handling_cents: 0 });
		const insured = await rate({ ...SHIPMENT, declared_value_cents: 45_000 });
		expect(insured.charges.insurance_cents).toBe(4 * 115);
		const honolulu = await rate({
			...SHIPMENT,
			service_level: "express",
			to_address: { ...TO, city: "Honolulu", state: "HI", postal_code: "96813" },
		});
		expect(honolulu.charges.delivery_area_surcharge_cents).toBe(4300);
		const refused = await expectError(
			await call("/shipfast/rates", {
				headers: KEY,
				body: { ...SHIPMENT, to_address: { ...TO, city: "Honolulu", state: "HI", postal_code: "96813" } },
			}),
			422,
			"service_unavailable_for_route",
		);
		expect(refused.available_service_levels).toEqual(["express", "overnight"]);
	});

	it("refuses ZIP codes outside the state, parcels no service takes and bad ship dates", async () => {
		const post = (body: unknown) => call("/shipfast/rates", { headers: KEY, body });
		const zip = await expectError(
			await post({ ...SHIPMENT, to_address: { ...TO, postal_code: "94105" } }),
			422,
			"address_invalid",
		);
		expect(zip.field).toBe("to_address.postal_code");
		await expectError(
			await post({
				...SHIPMENT,
				service_level: "economy",
				parcel: { ...SHIPMENT.parcel, weight_oz: 75 * 16 },
			}),
			422,
			"parcel_overweight",
		);
		await expectError(
			await post({ ...SHIPMENT, parcel: { length_in: 100, width_in: 20, height_in: 20, weight_oz: 100 } }),
			422,
			"parcel_too_large",
		);
		const q = await rate();
		let weekend = q.ship_date;
		while (isWeekday(weekend)) weekend = nextDay(weekend);
		const dated = await expectError(
			await post({ ...SHIPMENT, ship_date: weekend }),
			422,
			"invalid_ship_date",
		);
		expect(dated.earliest_ship_date).toBe(q.ship_date);
		await expectError(await post({ ...SHIPMENT, ship_date: "2020-01-06" }), 422, "invalid_ship_date");
	});

	it("rejects invalid bodies with the failing fields", async () => {
		const invalid = await expectError(
			await call("/shipfast/rates", { headers: KEY, body: { ...SHIPMENT, service_level: "teleport" } }),
			400,
			"invalid_request",
		);
		expect(invalid.details).toEqual([expect.objectContaining({ field: "body.service_level" })]);
		await expectError(
			await call("/shipfast/rates", {
				headers: KEY,
				body: { ...SHIPMENT, from_address: { ...FROM, postal_code: "ABCDE" } },
			}),
			400,
			"invalid_request",
		);
		await expectError(await call("/shipfast/rates", { headers: KEY, body: "{nope" }), 400, "invalid_json");
	});
});

describe("shipfast label purchase", () => {
	it("buys the quoted label and tracks it by tracking number", async () => {
		const q = await rate();
		const response = await buy({ ...SHIPMENT, quote_id: q.quote_id, reference: "ORDER-1001" });
		expect(response.status).toBe(201);
		const label = await json<Label>(response);
		expectSchema(spec, "Label", label);
		expect(label.tracking_number).toMatch(/^SFX\d{13}$/);
		expect(label).toMatchObject({ quote_id: q.quote_id, status: "label_created", charges: q.charges });
		expect(label.label_url).toContain(label.tracking_number);

		const tracked = await json<Tracking>(
			await call(`/shipfast/tracking/${label.tracking_number}`, { headers: KEY }),
		);
		expectSchema(spec, "Tracking", tracked);
		expect(tracked).toMatchObject({ status: "label_created", delivered_at: null });
		expect(tracked.events).toEqual([
			expect.objectContaining({ status: "label_created", location: "San Francisco, CA" }),
		]);
	});

	it("returns the same label for the same Idempotency-Key and never buys a second", async () => {
		const q = await rate();
		const key = crypto.randomUUID();
		const first = await json<Label>(await buy({ ...SHIPMENT, quote_id: q.quote_id }, key));
		const again = await buy({ ...SHIPMENT, quote_id: q.quote_id }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(await json<Label>(again)).toEqual(first);

		const reuse = await expectError(
			await buy({ ...SHIPMENT, quote_id: q.quote_id }),
			409,
			"quote_already_used",
		);
		expect(reuse.order_uuid).toBe(first.tracking_number);
		const other = await rate({ ...SHIPMENT, service_level: "express" });
		await expectError(
			await buy({ ...SHIPMENT, service_level: "express", quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("refuses an expired quote with 409, and honours it until then", async () => {
		const q = await rate();
		const expired = await expectError(
			await buy({ ...SHIPMENT, quote_id: q.quote_id }, undefined, "clock=86400"),
			409,
			"quote_expired",
		);
		expect(expired.expired_at).toBe(q.expires_at);
		expect((await buy({ ...SHIPMENT, quote_id: q.quote_id }, undefined, "clock=86399")).status).toBe(201);
	});

	it("refuses a shipment that no longer prices to the quoted total with 409, without using the quote", async () => {
		const q = await rate();
		const heavier = { ...SHIPMENT, parcel: { ...SHIPMENT.parcel, weight_oz: 400 }, quote_id: q.quote_id };
		const mismatch = await expectError(await buy(heavier), 409, "total_mismatch");
		expect(mismatch.quoted_total_cents).toBe(q.charges.total_cents);
		expect(mismatch.total_cents).toBeGreaterThan(q.charges.total_cents);
		expect((await buy({ ...SHIPMENT, quote_id: q.quote_id })).status).toBe(201);
	});

	it("needs an Idempotency-Key and a known quote", async () => {
		const q = await rate();
		await expectError(
			await call("/shipfast/labels", { headers: KEY, body: { ...SHIPMENT, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await buy({ ...SHIPMENT, quote_id: "rate_unknown" }), 404, "quote_not_found");
		await expectError(await buy(SHIPMENT), 400, "invalid_request");
	});

	it("reports a different total when the carrier bills other than it quoted (amount-delta)", async () => {
		const q = await rate();
		const label = await json<Label>(
			await buy({ ...SHIPMENT, quote_id: q.quote_id }, undefined, "amount-delta=275"),
		);
		expect(label.charges.total_cents).toBe(q.charges.total_cents + 275);
		expect(label.charges.adjustment_cents).toBe(275);
	});
});

describe("shipfast tracking", () => {
	it("moves from label to pickup, through hubs, out for delivery and delivered, scans newest first", async () => {
		const q = await rate();
		const label = await json<Label>(await buy({ ...SHIPMENT, quote_id: q.quote_id }));
		const at = async (iso: string) =>
			json<Tracking>(
				await call(`/shipfast/tracking/${label.tracking_number}`, {
					headers: { ...KEY, "x-sandbox-fault": clockAt(iso) },
				}),
			);
		const delivery = label.estimated_delivery_date;
		const inTransit = await at(`${nextDay(label.ship_date)}T18:00:00Z`);
		expect(inTransit.status).toBe("in_transit");
		expect(inTransit.events.map((e) => e.status)).toContain("picked_up");
		expect(inTransit.delivered_at).toBeNull();
		// 10:30 in New York during daylight time, 9:30 in winter: after the 8 a.m. van leaves, before 11 a.m. drops.
		const outForDelivery = await at(`${delivery}T14:30:00Z`);
		expect(outForDelivery.status).toBe("out_for_delivery");
		expect(outForDelivery.events[0]?.location).toBe("New York, NY");

		const delivered = await at(`${nextDay(delivery)}T12:00:00Z`);
		expectSchema(spec, "Tracking", delivered);
		expect(delivered.status).toBe("delivered");
		expect(delivered.delivered_at?.slice(0, 10)).toMatch(new RegExp(`^(${delivery}|${nextDay(delivery)})$`));
		const statuses = delivered.events.map((e) => e.status).reverse();
		expect(statuses[0]).toBe("label_created");
		expect(statuses[1]).toBe("picked_up");
		expect(statuses.at(-2)).toBe("out_for_delivery");
		expect(statuses.at(-1)).toBe("delivered");
		const times = delivered.events.map((e) => Date.parse(e.at)).reverse();
		expect(times).toEqual([...times].sort((a, b) => a - b));
		// Cross-country ground passes through at least one ShipFast facility between the two coasts.
		expect(delivered.events.filter((e) => e.status === "in_transit").length).toBeGreaterThanOrEqual(3);
		// Scans carry the local time of where they happened.
		expect(delivered.events[0]?.at).toMatch(/-0[45]:00$/);
	});

	it("answers 404 for an unknown tracking number and 400 for a malformed one", async () => {
		await expectError(
			await call("/shipfast/tracking/SFX0000000000000", { headers: KEY }),
			404,
			"tracking_number_not_found",
		);
		await expectError(await call("/shipfast/tracking/1Z999", { headers: KEY }), 400, "invalid_request");
	});

	it("refuses calls without X-API-Key", async () => {
		await expectError(await call("/shipfast/service-levels"), 401, "unauthorized");
	});
});
