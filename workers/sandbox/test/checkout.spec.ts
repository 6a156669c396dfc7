import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, FOODDASH_KEY, json, minutes } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

interface Pricing {
	subtotal_cents: number;
	delivery_fee_cents: number;
	service_fee_cents: number;
	tax_cents: number;
	tip_cents: number;
	total_cents: number;
}
interface Quote {
	quote_id: string;
	pricing: Pricing;
	distance_km: number;
	created_at: string;
	expires_at: string;
	items: { item_id: string; quantity: number; unit_price_cents: number; line_total_cents: number }[];
}
interface Order {
	order_uuid: string;
	quote_id: string;
	status: string;
	status_history: { status: string; at: string }[];
	totals: Pricing & { adjustment_cents?: number };
	placed_at: string;
	estimated_delivery_at: string;
	eta_minutes: number;
	courier: { name: string; vehicle: string } | null;
	prep_minutes: number;
	travel_minutes: number;
}

const BASKET = {
	restaurant_id: "sakura-ramen-sf",
	items: [
		{ item_id: "tonkotsu-ramen", quantity: 2, notes: "extra egg" },
		{ item_id: "ramune", quantity: 1 },
	],
	delivery_address: { street: "1 Market St", unit: "Suite 300", city: "San Francisco", postal_code: "94105" },
	tip_cents: 400,
};

async function quote(body: unknown = BASKET, fault?: string): Promise<Quote> {
	const headers: Record<string, string> = { ...FOODDASH_KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) };
	const response = await call("/fooddash/checkout/quote", { headers, body });
	expect(response.status).toBe(201);
	return json<Quote>(response);
}

function checkout(
	body: unknown,
	key: string | undefined = crypto.randomUUID(),
	fault?: string,
): Promise<Response> {
	const headers: Record<string, string> = {
		...FOODDASH_KEY,
		...(key === undefined ? {} : { "idempotency-key": key }),
		...(fault ? { "x-sandbox-fault": fault } : {}),
	};
	return call("/fooddash/checkout", { headers, body });
}

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/fooddash/openapi.json"));
});

describe("fooddash quote (precheck)", () => {
	it("prices a basket: lines, fees, tax and tip add up to the total, in integer cents", async () => {
		const q = await quote();
		expectSchema(spec, "Quote", q);
		const menu = await json<{ sections: { items: { item_id: string; price_cents: number }[] }[] }>(
			await call("/fooddash/restaurants/sakura-ramen-sf/menu", { headers: FOODDASH_KEY }),
		);
		const price = new Map(menu.sections.flatMap((s) => s.items).map((i) => [i.item_id, i.price_cents]));
		const subtotal = BASKET.items.reduce(
			(sum, line) => sum + (price.get(line.item_id) ?? 0) * line.quantity,
			0,
		);
		const service = Math.min(1499, Math.max(199, Math.round(subtotal * 0.12)));
		const { pricing } = q;
		expect(pricing.subtotal_cents).toBe(subtotal);
		expect(pricing.service_fee_cents).toBe(service);
		expect(pricing.tax_cents).toBe(Math.round(((subtotal + service) * 8625) / 100_000));
		expect(pricing.tip_cents).toBe(400);
		expect(pricing.total_cents).toBe(
			pricing.subtotal_cents +
				pricing.delivery_fee_cents +
				pricing.service_fee_cents +
				pricing.tax_cents +
				pricing.tip_cents,
		);
		for (const value of Object.values(pricing)) expect(Number.isInteger(value)).toBe(true);
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(10 * 60_000);
	});

	it("charges more delivery for farther addresses, the same for the same address", async () => {
		const restaurant = await json<{ delivery_fee_cents: number; free_delivery_over_cents: number | null }>(
			await call("/fooddash/restaurants/sakura-ramen-sf", { headers: FOODDASH_KEY }),
		);
		for (const street of ["1 Market St", "2100 Irving St", "500 Castro St", "88 King St"]) {
			const q = await quote({ ...BASKET, delivery_address: { street, city: "san-francisco" } });
			const extraTenths = Math.max(0, Math.round(q.distance_km * 10) - 30);
			expect(q.pricing.delivery_fee_cents).toBe(restaurant.delivery_fee_cents + extraTenths * 5);
			expect(
				(await quote({ ...BASKET, delivery_address: { street, city: "san-francisco" } })).pricing,
			).toEqual(q.pricing);
		}
	});

	it("refuses unknown items, addresses outside the city and orders under the minimum", async () => {
		const headers = FOODDASH_KEY;
		const path = "/fooddash/checkout/quote";
		const unknown = await expectError(
			await call(path, { headers, body: { ...BASKET, items: [{ item_id: "pizza", quantity: 1 }] } }),
			422,
			"item_not_found",
		);
		expect(unknown.item_id).toBe("pizza");
		await expectError(
			await call(path, {
				headers,
				body: { ...BASKET, delivery_address: { street: "1 Main St", city: "Austin" } },
			}),
			422,
			"outside_delivery_area",
		);
		await expectError(
			await call(path, { headers, body: { ...BASKET, items: [{ item_id: "ramune", quantity: 1 }] } }),
			422,
			"below_minimum_order",
		);
		await expectError(
			await call(path, { headers, body: { ...BASKET, restaurant_id: "nope" } }),
			404,
			"restaurant_not_found",
		);
	});

	it("rejects invalid bodies with the failing fields", async () => {
		const path = "/fooddash/checkout/quote";
		const invalid = await expectError(
			await call(path, {
				headers: FOODDASH_KEY,
				body: { ...BASKET, items: [{ item_id: "ramune", quantity: 0 }] },
			}),
			400,
			"invalid_request",
		);
		expect(invalid.details).toEqual([expect.objectContaining({ field: "body.items.0.quantity" })]);
		await expectError(await call(path, { headers: FOODDASH_KEY, body: "{not json" }), 400, "invalid_json");
		await expectError(
			await call(path, { headers: FOODDASH_KEY, body: { ...BASKET, tip_cents: 2.5 } }),
			400,
			"invalid_request",
		);
	});
});

