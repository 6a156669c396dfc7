import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import type { Quote } from "@penumbra/core/contracts";
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
} from "../helpers.ts";
import { ADMIN, account, buy, order, quote } from "../money/money.ts";

/**
 * An agent (an API key an assistant holds) tries, over REST, everything only the owner may do, and every way to
 * spend past the owner's controls. Each attempt is refused with the right code, and nothing moved: the balance,
 * the ledger and the merchant's orders are as they were.
 */

interface Snapshot {
	balance_cents: number;
	available_cents: number;
	entries: number;
	orders: number;
}

/** The quotes each test's agent asked for: the merchant orders a snapshot counts are theirs only (tests share the merchant). */
const quotesOf = new Map<string, string[]>();

function track<Q extends { quote_id: string }>(key: string, q: Q): Q {
	quotesOf.set(key, [...(quotesOf.get(key) ?? []), q.quote_id]);
	return q;
}

async function snapshot(key: string, merchant = "fooddash"): Promise<Snapshot> {
	const account = await json<{ balance_cents: number; available_cents: number }>(
		await call("/v1/account", { key }),
	);
	const statement = await json<{ entries: unknown[] }>(
		await call("/v1/account/statement?limit=200", { key }),
	);
	// The gateway's merchant idempotency key for a quote is `penumbra-<quote id>` (the unsigned part).
	const query = new URLSearchParams(
		(quotesOf.get(key) ?? []).map((id) => ["idempotency_key", `penumbra-${id.split(".")[0]}`]),
	);
	const orders =
		query.size === 0
			? { orders: 0 }
			: await json<{ orders: number }>(
					await fetch(`${sandboxOrigin()}/_control/orders/${merchant}?${query}`),
				);
	return {
		balance_cents: account.balance_cents,
		available_cents: account.available_cents,
		entries: statement.entries.length,
		orders: orders.orders,
	};
}

/** A funded agent with a quote above the owner's threshold (confirmation needed), and the books before. */
async function pendingPurchase() {
	const { key } = await createKey("authenticated", "agent@example.com", 50_000);
	const parameters = await order(key, 3);
	const q = track(key, await quote(key, parameters));
	expect(q.requires_confirmation).toBe(true);
	return { key, parameters, q, before: await snapshot(key) };
}

async function expectUnmoved(key: string, before: Snapshot, merchant = "fooddash"): Promise<void> {
	expect(await snapshot(key, merchant)).toEqual(before);
}

