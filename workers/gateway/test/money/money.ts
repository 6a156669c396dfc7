import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Receipt } from "@penumbra/core/contracts";
import { expect } from "vitest";
import { call, json, ownerKeyOf, sandboxOrigin } from "../helpers.ts";

/** Shared by the money specs: a buyer's view of the gateway, and the checks a bank would run after every step. */

export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

export interface Quote {
	quote_id: string;
	amount_cents: number;
	requires_confirmation: boolean;
	expires_at: string;
}

export interface AccountView {
	credential_id: string;
	balance_cents: number;
	available_cents: number;
	spent_today_cents: number;
	holds: { id: string; status: string; amount_cents: number; quote_id: string | null }[];
}

export type ReceiptView = Receipt;

export function account(credentialId: string) {
	return env.ACCOUNT.getByName(credentialId);
}

/**
 * A FoodDash checkout begun on `stub` by hand, as the gateway's purchase begins one (a saved quote of `amountCents`
 * under `quoteId`, then `beginPurchase`): its hold's id.
 */
export async function beginPurchaseByHand(
	stub: ReturnType<typeof account>,
	quoteId: string,
	amountCents: number,
): Promise<string> {
	await stub.saveQuote({
		id: quoteId,
		service: "fooddash",
		tool: "checkout",
		params_hash: "h",
		amount_cents: amountCents,
		expires_at: Date.now() + 600_000,
		precheck: "{}",
		signature: "s",
	});
	const begun = await stub.beginPurchase({
		quote_id: quoteId,
		params_hash: "h",
		service: "fooddash",
		tool: "checkout",
	});
	if (!begun.ok || !begun.hold) throw new Error("purchase not begun");
	return begun.hold.id;
}

/** A small FoodDash order (the first item of an Austin restaurant, `quantity` of them), found with `key`. */
export async function order(key: string, quantity = 2): Promise<Record<string, unknown>> {
	const found = await json<{ result: { restaurants: { restaurant_id: string; city: string }[] } }>(
		await call("/v1/services/fooddash/tools/search_restaurants", {
			key,
			body: { parameters: { city: "austin" } },
		}),
	);
	const restaurant = found.result.restaurants[0];
	if (!restaurant) throw new Error("no restaurant");
	const menu = await json<{ result: { sections: { items: { item_id: string }[] }[] } }>(
		await call("/v1/services/fooddash/tools/get_menu", {
			key,
			body: { parameters: { restaurant_id: restaurant.restaurant_id } },
		}),
	);
	const item = menu.result.sections[0]?.items[0];
	if (!item) throw new Error("no menu item");
	return {
		restaurant_id: restaurant.restaurant_id,
		items: [{ item_id: item.item_id, quantity }],
		delivery_address: { street: "100 Congress Ave", city: restaurant.city },
		tip_cents: 100,
	};
}

/** Every quote this test file asked for, so merchant order counts can be this file's own (files run side by side). */
export const quotedIds: string[] = [];

export async function quote(
	key: string,
	parameters: Record<string, unknown>,
	service = "fooddash",
): Promise<Quote> {
	const response = await call("/v1/quotes", { key, body: { service, tool: "checkout", parameters } });
	expect(response.status, await response.clone().text()).toBe(201);
	const quoted = await json<Quote>(response);
	quotedIds.push(quoted.quote_id);
	return quoted;
}

/** Orders a sandbox merchant took for this file's quotes (the merchant idempotency key is `penumbra-<quote id>`). */
export async function ordersForOurQuotes(merchant: string): Promise<number> {
	if (quotedIds.length === 0) return 0;
	const query = new URLSearchParams(
		quotedIds.map((id) => ["idempotency_key", `penumbra-${id.split(".")[0]}`]),
	);
	const response = await fetch(`${sandboxOrigin()}/_control/orders/${merchant}?${query}`);
	expect(response.status).toBe(200);
	return (await json<{ orders: number }>(response)).orders;
}

export function buy(
	key: string,
	parameters: Record<string, unknown>,
	quoteId: string,
	service = "fooddash",
): Promise<Response> {
	return call(`/v1/services/${service}/tools/checkout`, { key, body: { parameters, quote_id: quoteId } });
}

/** Raises the auto-approve threshold so no test order needs the owner's confirmation. */
export async function autoApprove(key: string): Promise<void> {
	const response = await call("/v1/account/controls", {
		key: ownerKeyOf(key),
		method: "PUT",
		body: { auto_approve_threshold_cents: 10_000_000 },
	});
	expect(response.status).toBe(200);
}

export async function accountView(key: string): Promise<AccountView> {
	const response = await call("/v1/account", { key });
	expect(response.status).toBe(200);
	return json<AccountView>(response);
}

export async function credit(credentialId: string, cents: number, reference: string): Promise<Response> {
	return call(`/v1/admin/credentials/${credentialId}/credit`, {
		headers: ADMIN,
		body: { amount_cents: cents, reference },
	});
}

/** The D1 mirror of one credential: sum, count, and ids seen more than once. */
export async function mirrorOf(credentialId: string): Promise<{ sum: number; count: number; ids: string[] }> {
	const { results } = await env.DB.prepare(
		"SELECT id, amount_cents FROM ledger_entries WHERE credential_id = ?",
	)
		.bind(credentialId)
		.all<{ id: string; amount_cents: number }>();
	return {
		sum: results.reduce((total, r) => total + r.amount_cents, 0),
		count: results.length,
		ids: results.map((r) => r.id),
	};
}