describe("fooddash checkout (purchase)", () => {
	it("places the quoted order and tracks it by order_uuid", async () => {
		const q = await quote();
		const response = await checkout({ ...BASKET, quote_id: q.quote_id });
		expect(response.status).toBe(201);
		expect(response.headers.get("idempotent-replayed")).toBeNull();
		const order = await json<Order>(response);
		expectSchema(spec, "Order", order);
		expect(order.order_uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(order).toMatchObject({
			quote_id: q.quote_id,
			status: "confirmed",
			totals: q.pricing,
			courier: null,
		});

		const tracked = await json<Order>(
			await call(`/fooddash/orders/${order.order_uuid}`, { headers: FOODDASH_KEY }),
		);
		expectSchema(spec, "Order", tracked);
		expect(tracked.order_uuid).toBe(order.order_uuid);
		expect(tracked.totals).toEqual(q.pricing);
	});

	it("returns the same order for the same Idempotency-Key and never creates a second", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		const first = await json<Order>(await checkout({ ...BASKET, quote_id: q.quote_id }, key));
		const again = await checkout({ ...BASKET, quote_id: q.quote_id }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		const replayed = await json<Order>(again);
		expect(replayed.order_uuid).toBe(first.order_uuid);
		expect(replayed.placed_at).toBe(first.placed_at);

		// A new key cannot reuse the quote: the order exists once.
		const second = await expectError(
			await checkout({ ...BASKET, quote_id: q.quote_id }),
			409,
			"quote_already_used",
		);
		expect(second.order_uuid).toBe(first.order_uuid);
		// The key cannot be reused for a different purchase either.
		const other = await quote({ ...BASKET, tip_cents: 0 });
		await expectError(
			await checkout({ ...BASKET, tip_cents: 0, quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("replays an order even after its quote has expired", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		const first = await json<Order>(await checkout({ ...BASKET, quote_id: q.quote_id }, key));
		const later = await checkout({ ...BASKET, quote_id: q.quote_id }, key, minutes(60));
		expect(later.status).toBe(201);
		expect((await json<Order>(later)).order_uuid).toBe(first.order_uuid);
	});

	it("refuses an expired quote with 409 and places nothing", async () => {
		const q = await quote();
		const error = await expectError(
			await checkout({ ...BASKET, quote_id: q.quote_id }, undefined, minutes(10)),
			409,
			"quote_expired",
		);
		expect(error.expired_at).toBe(q.expires_at);
		// Just before expiry the same quote still works.
		expect((await checkout({ ...BASKET, quote_id: q.quote_id }, undefined, "clock=599")).status).toBe(201);
	});

	it("refuses a basket that no longer matches the quoted total with 409", async () => {
		const q = await quote();
		const changed = { ...BASKET, items: [{ item_id: "tonkotsu-ramen", quantity: 3 }], quote_id: q.quote_id };
		const error = await expectError(await checkout(changed), 409, "total_mismatch");
		expect(error.quoted_total_cents).toBe(q.pricing.total_cents);
		expect(error.total_cents).toBeGreaterThan(q.pricing.total_cents);
		// The refusal did not consume the quote.
		expect((await checkout({ ...BASKET, quote_id: q.quote_id })).status).toBe(201);
	});

	it("needs an Idempotency-Key and a known quote", async () => {
		const q = await quote();
		await expectError(
			await call("/fooddash/checkout", { headers: FOODDASH_KEY, body: { ...BASKET, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await checkout({ ...BASKET, quote_id: "q_doesnotexist" }), 404, "quote_not_found");
		await expectError(await checkout({ ...BASKET }), 400, "invalid_request");
	});

	it("reports a different total when the merchant charges other than it quoted (amount-delta)", async () => {
		const q = await quote();
		const order = await json<Order>(
			await checkout({ ...BASKET, quote_id: q.quote_id }, undefined, "amount-delta=150"),
		);
		expect(order.totals.total_cents).toBe(q.pricing.total_cents + 150);
		expect(order.totals.adjustment_cents).toBe(150);

		const q2 = await quote();
		const response = await call("/_fault/amount-delta=-200/fooddash/checkout", {
			headers: { ...FOODDASH_KEY, "idempotency-key": crypto.randomUUID() },
			body: { ...BASKET, quote_id: q2.quote_id },
		});
		expect((await json<Order>(response)).totals.total_cents).toBe(q2.pricing.total_cents - 200);
	});
});

describe("fooddash order by idempotency key (x-purchase-status) and faults after the charge", () => {
	const byKey = (key: string, fault?: string) =>
		call(`/fooddash/orders/by-key/${encodeURIComponent(key)}`, {
			headers: { ...FOODDASH_KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) },
		});
	const orders = async () => (await json<{ orders: number }>(await call("/_control/orders/fooddash"))).orders;

	it("answers the order placed with a key as checkout did, and 404 when no checkout used it", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		await expectError(await byKey(key), 404, "order_not_found");
		const placed = await json<Order>(await checkout({ ...BASKET, quote_id: q.quote_id }, key));
		const found = await byKey(key);
		expect(found.status).toBe(200);
		const order = await json<Order>(found);
		expectSchema(spec, "Order", order);
		expect(order).toMatchObject({ order_uuid: placed.order_uuid, totals: placed.totals });
	});

	it("charge-then-status places the order, then answers that 5xx; the key finds it", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		const before = await orders();
		await expectError(
			await checkout({ ...BASKET, quote_id: q.quote_id }, key, "charge-then-status=503"),
			503,
			"service_unavailable",
		);
		expect(await orders()).toBe(before + 1);
		expect((await byKey(key)).status).toBe(200);
		// A retry with the key replays the order; still no second one.
		const retried = await checkout({ ...BASKET, quote_id: q.quote_id }, key);
		expect(retried.headers.get("idempotent-replayed")).toBe("true");
		expect(await orders()).toBe(before + 1);
	});

	it("charge-then-hang places the order, then answers nothing for that long, then 504", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		const started = Date.now();
		await expectError(
			await checkout({ ...BASKET, quote_id: q.quote_id }, key, "charge-then-hang=300"),
			504,
			"gateway_timeout",
		);
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expect((await byKey(key)).status).toBe(200);
	});

	it("charge-then-drop places the order, then cuts the answer off mid-body", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		const response = await checkout({ ...BASKET, quote_id: q.quote_id }, key, "charge-then-drop");
		expect(response.status).toBe(201);
		await expect(response.text()).rejects.toThrow();
		expect((await byKey(key)).status).toBe(200);
	});

	it("only=checkout leaves the lookup alone; the lookup can be failed on its own", async () => {
		const q = await quote();
		const key = crypto.randomUUID();
		await checkout({ ...BASKET, quote_id: q.quote_id }, key, "charge-then-status=500,only=checkout");
		expect((await byKey(key, "status=503,only=checkout")).status).toBe(200);
		await expectError(await byKey(key, "status=503"), 503, "service_unavailable");
	});
});

describe("fooddash order tracking", () => {
	it("advances from confirmed through preparing and out for delivery to delivered", async () => {
		const q = await quote();
		const order = await json<Order>(await checkout({ ...BASKET, quote_id: q.quote_id }));
		const at = async (offsetMinutes: number) =>
			json<Order>(
				await call(`/fooddash/orders/${order.order_uuid}`, {
					headers: { ...FOODDASH_KEY, "x-sandbox-fault": minutes(offsetMinutes) },
				}),
			);
		const pickup = 2 + order.prep_minutes;
		const delivery = pickup + order.travel_minutes;
		expect(Date.parse(order.estimated_delivery_at) - Date.parse(order.placed_at)).toBe(delivery * 60_000);

		expect((await at(1)).status).toBe("confirmed");
		const preparing = await at(3);
		expect(preparing.status).toBe("preparing");
		expect(preparing.courier).toBeNull();
		const onTheWay = await at(pickup + 1);
		expect(onTheWay.status).toBe("out_for_delivery");
		expect(onTheWay.courier?.name).toBeTruthy();
		expect(onTheWay.eta_minutes).toBeGreaterThan(0);
		const delivered = await at(delivery + 1);
		expect(delivered.status).toBe("delivered");
		expect(delivered.eta_minutes).toBe(0);
		expect(delivered.status_history.map((s) => s.status)).toEqual([
			"confirmed",
			"preparing",
			"out_for_delivery",
			"delivered",
		]);
		expect(delivered.courier).toEqual(onTheWay.courier);
	});

	it("answers 404 for an unknown order", async () => {
		await expectError(
			await call(`/fooddash/orders/${crypto.randomUUID()}`, { headers: FOODDASH_KEY }),
			404,
			"order_not_found",
		);
	});
});
