import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { PendingPurchase } from "@penumbra/core/contracts";
import type { CompiledService } from "@penumbra/core/registry";
import { describe, expect, it, vi } from "vitest";
import { AccountDO } from "../../src/account/account.do.ts";
import {
	addServices,
	call,
	createKey,
	expectProblem,
	json,
	providerService,
	sandboxOrigin,
	upstreamPointsOf,
} from "../helpers.ts";
import {
	ADMIN,
	account,
	accountView,
	autoApprove,
	beginPurchaseByHand,
	books,
	buy,
	expectBalancedBooks,
	expectMirrored,
	order,
	ordersForOurQuotes,
	quote,
	type ReceiptView,
} from "./money.ts";

/**
 * A purchase that may have reached the merchant always ends in a receipt or a known refusal (docs/money.md, "the
 * purchase state machine"): through the real gateway and sandbox merchant, with the merchant charging and then
 * failing to say so, and the purchase dying between the merchant's answer and the capture (a test-only fault in the
 * Account DO: locally a client that aborts does not cancel the work, see docs/money.md "Testing the faults").
 */

/** A copy of FoodDash under `id` (one with an upstream key bound) whose checkout goes through sandbox faults. */
function fooddashAs(
	id: string,
	faults: string | null,
	overrides: Partial<CompiledService> = {},
): CompiledService {
	const fooddash = providerService("fooddash");
	return {
		...fooddash,
		card: { ...fooddash.card, id },
		upstream: faults ? `${sandboxOrigin()}/_fault/${faults}/fooddash` : `${sandboxOrigin()}/fooddash`,
		...overrides,
	};
}

/** The same without the `x-purchase-status` lookup: the alarm then repeats the purchase with the same key. */
function withoutStatusLookup(service: CompiledService): CompiledService {
	return {
		...service,
		tools: service.tools.map((t) => {
			if (t.purchase?.kind !== "purchase") return t;
			const { status: _, ...purchase } = t.purchase;
			return { ...t, purchase };
		}),
	};
}

/** The orders FoodDash took for this file's quotes (all its copies share the one sandbox merchant). */
const fooddashOrders = (): Promise<number> => ordersForOurQuotes("fooddash");

/** The order FoodDash placed under a quote's idempotency key, as its status lookup answers it. */
async function orderByKey(quoteId: string): Promise<{ status: number; order_uuid?: string }> {
	const key = `penumbra-${quoteId.split(".")[0]}`;
	const response = await fetch(`${sandboxOrigin()}/fooddash/orders/by-key/${key}`, {
		headers: { "x-api-key": "test-fooddash-key" },
	});
	const body = await json<{ order_uuid?: string }>(response);
	return { status: response.status, ...(body.order_uuid ? { order_uuid: body.order_uuid } : {}) };
}

async function pending(key: string): Promise<PendingPurchase[]> {
	return json<{ pending_purchases: PendingPurchase[] }>(await call("/v1/account", { key })).then(
		(a) => a.pending_purchases,
	);
}

/** Runs the account's alarm (as the runtime would at its time) until no purchase is pending, or fails. */
async function resolveByAlarm(id: string, key: string, ms = 15_000): Promise<void> {
	const deadline = Date.now() + ms;
	for (;;) {
		await runDurableObjectAlarm(account(id));
		const left = await pending(key);
		if (left.length === 0) return;
		if (Date.now() > deadline) throw new Error(`still pending after ${ms} ms: ${JSON.stringify(left)}`);
		await scheduler.wait(100);
	}
}

async function receiptsOf(key: string): Promise<ReceiptView[]> {
	return (await json<{ receipts: ReceiptView[] }>(await call("/v1/account/statement?limit=200", { key })))
		.receipts;
}

async function buyer(email: string) {
	const { id, key } = await createKey("authenticated", email, 20_000);
	await autoApprove(key);
	const parameters = await order(key);
	return { id, key, parameters, before: await accountView(key), orders: await fooddashOrders() };
}

