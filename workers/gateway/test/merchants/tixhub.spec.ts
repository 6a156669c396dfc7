import { beforeAll, describe, expect, it } from "vitest";
import { readAmountCents, readTransactionId } from "../../../../packages/core/src/purchase.ts";
import type { CompiledTool } from "../../../../packages/core/src/registry/types.ts";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// The gateway sends PROVIDER_TIXHUB_API_KEY as `X-Tixhub-Signature: key=<key>` (custom auth with a prefix).
const UPSTREAM_AUTH = { "x-tixhub-signature": "key=test-tixhub-key" };

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

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

function tool(name: string): CompiledTool {
	const found = providerService("tixhub").tools.find((t) => t.name === name);
	if (!found) throw new Error(`tixhub has no tool ${name}`);
	return found;
}

async function execute<T>(name: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/tixhub/tools/${name}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "tixhub", tool: name });
	return body.result;
}

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
				key,
				body: { parameters: { event_id: "nowhere-2030-01-01-2000" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(problem.upstream_message).toContain("No event");
	});

	it("quotes seats whose amount is the seller's total; the order is charged exactly that", async () => {
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
		const request = {
			event_id: pick.event.event_id,
			section_id: pick.section.section_id,
			quantity: 2,
			delivery_method: "mobile",
		};
		const quote = await execute<Quote>("get_seat_quote", request);
		const precheck = tool("get_seat_quote").purchase;
		if (precheck?.kind !== "precheck") throw new Error("get_seat_quote is not a precheck");
		const amount = readAmountCents(quote, precheck.amount_path);
		const { total_cents: total, ...parts } = quote.pricing;
		expect(amount).toBe(total);
		expect(amount).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(quote.pricing.face_value_cents).toBe(2 * pick.section.face_value_cents);
		expect(quote.pricing.tax_cents).toBe(Math.round(quote.pricing.face_value_cents * 0.09));

		const purchase = tool("purchase_tickets").purchase;
		if (purchase?.kind !== "purchase") throw new Error("purchase_tickets is not a purchase");
		expect(purchase.precheck).toBe("get_seat_quote");
		await expectProblem(
			await call("/v1/services/tixhub/tools/purchase_tickets", {
				key,
				body: {
					parameters: { ...request, quote_id: quote.quote_id, buyer: BUYER, "Idempotency-Key": "k-1" },
				},
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);

		// The purchase itself, as the money layer will make it: the quote's parameters plus its quote_id.
		const response = await fetch(`${sandboxOrigin()}/tixhub/orders`, {
			method: "POST",
			headers: {
				...UPSTREAM_AUTH,
				"content-type": "application/json",
				"idempotency-key": crypto.randomUUID(),
			},
			body: JSON.stringify({ ...request, quote_id: quote.quote_id, buyer: BUYER }),
		});
		expect(response.status).toBe(201);
		const order = await json<Order>(response);
		expect(readAmountCents(order, purchase.amount_path)).toBe(amount);
		expect(readTransactionId(order, purchase.transaction_id_path)).toBe(order.order_id);

		const fetched = await execute<Order>("get_order", { order_id: order.order_id });
		expect(fetched).toMatchObject({ order_id: order.order_id, status: "confirmed" });
		expect(fetched.tickets.map((t) => t.barcode)).toEqual(order.tickets.map((t) => t.barcode));
	});
});
