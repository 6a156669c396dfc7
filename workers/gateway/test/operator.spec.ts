import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { OperatorPurchases } from "@penumbra/core/contracts";
import { hashApiKey } from "@penumbra/core/keys";
import { describe, expect, it } from "vitest";
import { addServices, call, createKey, expectProblem, faulty, json } from "./helpers.ts";
import { account, accountView, autoApprove, beginPurchaseByHand, buy, order, quote } from "./money/money.ts";

/**
 * Operator sessions (the site's dashboard): made with the ADMIN_TOKEN, they read metrics, alerts and purchases and
 * nothing else; never an API key, never a way to mint credentials, credit, refund or change anything.
 */

const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

/**
 * The contracts, imported once the gateway is loaded (after a first call): its schemas.ts extends zod with
 * `.openapi()`, which a schema made before that lacks, so this file must not be the first to make them.
 */
const contracts = () => import("@penumbra/core/contracts");

async function session(): Promise<string> {
	const response = await call("/v1/admin/sessions", { method: "POST", headers: ADMIN });
	expect(response.status, await response.clone().text()).toBe(201);
	return (await contracts()).OperatorSessionSchema.parse(await response.json()).token;
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });

async function purchases(token: string, query = ""): Promise<OperatorPurchases> {
	const response = await call(`/v1/admin/purchases${query}`, { headers: as(token) });
	expect(response.status, await response.clone().text()).toBe(200);
	return (await contracts()).OperatorPurchasesSchema.parse(await response.json());
}

/** The purchases once the account's unresolved purchase (and, with `recent`, its receipt) is in the list. */
async function purchasesOnceListed(
	token: string,
	credentialId: string,
	{ recent = true } = {},
): Promise<OperatorPurchases> {
	let listed = await purchases(token);
	const shown = (l: OperatorPurchases) =>
		l.unresolved.some((p) => p.credential_id === credentialId) &&
		(!recent || l.recent.some((r) => r.credential_id === credentialId));
	for (let i = 0; i < 100 && !shown(listed); i++) {
		await scheduler.wait(50);
		listed = await purchases(token);
	}
	expect(shown(listed), JSON.stringify(listed)).toBe(true);
	return listed;
}

/** FoodDash as `refusedash`, its calls through the sandbox's `faults` (helpers.ts `faulty`). */
const refusedash = (faults: string) => addServices(faulty("refusedash", faults, { from: "fooddash" }));

function watchRow(credentialId: string): Promise<{ since: number } | null> {
	return env.DB.prepare("SELECT since FROM purchase_watch WHERE credential_id = ?")
		.bind(credentialId)
		.first<{ since: number }>();
}

async function watchCount(): Promise<number> {
	return (await env.DB.prepare("SELECT COUNT(*) AS n FROM purchase_watch").first<{ n: number }>())?.n ?? 0;
}

