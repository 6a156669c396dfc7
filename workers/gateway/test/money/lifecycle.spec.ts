import { runInDurableObject } from "cloudflare:test";
import type { CompiledService } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import {
	addServices,
	call,
	createKey,
	expectProblem,
	json,
	providerService,
	sandboxOrigin,
} from "../helpers.ts";
import {
	ADMIN,
	account,
	accountView,
	autoApprove,
	buy,
	credit,
	expectBalancedBooks,
	order,
	quote,
	type ReceiptView,
} from "./money.ts";

/** A copy of FoodDash under `id` whose upstream goes through the sandbox's fault prefix. */
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

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5_000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await read();
		if (done(value) || Date.now() > deadline) return value;
		await scheduler.wait(50);
	}
}

describe("holds", () => {
	it("expire by alarm and give the funds back; an unknown outcome stays reserved; a released hold cannot be captured", async () => {
		const { id } = await createKey("authenticated", "holder@example.com", 1_000);
		const stub = account(id);
		const expiring = await stub.hold({
			key: "hold-expiring",
			kind: "usage",
			amount_cents: 400,
			ttl_ms: 1_000,
		});
		const pending = await stub.hold({ key: "hold-pending", kind: "usage", amount_cents: 300, ttl_ms: 1_000 });
		if (!expiring.ok || !pending.ok) throw new Error("holds refused");
		expect((await stub.markUnknown({ key: "unknown-pending", hold_id: pending.hold.id })).ok).toBe(true);
		expect(await stub.summary()).toMatchObject({ balance_cents: 1_000, available_cents: 300 });

		// No request arrives after this point: only the alarm can release the hold.
		const after = await until(
			() => stub.summary(),
			(s) => s.available_cents === 700,
		);
		expect(Date.now()).toBeGreaterThanOrEqual(expiring.hold.expires_at);
		expect(after).toMatchObject({
			balance_cents: 1_000,
			available_cents: 700,
			holds: [expect.objectContaining({ id: pending.hold.id, status: "unknown" })],
		});

		const late = await stub.capture({ key: "capture-late", hold_id: expiring.hold.id, amount_cents: 400 });
		expect(late).toMatchObject({ ok: false, code: "CONFLICT", extras: { status: "released" } });
		const again = await stub.release({ key: "release-again", hold_id: expiring.hold.id });
		expect(again).toMatchObject({ ok: false, code: "CONFLICT" });
		const b = await expectBalancedBooks(id);
		expect(b.entries.map((e) => e.kind)).toEqual(["credit"]);
	});

	it("resolve at most once: the same capture replays, another capture or a release is a conflict", async () => {
		const { id } = await createKey("authenticated", "capturer@example.com", 1_000);
		const stub = account(id);
		const held = await stub.hold({ key: "hold-once", kind: "usage", amount_cents: 500, ttl_ms: 60_000 });
		if (!held.ok) throw new Error("hold refused");
		const capture = { key: "capture-once", hold_id: held.hold.id, amount_cents: 200 };

		// Concurrent duplicates of one capture: one entry, every answer the same.
		const results = await Promise.all([stub.capture(capture), stub.capture(capture), stub.capture(capture)]);
		const entryIds = results.map((r) => ("code" in r ? r.code : r.entry.id));
		expect(new Set(entryIds).size).toBe(1);
		expect(results.filter((r) => r.ok && "replayed" in r)).toHaveLength(2);
		expect(results.every((r) => r.ok && r.balance_cents === 800)).toBe(true);

		expect(await stub.capture({ ...capture, amount_cents: 300 })).toMatchObject({
			ok: false,
			code: "CONFLICT",
		});
		expect(await stub.capture({ ...capture, key: "capture-twice" })).toMatchObject({
			ok: false,
			code: "CONFLICT",
			extras: { status: "captured" },
		});
		expect(await stub.release({ key: "release-captured", hold_id: held.hold.id })).toMatchObject({
			ok: false,
			code: "CONFLICT",
		});
		// The 300¢ not captured went back with the hold.
		expect(await stub.summary()).toMatchObject({ balance_cents: 800, available_cents: 800, holds: [] });
		await expectBalancedBooks(id);
	});

	it("capture at most what was held, and refuse a hold larger than what is available with the shortfall", async () => {
		const { id } = await createKey("authenticated", "small@example.com", 1_000);
		const stub = account(id);
		expect(
			await stub.hold({ key: "hold-too-big", kind: "usage", amount_cents: 1_001, ttl_ms: 60_000 }),
		).toMatchObject({ ok: false, code: "INSUFFICIENT_FUNDS", extras: { shortfall_cents: 1 } });
		const held = await stub.hold({ key: "hold-600", kind: "usage", amount_cents: 600, ttl_ms: 60_000 });
		if (!held.ok) throw new Error("hold refused");
		expect(
			await stub.hold({ key: "hold-500", kind: "usage", amount_cents: 500, ttl_ms: 60_000 }),
		).toMatchObject({
			ok: false,
			code: "INSUFFICIENT_FUNDS",
			extras: { shortfall_cents: 100 },
		});
		expect(
			await stub.capture({ key: "capture-more", hold_id: held.hold.id, amount_cents: 601 }),
		).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
		expect(await stub.summary()).toMatchObject({ balance_cents: 1_000, available_cents: 400 });
		// A refused capture was not remembered under its key: the corrected retry goes through.
		expect(
			await stub.capture({ key: "capture-more", hold_id: held.hold.id, amount_cents: 600 }),
		).toMatchObject({ ok: true, balance_cents: 400 });
		await expectBalancedBooks(id);
	});
});

