import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, json, providerService } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

interface Offer {
	offer_id: string;
	stops: number;
	seats_left: number;
	segments: { flight_number: string; airline: { code: string } }[];
	price: { total_cents: number; per_adult_cents: number };
}
interface Price {
	base_fare_cents: number;
	taxes_cents: number;
	fees_cents: number;
	total_cents: number;
}
interface Quote {
	quote_id: string;
	passengers: { type: string; total_cents: number }[];
	price: Price;
}
interface Booking {
	pnr: string;
	status: string;
	price: Price;
	passengers: { ticket_number: string }[];
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const PASSENGERS = [
	{ first_name: "Ada", last_name: "Lovelace", date_of_birth: "1985-12-10" },
	{ first_name: "Byron", last_name: "Lovelace", date_of_birth: "2018-05-01" },
];

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("flyaway");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

describe("flyaway through the gateway", () => {
	it("is listed as a flights service with its five tools and a query-string upstream key", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/flyaway"));
		expect(body.service).toMatchObject({ category: "flights", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"book_flight",
			"get_booking",
			"get_fare_quote",
			"list_airports",
			"search_flights",
		]);
		expect(providerService("flyaway").auth).toEqual({ scheme: "apiKey", in: "query", name: "api_key" });
	});

	it("lists airports and searches flights with the key injected into the query", async () => {
		const airports = await execute<{ airports: { iata: string }[] }>("list_airports", { query: "london" });
		expect(airports.airports.map((a) => a.iata)).toEqual(["LHR"]);
		const found = await execute<{ offers: Offer[]; total: number }>("search_flights", {
			origin: "BOS",
			destination: "LHR",
			date: day(50),
			adults: 1,
			children: 1,
			max_stops: 0,
		});
		expect(found.total).toBeGreaterThan(0);
		expect(found.offers.every((o) => o.stops === 0)).toBe(true);
	});

	it("passes the airline's refusals through as problems, and never echoes the upstream key", async () => {
		const response = await call("/v1/services/flyaway/tools/search_flights", {
			key: shop.key,
			body: { parameters: { origin: "SFO", destination: "JFK", date: day(50), adults: 1, infants: 2 } },
		});
		const problem = await expectProblem(response, 422, "VALIDATION_FAILED");
		expect(problem.upstream_message).toContain("lap infant");
		expect(JSON.stringify(problem)).not.toContain("test-flyaway-key");
	});

	it("quotes a fare and books it through the gateway for exactly the airline's total", async () => {
		const found = await execute<{ offers: Offer[] }>("search_flights", {
			origin: "SFO",
			destination: "LHR",
			date: day(50),
			adults: 1,
			children: 1,
		});
		const offer = found.offers.find((o) => o.seats_left >= 2);
		if (!offer) throw new Error("no SFO-LHR offer with two seats");
		const { quote, result: booking } = await shop.buy<Quote, Booking>("book_flight", {
			offer_id: offer.offer_id,
			cabin: "economy",
			passengers: PASSENGERS,
			contact: { email: "ada@example.com" },
		});
		const { price } = quote.details;
		expect(quote.amount_cents).toBe(price.base_fare_cents + price.taxes_cents + price.fees_cents);
		expect(quote.amount_cents).toBe(offer.price.total_cents);
		expect(quote.details.passengers.map((p) => p.type)).toEqual(["adult", "child"]);
		expect(booking).toMatchObject({ status: "ticketed", price });
		expect(booking.passengers).toHaveLength(2);

		const fetched = await execute<Booking>("get_booking", { pnr: booking.pnr });
		expect(fetched).toMatchObject({ pnr: booking.pnr, status: "ticketed", price: booking.price });
		expect(fetched.passengers.map((p) => p.ticket_number)).toEqual(
			booking.passengers.map((p) => p.ticket_number),
		);
		await shop.expectBooksBalance();
	});
});
