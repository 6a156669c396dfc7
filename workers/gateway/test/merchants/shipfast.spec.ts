import { beforeAll, describe, expect, it } from "vitest";
import { SHIPFAST_SHIPMENT } from "../../../../test/fixtures/shipfast.ts";
import { call, expectProblem, json } from "../helpers.ts";
import { type Shopper, shopper } from "./shopper.ts";

interface Charges {
	base_cents: number;
	total_cents: number;
	[charge: string]: number;
}
interface RateQuote {
	quote_id: string;
	zone: number;
	charges: Charges;
	estimated_delivery_date: string;
}
interface Label {
	tracking_number: string;
	charges: Charges;
	label_url: string;
}
interface Tracking {
	tracking_number: string;
	status: string;
	events: { status: string; location: string }[];
}

const SHIPMENT = SHIPFAST_SHIPMENT;

let shop: Shopper;
beforeAll(async () => {
	shop = await shopper("shipfast");
});

const execute = <T>(name: string, parameters: Record<string, unknown>) => shop.execute<T>(name, parameters);

describe("shipfast through the gateway", () => {
	it("is listed as a shipping service with its four tools", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/shipfast"));
		expect(body.service).toMatchObject({ category: "shipping", has_purchases: true });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"buy_label",
			"get_shipping_rate",
			"list_service_levels",
			"track_shipment",
		]);
	});

	it("lists service levels with the provider's X-API-Key injected", async () => {
		const body = await execute<{ service_levels: { service_level: string; name: string }[] }>(
			"list_service_levels",
			{},
		);
		expect(body.service_levels.map((l) => l.service_level)).toEqual([
			"economy",
			"ground",
			"express",
			"overnight",
		]);
	});

	it("passes the carrier's refusals through as problems", async () => {
		const problem = await expectProblem(
			await call("/v1/services/shipfast/tools/get_shipping_rate", {
				key: shop.key,
				body: { parameters: { ...SHIPMENT, to_address: { ...SHIPMENT.to_address, postal_code: "10001" } } },
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("not a ZIP code in Illinois");
	});

	it("quotes a rate and buys the label through the gateway for exactly the carrier's total; it can be tracked", async () => {
		const { quote, result: label } = await shop.buy<RateQuote, Label>("buy_label", SHIPMENT);
		const { charges } = quote.details;
		const { total_cents: total, ...parts } = charges;
		expect(quote.amount_cents).toBe(total);
		expect(total).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(charges.insurance_cents).toBe(2 * 115);
		expect(quote.details.zone).toBeGreaterThanOrEqual(6);
		expect(label.charges).toEqual(charges);
		expect(label.label_url).toMatch(/^https?:\/\//);

		const tracked = await execute<Tracking>("track_shipment", { tracking_number: label.tracking_number });
		expect(tracked).toMatchObject({ tracking_number: label.tracking_number, status: "label_created" });
		expect(tracked.events[0]?.location).toBe("San Francisco, CA");
		await shop.expectBooksBalance();
	});

	it("refuses a malformed tracking number before calling the carrier", async () => {
		await expectProblem(
			await call("/v1/services/shipfast/tools/track_shipment", {
				key: shop.key,
				body: { parameters: { tracking_number: "1Z" } },
			}),
			400,
			"VALIDATION_FAILED",
		);
	});
});
