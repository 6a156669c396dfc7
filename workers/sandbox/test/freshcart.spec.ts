import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json, minutes } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

const KEY = { "x-freshcart-key": "sandbox-test-key" };
const STORE = "sea-capitol-hill";

interface Item {
	item_id: string;
	brand: string;
	aisle: string;
	price_cents: number;
	unit_price: { cents: number; per: string };
	taxable: boolean;
	tags: string[];
	in_stock: boolean;
}
interface ItemResult {
	items: Item[];
	total: number;
}
interface Slot {
	slot_id: string;
	date: string;
	starts_at: string;
	ends_at: string;
	delivery_fee_cents: number;
	available: boolean;
}
interface SlotList {
	days: { date: string; slots: Slot[] }[];
}
interface Pricing {
	subtotal_cents: number;
	bag_fee_cents: number;
	delivery_fee_cents: number;
	service_fee_cents: number;
	tax_cents: number;
	tip_cents: number;
	total_cents: number;
	adjustment_cents?: number;
}
interface Quote {
	quote_id: string;
	slot: { slot_id: string; starts_at: string; delivery_fee_cents: number };
	lines: {
		item_id: string;
		quantity: number;
		price_cents: number;
		line_total_cents: number;
		taxable: boolean;
	}[];
	bags: number;
	pricing: Pricing;
	created_at: string;
	expires_at: string;
}
interface Order {
	order_id: string;
	order_number: string;
	quote_id: string;
	status: string;
	status_history: { status: string; at: string }[];
	slot: { starts_at: string; ends_at: string };
	pricing: Pricing;
	shopper: { name: string } | null;
}

const get = (path: string, fault?: string) =>
	call(`/freshcart${path}`, { headers: { ...KEY, ...(fault ? { "x-sandbox-fault": fault } : {}) } });

async function slots(store = STORE): Promise<Slot[]> {
	return (await json<SlotList>(await get(`/delivery-slots?store_id=${store}`))).days.flatMap((d) => d.slots);
}

/** An open window on the last offered day, far enough ahead for clock-shifted tests. */
async function lateSlot(store = STORE): Promise<Slot> {
	const all = await slots(store);
	const lastDay = all.at(-1)?.date;
	const slot = all.find((s) => s.date === lastDay && s.available);
	if (!slot) throw new Error("no open window on the last day");
	return slot;
}

const ADDRESS = { street: "1200 E Pike St", unit: "Apt 4", city: "Seattle", postal_code: "98122" };

async function basket(extra: Record<string, unknown> = {}) {
	return {
		store_id: STORE,
		items: [
			{ item_id: "whole-milk-gallon", quantity: 2 },
			{ item_id: "bananas", quantity: 1 },
			{ item_id: "sourdough-loaf", quantity: 1 },
			{ item_id: "paper-towels-6", quantity: 1 },
			{ item_id: "dish-soap", quantity: 2 },
			{ item_id: "hass-avocados", quantity: 3 },
		],
		slot_id: (await lateSlot()).slot_id,
		delivery_address: ADDRESS,
		tip_cents: 500,
		...extra,
	};
}

async function quote(body: unknown): Promise<Quote> {
	const response = await call("/freshcart/basket/quote", { headers: KEY, body });
	expect(response.status, await response.clone().text()).toBe(201);
	return json<Quote>(response);
}

const quoteError = (body: unknown) => call("/freshcart/basket/quote", { headers: KEY, body });

function checkout(body: unknown, key: string | undefined = crypto.randomUUID(), fault?: string) {
	const headers: Record<string, string> = {
		...KEY,
		...(key === undefined ? {} : { "idempotency-key": key }),
		...(fault ? { "x-sandbox-fault": fault } : {}),
	};
	return call("/freshcart/checkout", { headers, body });
}

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/freshcart/openapi.json"));
});

