import { beforeAll, describe, expect, it } from "vitest";
import { readAmountCents, readTransactionId } from "../../../../packages/core/src/purchase.ts";
import type { CompiledTool } from "../../../../packages/core/src/registry/types.ts";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// The gateway sends PROVIDER_RIDENOW_API_KEY as a bearer token; the same value reaches the sandbox directly.
const UPSTREAM_AUTH = { authorization: "Bearer test-ridenow-key" };

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

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

function tool(name: string): CompiledTool {
	const found = providerService("ridenow").tools.find((t) => t.name === name);
	if (!found) throw new Error(`ridenow has no tool ${name}`);
	return found;
}

async function execute<T>(name: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/ridenow/tools/${name}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "ridenow", tool: name });
	return body.result;
}

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
		expect(tool("cancel_ride").auth_level).toBe("authenticated");
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
				key,
				body: { parameters: { ...TRIP, product: "standard" } },
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("seats 4");
	});

	it("quotes a fare whose amount is the merchant's total; the ride is charged exactly that", async () => {
		const estimate = await execute<Estimate>("estimate_fare", TRIP);
		const precheck = tool("estimate_fare").purchase;
		if (precheck?.kind !== "precheck") throw new Error("estimate_fare is not a precheck");
		const amount = readAmountCents(estimate, precheck.amount_path);
		const { total_cents: total, ...parts } = estimate.fare;
		expect(amount).toBe(total);
		expect(amount).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(estimate.fare.airport_fee_cents).toBe(400);
		expect(estimate.trip.distance_miles).toBeGreaterThan(10);

		// Purchases are refused by the gateway until the money layer lands.
		const purchaseTool = tool("request_ride");
		const purchase = purchaseTool.purchase;
		if (purchase?.kind !== "purchase") throw new Error("request_ride is not a purchase");
		expect(purchase.precheck).toBe("estimate_fare");
		await expectProblem(
			await call("/v1/services/ridenow/tools/request_ride", {
				key,
				body: { parameters: { ...TRIP, quote_id: estimate.quote_id, "Idempotency-Key": "k-1" } },
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);

		// The purchase itself, as the money layer will make it: the quote's parameters plus its quote_id.
		const response = await fetch(`${sandboxOrigin()}/ridenow/rides`, {
			method: "POST",
			headers: {
				...UPSTREAM_AUTH,
				"content-type": "application/json",
				"idempotency-key": crypto.randomUUID(),
			},
			body: JSON.stringify({ ...TRIP, quote_id: estimate.quote_id }),
		});
		expect(response.status).toBe(201);
		const ride = await json<Ride>(response);
		expect(readAmountCents(ride, purchase.amount_path)).toBe(amount);
		expect(readTransactionId(ride, purchase.transaction_id_path)).toBe(ride.ride_id);

		// Tracking and cancelling the ride go through the gateway again.
		const tracked = await execute<Ride>("get_ride", { ride_id: ride.ride_id });
		expect(tracked).toMatchObject({ ride_id: ride.ride_id, status: "driver_assigned", cancellation: null });
		const cancelled = await execute<Ride>("cancel_ride", { ride_id: ride.ride_id, reason: "changed_plans" });
		expect(cancelled.status).toBe("cancelled");
		expect(cancelled.cancellation).toMatchObject({ cancellation_fee_cents: 0, refund_cents: amount });
		expect((await execute<Ride>("get_ride", { ride_id: ride.ride_id })).status).toBe("cancelled");
	});

	it("cancels without a body, and needs an authenticated key to do so", async () => {
		const estimate = await execute<Estimate>("estimate_fare", { ...TRIP, product: "black", passengers: 1 });
		const response = await fetch(`${sandboxOrigin()}/ridenow/rides`, {
			method: "POST",
			headers: {
				...UPSTREAM_AUTH,
				"content-type": "application/json",
				"idempotency-key": crypto.randomUUID(),
			},
			body: JSON.stringify({ ...TRIP, product: "black", passengers: 1, quote_id: estimate.quote_id }),
		});
		const ride = await json<Ride>(response);
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
		expect(cancelled.cancellation?.refund_cents).toBe(estimate.fare.total_cents);
	});
});
