import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, json } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

interface Offer {
	room_type_id: string;
	nights: number;
	average_nightly_cents: number;
	total_cents: number;
}
interface Hit {
	hotel_id: string;
	city: string;
	stars: number;
	price: Offer | null;
}
interface HotelDetail {
	hotel_id: string;
	room_types: { room_type_id: string; rates: (Offer & { rate_plan: string; available: boolean })[] | null }[];
}
interface Pricing {
	room_subtotal_cents: number;
	resort_fee_cents: number;
	taxes_cents: number;
	total_cents: number;
}
interface Quote {
	quote_id: string;
	nightly_rates: { date: string; rate_cents: number }[];
	pricing: Pricing;
}
interface Booking {
	confirmation_number: string;
	status: string;
	pricing: Pricing;
	cancellation: { penalty_cents: number; refund_cents: number } | null;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const GUEST = { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com" };

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("staywell");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

describe("staywell through the gateway", () => {
	it("is listed as a lodging service with its seven tools", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/staywell"));
		expect(body.service).toMatchObject({ category: "lodging", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"book_room",
			"cancel_booking",
			"get_booking",
			"get_hotel",
			"get_rate_quote",
			"list_destinations",
			"search_hotels",
		]);
		expect(shop.tool("cancel_booking").auth_level).toBe("authenticated");
	});

	it("lists destinations and searches hotels with the provider's X-StayWell-Key injected", async () => {
		const cities = await execute<{ cities: { city: string }[] }>("list_destinations", {});
		expect(cities.cities.map((c) => c.city)).toContain("honolulu");
		const found = await execute<{ hotels: Hit[]; total: number }>("search_hotels", {
			city: "Honolulu",
			check_in: day(30),
			check_out: day(33),
			guests: 2,
			min_stars: 3,
			sort: "price",
		});
		expect(found.total).toBeGreaterThan(0);
		for (const hotel of found.hotels) {
			expect(hotel).toMatchObject({ city: "honolulu", price: { nights: 3 } });
			expect(hotel.stars).toBeGreaterThanOrEqual(3);
		}
	});

	it("passes the hotel's refusals through as problems", async () => {
		const problem = await expectProblem(
			await call("/v1/services/staywell/tools/search_hotels", {
				key: shop.key,
				body: { parameters: { city: "atlantis" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(problem.upstream_message).toContain("no hotels");
	});

	it("quotes a stay and books it through the gateway for exactly the hotel's total; it cancels for free", async () => {
		// A room free on every night, found through the gateway.
		let stay: Record<string, unknown> | undefined;
		const search = await execute<{ hotels: Hit[] }>("search_hotels", {
			city: "chicago",
			check_in: day(40),
			check_out: day(42),
		});
		for (const hit of search.hotels) {
			const hotel = await execute<HotelDetail>("get_hotel", {
				hotel_id: hit.hotel_id,
				check_in: day(40),
				check_out: day(42),
			});
			const room = hotel.room_types.find((r) => r.rates?.[0]?.available);
			if (room) {
				stay = {
					hotel_id: hotel.hotel_id,
					room_type_id: room.room_type_id,
					check_in: day(40),
					check_out: day(42),
					guests: 2,
				};
				break;
			}
		}
		if (!stay) throw new Error("no Chicago room for two nights");

		const { quote, result: booking } = await shop.buy<Quote, Booking>("book_room", { ...stay, guest: GUEST });
		const { pricing } = quote.details;
		expect(quote.amount_cents).toBe(pricing.total_cents);
		expect(quote.amount_cents).toBe(
			pricing.room_subtotal_cents + pricing.resort_fee_cents + pricing.taxes_cents,
		);
		expect(quote.details.nightly_rates).toHaveLength(2);
		expect(booking).toMatchObject({ status: "confirmed", pricing, cancellation: null });

		const fetched = await execute<Booking>("get_booking", {
			confirmation_number: booking.confirmation_number,
		});
		expect(fetched).toMatchObject({ confirmation_number: booking.confirmation_number, status: "confirmed" });
		const cancelled = await execute<Booking>("cancel_booking", {
			confirmation_number: booking.confirmation_number,
		});
		expect(cancelled).toMatchObject({
			status: "cancelled",
			cancellation: { penalty_cents: 0, refund_cents: quote.amount_cents },
		});
		await expectProblem(
			await call("/v1/services/staywell/tools/cancel_booking", {
				key: shop.key,
				body: { parameters: { confirmation_number: booking.confirmation_number } },
			}),
			409,
			"CONFLICT",
		);
		await shop.expectBooksBalance();
	});
});
