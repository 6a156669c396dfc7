import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

interface Fare {
	total_cents: number;
	[part: string]: number;
}
interface Estimate {
	quote_id: string;
	fare: Fare;
	trip: { distance_miles: number };
	pickup: { place_id: string | null };
}
interface Ride {
	ride_id: string;
	status: string;
	fare: Fare;
	cancellation: { cancellation_fee_cents: number; refund_cents: number } | null;
}

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("ridenow");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

const TRIP = { city: "seattle", pickup: "Pike Place Market", dropoff: "sea", product: "xl", passengers: 5 };

describe("ridenow through the gateway", () => {
	it("is listed as a rideshare service with its seven tools", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/ridenow"));
		expect(body.service).toMatchObject({ category: "rideshare", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"cancel_ride",
			"estimate_fare",
			"get_ride",
			"list_cities",
			"list_products",
			"request_ride",
			"search_places",
		]);
		expect(shop.tool("cancel_ride").auth_level).toBe("authenticated");
	});

	it("lists cities, ride types and places with the provider's bearer token injected", async () => {
		const cities = await execute<{ cities: { city: string }[] }>("list_cities", {});
		expect(cities.cities.map((c) => c.city)).toContain("seattle");
		const products = await execute<{ products: { product_id: string; seats: number }[] }>("list_products", {
			city: "Seattle",
		});
		expect(products.products.find((p) => p.product_id === "xl")?.seats).toBe(6);
		const places = await execute<{ places: { place_id: string }[] }>("search_places", {
			city: "seattle",
			kind: "airport",
		});
		expect(places.places.map((p) => p.place_id)).toEqual(["sea"]);
	});

	it("passes the merchant's refusals through as problems", async () => {
		const problem = await expectProblem(
			await call("/v1/services/ridenow/tools/estimate_fare", {
				key: shop.key,
				body: { parameters: { ...TRIP, product: "standard" } },
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("seats 4");
	});

	it("quotes a fare and buys the ride through the gateway for exactly the merchant's total", async () => {
		const { quote, result: ride } = await shop.buy<Estimate, Ride>("request_ride", TRIP);
		const { total_cents: total, ...parts } = quote.details.fare;
		expect(quote.amount_cents).toBe(total);
		expect(total).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(quote.details.fare.airport_fee_cents).toBe(400);
		expect(quote.details.trip.distance_miles).toBeGreaterThan(10);
		expect(ride.fare).toEqual(quote.details.fare);

		// Tracking and cancelling the ride go through the gateway too.
		const tracked = await execute<Ride>("get_ride", { ride_id: ride.ride_id });
		expect(tracked).toMatchObject({ ride_id: ride.ride_id, status: "driver_assigned", cancellation: null });
		const cancelled = await execute<Ride>("cancel_ride", { ride_id: ride.ride_id, reason: "changed_plans" });
		expect(cancelled.status).toBe("cancelled");
		expect(cancelled.cancellation).toMatchObject({ cancellation_fee_cents: 0, refund_cents: total });
		expect((await execute<Ride>("get_ride", { ride_id: ride.ride_id })).status).toBe("cancelled");
		await shop.expectBooksBalance();
	});

	it("cancels without a body, and needs an authenticated key to do so", async () => {
		const { quote, result: ride } = await shop.buy<Estimate, Ride>("request_ride", {
			...TRIP,
			product: "black",
			passengers: 1,
		});
		const identified = await createKey("identified");
		await expectProblem(
			await call("/v1/services/ridenow/tools/cancel_ride", {
				key: identified.key,
				body: { parameters: { ride_id: ride.ride_id } },
			}),
			403,
			"FORBIDDEN",
		);
		const cancelled = await execute<Ride>("cancel_ride", { ride_id: ride.ride_id });
		expect(cancelled.cancellation?.refund_cents).toBe(quote.amount_cents);
	});
});
