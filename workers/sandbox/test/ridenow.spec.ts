import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json, minutes } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const AUTH = { authorization: "Bearer sandbox-test-token" };

interface Fare {
	base_fare_cents: number;
	distance_cents: number;
	time_cents: number;
	minimum_fare_adjustment_cents: number;
	surge_cents: number;
	booking_fee_cents: number;
	airport_fee_cents: number;
	city_fee_cents: number;
	tax_cents: number;
	tip_cents: number;
	total_cents: number;
}
interface Location {
	place_id: string | null;
	name: string;
	address: string;
	lat: number;
	lng: number;
}
interface Estimate {
	quote_id: string;
	product: { product_id: string; seats: number };
	pickup: Location;
	dropoff: Location;
	trip: { distance_miles: number; duration_minutes: number };
	pickup_eta_minutes: number;
	surge_multiplier: number;
	fare: Fare;
	cancellation_policy: { grace_period_minutes: number; cancellation_fee_cents: number };
	created_at: string;
	expires_at: string;
}
interface Ride {
	ride_id: string;
	quote_id: string;
	status: string;
	status_history: { status: string; at: string }[];
	fare: Fare & { adjustment_cents?: number };
	driver: { name: string };
	vehicle: { make: string; license_plate: string };
	trip: { duration_minutes: number };
	requested_at: string;
	pickup_eta_minutes: number;
	pickup_eta_at: string;
	dropoff_eta_at: string;
	eta_minutes: number;
	cancellation_policy: { free_cancellation_until: string; cancellation_fee_cents: number };
	cancellation: {
		cancelled_at: string;
		reason: string;
		within_grace_period: boolean;
		cancellation_fee_cents: number;
		refund_cents: number;
	} | null;
}
interface Products {
	surge_multiplier: number;
	city_fee: { label: string; cents: number } | null;
	tax_rate_percent: number;
	products: {
		product_id: string;
		seats: number;
		rates: {
			base_fare_cents: number;
			per_mile_cents: number;
			per_minute_cents: number;
			booking_fee_cents: number;
			minimum_fare_cents: number;
		};
		cancellation_fee_cents: number;
	}[];
}

const TRIP = {
	city: "san-francisco",
	pickup: "Ferry Building",
	dropoff: "sfo",
	product: "comfort",
	passengers: 2,
	tip_cents: 300,
};

const get = (path: string, fault?: string) =>
	call(`/ridenow${path}`, { headers: { ...AUTH, ...(fault ? { "x-sandbox-fault": fault } : {}) } });

async function estimate(body: unknown = TRIP): Promise<Estimate> {
	const response = await call("/ridenow/fares/estimate", { headers: AUTH, body });
	expect(response.status).toBe(201);
	return json<Estimate>(response);
}

function requestRide(body: unknown, key: string | undefined = crypto.randomUUID(), fault?: string) {
	const headers: Record<string, string> = {
		...AUTH,
		...(key === undefined ? {} : { "idempotency-key": key }),
		...(fault ? { "x-sandbox-fault": fault } : {}),
	};
	return call("/ridenow/rides", { headers, body });
}

async function ride(body: Record<string, unknown> = TRIP): Promise<Ride> {
	const q = await estimate(body);
	const response = await requestRide({ ...body, quote_id: q.quote_id });
	expect(response.status).toBe(201);
	return json<Ride>(response);
}

function cancel(rideId: string, fault?: string, body?: unknown) {
	return call(`/ridenow/rides/${rideId}/cancel`, {
		method: "POST",
		headers: { ...AUTH, ...(fault ? { "x-sandbox-fault": fault } : {}) },
		...(body === undefined ? {} : { body }),
	});
}

const sum = (fare: Fare) =>
	fare.base_fare_cents +
	fare.distance_cents +
	fare.time_cents +
	fare.minimum_fare_adjustment_cents +
	fare.surge_cents +
	fare.booking_fee_cents +
	fare.airport_fee_cents +
	fare.city_fee_cents +
	fare.tax_cents +
	fare.tip_cents;

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/ridenow/openapi.json"));
});