describe("an agent key cannot decide for the owner", () => {
	it("cannot confirm its own quote, then buy", async () => {
		const { key, parameters, q, before } = await pendingPurchase();
		const confirm = await expectProblem(
			await call(`/v1/quotes/${q.quote_id}/confirm`, { key, method: "POST" }),
			403,
			"FORBIDDEN",
		);
		expect(confirm).toMatchObject({ owner_only: true, account_url: expect.stringContaining("/account") });
		await expectProblem(await buy(key, parameters, q.quote_id), 409, "CONFIRMATION_REQUIRED");
		await expectUnmoved(key, before);
	});

	it("cannot decline then confirm", async () => {
		const { key, parameters, q, before } = await pendingPurchase();
		await expectProblem(
			await call(`/v1/quotes/${q.quote_id}/decline`, { key, method: "POST" }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(
			await call(`/v1/quotes/${q.quote_id}/confirm`, { key, method: "POST" }),
			403,
			"FORBIDDEN",
		);
		const status = await json<{ status: string }>(await call(`/v1/quotes/${q.quote_id}`, { key }));
		expect(status.status).toBe("open");
		await expectProblem(await buy(key, parameters, q.quote_id), 409, "CONFIRMATION_REQUIRED");
		await expectUnmoved(key, before);
	});

	it("cannot raise a cap or the threshold, nor unfreeze; it may freeze", async () => {
		const { key, parameters, q, before } = await pendingPurchase();
		for (const body of [
			{ auto_approve_threshold_cents: 99_999_999 },
			{ per_purchase_cap_cents: 99_999_999 },
			{ daily_cap_cents: null },
			{ merchant_allow: [] },
		]) {
			await expectProblem(await call("/v1/account/controls", { key, method: "PUT", body }), 403, "FORBIDDEN");
		}
		const frozen = await call("/v1/account/freeze", { key, method: "POST" });
		expect(frozen.status).toBe(200);
		expect(await json(frozen)).toMatchObject({ frozen: true });
		await expectProblem(
			await call("/v1/account/controls", { key, method: "PUT", body: { frozen: false } }),
			403,
			"FORBIDDEN",
		);
		const controls = await json<{ frozen: boolean; auto_approve_threshold_cents: number }>(
			await call("/v1/account/controls", { key }),
		);
		expect(controls).toMatchObject({ frozen: true, auto_approve_threshold_cents: 2500 });
		// Frozen: even a purchase the owner confirms places no order.
		expect(
			(await call(`/v1/quotes/${q.quote_id}/confirm`, { key: ownerKeyOf(key), method: "POST" })).status,
		).toBe(200);
		await expectProblem(await buy(key, parameters, q.quote_id), 403, "BUDGET_EXCEEDED");
		await expectUnmoved(key, before);
	});

	it("cannot create, list or revoke keys", async () => {
		const { key, before } = await pendingPurchase();
		await expectProblem(
			await call("/v1/account/keys", { key, body: { name: "mine now" } }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(
			await call("/v1/account/keys", { key, body: { name: "x", owner: true } }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(await call("/v1/account/keys", { key }), 403, "FORBIDDEN");
		const listed = await json<{ keys: { id: string }[] }>(
			await call("/v1/account/keys", { key: ownerKeyOf(key) }),
		);
		for (const { id } of listed.keys) {
			await expectProblem(await call(`/v1/account/keys/${id}`, { key, method: "DELETE" }), 403, "FORBIDDEN");
		}
		expect((await call("/v1/account", { key: ownerKeyOf(key) })).status).toBe(200);
		await expectUnmoved(key, before);
	});

	it("says what it is in /v1/account", async () => {
		const { key, ownerKey } = await createKey("authenticated", "who@example.com", 0);
		expect((await json<{ authority: string }>(await call("/v1/account", { key }))).authority).toBe("agent");
		expect((await json<{ authority: string }>(await call("/v1/account", { key: ownerKey }))).authority).toBe(
			"owner",
		);
	});
});

describe("a quote buys what it priced, nothing else", () => {
	it("a used quote for another service, tool or parameters is 409, never the first purchase's receipt", async () => {
		const { key } = await createKey("authenticated", "reuse@example.com", 50_000);
		await autoApprove(key);
		const parameters = await order(key);
		const q = track(key, await quote(key, parameters));
		expect((await buy(key, parameters, q.quote_id)).status).toBe(200);
		const before = await snapshot(key);
		const elsewhere = await expectProblem(
			await call("/v1/services/flyaway/tools/book_flight", {
				key,
				body: { parameters: {}, quote_id: q.quote_id },
			}),
			409,
			"CONFLICT",
		);
		expect(elsewhere.detail).toContain("fooddash.checkout");
		expect(elsewhere).not.toHaveProperty("receipt");
		await expectProblem(
			await call("/v1/services/fooddash/tools/get_menu", {
				key,
				body: { parameters: {}, quote_id: q.quote_id },
			}),
			409,
			"CONFLICT",
		);
		await expectProblem(await buy(key, { ...parameters, tip_cents: 999 }, q.quote_id), 409, "CONFLICT");
		await expectUnmoved(key, before);
		// The same purchase again is the same receipt, nothing more.
		expect((await buy(key, parameters, q.quote_id)).status).toBe(200);
		await expectUnmoved(key, before);
	});

	it("a threshold the owner lowers after the quote applies when buying", async () => {
		const { key } = await createKey("authenticated", "lowered@example.com", 50_000);
		await autoApprove(key);
		const parameters = await order(key);
		const q = track(key, await quote(key, parameters));
		expect(q.requires_confirmation).toBe(false);
		const before = await snapshot(key);
		await call("/v1/account/controls", {
			key: ownerKeyOf(key),
			method: "PUT",
			body: { auto_approve_threshold_cents: 100 },
		});
		await expectProblem(await buy(key, parameters, q.quote_id), 409, "CONFIRMATION_REQUIRED");
		await expectUnmoved(key, before);
	});

	it("rapid retries of one quote buy once", async () => {
		const { key } = await createKey("authenticated", "drain@example.com", 50_000);
		await autoApprove(key);
		const parameters = await order(key);
		const q = track(key, await quote(key, parameters));
		const before = await snapshot(key);
		const answers = await Promise.all(Array.from({ length: 12 }, () => buy(key, parameters, q.quote_id)));
		const receipts = new Set<string>();
		for (const answer of answers) {
			expect([200, 409]).toContain(answer.status);
			if (answer.status === 200) receipts.add((await json<{ receipt: { id: string } }>(answer)).receipt.id);
		}
		expect(receipts.size).toBe(1);
		const after = await snapshot(key);
		expect(after.orders).toBe(before.orders + 1);
		expect(after.entries).toBe(before.entries + 1);
		expect(after.balance_cents).toBe(before.balance_cents - q.amount_cents);
	});
});

describe("usage fees obey the owner's controls", () => {
	// fooddash.search_restaurants costs 2¢ a call (x-usage-fee-cents).
	const search = (key: string) =>
		call("/v1/services/fooddash/tools/search_restaurants", { key, body: { parameters: { city: "austin" } } });

	it("a per-purchase cap below the fee, a deny list, a daily cap and a freeze each refuse the paid call", async () => {
		const { key } = await createKey("authenticated", "fees@example.com", 1_000);
		const owner = ownerKeyOf(key);
		expect((await search(key)).status).toBe(200);
		const before = await snapshot(key);
		for (const [body, limit] of [
			[{ per_purchase_cap_cents: 1 }, "per_purchase_cap"],
			[{ merchant_deny: ["fooddash"] }, "merchant_deny"],
			[{ merchant_allow: ["skycast"] }, "merchant_allow"],
			[{ daily_cap_cents: 2 }, "daily_cap"],
			[{ frozen: true }, "frozen"],
		] as const) {
			expect((await call("/v1/account/controls", { key: owner, method: "PUT", body })).status).toBe(200);
			const refused = await expectProblem(await search(key), 403, "BUDGET_EXCEEDED");
			expect(refused.limit).toBe(limit);
			expect((await call("/v1/account/controls", { key: owner, method: "PUT", body: {} })).status).toBe(200);
		}
		await expectUnmoved(key, before);
	});
});

describe("a frozen account places no new order anywhere", () => {
	it("not even a retry of a purchase whose outcome was unknown", async () => {
		const fooddash = providerService("fooddash");
		await addServices({
			...fooddash,
			card: { ...fooddash.card, id: "lostdash" },
			upstream: `${sandboxOrigin()}/_fault/hang=3000,only=checkout/fooddash`,
			timeout_ms: 300,
		});
		const { id, key } = await createKey("authenticated", "frozen-resume@example.com", 50_000);
		await autoApprove(key);
		const parameters = await order(key);
		const q = track(
			key,
			await json<Quote>(
				await call("/v1/quotes", { key, body: { service: "lostdash", tool: "checkout", parameters } }),
			),
		);
		const lost = call("/v1/services/lostdash/tools/checkout", {
			key,
			body: { parameters, quote_id: q.quote_id },
		});
		await expectProblem(await lost, 504, "UPSTREAM_TIMEOUT");
		expect((await call("/v1/account/freeze", { key, method: "POST" })).status).toBe(200);
		// While the account has not asked the merchant yet (its alarm would look the order up on its own).
		await runInDurableObject(account(id), (_instance, state) => {
			state.storage.sql.exec("UPDATE purchase_attempts SET next_at = ?", Date.now() + 3600_000);
		});
		const before = await snapshot(key);
		const retried = await expectProblem(
			await call("/v1/services/lostdash/tools/checkout", { key, body: { parameters, quote_id: q.quote_id } }),
			403,
			"BUDGET_EXCEEDED",
		);
		expect(retried.limit).toBe("frozen");
		await expectUnmoved(key, before);
		// The alarm may look it up while frozen (a lookup places nothing): no order, so the amount is released.
		await runInDurableObject(account(id), (_instance, state) => {
			state.storage.sql.exec("UPDATE purchase_attempts SET next_at = ?", Date.now() - 1);
		});
		await runDurableObjectAlarm(account(id));
		expect(await snapshot(key)).toEqual({ ...before, available_cents: before.balance_cents });
	});
});

/**
 * Every path an API key (or a session made with one) reaches: REST tools (free and paid), the path proxy (free and
 * paid), account routes, quotes and buying with one, and the RPC other Workers use (identify, identity, call for a
 * tool and for the account: MCP execute and chat go through it). Each answers a status, or null for a refused RPC
 * identity.
 */
async function everyPath(who: {
	key: string;
	keyId: string;
	credentialId: string;
	restaurantId: string;
	parameters: Record<string, unknown>;
	quoteId: string;
}): Promise<Record<string, number | null>> {
	const { key, keyId, credentialId, restaurantId, quoteId } = who;
	const rpc = exports.GatewayRpc;
	const viaRpc = async (path: string, body?: unknown) =>
		(
			await rpc.call(credentialId, {
				method: body === undefined ? "GET" : "POST",
				path,
				key_id: keyId,
				...(body === undefined ? {} : { body }),
			})
		).status;
	return {
		account: (await call("/v1/account", { key })).status,
		statement: (await call("/v1/account/statement", { key })).status,
		controls: (await call("/v1/account/controls", { key })).status,
		freeTool: (
			await call("/v1/services/skycast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			})
		).status,
		paidTool: (
			await call("/v1/services/fooddash/tools/get_menu", {
				key,
				body: { parameters: { restaurant_id: restaurantId } },
			})
		).status,
		freeProxy: (await call("/skycast/current?city=lisbon", { key })).status,
		paidProxy: (await call(`/fooddash/restaurants/${restaurantId}/menu`, { key })).status,
		quote: (
			await call("/v1/quotes", {
				key,
				body: { service: "fooddash", tool: "checkout", parameters: who.parameters },
			})
		).status,
		readQuote: (await call(`/v1/quotes/${quoteId}`, { key })).status,
		identify: (await rpc.identify(key)) === null ? null : 200,
		identity: (await rpc.identity(credentialId, keyId)) === null ? null : 200,
		rpcTool: await viaRpc("/v1/services/skycast/tools/get_current_conditions", {
			parameters: { city: "lisbon" },
		}),
		rpcPaidTool: await viaRpc("/v1/services/fooddash/tools/get_menu", {
			parameters: { restaurant_id: restaurantId },
		}),
		rpcAccount: await viaRpc("/v1/account"),
	};
}

const LIVE = {
	account: 200,
	statement: 200,
	controls: 200,
	freeTool: 200,
	paidTool: 200,
	freeProxy: 200,
	paidProxy: 200,
	quote: 201,
	readQuote: 200,
	identify: 200,
	identity: 200,
	rpcTool: 200,
	rpcPaidTool: 200,
	rpcAccount: 200,
};
const REFUSED = {
	...LIVE,
	...Object.fromEntries(Object.keys(LIVE).map((k) => [k, 401])),
	identify: null,
	identity: null,
};

/** A funded account whose agent key has been through every path once: its identity is cached (isolate and KV). */
async function warmAgent(email: string) {
	const { id, key, ownerKey } = await createKey("authenticated", email, 5_000);
	const keys = await json<{ keys: { id: string; name: string }[] }>(
		await call("/v1/account/keys", { key: ownerKey }),
	);
	const keyId = keys.keys.find((k) => k.name === "assistant")?.id;
	if (!keyId) throw new Error("no agent key");
	const parameters = await order(key);
	const q = track(key, await quote(key, parameters));
	track(ownerKey, q);
	const who = {
		key,
		keyId,
		credentialId: id,
		restaurantId: String(parameters.restaurant_id),
		parameters,
		quoteId: q.quote_id,
	};
	expect(await everyPath(who)).toEqual(LIVE);
	return { ...who, ownerKey, before: await snapshot(ownerKey) };
}

describe("a revoked key", () => {
	it("is refused on the very next request, on every path, and moves no money", async () => {
		const agent = await warmAgent("revoked@example.com");
		expect(
			(await call(`/v1/account/keys/${agent.keyId}`, { key: agent.ownerKey, method: "DELETE" })).status,
		).toBe(204);

		expect(await everyPath(agent)).toEqual(REFUSED);
		await expectProblem(
			await call("/v1/account/freeze", { key: agent.key, method: "POST" }),
			401,
			"AUTH_REQUIRED",
		);
		await expectProblem(await buy(agent.key, agent.parameters, agent.quoteId), 401, "AUTH_REQUIRED");
		await expectProblem(
			await call("/fooddash/checkout", { key: agent.key, body: agent.parameters }),
			401,
			"AUTH_REQUIRED",
		);
		// The owner's key still works, and sees that nothing moved after the revocation (no fee, no hold, no order).
		expect(await snapshot(agent.ownerKey)).toEqual(agent.before);
		expect(await json(await call("/v1/account/controls", { key: agent.ownerKey }))).toMatchObject({
			frozen: false,
		});
	});

	it("every key of a revoked credential, and its sessions, on every path", async () => {
		const agent = await warmAgent("revoked-credential@example.com");
		const owner = await exports.GatewayRpc.identify(agent.ownerKey);
		expect(owner).not.toBeNull();
		// A session made by email sign-in carries no key: the credential alone.
		expect(
			(await exports.GatewayRpc.call(agent.credentialId, { method: "GET", path: "/v1/account" })).status,
		).toBe(200);
		expect(
			(await call(`/v1/admin/credentials/${agent.credentialId}`, { method: "DELETE", headers: ADMIN }))
				.status,
		).toBe(200);

		expect(await everyPath(agent)).toEqual(REFUSED);
		expect(await everyPath({ ...agent, key: agent.ownerKey, keyId: owner?.key_id ?? "" })).toEqual(REFUSED);
		await expectProblem(
			await call(`/v1/quotes/${agent.quoteId}/confirm`, { key: agent.ownerKey, method: "POST" }),
			401,
			"AUTH_REQUIRED",
		);
		expect(
			(await exports.GatewayRpc.call(agent.credentialId, { method: "GET", path: "/v1/account" })).status,
		).toBe(401);
		expect(await exports.GatewayRpc.identity(agent.credentialId)).toBeNull();
	});
});