describe("a purchase whose merchant took the order", () => {
	it("dies after the merchant answered (injected): exactly one receipt and one order once the alarm takes over; a retry meanwhile is told to wait", async () => {
		await addServices(fooddashAs("lostdash", null, { timeout_ms: 1_000 }));
		const b = await buyer("died@example.com");
		const q = await quote(b.key, b.parameters, "lostdash");
		await runInDurableObject(account(b.id), (_instance, state) => {
			state.storage.kv.put("test:fault", "die-after-merchant");
		});
		await expectProblem(await buy(b.key, b.parameters, q.quote_id, "lostdash"), 500, "INTERNAL");
		expect(await fooddashOrders()).toBe(b.orders + 1);
		// The order exists; the account still holds the amount, in flight, and says what happens next.
		const [inFlight] = await pending(b.key);
		expect(inFlight).toMatchObject({ status: "in_flight", amount_cents: q.amount_cents, calls: 1 });
		expect(inFlight?.next).toMatch(/takes the purchase over/);
		expect((await accountView(b.key)).available_cents).toBe(b.before.available_cents - q.amount_cents);

		// The caller retries at once: still resolving, with a Retry-After, and no second order.
		const retry = await buy(b.key, b.parameters, q.quote_id, "lostdash");
		expect(Number(retry.headers.get("retry-after"))).toBeGreaterThan(0);
		const problem = await expectProblem(retry, 409, "CONFLICT");
		expect(problem).toMatchObject({ outcome: "pending", quote_id: q.quote_id });

		await resolveByAlarm(b.id, b.key);
		const [receipt] = await receiptsOf(b.key);
		expect(receipt?.transaction_id).toBe((await orderByKey(q.quote_id)).order_uuid);
		const again = await buy(b.key, b.parameters, q.quote_id, "lostdash");
		expect(await json(again)).toMatchObject({ replayed: true, receipt: { id: receipt?.id } });
		expect(await fooddashOrders()).toBe(b.orders + 1);
		expect((await accountView(b.key)).balance_cents).toBe(
			b.before.balance_cents - (receipt?.amount_cents ?? 0),
		);
		const books_ = await expectBalancedBooks(b.id);
		expect(books_.entries.filter((e) => e.kind === "purchase")).toHaveLength(1);
		await expectMirrored(b.id);
	});

	it("answers 5xx after charging: one receipt (found by the status lookup), never a release", async () => {
		await addServices(fooddashAs("refusedash", "charge-then-status=503,only=checkout"));
		const b = await buyer("charged-5xx@example.com");
		const q = await quote(b.key, b.parameters, "refusedash");
		const first = await buy(b.key, b.parameters, q.quote_id, "refusedash");
		const firstRequest = first.headers.get("x-request-id");
		expect(first.headers.get("retry-after")).not.toBeNull();
		expect(await expectProblem(first, 502, "UPSTREAM_ERROR")).toMatchObject({
			outcome: "unknown",
			quote_id: q.quote_id,
		});
		expect(await fooddashOrders()).toBe(b.orders + 1);
		expect(await pending(b.key)).toEqual([
			expect.objectContaining({ status: "unknown", amount_cents: q.amount_cents }),
		]);

		// A retry while it is unknown asks again with the same key: the merchant replays, still answering 503.
		await expectProblem(await buy(b.key, b.parameters, q.quote_id, "refusedash"), 502, "UPSTREAM_ERROR");
		expect(await fooddashOrders()).toBe(b.orders + 1);

		await resolveByAlarm(b.id, b.key);
		const receipts = await receiptsOf(b.key);
		expect(receipts).toHaveLength(1);
		expect(receipts[0]?.transaction_id).toBe((await orderByKey(q.quote_id)).order_uuid);
		const held = await books(b.id);
		expect(held.holds.filter((h) => h.kind === "purchase").map((h) => h.status)).toEqual(["captured"]);
		expect((await accountView(b.key)).balance_cents).toBe(
			b.before.balance_cents - (receipts[0]?.amount_cents ?? 0),
		);
		await expectBalancedBooks(b.id);
		await expectMirrored(b.id);
		// The alarm's status lookup carries the request id of the purchase's first call (its upstream point says so;
		// the retry's own call has the retry's id).
		await vi.waitFor(
			async () => {
				expect(await upstreamPointsOf(firstRequest)).toEqual([
					{ service: "refusedash", tool: "checkout", status: 503, outcome: "5xx" },
					{
						service: "refusedash",
						tool: expect.not.stringMatching(/^checkout$/),
						status: 200,
						outcome: "ok",
					},
				]);
			},
			{ timeout: 4_000, interval: 100 },
		);
	});

	it("answers 5xx without charging: released after the lookup finds no order, no receipt", async () => {
		await addServices(fooddashAs("refusedash", "status=503,only=checkout"));
		const b = await buyer("refused-5xx@example.com");
		const q = await quote(b.key, b.parameters, "refusedash");
		await expectProblem(await buy(b.key, b.parameters, q.quote_id, "refusedash"), 502, "UPSTREAM_ERROR");
		expect((await accountView(b.key)).available_cents).toBe(b.before.available_cents - q.amount_cents);
		await resolveByAlarm(b.id, b.key);
		expect(await orderByKey(q.quote_id)).toEqual({ status: 404 });
		expect(await fooddashOrders()).toBe(b.orders);
		expect(await receiptsOf(b.key)).toEqual([]);
		expect(await accountView(b.key)).toMatchObject({
			balance_cents: b.before.balance_cents,
			available_cents: b.before.available_cents,
			holds: [],
		});
		await expectBalancedBooks(b.id);
	});

	it("times out after charging: resolved by the alarm, by status lookup or (without one) the same call", {
		timeout: 60_000,
	}, async () => {
		for (const lookup of [true, false]) {
			const lost = fooddashAs("lostdash", "charge-then-hang=5000,only=checkout", { timeout_ms: 300 });
			await addServices(lookup ? lost : withoutStatusLookup(lost));
			const b = await buyer(`timeout-${lookup}@example.com`);
			const q = await quote(b.key, b.parameters, "lostdash");
			const timedOut = await expectProblem(
				await buy(b.key, b.parameters, q.quote_id, "lostdash"),
				504,
				"UPSTREAM_TIMEOUT",
			);
			expect(timedOut.outcome).toBe("unknown");
			// The merchant is reachable again (for the repeat: it dedupes on the key and answers the first order).
			const healthy = fooddashAs("lostdash", null);
			await addServices(lookup ? healthy : withoutStatusLookup(healthy));
			await resolveByAlarm(b.id, b.key);
			const receipts = await receiptsOf(b.key);
			expect(receipts.map((r) => r.transaction_id)).toEqual([(await orderByKey(q.quote_id)).order_uuid]);
			expect(await fooddashOrders()).toBe(b.orders + 1);
			await expectBalancedBooks(b.id);
		}
	});

	it("drops the connection after charging: one receipt once the alarm asks", async () => {
		await addServices(fooddashAs("lostdash", "charge-then-drop,only=checkout"));
		const b = await buyer("dropped@example.com");
		const q = await quote(b.key, b.parameters, "lostdash");
		const dropped = await buy(b.key, b.parameters, q.quote_id, "lostdash");
		expect((await json<{ outcome?: string }>(dropped)).outcome).toBe("unknown");
		await resolveByAlarm(b.id, b.key);
		expect(await receiptsOf(b.key)).toHaveLength(1);
		expect(await fooddashOrders()).toBe(b.orders + 1);
		await expectBalancedBooks(b.id);
	});

	it("on a frozen account is looked up, never repeated", async () => {
		const lost = fooddashAs("lostdash", "charge-then-hang=5000,only=checkout", { timeout_ms: 300 });
		await addServices(withoutStatusLookup(lost));
		const b = await buyer("frozen-lookup@example.com");
		const q = await quote(b.key, b.parameters, "lostdash");
		await expectProblem(await buy(b.key, b.parameters, q.quote_id, "lostdash"), 504, "UPSTREAM_TIMEOUT");
		expect((await call("/v1/account/freeze", { key: b.key, method: "POST" })).status).toBe(200);
		await addServices(withoutStatusLookup(fooddashAs("lostdash", null)));
		// Without a lookup the only way to ask is to repeat the purchase, which a frozen account never sends.
		await scheduler.wait(1_100);
		await runDurableObjectAlarm(account(b.id));
		expect(await pending(b.key)).toEqual([
			expect.objectContaining({ status: "unknown", next: expect.stringMatching(/frozen/) }),
		]);
		// With the merchant's status lookup, the frozen account learns the outcome.
		await addServices(fooddashAs("lostdash", null));
		await runInDurableObject(account(b.id), (_instance, state) => {
			state.storage.sql.exec("UPDATE purchase_attempts SET next_at = ?", Date.now() - 1);
		});
		await resolveByAlarm(b.id, b.key);
		expect(await receiptsOf(b.key)).toHaveLength(1);
		expect(await fooddashOrders()).toBe(b.orders + 1);
	});
});