describe("idempotency", () => {
	it("the same key with the same arguments returns the first result; with other arguments it is a conflict", async () => {
		const { id } = await createKey("authenticated", "idem@example.com", 1_000);
		const stub = account(id);
		const first = await stub.hold({ key: "idem-hold-1", kind: "usage", amount_cents: 100, ttl_ms: 60_000 });
		const replay = await stub.hold({ key: "idem-hold-1", kind: "usage", amount_cents: 100, ttl_ms: 60_000 });
		if (!first.ok || !replay.ok) throw new Error("hold refused");
		expect(replay.hold.id).toBe(first.hold.id);
		expect(replay).toHaveProperty("replayed", true);
		expect(
			await stub.hold({ key: "idem-hold-1", kind: "usage", amount_cents: 101, ttl_ms: 60_000 }),
		).toMatchObject({ ok: false, code: "CONFLICT", extras: { idempotency_key: "idem-hold-1" } });
		// A key is bound to its operation too.
		expect(await stub.release({ key: "idem-hold-1", hold_id: first.hold.id })).toMatchObject({
			ok: false,
			code: "CONFLICT",
		});
		expect(await stub.summary()).toMatchObject({ available_cents: 900, holds: [{ id: first.hold.id }] });
		expect(await stub.credit({ key: "short", amount_cents: 5 })).toMatchObject({
			ok: false,
			code: "VALIDATION_FAILED",
		});
	});

	it("an admin credit with a reference used before credits once; the reference with another amount is 409", async () => {
		const { id } = await createKey("authenticated", "credited@example.com", 0);
		const first = await credit(id, 2_500, "invoice-7");
		expect(first.status).toBe(200);
		const entry = (await json<{ entry: { id: string } }>(first)).entry;
		const [a, b] = await Promise.all([credit(id, 2_500, "invoice-7"), credit(id, 2_500, "invoice-7")]);
		for (const replay of [a, b]) {
			expect(await json(replay)).toMatchObject({
				replayed: true,
				balance_cents: 2_500,
				entry: { id: entry.id },
			});
		}
		await expectProblem(await credit(id, 2_600, "invoice-7"), 409, "CONFLICT");
		expect((await account(id).summary()).balance_cents).toBe(2_500);
		await expectBalancedBooks(id);
	});
});