/** What the Account DO holds, read from inside it: every entry, hold, receipt and idempotency record. */
export interface Books {
	balance: number;
	entries: {
		id: string;
		seq: number;
		kind: string;
		amount_cents: number;
		balance_after_cents: number;
		mirrored: number;
	}[];
	holds: {
		id: string;
		status: string;
		amount_cents: number;
		captured_cents: number;
		kind: string;
		expires_at: number;
		quote_id: string | null;
	}[];
	receipts: { id: string; hold_id: string; quote_id: string; amount_cents: number; refunded_cents: number }[];
	/** The hold of every entry that has one (read with the rest: the account settles purchases on its own). */
	hold_entries: { hold_id: string }[];
}

export function books(credentialId: string): Promise<Books> {
	return runInDurableObject(account(credentialId), (_instance, state) => {
		const sql = state.storage.sql;
		const meta = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'balance'").toArray()[0];
		return {
			balance: Number(meta?.value ?? "0"),
			entries: sql
				.exec<Books["entries"][number]>(
					"SELECT id, seq, kind, amount_cents, balance_after_cents, mirrored FROM entries ORDER BY seq",
				)
				.toArray(),
			holds: sql
				.exec<Books["holds"][number]>(
					"SELECT id, status, amount_cents, captured_cents, kind, expires_at, quote_id FROM holds",
				)
				.toArray(),
			receipts: sql
				.exec<Books["receipts"][number]>(
					"SELECT id, hold_id, quote_id, amount_cents, refunded_cents FROM receipts",
				)
				.toArray(),
			hold_entries: sql
				.exec<{ hold_id: string }>("SELECT hold_id FROM entries WHERE hold_id IS NOT NULL")
				.toArray(),
		};
	});
}

/**
 * The books balance: the stored balance is the sum of the entries and never negative, every running balance is
 * the previous one plus the entry, the reserved funds fit in the balance, a captured hold has exactly one entry
 * and nothing else has one, and no receipt was refunded beyond what it captured. Returns the books for more checks.
 */
export async function expectBalancedBooks(credentialId: string, context = ""): Promise<Books> {
	const b = await books(credentialId);
	const where = context ? ` (${context})` : "";
	const sum = b.entries.reduce((total, e) => total + e.amount_cents, 0);
	expect(b.balance, `balance = Σ entries${where}`).toBe(sum);
	expect(b.balance, `balance ≥ 0${where}`).toBeGreaterThanOrEqual(0);
	let running = 0;
	for (const [i, e] of b.entries.entries()) {
		running += e.amount_cents;
		expect(e.seq, `entries are numbered without gaps${where}`).toBe(i + 1);
		expect(e.balance_after_cents, `running balance of entry ${e.seq}${where}`).toBe(running);
	}
	const reserved = b.holds
		.filter((h) => h.status === "active" || h.status === "in_flight" || h.status === "unknown")
		.reduce((total, h) => total + h.amount_cents, 0);
	expect(reserved, `reserved ≤ balance (available never negative)${where}`).toBeLessThanOrEqual(b.balance);
	const entriesByHold = new Map<string, number>();
	for (const e of b.hold_entries) entriesByHold.set(e.hold_id, (entriesByHold.get(e.hold_id) ?? 0) + 1);
	for (const h of b.holds) {
		expect(h.captured_cents, `hold ${h.id} captured ≤ held${where}`).toBeLessThanOrEqual(h.amount_cents);
		expect(entriesByHold.get(h.id) ?? 0, `hold ${h.id} (${h.status}) resolved at most once${where}`).toBe(
			h.status === "captured" ? 1 : 0,
		);
	}
	for (const r of b.receipts) {
		expect(r.refunded_cents, `receipt ${r.id} refunds ≤ captured${where}`).toBeLessThanOrEqual(
			r.amount_cents,
		);
		const hold = b.holds.find((h) => h.id === r.hold_id);
		expect(hold?.status, `receipt ${r.id} has a captured hold${where}`).toBe("captured");
		expect(hold?.captured_cents, `receipt ${r.id} amount = captured${where}`).toBe(r.amount_cents);
	}
	const quotes = b.receipts.map((r) => r.quote_id);
	expect(new Set(quotes).size, `one receipt per quote${where}`).toBe(quotes.length);
	return b;
}

/** Drains the outbox and checks the D1 mirror holds every entry exactly once and sums to the balance. */
export async function expectMirrored(credentialId: string): Promise<void> {
	const { remaining } = await account(credentialId).flush();
	expect(remaining).toBe(0);
	const b = await books(credentialId);
	const mirror = await mirrorOf(credentialId);
	expect(new Set(mirror.ids).size, "no duplicate rows in D1").toBe(mirror.count);
	expect(mirror.ids.sort()).toEqual(b.entries.map((e) => e.id).sort());
	expect(mirror.sum, "D1 sum = DO balance").toBe(b.balance);
}

/** mulberry32: a small seeded PRNG, so a failing simulation can be replayed from its seed. */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