describe("holds", () => {
	it("an expired hold is never captured, even before the alarm releases it", async () => {
		const { id } = await createKey("authenticated", "expired-capture@example.com", 1_000);
		const stub = account(id);
		const held = await stub.hold({ key: "hold-to-expire", kind: "usage", amount_cents: 400, ttl_ms: 60_000 });
		if (!held.ok) throw new Error("hold refused");
		// Expire it and try to capture it in one turn of the object: the alarm (which would release the hold) cannot
		// run in between, so this is the hold the alarm has not reached yet.
		const [captured, ended] = await runInDurableObject(stub, (instance, state) => {
			if (!(instance instanceof AccountDO)) throw new Error("not the Account DO");
			state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE id = ?", Date.now() - 1, held.hold.id);
			expect(
				state.storage.sql
					.exec<{ status: string }>("SELECT status FROM holds WHERE id = ?", held.hold.id)
					.one().status,
			).toBe("active");
			return [
				instance.capture({ key: "capture-expired", hold_id: held.hold.id, amount_cents: 400 }),
				instance.endCall({ hold_id: held.hold.id, success: true }),
			];
		});
		expect(captured).toMatchObject({ ok: false, code: "CONFLICT", extras: { status: "expired" } });
		expect(ended).toMatchObject({ ok: false, code: "CONFLICT" });

		// A purchase hold past its resolution window is not captured either, whatever the merchant says.
		await stub.setControls({
			per_purchase_cap_cents: null,
			daily_cap_cents: null,
			auto_approve_threshold_cents: 10_000,
			merchant_allow: [],
			merchant_deny: [],
			frozen: false,
		});
		const holdId = await beginPurchaseByHand(stub, "q_expiredhold", 300);
		const completed = await runInDurableObject(stub, (instance, state) => {
			if (!(instance instanceof AccountDO)) throw new Error("not the Account DO");
			state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE id = ?", Date.now() - 1, holdId);
			return instance.completePurchase({ hold_id: holdId, amount_cents: 300, transaction_id: "t" });
		});
		expect(completed).toMatchObject({ ok: false, code: "CONFLICT", extras: { status: "expired" } });
		const after = await expectBalancedBooks(id);
		expect(after.entries.map((e) => e.kind)).toEqual(["credit"]);
		expect(after.receipts).toEqual([]);
	});
});

