import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, json, providerService } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

interface EventSummary {
	event_id: string;
	category: string;
	venue: { city: string };
	status: string;
}
interface Section {
	section_id: string;
	face_value_cents: number;
	available: number;
}
interface EventDetail extends EventSummary {
	sections: Section[];
	admission_tax_percent: number;
}
interface Pricing {
	face_value_cents: number;
	service_fee_cents: number;
	facility_fee_cents: number;
	delivery_fee_cents: number;
	tax_cents: number;
	total_cents: number;
}
interface Quote {
	quote_id: string;
	pricing: Pricing;
}
interface Order {
	order_id: string;
	status: string;
	tickets: { barcode: string }[];
	pricing: Pricing;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const BUYER = { name: "Ada Lovelace", email: "ada@example.com" };

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("tixhub");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

describe("tixhub through the gateway", () => {
	it("is listed as an event-tickets service with its six tools and custom upstream auth", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/tixhub"));
		expect(body.service).toMatchObject({ category: "event-tickets", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"get_event",
			"get_order",
			"get_seat_quote",
			"list_venues",
			"purchase_tickets",
			"search_events",
		]);
		expect(providerService("tixhub").auth).toEqual({
			scheme: "custom",
			in: "header",
			name: "X-Tixhub-Signature",
			prefix: "key=",
		});
	});

	it("lists venues and events with the signature header injected as key=<key>", async () => {
		const venues = await execute<{ venues: { venue_id: string; city: string }[] }>("list_venues", {
			city: "austin",
		});
		expect(venues.venues.map((v) => v.venue_id)).toEqual([
			"capital-city-arena",
			"congress-avenue-theatre",
			"red-river-hall",
		]);
		const events = await execute<{ events: EventSummary[]; total: number }>("search_events", {
			city: "nashville",
			category: "concert",
			start_date: day(7),
			end_date: day(21),
		});
		expect(events.total).toBeGreaterThan(0);
		expect(events.events.every((e) => e.category === "concert" && e.venue.city === "nashville")).toBe(true);
	});

	it("passes the seller's refusals through as problems", async () => {
		const problem = await expectProblem(
			await call("/v1/services/tixhub/tools/get_event", {
				key: shop.key,
				body: { parameters: { event_id: "nowhere-2030-01-01-2000" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(problem.upstream_message).toContain("No event");
	});

	it("quotes seats and buys them through the gateway for exactly the seller's total", async () => {
		const events = await execute<{ events: EventSummary[] }>("search_events", {
			city: "chicago",
			start_date: day(14),
			end_date: day(30),
			limit: 50,
		});
		let pick: { event: EventDetail; section: Section } | undefined;
		for (const summary of events.events) {
			const event = await execute<EventDetail>("get_event", { event_id: summary.event_id });
			const section = event.sections.find((s) => s.available >= 2);
			if (section) {
				pick = { event, section };
				break;
			}
		}
		if (!pick) throw new Error("no Chicago event with two seats");
		const { quote, result: order } = await shop.buy<Quote, Order>("purchase_tickets", {
			event_id: pick.event.event_id,
			section_id: pick.section.section_id,
			quantity: 2,
			delivery_method: "mobile",
			buyer: BUYER,
		});
		const { pricing } = quote.details;
		const { total_cents: total, ...parts } = pricing;
		expect(quote.amount_cents).toBe(total);
		expect(total).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(pricing.face_value_cents).toBe(2 * pick.section.face_value_cents);
		expect(pricing.tax_cents).toBe(Math.round(pricing.face_value_cents * 0.09));
		expect(order).toMatchObject({ status: "confirmed", pricing });
		expect(order.tickets).toHaveLength(2);

		const fetched = await execute<Order>("get_order", { order_id: order.order_id });
		expect(fetched).toMatchObject({ order_id: order.order_id, status: "confirmed" });
		expect(fetched.tickets.map((t) => t.barcode)).toEqual(order.tickets.map((t) => t.barcode));
		await shop.expectBooksBalance();
	});
});
