import { beforeAll, describe, expect, it } from "vitest";
import { readAmountCents, readTransactionId } from "../../../../packages/core/src/purchase.ts";
import type { CompiledTool } from "../../../../packages/core/src/registry/types.ts";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// What the gateway injects from PROVIDER_TABLEBOOK_API_KEY; used for the direct purchase call.
const UPSTREAM_KEY = { "x-tablebook-key": "test-tablebook-key" };

interface Deposit {
	deposit_cents: number;
	booking_fee_cents: number;
	total_cents: number;
}
interface Quote {
	quote_id: string;
	deposit: Deposit;
	guest: { name: string; email: string; phone?: string };
}
interface Reservation {
	reservation_id: string;
	status: string;
	deposit: Deposit;
	cancellation: { refund_percent: number; refund_cents: number; kept_cents: number } | null;
}

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

function tool(name: string): CompiledTool {
	const found = providerService("tablebook").tools.find((t) => t.name === name);
	if (!found) throw new Error(`tablebook has no tool ${name}`);
	return found;
}

async function execute<T>(name: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/tablebook/tools/${name}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "tablebook", tool: name });
	return body.result;
}

/** The first open table for two at a restaurant, a week or more ahead, found through the gateway. */
async function openTable(restaurantId: string): Promise<{ date: string; time: string }> {
	const { time_zone } = await execute<{ time_zone: string }>("get_restaurant", {
		restaurant_id: restaurantId,
	});
	for (let days = 7; days < 28; days++) {
		const date = new Intl.DateTimeFormat("en-CA", { timeZone: time_zone }).format(
			Date.now() + days * 86_400_000,
		);
		const day = await execute<{ slots: { time: string }[] }>("get_availability", {
			restaurant_id: restaurantId,
			date,
			party_size: 2,
		});
		const slot = day.slots[0];
		if (slot) return { date, time: slot.time };
	}
	throw new Error(`no open table at ${restaurantId}`);
}

describe("tablebook through the gateway", () => {
	it("is listed as a restaurant-reservations service with its eight tools", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/tablebook"));
		expect(body.service).toMatchObject({ category: "restaurant-reservations", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"book_reservation",
			"cancel_reservation",
			"get_availability",
			"get_reservation",
			"get_restaurant",
			"list_cities",
			"quote_reservation",
			"search_restaurants",
		]);
	});

	it("finds restaurants and their open tables with the provider key injected", async () => {
		const cities = await execute<{ cities: { city: string; restaurant_count: number }[] }>("list_cities", {});
		expect(cities.cities.find((c) => c.city === "chicago")?.restaurant_count).toBe(8);
		const found = await execute<{ restaurants: { restaurant_id: string; cuisine: string }[] }>(
			"search_restaurants",
			{ city: "chicago", cuisine: "steakhouse" },
		);
		expect(found.restaurants.map((r) => r.restaurant_id)).toEqual(["prairie-chophouse-chi"]);
		const restaurant = await execute<{ name: string; booking_fee_cents: number }>("get_restaurant", {
			restaurant_id: "prairie-chophouse-chi",
		});
		expect(restaurant).toMatchObject({ name: "Prairie Chophouse", booking_fee_cents: 300 });
		const table = await openTable("prairie-chophouse-chi");
		expect(table.time).toMatch(/^\d{2}:(00|30)$/);
	});

	it("passes the merchant's refusals through as problems with its message", async () => {
		const problem = await expectProblem(
			await call("/v1/services/tablebook/tools/quote_reservation", {
				key,
				body: {
					parameters: {
						restaurant_id: "prairie-chophouse-chi",
						date: "2020-01-03",
						time: "19:00",
						party_size: 2,
						guest: { name: "Ada", email: "ada@example.com" },
					},
				},
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("Tables can be booked from today");
	});

	it("quotes a deposit whose amount is the merchant's total; booking charges exactly that", async () => {
		const table = await openTable("salish-sea-oyster-house-sea");
		const parameters = {
			restaurant_id: "salish-sea-oyster-house-sea",
			...table,
			party_size: 2,
			guest: { name: "Grace Hopper", email: "grace@example.com", phone: "+1 206 555 0100" },
			occasion: "birthday",
		};
		const quote = await execute<Quote>("quote_reservation", parameters);
		const precheck = tool("quote_reservation").purchase;
		if (precheck?.kind !== "precheck") throw new Error("quote_reservation is not a precheck");
		const amount = readAmountCents(quote, precheck.amount_path);
		expect(amount).toBe(quote.deposit.total_cents);
		expect(amount).toBe(quote.deposit.deposit_cents + quote.deposit.booking_fee_cents);
		// Personal data the merchant echoes is redacted on its way to the model.
		expect(quote.guest.phone).toBe("***REDACTED***");

		const purchase = tool("book_reservation").purchase;
		if (purchase?.kind !== "purchase") throw new Error("book_reservation is not a purchase");
		expect(purchase.precheck).toBe("quote_reservation");
		await expectProblem(
			await call("/v1/services/tablebook/tools/book_reservation", {
				key,
				body: { parameters: { ...parameters, quote_id: quote.quote_id, "Idempotency-Key": "k-1" } },
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);

		const response = await fetch(`${sandboxOrigin()}/tablebook/reservations`, {
			method: "POST",
			headers: {
				...UPSTREAM_KEY,
				"content-type": "application/json",
				"idempotency-key": crypto.randomUUID(),
			},
			body: JSON.stringify({ ...parameters, quote_id: quote.quote_id }),
		});
		expect(response.status).toBe(201);
		const reservation = await json<Reservation>(response);
		expect(readAmountCents(reservation, purchase.amount_path)).toBe(amount);
		expect(readTransactionId(reservation, purchase.transaction_id_path)).toBe(reservation.reservation_id);

		const found = await execute<Reservation>("get_reservation", {
			reservation_id: reservation.reservation_id,
		});
		expect(found).toMatchObject({ status: "confirmed", deposit: quote.deposit, cancellation: null });
		// A week ahead is before every refund deadline: the whole deposit comes back, the booking fee does not.
		const cancelled = await execute<Reservation>("cancel_reservation", {
			reservation_id: reservation.reservation_id,
			reason: "change_of_plans",
		});
		expect(cancelled.status).toBe("cancelled");
		expect(cancelled.cancellation).toEqual(
			expect.objectContaining({
				refund_percent: 100,
				refund_cents: quote.deposit.deposit_cents,
				kept_cents: quote.deposit.booking_fee_cents,
			}),
		);
		const identified = await createKey("identified");
		await expectProblem(
			await call("/v1/services/tablebook/tools/cancel_reservation", {
				key: identified.key,
				body: { parameters: { reservation_id: reservation.reservation_id } },
			}),
			403,
			"FORBIDDEN",
		);
	});
});