describe("operator sessions", () => {
	it("are made only with the admin token, last 12 hours, and are stored only as their SHA-256", async () => {
		const started = Date.now();
		const response = await call("/v1/admin/sessions", { method: "POST", headers: ADMIN });
		expect(response.status).toBe(201);
		const { token, expires_at } = (await contracts()).OperatorSessionSchema.parse(await response.json());
		const hours = (Date.parse(expires_at) - started) / 3600_000;
		expect(hours).toBeGreaterThan(11.9);
		expect(hours).toBeLessThanOrEqual(12.01);
		const stored = await env.DB.prepare("SELECT * FROM operator_sessions").all();
		expect(stored.results).toContainEqual({
			token_hash: await hashApiKey(token),
			created_at: expect.any(Number),
			expires_at: Date.parse(expires_at),
		});
		expect(JSON.stringify(stored.results)).not.toContain(token);

		await expectProblem(await call("/v1/admin/sessions", { method: "POST" }), 401, "AUTH_REQUIRED");
		// A session cannot make another (nor outlive itself that way).
		await expectProblem(
			await call("/v1/admin/sessions", { method: "POST", headers: as(token) }),
			403,
			"FORBIDDEN",
		);
	});

	it("read purchases but change nothing: credentials, credit, refunds, reconcile, refresh, ledger are refused", async () => {
		const token = await session();
		const { id } = await createKey("authenticated", "operator-target@example.com", 1_000);
		const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM credentials").first<{ n: number }>();
		await purchases(token);
		const refused: [string, string, unknown?][] = [
			["POST", "/v1/admin/credentials", { email: "minted@example.com" }],
			["GET", "/v1/admin/credentials"],
			["DELETE", `/v1/admin/credentials/${id}`],
			["POST", `/v1/admin/credentials/${id}/credit`, { amount_cents: 100_000, reference: "operator" }],
			["POST", "/v1/admin/receipts/rcpt_0123456789abcdef/refund", {}],
			["POST", "/v1/admin/reconcile"],
			["POST", "/v1/admin/registry/refresh", {}],
			["GET", "/v1/admin/ledger"],
		];
		for (const [method, path, body] of refused) {
			const response = await call(path, {
				method,
				headers: as(token),
				...(body === undefined ? {} : { body }),
			});
			const problem = await expectProblem(response, 403, "FORBIDDEN");
			expect(problem.detail, `${method} ${path}`).toMatch(/may only read/);
		}
		const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM credentials").first<{ n: number }>();
		expect(after?.n).toBe(before?.n);
		const credited = await env.DB.prepare(
			"SELECT COUNT(*) AS n FROM ledger_entries WHERE credential_id = ? AND reference = 'operator'",
		)
			.bind(id)
			.first<{ n: number }>();
		expect(credited?.n).toBe(0);
	});

	it("are not API keys: the public API refuses one as a caller's key", async () => {
		const token = await session();
		await expectProblem(await call("/v1/account", { headers: as(token) }), 401, "AUTH_REQUIRED");
		await expectProblem(
			await call("/v1/services/skycast/tools/get_current_weather", {
				headers: as(token),
				body: { parameters: { city: "london" } },
			}),
			401,
			"AUTH_REQUIRED",
		);
	});

	it("end on sign-out and at their expiry; an unknown token is refused", async () => {
		const token = await session();
		await purchases(token);
		const current = await call("/v1/admin/sessions/current", { headers: as(token) });
		expect(current.status).toBe(200);
		expect(Date.parse((await json<{ expires_at: string }>(current)).expires_at)).toBeGreaterThan(Date.now());
		await expectProblem(
			await call("/v1/admin/sessions/current", { method: "DELETE", headers: ADMIN }),
			400,
			"VALIDATION_FAILED",
		);
		expect((await call("/v1/admin/sessions/current", { method: "DELETE", headers: as(token) })).status).toBe(
			204,
		);
		await expectProblem(await call("/v1/admin/purchases", { headers: as(token) }), 401, "AUTH_REQUIRED");
		await expectProblem(
			await call("/v1/admin/sessions/current", { headers: as(token) }),
			401,
			"AUTH_REQUIRED",
		);

		const unknown = `ops_${"A".repeat(43)}`;
		await expectProblem(await call("/v1/admin/purchases", { headers: as(unknown) }), 401, "AUTH_REQUIRED");

		// Past its end a session is refused, and the next sign-in deletes it.
		const expired = await session();
		const expiredHash = await hashApiKey(expired);
		await env.DB.prepare("UPDATE operator_sessions SET expires_at = ? WHERE token_hash = ?")
			.bind(Date.now() - 1, expiredHash)
			.run();
		await expectProblem(await call("/v1/admin/purchases", { headers: as(expired) }), 401, "AUTH_REQUIRED");
		const live = await session();
		const hashes = (await env.DB.prepare("SELECT token_hash FROM operator_sessions").all()).results;
		expect(hashes).not.toContainEqual({ token_hash: expiredHash });
		expect(hashes).toContainEqual({ token_hash: await hashApiKey(live) });
		await purchases(live);
	});
});

