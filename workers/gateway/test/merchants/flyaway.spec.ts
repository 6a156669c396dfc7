import { beforeAll, describe, expect, it } from "vitest";
import { readAmountCents, readTransactionId } from "../../../../packages/core/src/purchase.ts";
import type { CompiledTool } from "../../../../packages/core/src/registry/types.ts";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// The gateway puts PROVIDER_FLYAWAY_API_KEY in the api_key query parameter; the direct booking does the same.
const UPSTREAM_QUERY = "api_key=test-flyaway-key";

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

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

function tool(name: string): CompiledTool {
	const found = providerService("flyaway").tools.find((t) => t.name === name);
	if (!found) throw new Error(`flyaway has no tool ${name}`);
	return found;
}

async function execute<T>(name: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/flyaway/tools/${name}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "flyaway", tool: name });
	return body.result;
}

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
			key,
			body: { parameters: { origin: "SFO", destination: "JFK", date: day(50), adults: 1, infants: 2 } },
		});
		const problem = await expectProblem(response, 422, "VALIDATION_FAILED");
		expect(problem.upstream_message).toContain("lap infant");
		expect(JSON.stringify(problem)).not.toContain("test-flyaway-key");
	});

	it("quotes a fare whose amount is the airline's total; the booking is charged exactly that", async () => {
		const found = await execute<{ offers: Offer[] }>("search_flights", {
			origin: "SFO",
			destination: "LHR",
			date: day(50),
			adults: 1,
			children: 1,
		});
		const offer = found.offers.find((o) => o.seats_left >= 2);
		if (!offer) throw new Error("no SFO-LHR offer with two seats");
		const request = { offer_id: offer.offer_id, cabin: "economy", passengers: PASSENGERS };
		const quote = await execute<Quote>("get_fare_quote", request);
		const precheck = tool("get_fare_quote").purchase;
		if (precheck?.kind !== "precheck") throw new Error("get_fare_quote is not a precheck");
		const amount = readAmountCents(quote, precheck.amount_path);
		expect(amount).toBe(quote.price.base_fare_cents + quote.price.taxes_cents + quote.price.fees_cents);
		expect(amount).toBe(offer.price.total_cents);
		expect(quote.passengers.map((p) => p.type)).toEqual(["adult", "child"]);

		const purchase = tool("book_flight").purchase;
		if (purchase?.kind !== "purchase") throw new Error("book_flight is not a purchase");
		expect(purchase.precheck).toBe("get_fare_quote");
		await expectProblem(
			await call("/v1/services/flyaway/tools/book_flight", {
				key,
				body: {
					parameters: {
						...request,
						quote_id: quote.quote_id,
						contact: { email: "ada@example.com" },
						"Idempotency-Key": "k-1",
					},
				},
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);

		// The purchase itself, as the money layer will make it: the quote's parameters plus its quote_id.
		const response = await fetch(`${sandboxOrigin()}/flyaway/bookings?${UPSTREAM_QUERY}`, {
			method: "POST",
			headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
			body: JSON.stringify({ ...request, quote_id: quote.quote_id, contact: { email: "ada@example.com" } }),
		});
		expect(response.status).toBe(201);
		const booking = await json<Booking>(response);
		expect(readAmountCents(booking, purchase.amount_path)).toBe(amount);
		expect(readTransactionId(booking, purchase.transaction_id_path)).toBe(booking.pnr);

		const fetched = await execute<Booking>("get_booking", { pnr: booking.pnr });
		expect(fetched).toMatchObject({ pnr: booking.pnr, status: "ticketed", price: booking.price });
		expect(fetched.passengers).toHaveLength(2);
	});
});