describe("freshcart stores and catalog", () => {
	it("has seven stores in five cities, with each city's bag fee and tax", async () => {
		const all = await json<{ stores: { store_id: string; city: string; bag_fee_cents: number }[] }>(
			await get("/stores"),
		);
		expectSchema(spec, "StoreList", all);
		expect(all.stores).toHaveLength(7);
		expect(new Set(all.stores.map((s) => s.city)).size).toBe(5);
		const sf = await json<{ stores: { store_id: string; bag_fee_cents: number }[] }>(
			await get("/stores?city=San%20Francisco"),
		);
		expect(sf.stores.map((s) => s.store_id)).toEqual(["sf-mission", "sf-marina"]);
		expect(sf.stores.every((s) => s.bag_fee_cents === 25)).toBe(true);
		const error = await expectError(await get("/stores?city=denver"), 404, "city_not_served");
		expect(error.supported_cities).toContain("austin");
	});

	it("has ten aisles with dozens of items", async () => {
		const body = await json<{ aisles: { aisle: string; item_count: number }[] }>(await get("/aisles"));
		expectSchema(spec, "AisleList", body);
		expect(body.aisles).toHaveLength(10);
		for (const aisle of body.aisles) expect(aisle.item_count).toBeGreaterThanOrEqual(7);
		const all = await json<ItemResult>(await get(`/items?store_id=${STORE}&limit=100`));
		expect(all.total).toBe(body.aisles.reduce((sum, a) => sum + a.item_count, 0));
		expect(all.total).toBeGreaterThanOrEqual(90);
	});

	it("searches a store's items by aisle, brand, tag and words, with shelf and unit prices", async () => {
		const dairy = await json<ItemResult>(await get(`/items?store_id=${STORE}&aisle=dairy_eggs&limit=100`));
		expectSchema(spec, "ItemSearchResult", dairy);
		expect(dairy.items.every((i) => i.aisle === "dairy_eggs")).toBe(true);
		for (const item of dairy.items) {
			expect(item.price_cents % 10).toBe(9);
			expect(item.unit_price.per).toMatch(/^(lb|qt|ct|each)$/);
		}
		const milk = dairy.items.find((i) => i.item_id === "whole-milk-gallon");
		expect(milk?.unit_price).toEqual({ cents: Math.round((milk?.price_cents ?? 0) / 4), per: "qt" });
		const organic = await json<ItemResult>(await get(`/items?store_id=${STORE}&tag=organic&limit=100`));
		expect(organic.items.every((i) => i.tags.includes("organic"))).toBe(true);
		const words = await json<ItemResult>(await get(`/items?store_id=${STORE}&query=organic%20milk`));
		expect(words.items.map((i) => i.item_id)).toEqual(["organic-2-milk"]);
		const tillamook = await json<ItemResult>(await get(`/items?store_id=${STORE}&brand=tillamook`));
		expect(tillamook.items.map((i) => i.item_id)).toEqual(["sharp-cheddar"]);
		const byUnit = await json<ItemResult>(
			await get(`/items?store_id=${STORE}&aisle=produce&sort=unit_price&limit=100`),
		);
		const unitPrices = byUnit.items.map((i) => i.unit_price.cents);
		expect(unitPrices).toEqual([...unitPrices].sort((a, b) => a - b));
	});

	it("prices by city and knows what each store is out of", async () => {
		const price = async (store: string) =>
			(await json<ItemResult>(await get(`/items?store_id=${store}&query=ribeye`))).items[0]?.price_cents ?? 0;
		expect(await price("nyc-chelsea")).toBeGreaterThan(await price("atx-south-lamar"));
		const salmon = await json<ItemResult>(await get(`/items?store_id=${STORE}&query=salmon`));
		expect(salmon.items[0]?.in_stock).toBe(false);
		const inStock = await json<ItemResult>(await get(`/items?store_id=${STORE}&query=salmon&in_stock=true`));
		expect(inStock.total).toBe(0);
		await expectError(await get("/items"), 400, "invalid_request");
		const unknown = await expectError(await get("/items?store_id=mars-base"), 404, "store_not_found");
		expect(unknown.stores).toContain(STORE);
	});
});

describe("freshcart list_delivery_slots", () => {
	it("offers two-hour windows for four days, priced by time of day and weekday", async () => {
		const body = await json<SlotList & { cutoff_minutes: number }>(
			await get(`/delivery-slots?store_id=${STORE}`),
		);
		expectSchema(spec, "SlotList", body);
		expect(body.days).toHaveLength(4);
		for (const day of body.days) {
			expect(day.slots.map((s) => s.slot_id.slice(11))).toEqual([
				"08:00",
				"10:00",
				"12:00",
				"14:00",
				"16:00",
				"18:00",
				"20:00",
			]);
			const weekend = [0, 6].includes(new Date(`${day.date}T12:00:00Z`).getUTCDay()) ? 100 : 0;
			expect(day.slots.map((s) => s.delivery_fee_cents)).toEqual(
				[399, 599, 599, 599, 799, 799, 499].map((fee) => fee + weekend),
			);
			for (const slot of day.slots) {
				expect(Date.parse(slot.ends_at) - Date.parse(slot.starts_at)).toBe(2 * 3_600_000);
				// Windows starting within the hour are closed.
				if (Date.parse(slot.starts_at) < Date.now() + 60 * 60_000) expect(slot.available).toBe(false);
			}
		}
		expect(body.days.flatMap((d) => d.slots).some((s) => s.available)).toBe(true);
		const one = await json<SlotList>(
			await get(`/delivery-slots?store_id=${STORE}&date=${body.days[1]?.date}`),
		);
		expect(one.days).toEqual([body.days[1]]);
		await expectError(
			await get(`/delivery-slots?store_id=${STORE}&date=2020-01-01`),
			422,
			"date_out_of_range",
		);
	});
});