describe("GET /v1/admin/purchases", () => {
	it("lists the latest receipts and the purchases still unresolved with the merchant, by account", async () => {
		// Charges, then answers 503: the outcome is unknown (held) until the account asks the merchant again.
		await refusedash("charge-then-status=503,only=checkout");
		const buyer = await createKey("authenticated", "operator-buyer@example.com", 20_000);
		await autoApprove(buyer.key);
		const parameters = await order(buyer.key);
		const bought = await quote(buyer.key, parameters);
		expect((await buy(buyer.key, parameters, bought.quote_id)).status).toBe(200);
		const lost = await quote(buyer.key, parameters, "refusedash");
		await expectProblem(await buy(buyer.key, parameters, lost.quote_id, "refusedash"), 502, "UPSTREAM_ERROR");

		const token = await session();
		// The receipt reaches D1 when the account's outbox drains, and the account is listed as one to ask when its
		// alarm writes `purchase_watch`, both a second after the answer: wait for them.
		const listed = await purchasesOnceListed(token, buyer.id);
		expect(listed.recent.find((r) => r.credential_id === buyer.id)).toMatchObject({
			service: "fooddash",
			tool: "checkout",
			amount_cents: bought.amount_cents,
		});
		expect(listed.unresolved.filter((p) => p.credential_id === buyer.id)).toEqual([
			expect.objectContaining({
				service: "refusedash",
				// The account keeps the quote's id without its signature.
				quote_id: lost.quote_id.split(".")[0],
				status: "unknown",
				amount_cents: lost.amount_cents,
			}),
		]);
		expect(listed.accounts_checked).toBeGreaterThan(0);
		expect(listed.accounts_total).toBeGreaterThanOrEqual(listed.accounts_checked);
	});

	it("asks every account with a purchase unresolved, however many were active since, and forgets it once settled", async () => {
		// Quoted while the merchant answers; then it answers 503 to everything, the checkout and its status lookup: the
		// outcome stays unknown (held) for as long as this test looks.
		await refusedash("charge-then-status=503,only=checkout");
		const waiting = await createKey("authenticated", "operator-waiting@example.com", 20_000);
		await autoApprove(waiting.key);
		const parameters = await order(waiting.key);
		const lost = await quote(waiting.key, parameters, "refusedash");
		const before = (await accountView(waiting.key)).balance_cents;
		await refusedash("status=503");
		await expectProblem(
			await buy(waiting.key, parameters, lost.quote_id, "refusedash"),
			502,
			"UPSTREAM_ERROR",
		);
		const token = await session();
		await purchasesOnceListed(token, waiting.id, { recent: false });
		expect(await watchRow(waiting.id)).toEqual({ since: expect.any(Number) });

		// Three accounts active since: the list still asks the waiting one (it asked the most recently active ones).
		for (let i = 0; i < 3; i++) await createKey("authenticated", `operator-busy-${i}@example.com`, 500);
		const watched = await watchCount();
		const listed = await purchases(token, `?accounts=${watched}`);
		expect(listed.unresolved.filter((p) => p.credential_id === waiting.id)).toEqual([
			// Unknown, or in flight again while the account asks.
			expect.objectContaining({ service: "refusedash", amount_cents: lost.amount_cents }),
		]);
		expect(listed).toMatchObject({ accounts_checked: watched, accounts_total: watched });

		// Once its status lookup answers, the account's alarm finds no order: released, and the row goes in that run.
		await refusedash("charge-then-status=503,only=checkout");
		for (let i = 0; i < 50 && (await watchRow(waiting.id)); i++) {
			await runDurableObjectAlarm(account(waiting.id));
			await scheduler.wait(100);
		}
		expect(await watchRow(waiting.id)).toBeNull();
		const after = await purchases(token, "?accounts=1000");
		expect(after.unresolved.filter((p) => p.credential_id === waiting.id)).toEqual([]);
		expect(after.accounts_total).toBe(watched - 1);
		const settled = await accountView(waiting.key);
		expect(settled.balance_cents).toBe(before);
		expect(settled.available_cents).toBe(before);
	});

	it("lists an account whose watch row could not be written at first, once its alarm tries again", async () => {
		const { id } = await createKey("authenticated", "operator-retry@example.com", 20_000);
		const stub = account(id);
		await runInDurableObject(stub, (_, state) => {
			state.storage.kv.put("test:fault", "before-watch");
		});
		const holdId = await beginPurchaseByHand(stub, "q_watch_retry", 500);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await watchRow(id)).toBeNull();
		// The failed write left the alarm set: its next run writes the row.
		expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).not.toBeNull();
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await watchRow(id)).toEqual({ since: expect.any(Number) });

		// Settled outside the alarm (the merchant's sale recorded): the next run removes the row.
		expect(
			(await stub.completePurchase({ hold_id: holdId, amount_cents: 500, transaction_id: "t_1" })).ok,
		).toBe(true);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await watchRow(id)).toBeNull();
	});

	it("lists a purchase left pending before the watch existed once reconciliation has flushed its account", async () => {
		const { id } = await createKey("authenticated", "operator-before@example.com", 20_000);
		const stub = account(id);
		const holdId = await beginPurchaseByHand(stub, "q_watch_before", 700);
		// As an object from before the watch: a pending purchase, no row, nothing recorded as told, no alarm due.
		await runInDurableObject(stub, async (_, state) => {
			state.storage.sql.exec("DELETE FROM meta WHERE key = 'watched'");
			await state.storage.deleteAlarm();
		});
		await env.DB.prepare("DELETE FROM purchase_watch WHERE credential_id = ?").bind(id).run();

		const reconciled = await call("/v1/admin/reconcile", { method: "POST", headers: ADMIN });
		expect(reconciled.status, await reconciled.clone().text()).toBe(200);
		expect(await watchRow(id)).toEqual({ since: expect.any(Number) });
		const listed = await purchases(await session(), `?accounts=${await watchCount()}`);
		expect(listed.unresolved.filter((p) => p.credential_id === id)).toEqual([
			expect.objectContaining({ hold_id: holdId, amount_cents: 700, status: "in_flight" }),
		]);
	});

	it("needs the admin token or a session", async () => {
		await expectProblem(await call("/v1/admin/purchases"), 401, "AUTH_REQUIRED");
		const { key } = await createKey();
		await expectProblem(await call("/v1/admin/purchases", { key }), 403, "FORBIDDEN");
		expect((await call("/v1/admin/purchases", { headers: ADMIN })).status).toBe(200);
	});
});
