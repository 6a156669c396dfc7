import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

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
	guest: { name: string; phone?: string };
	deposit: Deposit;
	cancellation: { refund_percent: number; refund_cents: number; kept_cents: number } | null;
}

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("tablebook");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

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
				key: shop.key,
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

	it("quotes a deposit and books the table through the gateway for exactly the merchant's total", async () => {
		const table = await openTable("salish-sea-oyster-house-sea");
		const { quote, result: reservation } = await shop.buy<Quote, Reservation>("book_reservation", {
			restaurant_id: "salish-sea-oyster-house-sea",
			...table,
			party_size: 2,
			guest: { name: "Grace Hopper", email: "grace@example.com", phone: "+1 206 555 0100" },
			occasion: "birthday",
		});
		const { deposit } = quote.details;
		expect(quote.amount_cents).toBe(deposit.total_cents);
		expect(quote.amount_cents).toBe(deposit.deposit_cents + deposit.booking_fee_cents);
		// Personal data the merchant echoes is redacted on its way to the model.
		expect(quote.details.guest.phone).toBe("***REDACTED***");
		expect(reservation.guest).toMatchObject({ name: "Grace Hopper", phone: "***REDACTED***" });
		expect(reservation).toMatchObject({ status: "confirmed", deposit });

		const found = await execute<Reservation>("get_reservation", {
			reservation_id: reservation.reservation_id,
		});
		expect(found).toMatchObject({ status: "confirmed", deposit, cancellation: null });
		// A week ahead is before every refund deadline: the whole deposit comes back, the booking fee does not.
		const cancelled = await execute<Reservation>("cancel_reservation", {
			reservation_id: reservation.reservation_id,
			reason: "change_of_plans",
		});
		expect(cancelled.status).toBe("cancelled");
		expect(cancelled.cancellation).toEqual(
			expect.objectContaining({
				refund_percent: 100,
				refund_cents: deposit.deposit_cents,
				kept_cents: deposit.booking_fee_cents,
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
		await shop.expectBooksBalance();
	});
});