describe("refunds", () => {
	async function bought(email: string) {
		const { id, key } = await createKey("authenticated", email, 20_000);
		await autoApprove(key);
		const parameters = await order(key);
		const q = await quote(key, parameters);
		const response = await buy(key, parameters, q.quote_id);
		expect(response.status).toBe(200);
		return { id, key, receipt: (await json<{ receipt: ReceiptView }>(response)).receipt };
	}

	const refund = (receiptId: string, body: Record<string, unknown> = {}) =>
		call(`/v1/admin/receipts/${receiptId}/refund`, { headers: ADMIN, method: "POST", body });

	it("retried without a reference refunds once: the receipt and amount make the key", async () => {
		const { id, key, receipt } = await bought("refund-retry@example.com");
		const balance = (await accountView(key)).balance_cents;
		const answers = await Promise.all([
			refund(receipt.id, { amount_cents: 100 }),
			refund(receipt.id, { amount_cents: 100 }),
		]);
		const bodies = await Promise.all(
			answers.map((r) => json<{ replayed?: boolean; balance_cents: number }>(r)),
		);
		expect(answers.map((r) => r.status)).toEqual([200, 200]);
		expect(bodies.filter((b) => b.replayed)).toHaveLength(1);
		expect((await accountView(key)).balance_cents).toBe(balance + 100);
		// The rest, twice: once.
		await refund(receipt.id);
		expect(await json(await refund(receipt.id))).toMatchObject({ replayed: true });
		expect((await accountView(key)).balance_cents).toBe(balance + receipt.amount_cents);
		// Never more than was captured, whatever reference.
		await expectProblem(
			await refund(receipt.id, { amount_cents: 1, reference: "more" }),
			400,
			"VALIDATION_FAILED",
		);
		const b = await expectBalancedBooks(id);
		expect(b.entries.filter((e) => e.kind === "refund").map((e) => e.amount_cents)).toEqual([
			100,
			receipt.amount_cents - 100,
		]);
	});

	it("works before the outbox drained into D1: the receipt id names its account", async () => {
		const { id, key, receipt } = await bought("refund-early@example.com");
		expect(receipt.id.endsWith(id.slice("cred_".length))).toBe(true);
		const balance = (await accountView(key)).balance_cents;
		// However far the mirror lags: the D1 receipts table does not have it.
		await env.DB.prepare("DELETE FROM receipts WHERE id = ?").bind(receipt.id).run();
		const response = await refund(receipt.id, { amount_cents: 50 });
		expect(response.status, await response.clone().text()).toBe(200);
		expect(await json(response)).toMatchObject({ receipt: { id: receipt.id, refunded_cents: 50 } });
		await expectProblem(await refund(`rcpt_${"A".repeat(40)}`), 404, "NOT_FOUND");
		expect((await accountView(key)).balance_cents).toBe(balance + 50);
	});
});
