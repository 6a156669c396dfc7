import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createKey, json } from "../helpers.ts";
import {
	account,
	accountView,
	autoApprove,
	buy,
	credit,
	expectBalancedBooks,
	expectMirrored,
	mirrorOf,
	order,
	quote,
	type ReceiptView,
} from "./money.ts";

/**
 * 1,000 real merchant purchases at once do not fit in the test pool (the sandbox runs in one local process and
 * starts timing out well before that), so the 1,000-way race runs at the Account DO, with the same RPC sequence
 * the gateway uses (beginPurchase → merchant → completePurchase) and a random merchant delay between; the
 * end-to-end race through the gateway and the sandbox runs 100-way.
 */

async function inBatches<T>(n: number, size: number, make: () => Promise<T>): Promise<T[]> {
	const out: T[] = [];
	while (out.length < n) {
		out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - out.length) }, make))));
	}
	return out;
}

function tally(statuses: readonly (number | string)[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
	return counts;
}

describe("concurrent purchases against a balance that covers exactly half of them", () => {
	it("1,000 purchases at one Account DO: 500 receipts, 500 INSUFFICIENT_FUNDS, balance 0, D1 agrees", async () => {
		const BUYERS = 1_000;
		const AMOUNT = 1_234;
		const { id } = await createKey("authenticated", "do-racer@example.com", 0);
		const stub = account(id);
		await stub.setControls({
			per_purchase_cap_cents: null,
			daily_cap_cents: null,
			auto_approve_threshold_cents: 10_000_000,
			merchant_allow: [],
			merchant_deny: [],
			frozen: false,
		});
		const quoteIds = Array.from({ length: BUYERS }, (_, i) => `q_race${String(i).padStart(6, "0")}`);
		for (const quoteId of quoteIds) {
			await stub.saveQuote({
				id: quoteId,
				service: "fooddash",
				tool: "checkout",
				params_hash: "h",
				amount_cents: AMOUNT,
				expires_at: Date.now() + 600_000,
				precheck: "{}",
				signature: "s",
			});
		}
		expect((await credit(id, (BUYERS / 2) * AMOUNT, "do-race-funding")).status).toBe(200);

		const outcomes = await Promise.all(
			quoteIds.map(async (quoteId, i) => {
				const begun = await stub.beginPurchase({
					quote_id: quoteId,
					params_hash: "h",
					service: "fooddash",
					tool: "checkout",
				});
				if ("code" in begun) return String(begun.code);
				if (!begun.hold) return "no hold";
				// The merchant answers after a while, so other purchases interleave with this one.
				await scheduler.wait(i % 7);
				const done = await stub.completePurchase({
					hold_id: begun.hold.id,
					amount_cents: AMOUNT,
					transaction_id: `tx_${i}`,
				});
				return "code" in done ? String(done.code) : "receipt";
			}),
		);
		expect(tally(outcomes)).toEqual({ receipt: BUYERS / 2, INSUFFICIENT_FUNDS: BUYERS / 2 });
		expect(await stub.summary()).toMatchObject({ balance_cents: 0, available_cents: 0, holds: [] });
		const b = await expectBalancedBooks(id);
		expect(b.receipts).toHaveLength(BUYERS / 2);
		await expectMirrored(id);
		expect(await mirrorOf(id)).toMatchObject({ sum: 0, count: BUYERS / 2 + 1 });
		const { results } = await env.DB.prepare("SELECT COUNT(*) AS n FROM receipts WHERE credential_id = ?")
			.bind(id)
			.all<{ n: number }>();
		expect(results[0]?.n).toBe(BUYERS / 2);
	}, 30_000);

	it("100 purchases through the gateway and the sandbox merchant at once: 50 receipts, 50 × 402, balance 0", async () => {
		const BUYERS = 100;
		const AFFORDABLE = 50;
		const scout = await createKey("authenticated", "scout@example.com");
		const parameters = await order(scout.key);
		const buyer = await createKey("authenticated", "racer@example.com", 0);
		await autoApprove(buyer.key);
		const quotes = await inBatches(BUYERS, 10, () => quote(buyer.key, parameters));
		const amount = quotes[0]?.amount_cents ?? 0;
		expect(amount).toBeGreaterThan(0);
		expect(quotes.every((q) => q.amount_cents === amount)).toBe(true);
		expect((await credit(buyer.id, AFFORDABLE * amount, "race-funding")).status).toBe(200);

		const responses = await Promise.all(quotes.map((q) => buy(buyer.key, parameters, q.quote_id)));
		expect(tally(responses.map((r) => r.status))).toEqual({ 200: AFFORDABLE, 402: BUYERS - AFFORDABLE });
		const receipts: ReceiptView[] = [];
		for (const r of responses) {
			if (r.status === 200) receipts.push((await json<{ receipt: ReceiptView }>(r)).receipt);
			else expect((await json<{ code: string }>(r)).code).toBe("INSUFFICIENT_FUNDS");
		}
		expect(new Set(receipts.map((r) => r.id)).size).toBe(AFFORDABLE);
		expect(new Set(receipts.map((r) => r.transaction_id)).size).toBe(AFFORDABLE);
		expect(receipts.every((r) => r.amount_cents === amount)).toBe(true);

		expect(await accountView(buyer.key)).toMatchObject({ balance_cents: 0, available_cents: 0, holds: [] });
		const b = await expectBalancedBooks(buyer.id);
		expect(b.entries.filter((e) => e.kind === "purchase")).toHaveLength(AFFORDABLE);
		await expectMirrored(buyer.id);
		expect(await mirrorOf(buyer.id)).toMatchObject({ sum: 0, count: AFFORDABLE + 1 });
	}, 30_000);
});
