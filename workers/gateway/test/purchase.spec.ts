import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	addServices,
	autoApprove,
	call,
	createKey,
	expectProblem,
	json,
	ownerKeyOf,
	providerService,
	sandboxOrigin,
} from "./helpers.ts";

interface Quote {
	quote_id: string;
	amount_cents: number;
	requires_confirmation: boolean;
	expires_at: string;
}
interface Receipt {
	id: string;
	quote_id: string;
	amount_cents: number;
	transaction_id: string;
	balance_after_cents: number;
	flagged: boolean;
}
interface Account {
	balance_cents: number;
	available_cents: number;
	holds: unknown[];
}

/** A small FoodDash order: the menu's first item, delivered in the restaurant's city. */
async function order(key: string): Promise<Record<string, unknown>> {
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
		items: [{ item_id: item.item_id, quantity: 4 }],
		delivery_address: { street: "100 Congress Ave", city: restaurant.city },
		tip_cents: 200,
	};
}

async function quote(key: string, parameters: Record<string, unknown>): Promise<Quote> {
	const response = await call("/v1/quotes", {
		key,
		body: { service: "fooddash", tool: "checkout", parameters },
	});
	expect(response.status, await response.clone().text()).toBe(201);
	return json<Quote>(response);
}

async function buy(key: string, parameters: Record<string, unknown>, quoteId: string): Promise<Response> {
	return call("/v1/services/fooddash/tools/checkout", { key, body: { parameters, quote_id: quoteId } });
}

async function account(key: string): Promise<Account> {
	return json<Account>(await call("/v1/account", { key }));
}

