import { beforeAll, describe, expect, it } from "vitest";
import { readAmountCents, readTransactionId } from "../../../../packages/core/src/purchase.ts";
import type { CompiledTool } from "../../../../packages/core/src/registry/types.ts";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// What the gateway injects from PROVIDER_STAYWELL_API_KEY; used for the direct booking call.
const UPSTREAM_KEY = { "x-staywell-key": "test-staywell-key" };

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

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

function tool(name: string): CompiledTool {
	const found = providerService("staywell").tools.find((t) => t.name === name);
	if (!found) throw new Error(`staywell has no tool ${name}`);
	return found;
}

async function execute<T>(name: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/staywell/tools/${name}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "staywell", tool: name });
	return body.result;
}

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
		expect(tool("cancel_booking").auth_level).toBe("authenticated");
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
				key,
				body: { parameters: { city: "atlantis" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(problem.upstream_message).toContain("no hotels");
	});

	it("quotes a stay whose amount is the hotel's total; the booking is charged that and cancels for free", async () => {
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

		const quote = await execute<Quote>("get_rate_quote", stay);
		const precheck = tool("get_rate_quote").purchase;
		if (precheck?.kind !== "precheck") throw new Error("get_rate_quote is not a precheck");
		const amount = readAmountCents(quote, precheck.amount_path);
		const { pricing } = quote;
		expect(amount).toBe(pricing.total_cents);
		expect(amount).toBe(pricing.room_subtotal_cents + pricing.resort_fee_cents + pricing.taxes_cents);
		expect(quote.nightly_rates).toHaveLength(2);

		const purchase = tool("book_room").purchase;
		if (purchase?.kind !== "purchase") throw new Error("book_room is not a purchase");
		expect(purchase.precheck).toBe("get_rate_quote");
		await expectProblem(
			await call("/v1/services/staywell/tools/book_room", {
				key,
				body: { parameters: { ...stay, quote_id: quote.quote_id, guest: GUEST, "Idempotency-Key": "k-1" } },
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);

		// The purchase itself, as the money layer will make it: the quote's parameters plus its quote_id.
		const response = await fetch(`${sandboxOrigin()}/staywell/bookings`, {
			method: "POST",
			headers: {
				...UPSTREAM_KEY,
				"content-type": "application/json",
				"idempotency-key": crypto.randomUUID(),
			},
			body: JSON.stringify({ ...stay, quote_id: quote.quote_id, guest: GUEST }),
		});
		expect(response.status).toBe(201);
		const booking = await json<Booking>(response);
		expect(readAmountCents(booking, purchase.amount_path)).toBe(amount);
		expect(readTransactionId(booking, purchase.transaction_id_path)).toBe(booking.confirmation_number);

		const fetched = await execute<Booking>("get_booking", {
			confirmation_number: booking.confirmation_number,
		});
		expect(fetched).toMatchObject({ confirmation_number: booking.confirmation_number, status: "confirmed" });
		const cancelled = await execute<Booking>("cancel_booking", {
			confirmation_number: booking.confirmation_number,
		});
		expect(cancelled).toMatchObject({
			status: "cancelled",
			cancellation: { penalty_cents: 0, refund_cents: amount },
		});
		await expectProblem(
			await call("/v1/services/staywell/tools/cancel_booking", {
				key,
				body: { parameters: { confirmation_number: booking.confirmation_number } },
			}),
			409,
			"CONFLICT",
		);
	});
});