describe("ridenow auth", () => {
	it("needs an OAuth bearer token on every route but the spec", async () => {
		const missing = await call("/ridenow/cities");
		await expectError(missing, 401, "unauthorized");
		const basic = await call("/ridenow/cities", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
		expect(basic.headers.get("www-authenticate")).toMatch(/^Bearer realm="RideNow"/);
		await expectError(basic, 401, "unauthorized");
		expect((await get("/cities")).status).toBe(200);
		expect((await call("/ridenow/openapi.json")).status).toBe(200);
	});
});

describe("ridenow coverage", () => {
	it("serves five cities, each with airports and at least ten named places", async () => {
		const body = await json<{ cities: { city: string; airports: string[]; place_count: number }[] }>(
			await get("/cities"),
		);
		expectSchema(spec, "CityList", body);
		expect(body.cities.map((c) => c.city)).toEqual([
			"san-francisco",
			"new-york",
			"chicago",
			"austin",
			"seattle",
		]);
		for (const city of body.cities) {
			expect(city.place_count).toBeGreaterThanOrEqual(10);
			expect(city.airports.length).toBeGreaterThanOrEqual(1);
			const places = await json<{ total: number }>(await get(`/places?city=${city.city}`));
			expect(places.total).toBe(city.place_count);
		}
	});

	it("lists ride types with city rates that rise from standard to black", async () => {
		const sf = await json<Products>(await get("/products?city=San%20Francisco"));
		expectSchema(spec, "ProductList", sf);
		expect(sf.products.map((p) => p.product_id)).toEqual(["standard", "green", "comfort", "xl", "black"]);
		const perMile = sf.products.map((p) => p.rates.per_mile_cents);
		expect(perMile).toEqual([...perMile].sort((a, b) => a - b));
		expect(sf.products.find((p) => p.product_id === "xl")?.seats).toBe(6);
		expect(sf.surge_multiplier).toBeGreaterThanOrEqual(1);
		const nyc = await json<Products>(await get("/products?city=new-york"));
		expect(nyc.city_fee).toEqual({ label: "NY State congestion surcharge", cents: 275 });
		expect(nyc.products[0]?.rates.per_mile_cents).toBeGreaterThan(sf.products[0]?.rates.per_mile_cents ?? 0);
		const error = await expectError(await get("/products?city=boston"), 404, "city_not_served");
		expect(error.supported_cities).toContain("austin");
		await expectError(await get("/products"), 400, "invalid_request");
	});

	it("searches places by kind and words", async () => {
		const airports = await json<{
			places: { place_id: string; kind: string; airport_fee_cents: number | null }[];
		}>(await get("/places?city=new-york&kind=airport"));
		expectSchema(spec, "PlaceList", airports);
		expect(airports.places.map((p) => p.place_id).sort()).toEqual(["ewr", "jfk", "lga"]);
		expect(airports.places.every((p) => (p.airport_fee_cents ?? 0) > 0)).toBe(true);
		const station = await json<{ places: { place_id: string }[] }>(
			await get("/places?city=chicago&query=union%20station"),
		);
		expect(station.places.map((p) => p.place_id)).toEqual(["union-station-chicago"]);
		await expectError(await get("/places?city=chicago&kind=beach"), 400, "invalid_request");
	});
});

describe("ridenow estimate_fare (precheck)", () => {
	it("prices a trip from the city's rates: breakdown adds up to the total, in integer cents", async () => {
		const q = await estimate();
		expectSchema(spec, "FareEstimate", q);
		const rates = (await json<Products>(await get("/products?city=san-francisco"))).products.find(
			(p) => p.product_id === "comfort",
		)?.rates;
		const { fare, trip } = q;
		expect(fare.base_fare_cents).toBe(rates?.base_fare_cents);
		expect(fare.distance_cents).toBe(Math.round(trip.distance_miles * (rates?.per_mile_cents ?? 0)));
		expect(fare.time_cents).toBe(trip.duration_minutes * (rates?.per_minute_cents ?? 0));
		expect(fare.booking_fee_cents).toBe(rates?.booking_fee_cents);
		// The Ferry Building is not an airport; SFO charges its access fee.
		expect(fare.airport_fee_cents).toBe(550);
		expect(fare.tip_cents).toBe(300);
		const fareBeforeSurge = fare.base_fare_cents + fare.distance_cents + fare.time_cents;
		expect(fare.surge_cents).toBe(Math.round(fareBeforeSurge * (q.surge_multiplier - 1)));
		expect(fare.tax_cents).toBe(Math.round(((fareBeforeSurge + fare.surge_cents) * 3250) / 100_000));
		expect(fare.total_cents).toBe(sum(fare));
		for (const value of Object.values(fare)) expect(Number.isInteger(value)).toBe(true);
		expect(trip.distance_miles).toBeGreaterThan(10);
		expect(q.pickup).toMatchObject({ place_id: "ferry-building", name: "Ferry Building" });
		expect(q.cancellation_policy).toEqual({ grace_period_minutes: 2, cancellation_fee_cents: 600 });
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(5 * 60_000);
	});

	it("geocodes street addresses to the same point every time and charges the city's fees", async () => {
		const body = { city: "new-york", pickup: "350 5th Ave", dropoff: "Grand Central" };
		const first = await estimate(body);
		const again = await estimate(body);
		expect(first.pickup).toMatchObject({ place_id: null, address: "350 5th Ave, New York, NY" });
		expect(again.pickup).toEqual(first.pickup);
		expect(again.trip).toEqual(first.trip);
		expect(first.fare.city_fee_cents).toBe(275);
		expect(first.fare.airport_fee_cents).toBe(0);
		expect(first.product.product_id).toBe("standard");
	});

	it("raises short trips to the minimum fare", async () => {
		const q = await estimate({ city: "austin", pickup: "Sixth Street", dropoff: "Texas State Capitol" });
		const minimum =
			(await json<Products>(await get("/products?city=austin"))).products[0]?.rates.minimum_fare_cents ?? 0;
		expect(q.fare.minimum_fare_adjustment_cents).toBeGreaterThan(0);
		expect(
			q.fare.base_fare_cents +
				q.fare.distance_cents +
				q.fare.time_cents +
				q.fare.minimum_fare_adjustment_cents,
		).toBe(minimum);
	});

	it("refuses unknown places with suggestions, too many passengers and zero-length trips", async () => {
		const path = "/ridenow/fares/estimate";
		const unknown = await expectError(
			await call(path, { headers: AUTH, body: { ...TRIP, dropoff: "sfoo" } }),
			422,
			"unknown_location",
		);
		expect(unknown.message).toContain("sfo");
		expect(unknown.field).toBe("dropoff");
		await expectError(
			await call(path, { headers: AUTH, body: { ...TRIP, product: "standard", passengers: 5 } }),
			422,
			"too_many_passengers",
		);
		await expectError(
			await call(path, { headers: AUTH, body: { ...TRIP, dropoff: "ferry-building" } }),
			422,
			"trip_too_short",
		);
		await expectError(
			await call(path, { headers: AUTH, body: { ...TRIP, product: "helicopter" } }),
			400,
			"invalid_request",
		);
		await expectError(
			await call(path, { headers: AUTH, body: { ...TRIP, city: "boston" } }),
			404,
			"city_not_served",
		);
	});
});

describe("ridenow request_ride (purchase)", () => {
	it("requests the quoted ride, charges the upfront fare and tracks it by ride_id", async () => {
		const q = await estimate();
		const response = await requestRide({ ...TRIP, quote_id: q.quote_id });
		expect(response.status).toBe(201);
		expect(response.headers.get("idempotent-replayed")).toBeNull();
		const r = await json<Ride>(response);
		expectSchema(spec, "Ride", r);
		expect(r).toMatchObject({
			quote_id: q.quote_id,
			status: "driver_assigned",
			fare: q.fare,
			cancellation: null,
		});
		expect(r.ride_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(r.vehicle.license_plate).toMatch(/^\d[A-Z]{3}\d{3}$/);
		const tracked = await json<Ride>(await get(`/rides/${r.ride_id}`));
		expectSchema(spec, "Ride", tracked);
		expect(tracked).toMatchObject({ ride_id: r.ride_id, fare: q.fare, driver: r.driver, vehicle: r.vehicle });
	});

	it("returns the same ride for the same Idempotency-Key and never sends a second car", async () => {
		const q = await estimate();
		const key = crypto.randomUUID();
		const first = await json<Ride>(await requestRide({ ...TRIP, quote_id: q.quote_id }, key));
		const again = await requestRide({ ...TRIP, quote_id: q.quote_id }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await json<Ride>(again)).ride_id).toBe(first.ride_id);
		const second = await expectError(
			await requestRide({ ...TRIP, quote_id: q.quote_id }),
			409,
			"quote_already_used",
		);
		expect(second.order_uuid).toBe(first.ride_id);
		const other = await estimate({ ...TRIP, tip_cents: 0 });
		await expectError(
			await requestRide({ ...TRIP, tip_cents: 0, quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("refuses an expired fare with 409, and honours it until then", async () => {
		const q = await estimate();
		const error = await expectError(
			await requestRide({ ...TRIP, quote_id: q.quote_id }, undefined, minutes(5)),
			409,
			"quote_expired",
		);
		expect(error.expired_at).toBe(q.expires_at);
		expect((await requestRide({ ...TRIP, quote_id: q.quote_id }, undefined, "clock=299")).status).toBe(201);
	});

	it("refuses a trip that differs from the estimate with 409 total_mismatch, leaving the quote usable", async () => {
		const q = await estimate();
		const error = await expectError(
			await requestRide({ ...TRIP, dropoff: "oak", quote_id: q.quote_id }),
			409,
			"total_mismatch",
		);
		expect(error.quoted_total_cents).toBe(q.fare.total_cents);
		expect(error.total_cents).not.toBe(q.fare.total_cents);
		expect((await requestRide({ ...TRIP, quote_id: q.quote_id })).status).toBe(201);
	});

	it("needs an Idempotency-Key and a known quote", async () => {
		const q = await estimate();
		await expectError(
			await call("/ridenow/rides", { headers: AUTH, body: { ...TRIP, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await requestRide({ ...TRIP, quote_id: "fare_nope" }), 404, "quote_not_found");
		await expectError(await requestRide(TRIP), 400, "invalid_request");
	});

	it("reports a different charge under the amount-delta fault", async () => {
		const q = await estimate();
		const r = await json<Ride>(
			await requestRide({ ...TRIP, quote_id: q.quote_id }, undefined, "amount-delta=-250"),
		);
		expect(r.fare.total_cents).toBe(q.fare.total_cents - 250);
		expect(r.fare.adjustment_cents).toBe(-250);
	});
});

describe("ridenow ride tracking", () => {
	it("advances from driver assigned through arrived and in progress to completed", async () => {
		const r = await ride();
		const at = async (offset: number) => json<Ride>(await get(`/rides/${r.ride_id}`, minutes(offset)));
		const pickup = r.pickup_eta_minutes;
		const dropoff = pickup + 2 + r.trip.duration_minutes;
		expect(Date.parse(r.pickup_eta_at) - Date.parse(r.requested_at)).toBe(pickup * 60_000);
		expect(Date.parse(r.dropoff_eta_at) - Date.parse(r.requested_at)).toBe(dropoff * 60_000);
		expect(r.eta_minutes).toBe(pickup);

		expect((await at(pickup - 1)).status).toBe("driver_assigned");
		expect((await at(pickup + 1)).status).toBe("arrived");
		const onTrip = await at(pickup + 3);
		expect(onTrip.status).toBe("in_progress");
		expect(onTrip.eta_minutes).toBe(dropoff - (pickup + 3));
		const done = await at(dropoff + 1);
		expect(done.status).toBe("completed");
		expect(done.eta_minutes).toBe(0);
		expect(done.status_history.map((s) => s.status)).toEqual([
			"driver_assigned",
			"arrived",
			"in_progress",
			"completed",
		]);
	});

	it("answers 404 for an unknown ride", async () => {
		await expectError(await get(`/rides/${crypto.randomUUID()}`), 404, "ride_not_found");
		await expectError(await cancel(crypto.randomUUID()), 404, "ride_not_found");
	});
});

describe("ridenow cancel_ride", () => {
	it("is free within the 2-minute grace period and refunds the whole fare", async () => {
		const r = await ride();
		const response = await cancel(r.ride_id, minutes(1), { reason: "changed_plans" });
		expect(response.status).toBe(200);
		const cancelled = await json<Ride>(response);
		expectSchema(spec, "Ride", cancelled);
		expect(cancelled.status).toBe("cancelled");
		expect(cancelled.cancellation).toMatchObject({
			reason: "changed_plans",
			within_grace_period: true,
			cancellation_fee_cents: 0,
			refund_cents: r.fare.total_cents,
		});
		expect(cancelled.eta_minutes).toBe(0);
	});

	it("keeps the ride type's fee after the grace period, once, and the ride stays cancelled", async () => {
		const r = await ride();
		const late = await json<Ride>(await cancel(r.ride_id, minutes(3)));
		expect(late.cancellation).toMatchObject({
			reason: "other",
			within_grace_period: false,
			cancellation_fee_cents: 600,
			refund_cents: r.fare.total_cents - 600,
		});
		expect(late.status_history.map((s) => s.status)).toEqual(["driver_assigned", "cancelled"]);

		// Cancelling again changes nothing and says so.
		const again = await cancel(r.ride_id, minutes(1));
		expect(again.status).toBe(200);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await json<Ride>(again)).cancellation).toEqual(late.cancellation);

		// The cancellation is stored: later reads show it, and the ride never progresses.
		const later = await json<Ride>(await get(`/rides/${r.ride_id}`, minutes(120)));
		expect(later.status).toBe("cancelled");
		expect(later.cancellation).toEqual(late.cancellation);
	});

	it("charges a fee only once when two cancellations race", async () => {
		const r = await ride();
		const [a, b] = await Promise.all([cancel(r.ride_id, minutes(3)), cancel(r.ride_id, minutes(3))]);
		const bodies = [await json<Ride>(a), await json<Ride>(b)];
		expect(bodies[0]?.cancellation).toEqual(bodies[1]?.cancellation);
		const replayed = [a.headers.get("idempotent-replayed"), b.headers.get("idempotent-replayed")];
		expect(replayed.filter((h) => h === "true")).toHaveLength(1);
		expect(replayed).toContain(null);
	});

	it("refuses once the trip has started", async () => {
		const r = await ride();
		const error = await expectError(
			await cancel(r.ride_id, minutes(r.pickup_eta_minutes + 3)),
			409,
			"ride_not_cancellable",
		);
		expect(error.status).toBe("in_progress");
		expect((await json<Ride>(await get(`/rides/${r.ride_id}`))).cancellation).toBeNull();
		await expectError(await cancel(r.ride_id, undefined, { reason: "bored" }), 400, "invalid_request");
	});
});

describe("ridenow faults", () => {
	it("injects faults on ridenow routes by header and by path prefix", async () => {
		await expectError(await get("/products?city=austin", "status=503"), 503, "service_unavailable");
		const padded = await call("/_fault/large=5000/ridenow/cities", { headers: AUTH });
		expect((await padded.text()).length).toBe(5000);
		const broken = await get("/cities", "malformed");
		await expect(broken.clone().json()).rejects.toThrow();
	});
});