describe("purchases", () => {
	it("quotes, buys and returns a receipt; the balance moves by exactly the receipt amount", async () => {
		const { key } = await createKey("authenticated", "buyer@example.com", 20_000);
		await autoApprove(key);
		const parameters = await order(key);
		const before = await account(key);
		const q = await quote(key, parameters);
		expect(q.quote_id).toMatch(/^q_\w+\.[\w-]+$/);
		expect(q.amount_cents).toBeGreaterThan(0);
		expect(q.requires_confirmation).toBe(false);

		const response = await buy(key, parameters, q.quote_id);
		expect(response.status, await response.clone().text()).toBe(200);
		const bought = await json<{ receipt: Receipt; result: { order_uuid: string }; replayed: boolean }>(
			response,
		);
		expect(bought.replayed).toBe(false);
		expect(bought.receipt).toMatchObject({
			quote_id: q.quote_id.split(".")[0],
			amount_cents: q.amount_cents,
			flagged: false,
		});
		expect(bought.receipt.transaction_id).toBe(bought.result.order_uuid);

		const after = await account(key);
		const feesPaid = before.balance_cents - after.balance_cents - q.amount_cents;
		expect(feesPaid).toBeGreaterThanOrEqual(0);
		expect(after.holds).toEqual([]);
		expect(bought.receipt.balance_after_cents).toBe(after.balance_cents);

		// Retrying the same quote returns the same receipt and charges nothing more.
		const again = await json<{ receipt: Receipt; replayed: boolean }>(await buy(key, parameters, q.quote_id));
		expect(again).toMatchObject({ replayed: true, receipt: { id: bought.receipt.id } });
		expect((await account(key)).balance_cents).toBe(after.balance_cents);

		const statement = await json<{
			entries: { kind: string; amount_cents: number; receipt_id: string | null }[];
		}>(await call("/v1/account/statement", { key }));
		expect(statement.entries.filter((e) => e.kind === "purchase")).toEqual([
			expect.objectContaining({ amount_cents: -q.amount_cents, receipt_id: bought.receipt.id }),
		]);
	});

	it("refuses a purchase tool without a quote, and a quote for other parameters", async () => {
		const { key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		await expectProblem(
			await call("/v1/services/fooddash/tools/checkout", { key, body: { parameters } }),
			409,
			"CONFIRMATION_REQUIRED",
		);
		const q = await quote(key, parameters);
		await expectProblem(await buy(key, { ...parameters, tip_cents: 0 }, q.quote_id), 409, "CONFLICT");
	});

	it("answers 402 with the shortfall and never calls the merchant when funds are short", async () => {
		const { key } = await createKey("authenticated", "poor@example.com", 0);
		await autoApprove(key);
		const rich = await createKey();
		const parameters = await order(rich.key);
		// Quotes cost nothing (the precheck has no fee), but buying needs funds.
		await call(
			`/v1/admin/credentials/${(await json<{ credential_id: string }>(await call("/v1/account", { key }))).credential_id}/credit`,
			{
				headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
				body: { amount_cents: 50, reference: "a little" },
			},
		);
		const q = await quote(key, parameters);
		const problem = await expectProblem(await buy(key, parameters, q.quote_id), 402, "INSUFFICIENT_FUNDS");
		expect(problem.shortfall_cents).toBe(q.amount_cents - (await account(key)).available_cents);
		expect((await account(key)).holds).toEqual([]);
	});

	it("needs the owner's confirmation above the auto-approve threshold", async () => {
		const { key } = await createKey();
		await autoApprove(key);
		await call("/v1/account/controls", {
			key: ownerKeyOf(key),
			method: "PUT",
			body: { auto_approve_threshold_cents: 100 },
		});
		const parameters = await order(key);
		const q = await quote(key, parameters);
		expect(q.requires_confirmation).toBe(true);
		await expectProblem(await buy(key, parameters, q.quote_id), 409, "CONFIRMATION_REQUIRED");
		const confirmed = await call(`/v1/quotes/${q.quote_id}/confirm`, {
			key: ownerKeyOf(key),
			method: "POST",
		});
		expect((await json(confirmed)).status).toBe("confirmed");
		expect((await buy(key, parameters, q.quote_id)).status).toBe(200);
	});

	it("enforces the owner's caps and freeze with the limit named", async () => {
		const { key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		await call("/v1/account/controls", {
			key: ownerKeyOf(key),
			method: "PUT",
			body: { per_purchase_cap_cents: 100 },
		});
		let problem = await expectProblem(
			await buy(key, parameters, (await quote(key, parameters)).quote_id),
			403,
			"BUDGET_EXCEEDED",
		);
		expect(problem.limit).toBe("per_purchase_cap");
		await call("/v1/account/controls", {
			key: ownerKeyOf(key),
			method: "PUT",
			body: { merchant_deny: ["fooddash"] },
		});
		problem = await expectProblem(
			await buy(key, parameters, (await quote(key, parameters)).quote_id),
			403,
			"BUDGET_EXCEEDED",
		);
		expect(problem.limit).toBe("merchant_deny");
		await call("/v1/account/controls", { key: ownerKeyOf(key), method: "PUT", body: { frozen: true } });
		problem = await expectProblem(
			await buy(key, parameters, (await quote(key, parameters)).quote_id),
			403,
			"BUDGET_EXCEEDED",
		);
		expect(problem.limit).toBe("frozen");
	});

	it("releases the hold when the merchant refuses: no charge", async () => {
		const fooddash = providerService("fooddash");
		await addServices({
			...fooddash,
			card: { ...fooddash.card, id: "refusedash" },
			upstream: `${sandboxOrigin()}/_fault/status=422,only=checkout/fooddash`,
		});
		const { key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		const response = await call("/v1/quotes", {
			key,
			body: { service: "refusedash", tool: "checkout", parameters },
		});
		const q = await json<Quote>(response);
		const before = await account(key);
		const refused = await call("/v1/services/refusedash/tools/checkout", {
			key,
			body: { parameters, quote_id: q.quote_id },
		});
		await expectProblem(refused, 422, "VALIDATION_FAILED");
		const after = await account(key);
		expect(after).toMatchObject({
			balance_cents: before.balance_cents,
			available_cents: before.balance_cents,
			holds: [],
		});
	});

	it("keeps the amount reserved when the outcome is unknown, and finishes safely on retry", async () => {
		const fooddash = providerService("fooddash");
		const lost = {
			...fooddash,
			card: { ...fooddash.card, id: "lostdash" },
			upstream: `${sandboxOrigin()}/_fault/hang=3000,only=checkout/fooddash`,
			timeout_ms: 300,
		};
		await addServices(lost);
		const { key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		const q = await json<Quote>(
			await call("/v1/quotes", { key, body: { service: "lostdash", tool: "checkout", parameters } }),
		);
		const before = await account(key);
		const timedOut = await call("/v1/services/lostdash/tools/checkout", {
			key,
			body: { parameters, quote_id: q.quote_id },
		});
		const problem = await expectProblem(timedOut, 504, "UPSTREAM_TIMEOUT");
		expect(problem.outcome).toBe("unknown");
		const pending = await account(key);
		expect(pending.balance_cents).toBe(before.balance_cents);
		expect(pending.available_cents).toBe(before.available_cents - q.amount_cents);
		expect(pending.holds).toEqual([
			expect.objectContaining({ status: "unknown", amount_cents: q.amount_cents }),
		]);

		// The merchant is reachable again: the same quote finishes the purchase once, with the same idempotency key.
		await addServices({ ...lost, upstream: `${sandboxOrigin()}/fooddash`, timeout_ms: 10_000 });
		const finished = await call("/v1/services/lostdash/tools/checkout", {
			key,
			body: { parameters, quote_id: q.quote_id },
		});
		expect(finished.status, await finished.clone().text()).toBe(200);
		const { receipt } = await json<{ receipt: Receipt }>(finished);
		const after = await account(key);
		expect(after.holds).toEqual([]);
		expect(after.balance_cents).toBe(before.balance_cents - receipt.amount_cents);
	});

	it("captures at most the hold when the merchant charges more, flagging the receipt", async () => {
		const fooddash = providerService("fooddash");
		await addServices({
			...fooddash,
			card: { ...fooddash.card, id: "greedydash" },
			upstream: `${sandboxOrigin()}/_fault/amount-delta=150/fooddash`,
		});
		const { key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		const response = await call("/v1/quotes", {
			key,
			body: { service: "greedydash", tool: "checkout", parameters },
		});
		const q = await json<Quote>(response);
		const bought = await call("/v1/services/greedydash/tools/checkout", {
			key,
			body: { parameters, quote_id: q.quote_id },
		});
		expect(bought.status, await bought.clone().text()).toBe(200);
		const { receipt } = await json<{ receipt: Receipt & { held_cents: number } }>(bought);
		expect(receipt.flagged).toBe(true);
		expect(receipt.amount_cents).toBe(q.amount_cents);
		expect(receipt.held_cents).toBe(q.amount_cents);
	});

	it("one key cannot see or use another key's quote", async () => {
		const alice = await createKey();
		const mallory = await createKey();
		await autoApprove(alice.key);
		await autoApprove(mallory.key);
		const parameters = await order(alice.key);
		const q = await quote(alice.key, parameters);
		await expectProblem(await buy(mallory.key, parameters, q.quote_id), 404, "NOT_FOUND");
		await expectProblem(await call(`/v1/quotes/${q.quote_id}`, { key: mallory.key }), 404, "NOT_FOUND");
		await expectProblem(
			await call(`/v1/quotes/${q.quote_id}/confirm`, { key: ownerKeyOf(mallory.key), method: "POST" }),
			404,
			"NOT_FOUND",
		);
		// A forged signature is not a quote either.
		const forged = `${q.quote_id.split(".")[0]}.AAAAAAAAAAAAAAAAAAAAAAAA`;
		await expectProblem(await buy(alice.key, parameters, forged), 404, "NOT_FOUND");
	});

	it("buys in one call through the transparent path proxy, with the receipt in headers", async () => {
		const { key } = await createKey();
		await autoApprove(key);
		const parameters = await order(key);
		const before = await account(key);
		const response = await call("/fooddash/checkout", { key, body: parameters });
		expect(response.status, await response.clone().text()).toBe(200);
		const receiptId = response.headers.get("x-penumbra-receipt");
		const charged = Number(response.headers.get("x-penumbra-charged-cents"));
		expect(receiptId).toMatch(/^rcpt_/);
		const merchant = await json<{ order_uuid: string; totals: { total_cents: number } }>(response);
		expect(charged).toBe(merchant.totals.total_cents);
		const after = await account(key);
		expect(before.balance_cents - after.balance_cents).toBeGreaterThanOrEqual(charged);
		expect(after.holds).toEqual([]);
	});

	it("stops the transparent purchase at the quote when the owner must confirm", async () => {
		const { key } = await createKey();
		await call("/v1/account/controls", {
			key: ownerKeyOf(key),
			method: "PUT",
			body: { auto_approve_threshold_cents: 1 },
		});
		const parameters = await order(key);
		const before = await account(key);
		const problem = await expectProblem(
			await call("/fooddash/checkout", { key, body: parameters }),
			409,
			"CONFIRMATION_REQUIRED",
		);
		expect((problem.quote as Quote).requires_confirmation).toBe(true);
		expect((await account(key)).balance_cents).toBe(before.balance_cents);
	});
});
