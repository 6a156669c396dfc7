import { beforeAll, describe, expect, it } from "vitest";
import { readAmountCents, readTransactionId } from "../../../../packages/core/src/purchase.ts";
import type { CompiledTool } from "../../../../packages/core/src/registry/types.ts";
import { call, createKey, expectProblem, json, providerService, sandboxOrigin } from "../helpers.ts";

// What the gateway injects from PROVIDER_SHIPFAST_API_KEY; used for the direct label purchase.
const UPSTREAM_KEY = { "x-api-key": "test-shipfast-key" };

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

const SHIPMENT = {
	from_address: {
		name: "Ada Lovelace",
		street1: "500 Howard St",
		city: "San Francisco",
		state: "CA",
		postal_code: "94105",
	},
	to_address: {
		name: "Grace Hopper",
		street1: "233 S Wacker Dr",
		city: "Chicago",
		state: "IL",
		postal_code: "60606",
	},
	parcel: { length_in: 14, width_in: 10, height_in: 4, weight_oz: 56 },
	service_level: "express",
	declared_value_cents: 25_000,
};

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

function tool(name: string): CompiledTool {
	const found = providerService("shipfast").tools.find((t) => t.name === name);
	if (!found) throw new Error(`shipfast has no tool ${name}`);
	return found;
}

async function execute<T>(name: string, parameters: Record<string, unknown>): Promise<T> {
	const response = await call(`/v1/services/shipfast/tools/${name}`, { key, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T }>(response);
	expect(body).toMatchObject({ service: "shipfast", tool: name });
	return body.result;
}

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
				key,
				body: { parameters: { ...SHIPMENT, to_address: { ...SHIPMENT.to_address, postal_code: "10001" } } },
			}),
			422,
			"VALIDATION_FAILED",
		);
		expect(problem.upstream_message).toContain("not a ZIP code in Illinois");
	});

	it("quotes a rate whose amount is the carrier's total; the label is charged exactly that and can be tracked", async () => {
		const quote = await execute<RateQuote>("get_shipping_rate", SHIPMENT);
		const precheck = tool("get_shipping_rate").purchase;
		if (precheck?.kind !== "precheck") throw new Error("get_shipping_rate is not a precheck");
		const amount = readAmountCents(quote, precheck.amount_path);
		const { total_cents: total, ...parts } = quote.charges;
		expect(amount).toBe(total);
		expect(amount).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
		expect(quote.charges.insurance_cents).toBe(2 * 115);
		expect(quote.zone).toBeGreaterThanOrEqual(6);

		// Purchases are refused by the gateway without a gateway quote.
		const purchase = tool("buy_label").purchase;
		if (purchase?.kind !== "purchase") throw new Error("buy_label is not a purchase");
		expect(purchase.precheck).toBe("get_shipping_rate");
		await expectProblem(
			await call("/v1/services/shipfast/tools/buy_label", {
				key,
				body: { parameters: { ...SHIPMENT, quote_id: quote.quote_id, "Idempotency-Key": "k-1" } },
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);

		// The purchase itself, as the money layer will make it: the quote's parameters plus its quote_id.
		const response = await fetch(`${sandboxOrigin()}/shipfast/labels`, {
			method: "POST",
			headers: {
				...UPSTREAM_KEY,
				"content-type": "application/json",
				"idempotency-key": crypto.randomUUID(),
			},
			body: JSON.stringify({ ...SHIPMENT, quote_id: quote.quote_id }),
		});
		expect(response.status).toBe(201);
		const label = await json<Label>(response);
		expect(readAmountCents(label, purchase.amount_path)).toBe(amount);
		expect(readTransactionId(label, purchase.transaction_id_path)).toBe(label.tracking_number);

		const tracked = await execute<Tracking>("track_shipment", { tracking_number: label.tracking_number });
		expect(tracked).toMatchObject({ tracking_number: label.tracking_number, status: "label_created" });
		expect(tracked.events[0]?.location).toBe("San Francisco, CA");
	});

	it("refuses a malformed tracking number before calling the carrier", async () => {
		await expectProblem(
			await call("/v1/services/shipfast/tools/track_shipment", {
				key,
				body: { parameters: { tracking_number: "1Z" } },
			}),
			400,
			"VALIDATION_FAILED",
		);
	});
});