describe("refunds", () => {
	it("give back at most what was captured less what was refunded, once per reference, through the admin API only", async () => {
		const { id, key } = await createKey("authenticated", "refunded@example.com", 20_000);
		await autoApprove(key);
		const parameters = await order(key);
		const q = await quote(key, parameters);
		const bought = await buy(key, parameters, q.quote_id);
		expect(bought.status).toBe(200);
		const { receipt } = await json<{ receipt: ReceiptView }>(bought);
		// The admin API finds a receipt's owner through the D1 mirror.
		await account(id).flush();
		const balance = (await accountView(key)).balance_cents;
		const refund = (body?: unknown, headers = ADMIN) =>
			call(`/v1/admin/receipts/${receipt.id}/refund`, {
				headers,
				method: "POST",
				...(body === undefined ? {} : { body }),
			});

		await expectProblem(
			await refund({ amount_cents: 100 }, { authorization: `Bearer ${key}` }),
			403,
			"FORBIDDEN",
		);
		const part = await refund({ amount_cents: 100, reference: "ticket-1" });
		expect(await json(part)).toMatchObject({
			balance_cents: balance + 100,
			receipt: { id: receipt.id, refunded_cents: 100 },
		});
		expect(await json(await refund({ amount_cents: 100, reference: "ticket-1" }))).toMatchObject({
			replayed: true,
			balance_cents: balance + 100,
		});
		await expectProblem(await refund({ amount_cents: 150, reference: "ticket-1" }), 409, "CONFLICT");
		const tooMuch = await expectProblem(
			await refund({ amount_cents: receipt.amount_cents, reference: "ticket-2" }),
			400,
			"VALIDATION_FAILED",
		);
		expect(tooMuch.refundable_cents).toBe(receipt.amount_cents - 100);
		// Without an amount: the rest.
		expect(await json(await refund({ reference: "ticket-3" }))).toMatchObject({
			balance_cents: balance + receipt.amount_cents,
			receipt: { refunded_cents: receipt.amount_cents },
		});
		await expectProblem(await refund({ amount_cents: 1 }), 400, "VALIDATION_FAILED");
		const b = await expectBalancedBooks(id);
		expect(b.entries.filter((e) => e.kind === "refund").map((e) => e.amount_cents)).toEqual([
			100,
			receipt.amount_cents - 100,
		]);
	});
});

describe("purchases whose outcome is unknown", () => {
	it("a retry long after the first attempt keeps its hold until the merchant answers (regression)", async () => {
		await addServices(fooddashAs("lostdash", "hang=3000,only=checkout", { timeout_ms: 300 }));
		const { id, key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		const q = await quote(key, parameters, "lostdash");
		await expectProblem(await buy(key, parameters, q.quote_id, "lostdash"), 504, "UPSTREAM_TIMEOUT");
		// The merchant stays unreachable for 20 minutes: the hold's original expiry passes while it is unknown.
		await runInDurableObject(account(id), (_instance, state) => {
			state.storage.sql.exec(
				"UPDATE holds SET expires_at = ? WHERE status = 'unknown'",
				Date.now() - 300_000,
			);
		});
		const before = await accountView(key);
		expect(before.available_cents).toBe(before.balance_cents - q.amount_cents);

		// Back, but slow: the alarm gets to run while the retry waits for the merchant.
		await addServices(fooddashAs("lostdash", "latency=300,only=checkout"));
		const retry = await buy(key, parameters, q.quote_id, "lostdash");
		expect(retry.status, await retry.clone().text()).toBe(200);
		const { receipt } = await json<{ receipt: ReceiptView }>(retry);
		expect(await accountView(key)).toMatchObject({
			balance_cents: before.balance_cents - receipt.amount_cents,
			holds: [],
		});
		await expectBalancedBooks(id);
	});

	it("a merchant answer too large to read keeps the amount reserved, and a retry finishes the purchase once (regression)", async () => {
		await addServices(fooddashAs("lostdash", "large=300000,only=checkout", { max_response_bytes: 100_000 }));
		const { id, key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		const q = await quote(key, parameters, "lostdash");
		const before = await accountView(key);
		const problem = await expectProblem(
			await buy(key, parameters, q.quote_id, "lostdash"),
			413,
			"PAYLOAD_TOO_LARGE",
		);
		expect(problem.outcome).toBe("unknown");
		// The merchant placed the order: the money must not be spendable elsewhere meanwhile.
		expect(await accountView(key)).toMatchObject({
			balance_cents: before.balance_cents,
			available_cents: before.available_cents - q.amount_cents,
			holds: [expect.objectContaining({ status: "unknown", amount_cents: q.amount_cents })],
		});

		await addServices(fooddashAs("lostdash", null));
		const retry = await buy(key, parameters, q.quote_id, "lostdash");
		expect(retry.status, await retry.clone().text()).toBe(200);
		const { receipt, result } = await json<{ receipt: ReceiptView; result: { order_uuid: string } }>(retry);
		expect(receipt.transaction_id).toBe(result.order_uuid);
		expect(await accountView(key)).toMatchObject({
			balance_cents: before.balance_cents - receipt.amount_cents,
			holds: [],
		});
		await expectBalancedBooks(id);
	});
});