describe("freshcart quote_basket (precheck)", () => {
	it("adds subtotal, bag fee, the window's delivery fee, service fee, tax on taxable items and tip", async () => {
		const body = await basket();
		const q = await quote(body);
		expectSchema(spec, "BasketQuote", q);
		const units = body.items.reduce((sum, i) => sum + i.quantity, 0);
		const subtotal = q.lines.reduce((sum, l) => sum + l.line_total_cents, 0);
		const taxable = q.lines.filter((l) => l.taxable).reduce((sum, l) => sum + l.line_total_cents, 0);
		expect(q.lines.filter((l) => l.taxable).map((l) => l.item_id)).toEqual(["paper-towels-6", "dish-soap"]);
		expect(q.bags).toBe(Math.ceil(units / 8));
		const slot = (await slots()).find((s) => s.slot_id === body.slot_id);
		expect(q.pricing).toEqual({
			subtotal_cents: subtotal,
			bag_fee_cents: q.bags * 8,
			delivery_fee_cents: slot?.delivery_fee_cents,
			service_fee_cents: Math.min(999, Math.max(199, Math.round(subtotal * 0.05))),
			tax_cents: Math.round((taxable * 10350) / 100_000),
			tip_cents: 500,
			total_cents:
				subtotal +
				q.bags * 8 +
				(slot?.delivery_fee_cents ?? 0) +
				Math.min(999, Math.max(199, Math.round(subtotal * 0.05))) +
				Math.round((taxable * 10350) / 100_000) +
				500,
		});
		expect(Date.parse(q.expires_at) - Date.parse(q.created_at)).toBe(10 * 60_000);
		expect(q.slot).toMatchObject({ slot_id: body.slot_id, starts_at: slot?.starts_at });
	});

	it("refuses unknown and out-of-stock items, other cities and small baskets", async () => {
		const body = await basket();
		const missing = await expectError(
			await quoteError({ ...body, items: [{ item_id: "caviar", quantity: 1 }] }),
			422,
			"item_not_found",
		);
		expect(missing.item_id).toBe("caviar");
		await expectError(
			await quoteError({ ...body, items: [{ item_id: "atlantic-salmon", quantity: 1 }] }),
			422,
			"item_unavailable",
		);
		await expectError(
			await quoteError({ ...body, delivery_address: { ...ADDRESS, city: "Portland" } }),
			422,
			"outside_delivery_area",
		);
		const small = await expectError(
			await quoteError({ ...body, items: [{ item_id: "bananas", quantity: 1 }] }),
			422,
			"below_minimum_order",
		);
		expect(small.minimum_order_cents).toBe(1000);
		await expectError(await quoteError({ ...body, store_id: "nope" }), 404, "store_not_found");
		await expectError(await quoteError({ ...body, slot_id: "tomorrow" }), 400, "invalid_request");
	});

	it("refuses windows that do not exist or cannot be booked, suggesting open ones", async () => {
		const body = await basket();
		await expectError(
			await quoteError({ ...body, slot_id: `${body.slot_id.slice(0, 10)}T09:00` }),
			422,
			"slot_not_found",
		);
		await expectError(await quoteError({ ...body, slot_id: "2020-01-01T10:00" }), 422, "slot_not_found");
		const closed = (await slots()).find((s) => !s.available);
		if (!closed) throw new Error("every window is open");
		const error = await expectError(
			await quoteError({ ...body, slot_id: closed.slot_id }),
			409,
			"slot_unavailable",
		);
		const open = new Set((await slots()).filter((s) => s.available).map((s) => s.slot_id));
		expect((error.alternatives as string[]).length).toBeGreaterThan(0);
		for (const id of error.alternatives as string[]) expect(open.has(id)).toBe(true);
	});
});

