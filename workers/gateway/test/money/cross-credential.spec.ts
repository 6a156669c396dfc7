import { describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json, ownerKeyOf } from "../helpers.ts";
import {
	ADMIN,
	account,
	accountView,
	autoApprove,
	buy,
	expectBalancedBooks,
	order,
	quote,
	type ReceiptView,
} from "./money.ts";

interface Statement {
	entries: { id: string; receipt_id: string | null }[];
	receipts: { id: string }[];
	next_cursor: string | null;
}

/** Everything one key can see of its own money, to compare before and after another key's attempts. */
async function snapshot(id: string, key: string) {
	const view = await accountView(key);
	const statement = await json<Statement>(await call("/v1/account/statement?limit=200", { key }));
	const controls = await json(await call("/v1/account/controls", { key }));
	return { view, statement, controls, audit: await account(id).audit() };
}

describe("one key and another's money", () => {
	it("no endpoint lets a key read or move another key's balance, quotes, receipts or controls", async () => {
		const alice = await createKey("authenticated", "alice@example.com", 20_000);
		const mallory = await createKey("authenticated", "mallory@example.com", 20_000);
		await autoApprove(mallory.key);
		await autoApprove(alice.key);
		const parameters = await order(alice.key);
		const bought = await quote(alice.key, parameters);
		const buying = await buy(alice.key, parameters, bought.quote_id);
		expect(buying.status).toBe(200);
		const { receipt } = await json<{ receipt: ReceiptView }>(buying);
		await call("/v1/account/controls", {
			key: ownerKeyOf(alice.key),
			method: "PUT",
			body: { auto_approve_threshold_cents: 1, daily_cap_cents: 90_000 },
		});
		const pending = await quote(alice.key, parameters);
		expect(pending.requires_confirmation).toBe(true);
		await account(alice.id).flush();
		const before = await snapshot(alice.id, alice.key);
		const malloryBefore = await accountView(mallory.key);

		// Reads: her quote is not found for him; his account pages are his own.
		await expectProblem(await call(`/v1/quotes/${pending.quote_id}`, { key: mallory.key }), 404, "NOT_FOUND");
		const his = await accountView(mallory.key);
		expect(his.credential_id).toBe(mallory.id);
		// A cursor only pages through the caller's own entries.
		const hisStatement = await json<Statement>(
			await call("/v1/account/statement?limit=200&cursor=999999", { key: mallory.key }),
		);
		expect(hisStatement.entries.length).toBeGreaterThan(0);
		const hers = new Set(before.statement.entries.map((e) => e.id));
		expect(hisStatement.entries.some((e) => hers.has(e.id))).toBe(false);
		expect(hisStatement.receipts.some((r) => r.id === receipt.id)).toBe(false);

		// Moves: confirming, declining or buying with her quotes; buying her order again; refunding her receipt.
		for (const decision of ["confirm", "decline"]) {
			await expectProblem(
				await call(`/v1/quotes/${pending.quote_id}/${decision}`, {
					key: ownerKeyOf(mallory.key),
					method: "POST",
				}),
				404,
				"NOT_FOUND",
			);
		}
		await expectProblem(await buy(mallory.key, parameters, pending.quote_id), 404, "NOT_FOUND");
		await expectProblem(await buy(mallory.key, parameters, bought.quote_id), 404, "NOT_FOUND");
		// Her quote id with a signature he made up, and his own signature on her id, are not quotes either.
		const own = await quote(mallory.key, parameters);
		const [herId] = pending.quote_id.split(".");
		const [, hisSignature] = own.quote_id.split(".");
		await expectProblem(await buy(mallory.key, parameters, `${herId}.${hisSignature}`), 404, "NOT_FOUND");
		await expectProblem(
			await call(`/v1/quotes/${herId}.${hisSignature}/confirm`, {
				key: ownerKeyOf(mallory.key),
				method: "POST",
			}),
			404,
			"NOT_FOUND",
		);
		// The merchant idempotency key is the gateway's, not the caller's: naming hers buys nothing of hers.
		const sneaky = await buy(
			mallory.key,
			{ ...parameters, "Idempotency-Key": `penumbra-${bought.quote_id.split(".")[0]}` },
			own.quote_id,
		);
		expect(sneaky.status, await sneaky.clone().text()).toBe(200);
		const sneakyReceipt = (await json<{ receipt: ReceiptView }>(sneaky)).receipt;
		expect(sneakyReceipt.transaction_id).not.toBe(receipt.transaction_id);

		// The one-call purchase of the transparent proxy charges the caller, and only the caller.
		const proxied = await call("/fooddash/checkout", { key: mallory.key, body: parameters });
		expect(proxied.status, await proxied.clone().text()).toBe(200);
		const proxiedCents = Number(proxied.headers.get("x-penumbra-charged-cents"));
		expect(proxiedCents).toBeGreaterThan(0);

		// Admin routes (credit, refund, ledger, reconcile, credentials) refuse a user's key.
		const asMallory = { authorization: `Bearer ${mallory.key}` };
		for (const [path, body] of [
			[
				`/v1/admin/credentials/${alice.id}/credit`,
				{ amount_cents: -100, reference: "x", kind: "adjustment" },
			],
			[`/v1/admin/credentials/${mallory.id}/credit`, { amount_cents: 100_000, reference: "free money" }],
			[`/v1/admin/receipts/${receipt.id}/refund`, { amount_cents: 100 }],
			[`/v1/admin/receipts/${sneakyReceipt.id}/refund`, {}],
			["/v1/admin/reconcile", {}],
		] as const) {
			await expectProblem(await call(path, { headers: asMallory, body }), 403, "FORBIDDEN");
		}
		await expectProblem(await call("/v1/admin/ledger", { headers: asMallory }), 403, "FORBIDDEN");
		await expectProblem(await call("/v1/admin/credentials", { headers: asMallory }), 403, "FORBIDDEN");

		// His controls are his own.
		await call("/v1/account/controls", {
			key: ownerKeyOf(mallory.key),
			method: "PUT",
			body: { frozen: true },
		});

		const after = await snapshot(alice.id, alice.key);
		expect(after).toEqual(before);
		expect(after.view.holds).toEqual([]);
		const malloryAfter = await accountView(mallory.key);
		expect(malloryAfter.balance_cents).toBe(
			malloryBefore.balance_cents - sneakyReceipt.amount_cents - proxiedCents,
		);
		await expectBalancedBooks(alice.id);
		await expectBalancedBooks(mallory.id);

		// And her pending quote is still hers to confirm and buy with, his freeze notwithstanding.
		expect(
			await json(
				await call(`/v1/quotes/${pending.quote_id}/confirm`, { key: ownerKeyOf(alice.key), method: "POST" }),
			),
		).toMatchObject({ status: "confirmed" });
		expect((await buy(alice.key, parameters, pending.quote_id)).status).toBe(200);
	});

	it("without a key, or with a revoked one, nothing about money is reachable", async () => {
		const carol = await createKey("authenticated", "carol@example.com", 20_000);
		await autoApprove(carol.key);
		const parameters = await order(carol.key);
		const q = await quote(carol.key, parameters);
		for (const path of [
			"/v1/account",
			"/v1/account/statement",
			"/v1/account/controls",
			`/v1/quotes/${q.quote_id}`,
		]) {
			await expectProblem(await call(path), 401, "AUTH_REQUIRED");
		}
		await expectProblem(
			await call("/v1/quotes", { body: { service: "fooddash", tool: "checkout", parameters } }),
			401,
			"AUTH_REQUIRED",
		);
		await expectProblem(
			await call("/v1/services/fooddash/tools/checkout", { body: { parameters, quote_id: q.quote_id } }),
			401,
			"AUTH_REQUIRED",
		);
		const revoked = await call(`/v1/admin/credentials/${carol.id}`, { headers: ADMIN, method: "DELETE" });
		expect(revoked.status).toBe(200);
		const before = await account(carol.id).audit();
		const refused = await buy(carol.key, parameters, q.quote_id);
		expect(refused.status).toBe(401);
		await expectProblem(await call("/v1/account", { key: carol.key }), 401, "AUTH_REQUIRED");
		expect(await account(carol.id).audit()).toEqual(before);
	});
});