describe("freshcart checkout (purchase)", () => {
	it("places the quoted order and tracks it from shopping to delivery", async () => {
		const body = await basket();
		const q = await quote(body);
		const response = await checkout({ ...body, quote_id: q.quote_id });
		expect(response.status).toBe(201);
		const order = await json<Order>(response);
		expectSchema(spec, "Order", order);
		expect(order).toMatchObject({
			quote_id: q.quote_id,
			status: "scheduled",
			pricing: q.pricing,
			shopper: null,
		});
		expect(order.order_number).toMatch(/^FC-\d{6}$/);

		const untilStart = (Date.parse(order.slot.starts_at) - Date.now()) / 60_000;
		const at = async (m: number) => json<Order>(await get(`/orders/${order.order_id}`, minutes(m)));
		expect((await at(untilStart - 90)).status).toBe("scheduled");
		const shopping = await at(untilStart - 30);
		expect(shopping.status).toBe("shopping");
		expect(shopping.shopper?.name).toBeTruthy();
		expect((await at(untilStart + 5)).status).toBe("out_for_delivery");
		const delivered = await at(untilStart + 120);
		expect(delivered.status).toBe("delivered");
		expect(delivered.status_history.map((s) => s.status)).toEqual([
			"scheduled",
			"shopping",
			"out_for_delivery",
			"delivered",
		]);
		await expectError(await get(`/orders/${crypto.randomUUID()}`), 404, "order_not_found");
	});

	it("returns the same order for the same Idempotency-Key and never orders twice", async () => {
		const body = await basket();
		const q = await quote(body);
		const key = crypto.randomUUID();
		const first = await json<Order>(await checkout({ ...body, quote_id: q.quote_id }, key));
		const again = await checkout({ ...body, quote_id: q.quote_id }, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect((await json<Order>(again)).order_id).toBe(first.order_id);
		await expectError(await checkout({ ...body, quote_id: q.quote_id }), 409, "quote_already_used");
		const other = await quote({ ...body, tip_cents: 0 });
		await expectError(
			await checkout({ ...body, tip_cents: 0, quote_id: other.quote_id }, key),
			422,
			"idempotency_key_reused",
		);
	});

	it("refuses an expired quote, a changed basket and a window that closed since the quote", async () => {
		const body = await basket();
		const q = await quote(body);
		const expired = await expectError(
			await checkout({ ...body, quote_id: q.quote_id }, undefined, minutes(10)),
			409,
			"quote_expired",
		);
		expect(expired.expired_at).toBe(q.expires_at);
		const changed = await expectError(
			await checkout({ ...body, tip_cents: 800, quote_id: q.quote_id }),
			409,
			"total_mismatch",
		);
		expect(changed.quoted_total_cents).toBe(q.pricing.total_cents);
		const lateBy = Math.round((Date.parse(q.slot.starts_at) - Date.now()) / 60_000) - 30;
		await expectError(
			await checkout({ ...body, quote_id: q.quote_id }, undefined, minutes(lateBy)),
			409,
			"slot_unavailable",
		);
		expect((await checkout({ ...body, quote_id: q.quote_id }, undefined, "clock=599")).status).toBe(201);
	});

	it("needs an Idempotency-Key and a known quote, and reports amount-delta charges", async () => {
		const body = await basket();
		const q = await quote(body);
		await expectError(
			await call("/freshcart/checkout", { headers: KEY, body: { ...body, quote_id: q.quote_id } }),
			400,
			"missing_idempotency_key",
		);
		await expectError(await checkout({ ...body, quote_id: "bq_nope" }), 404, "quote_not_found");
		const order = await json<Order>(
			await checkout({ ...body, quote_id: q.quote_id }, undefined, "amount-delta=-50"),
		);
		expect(order.pricing.total_cents).toBe(q.pricing.total_cents - 50);
		expect(order.pricing.adjustment_cents).toBe(-50);
	});
});

describe("freshcart auth and faults", () => {
	it("needs the X-FreshCart-Key header, and injects faults on its routes", async () => {
		await expectError(await call("/freshcart/aisles"), 401, "unauthorized");
		await expectError(await get("/aisles", "status=500"), 500, "internal_error");
		const broken = await call("/_fault/malformed/freshcart/stores", { headers: KEY });
		expect(broken.status).toBe(200);
		await expect(broken.json()).rejects.toThrow();
	});
});
