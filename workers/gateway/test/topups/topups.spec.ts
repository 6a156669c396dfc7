import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
	type LedgerEntry,
	StatementSchema,
	type TopUp,
	TopUpOptionsSchema,
	TopUpRefundSchema,
	TopUpSchema,
} from "@penumbra/core/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { fakeStripe, type SignedEvent } from "../../../../test/fake-stripe/client.ts";
import { app } from "../../src/app.ts";
import { call, createKey, expectProblem, json, ORIGIN } from "../helpers.ts";

/**
 * Top-ups end to end through the gateway's real entry, against the fake Stripe API (test/fake-stripe): the gateway
 * talks to it with the official SDK, the fake signs events with the SDK's test-header helper and the secret the
 * gateway has, and the tests deliver them to POST /v1/webhooks/stripe as Stripe would.
 */

const stripe = fakeStripe(env.STRIPE_API_BASE);
const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

interface Account {
	id: string;
	key: string;
	ownerKey: string;
}

async function newAccount(fundCents = 0): Promise<Account> {
	return createKey("authenticated", "payer@example.com", fundCents);
}

async function startTopUp(owner: string, amount: number, idempotencyKey?: string): Promise<TopUp> {
	const response = await call("/v1/account/top-ups", {
		key: owner,
		body: { amount_cents: amount },
		...(idempotencyKey ? { headers: { "idempotency-key": idempotencyKey } } : {}),
	});
	expect(response.status, await response.clone().text()).toBe(201);
	return TopUpSchema.parse(await response.json());
}

function sessionOf(topUp: TopUp): string {
	const id = topUp.checkout_url?.split("/checkout/")[1];
	if (!id) throw new Error(`no Checkout URL on ${topUp.id}`);
	return id;
}

async function deliver(event: Pick<SignedEvent, "payload" | "header">): Promise<Response> {
	return call("/v1/webhooks/stripe", {
		method: "POST",
		body: event.payload,
		headers: { "stripe-signature": event.header },
	});
}

async function topUpOf(key: string, id: string): Promise<TopUp> {
	const response = await call(`/v1/account/top-ups/${id}`, { key });
	expect(response.status, await response.clone().text()).toBe(200);
	return TopUpSchema.parse(await response.json());
}

async function balance(key: string): Promise<number> {
	return (await json<{ balance_cents: number }>(await call("/v1/account", { key }))).balance_cents;
}

async function entries(key: string): Promise<LedgerEntry[]> {
	const response = await call("/v1/account/statement?limit=200", { key });
	return StatementSchema.parse(await response.json()).entries;
}

async function topUpEntries(key: string): Promise<LedgerEntry[]> {
	return (await entries(key)).filter((e) => e.kind === "top_up" || e.kind === "top_up_refund");
}

async function expectBalancedBooks(credentialId: string): Promise<void> {
	const audit = await env.ACCOUNT.getByName(credentialId).audit();
	expect(audit.balance_cents).toBe(audit.entries_sum_cents);
	expect(audit.balance_cents).toBeGreaterThanOrEqual(0);
}

/** A paid top-up of `amount`, credited through the webhook. */
async function paidTopUp(account: Account, amount: number): Promise<{ topUp: TopUp; session: string }> {
	const topUp = await startTopUp(account.ownerKey, amount);
	const session = sessionOf(topUp);
	const answer = await deliver(await stripe.complete(session));
	expect(await json(answer)).toMatchObject({ outcome: "credited" });
	return { topUp, session };
}

async function adjust(credentialId: string, amount: number, reference: string): Promise<void> {
	const response = await call(`/v1/admin/credentials/${credentialId}/credit`, {
		headers: ADMIN,
		body: { amount_cents: amount, kind: amount < 0 ? "adjustment" : "credit", reference },
	});
	expect(response.status, await response.clone().text()).toBe(200);
}

async function refund(
	topUpId: string,
	body: Record<string, unknown> = {},
	headers = ADMIN,
): Promise<Response> {
	return call(`/v1/admin/top-ups/${topUpId}/refund`, { headers, body });
}

let payer: Account;

beforeAll(async () => {
	payer = await newAccount();
});

describe("starting a top-up", () => {
	it("offers the operator's bounds and presets", async () => {
		const options = TopUpOptionsSchema.parse(
			await json(await call("/v1/account/top-ups/options", { key: payer.key })),
		);
		expect(options).toEqual({
			configured: true,
			min_cents: 500,
			max_cents: 50_000,
			presets_cents: [1000, 2500, 5000],
			currency: "USD",
		});
	});

	it("makes one Checkout Session for the owner, with the account and top-up in its metadata", async () => {
		const topUp = await startTopUp(payer.ownerKey, 2500);
		expect(topUp).toMatchObject({ amount_cents: 2500, currency: "USD", status: "pending" });
		expect(topUp.id).toMatch(/^tu_/);
		const session = sessionOf(topUp);
		const [created] = await stripe.requests({ path: "/v1/checkout/sessions", match: topUp.id });
		expect(created).toMatchObject({
			method: "POST",
			idempotency_key: `penumbra-top-up-${topUp.id}`,
			params: {
				mode: "payment",
				client_reference_id: topUp.id,
				metadata: { credential_id: payer.id, top_up_id: topUp.id },
				line_items: [{ quantity: "1", price_data: { currency: "usd", unit_amount: "2500" } }],
				success_url: `${env.WEB_URL}/account/top-up/${topUp.id}?status=success`,
				cancel_url: `${env.WEB_URL}/account/top-up/${topUp.id}?status=cancelled`,
			},
		});
		expect(await stripe.session(session)).toMatchObject({ amount_total: 2500, status: "open" });
		// The agent key of the same account may follow it (the site and assistants poll); it is still pending.
		expect(await topUpOf(payer.key, topUp.id)).toMatchObject({
			status: "pending",
			checkout_url: topUp.checkout_url,
		});
	});

	it("answers the same Idempotency-Key with the same top-up and session; no key, a new one", async () => {
		const key = `site-${crypto.randomUUID()}`;
		const first = await startTopUp(payer.ownerKey, 1000, key);
		const again = await startTopUp(payer.ownerKey, 1000, key);
		expect(again).toEqual(first);
		const other = await startTopUp(payer.ownerKey, 1000);
		expect(other.id).not.toBe(first.id);
		expect((await stripe.requests({ path: "/v1/checkout/sessions", match: first.id })).length).toBe(1);
		// The same key for another amount is a conflict, not a second top-up.
		const conflict = await call("/v1/account/top-ups", {
			key: payer.ownerKey,
			body: { amount_cents: 2000 },
			headers: { "idempotency-key": key },
		});
		await expectProblem(conflict, 409, "CONFLICT");
	});

	it("refuses an agent key: starting a top-up is the owner's", async () => {
		const before = (await stripe.requests({ path: "/v1/checkout/sessions", match: payer.id })).length;
		const problem = await expectProblem(
			await call("/v1/account/top-ups", { key: payer.key, body: { amount_cents: 1000 } }),
			403,
			"FORBIDDEN",
		);
		expect(problem).toMatchObject({ owner_only: true });
		expect((await stripe.requests({ path: "/v1/checkout/sessions", match: payer.id })).length).toBe(before);
		await expectProblem(
			await call("/v1/account/top-ups", { body: { amount_cents: 1000 } }),
			401,
			"AUTH_REQUIRED",
		);
	});

	it("refuses amounts outside the bounds with a problem naming them", async () => {
		for (const amount of [499, 50_001, 0, -500]) {
			const problem = await expectProblem(
				await call("/v1/account/top-ups", { key: payer.ownerKey, body: { amount_cents: amount } }),
				400,
				"VALIDATION_FAILED",
			);
			expect(problem.detail).toContain("500 to 50000 cents");
			expect(problem.detail).toContain("$5.00 to $500.00");
			expect(problem).toMatchObject({ min_cents: 500, max_cents: 50_000 });
		}
		await expectProblem(
			await call("/v1/account/top-ups", { key: payer.ownerKey, body: { amount_cents: 10.5 } }),
			400,
			"VALIDATION_FAILED",
		);
	});

	it("keeps another account's top-up to itself", async () => {
		const topUp = await startTopUp(payer.ownerKey, 500);
		const stranger = await newAccount();
		await expectProblem(
			await call(`/v1/account/top-ups/${topUp.id}`, { key: stranger.ownerKey }),
			404,
			"NOT_FOUND",
		);
	});
});

describe("without Stripe configured", () => {
	async function fetchUnconfigured(path: string, init: RequestInit = {}): Promise<Response> {
		const ctx = createExecutionContext();
		const response = await app.fetch(
			new Request(`${ORIGIN}${path}`, init),
			{ ...env, STRIPE_SECRET_KEY: "", STRIPE_WEBHOOK_SECRET: "" } as GatewayEnv,
			ctx,
		);
		await waitOnExecutionContext(ctx);
		return response;
	}

	it("says so in the options and answers a top-up (and the webhook) with 503", async () => {
		const auth = { authorization: `Bearer ${payer.ownerKey}`, "content-type": "application/json" };
		const options = await json(await fetchUnconfigured("/v1/account/top-ups/options", { headers: auth }));
		expect(options).toMatchObject({ configured: false, min_cents: 500, max_cents: 50_000 });
		const problem = await expectProblem(
			await fetchUnconfigured("/v1/account/top-ups", {
				method: "POST",
				headers: auth,
				body: JSON.stringify({ amount_cents: 1000 }),
			}),
			503,
			"INTERNAL",
		);
		expect(problem.detail).toContain("Top-up is not configured");
		expect(problem.missing_config).toEqual(["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]);
		await expectProblem(
			await fetchUnconfigured("/v1/webhooks/stripe", {
				method: "POST",
				body: "{}",
				headers: { "stripe-signature": "t=1,v1=x" },
			}),
			503,
			"INTERNAL",
		);
	});
});

describe("the webhook", () => {
	it("credits a completed session once, with its Stripe ids and card on the statement", async () => {
		const account = await newAccount();
		const topUp = await startTopUp(account.ownerKey, 2500);
		const session = sessionOf(topUp);
		const event = await stripe.complete(session, { card: { brand: "mastercard", last4: "4444" } });
		const first = await deliver(event);
		expect(first.status).toBe(200);
		expect(await json(first)).toMatchObject({
			received: true,
			type: "checkout.session.completed",
			outcome: "credited",
			top_up_id: topUp.id,
		});
		const again = await deliver(event);
		expect(await json(again)).toMatchObject({ outcome: "already_credited" });

		expect(await balance(account.key)).toBe(2500);
		const credited = await topUpOf(account.ownerKey, topUp.id);
		expect(credited).toMatchObject({ status: "credited", card_brand: "mastercard", card_last4: "4444" });
		expect(credited.checkout_url).toBeUndefined();
		expect(credited.credited_at).toEqual(expect.any(Number));
		const paid = await stripe.session(session);
		const [entry, ...rest] = await topUpEntries(account.key);
		expect(rest).toEqual([]);
		expect(entry).toMatchObject({
			kind: "top_up",
			amount_cents: 2500,
			balance_after_cents: 2500,
			reference: session,
			top_up_id: topUp.id,
			stripe_checkout_session: session,
			stripe_payment_intent: (paid.payment_intent as { id: string }).id,
			card_brand: "mastercard",
			card_last4: "4444",
		});
		await expectBalancedBooks(account.id);
	});

	it("credits once when the same event arrives 5 times at once", async () => {
		const account = await newAccount();
		const topUp = await startTopUp(account.ownerKey, 5000);
		const event = await stripe.complete(sessionOf(topUp));
		const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(event)));
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
		const outcomes = await Promise.all(
			answers.map(async (a) => (await json<{ outcome: string }>(a)).outcome),
		);
		expect(outcomes.filter((o) => o === "credited")).toHaveLength(1);
		expect(outcomes.filter((o) => o === "already_credited")).toHaveLength(4);
		expect(await balance(account.key)).toBe(5000);
		expect(await topUpEntries(account.key)).toHaveLength(1);
		await expectBalancedBooks(account.id);
	});

	it("refuses forged, stale, unsigned and changed deliveries with 400 and credits nothing", async () => {
		const account = await newAccount();
		const topUp = await startTopUp(account.ownerKey, 1000);
		const event = await stripe.complete(sessionOf(topUp));
		const forged = await stripe.sign(event.payload, { secret: "whsec_not_this_endpoints_secret" });
		const stale = await stripe.sign(event.payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
		const changed = event.payload.replace('"amount_total": 1000', '"amount_total": 100000');
		expect(changed).not.toBe(event.payload);
		const refusals = [
			await deliver({ payload: event.payload, header: forged }),
			await deliver({ payload: event.payload, header: stale }),
			await deliver({ payload: changed, header: event.header }),
			await deliver({ payload: `${event.payload} `, header: event.header }),
			await deliver({ payload: event.payload, header: "" }),
			await deliver({ payload: event.payload, header: "t=1,v1=00" }),
		];
		for (const refused of refusals) await expectProblem(refused, 400, "VALIDATION_FAILED");
		expect(await balance(account.key)).toBe(0);
		expect(await topUpOf(account.ownerKey, topUp.id)).toMatchObject({ status: "pending" });
		// The genuine delivery still credits: the refusals were about the signature, nothing else.
		expect(await json(await deliver(event))).toMatchObject({ outcome: "credited" });
		expect(await balance(account.key)).toBe(1000);
	});

	it("credits nothing for a signed event whose amount is not the top-up's", async () => {
		const account = await newAccount();
		const topUp = await startTopUp(account.ownerKey, 1000);
		const event = await stripe.complete(sessionOf(topUp));
		// Signed with the endpoint's secret, but the session says something else than what was asked.
		const payload = event.payload.replace('"amount_total": 1000', '"amount_total": 900');
		const answer = await deliver({ payload, header: await stripe.sign(payload) });
		expect(answer.status).toBe(200);
		expect(await json(answer)).toMatchObject({ outcome: "refused" });
		expect(await balance(account.key)).toBe(0);
		expect(await topUpOf(account.ownerKey, topUp.id)).toMatchObject({ status: "pending" });
		// A session that is not the top-up's own is refused too.
		const other = await startTopUp(account.ownerKey, 1000);
		const foreign = (await stripe.complete(sessionOf(other))).payload.replaceAll(other.id, topUp.id);
		expect(await json(await deliver({ payload: foreign, header: await stripe.sign(foreign) }))).toMatchObject(
			{
				outcome: "refused",
			},
		);
		expect(await balance(account.key)).toBe(0);
	});

	it("marks an expired session's top-up expired; a later expiry never undoes a credit", async () => {
		const account = await newAccount();
		const topUp = await startTopUp(account.ownerKey, 1500);
		const expired = await stripe.expire(sessionOf(topUp));
		expect(await json(await deliver(expired))).toMatchObject({
			type: "checkout.session.expired",
			outcome: "expired",
		});
		const after = await topUpOf(account.ownerKey, topUp.id);
		expect(after.status).toBe("expired");
		expect(after.checkout_url).toBeUndefined();
		expect(await balance(account.key)).toBe(0);

		const paid = await paidTopUp(account, 1500);
		const payload = expired.payload
			.replaceAll(sessionOf(topUp), paid.session)
			.replaceAll(topUp.id, paid.topUp.id);
		expect(await json(await deliver({ payload, header: await stripe.sign(payload) }))).toMatchObject({
			outcome: "credited",
		});
		expect((await topUpOf(account.ownerKey, paid.topUp.id)).status).toBe("credited");
		expect(await balance(account.key)).toBe(1500);
	});

	it("waits for a delayed payment, credits it when it succeeds, closes it when it fails", async () => {
		const account = await newAccount();
		const topUp = await startTopUp(account.ownerKey, 2000);
		const completed = await stripe.complete(sessionOf(topUp), { async: true });
		expect(await json(await deliver(completed))).toMatchObject({ outcome: "awaiting_payment" });
		expect(await balance(account.key)).toBe(0);
		const succeeded = await stripe.asyncSucceed(sessionOf(topUp));
		expect(await json(await deliver(succeeded))).toMatchObject({
			type: "checkout.session.async_payment_succeeded",
			outcome: "credited",
		});
		// The completed event delivered again (out of order) changes nothing.
		expect(await json(await deliver(completed))).toMatchObject({ outcome: "awaiting_payment" });
		expect(await balance(account.key)).toBe(2000);

		const failing = await startTopUp(account.ownerKey, 700);
		await deliver(await stripe.complete(sessionOf(failing), { async: true }));
		expect(await json(await deliver(await stripe.asyncFail(sessionOf(failing))))).toMatchObject({
			outcome: "expired",
		});
		expect((await topUpOf(account.ownerKey, failing.id)).status).toBe("expired");
		expect(await balance(account.key)).toBe(2000);
	});

	it("acknowledges and ignores other event types and other integrations' sessions", async () => {
		const payload = JSON.stringify({
			id: "evt_other",
			object: "event",
			type: "customer.created",
			data: { object: { id: "cus_1", object: "customer" } },
		});
		expect(await json(await deliver({ payload, header: await stripe.sign(payload) }))).toMatchObject({
			outcome: "ignored",
		});
		const foreign = JSON.stringify({
			id: "evt_foreign",
			object: "event",
			type: "checkout.session.completed",
			data: {
				object: {
					id: "cs_test_x",
					object: "checkout.session",
					payment_status: "paid",
					amount_total: 100,
					metadata: {},
				},
			},
		});
		expect(await json(await deliver({ payload: foreign, header: await stripe.sign(foreign) }))).toMatchObject(
			{
				outcome: "ignored",
			},
		);
	});
});

describe("refunds by the operator", () => {
	it("give back at most what is available, never an overdraft, and say how much is", async () => {
		const account = await newAccount();
		const { topUp } = await paidTopUp(account, 2500);
		await adjust(account.id, -1000, `spent-${account.id}`);

		// No amount: all that is refundable and still available.
		const first = await refund(topUp.id);
		expect(first.status, await first.clone().text()).toBe(200);
		const done = TopUpRefundSchema.parse(await first.json());
		expect(done).toMatchObject({
			top_up: { id: topUp.id, status: "credited", refunded_cents: 1500 },
			entry: { kind: "top_up_refund", amount_cents: -1500, top_up_id: topUp.id },
			balance_cents: 0,
		});
		const [made] = await stripe.requests({ path: "/v1/refunds", match: topUp.id });
		expect(made).toMatchObject({
			idempotency_key: expect.stringMatching(/^penumbra-refund-tur_/),
			params: { amount: "1500", metadata: { top_up_id: topUp.id, credential_id: account.id } },
		});
		expect(done.stripe_refund).toMatch(/^re_/);

		// Nothing available: refused, saying how much is.
		const none = await expectProblem(
			await refund(topUp.id, { amount_cents: 100 }),
			402,
			"INSUFFICIENT_FUNDS",
		);
		expect(none).toMatchObject({ available_cents: 0, refundable_cents: 1000 });

		await adjust(account.id, 3000, `more-${account.id}`);
		const over = await expectProblem(
			await refund(topUp.id, { amount_cents: 1500 }),
			400,
			"VALIDATION_FAILED",
		);
		expect(over).toMatchObject({ refundable_cents: 1000 });

		const rest = TopUpRefundSchema.parse(await (await refund(topUp.id, { amount_cents: 1000 })).json());
		expect(rest.top_up).toMatchObject({ status: "refunded", refunded_cents: 2500 });
		// The same request again replays: one Stripe refund, one entry.
		const replay = await json(await refund(topUp.id, { amount_cents: 1000 }));
		expect(replay).toMatchObject({ replayed: true, stripe_refund: rest.stripe_refund });
		expect(
			(await stripe.requests({ path: "/v1/refunds", match: topUp.id })).filter((r) => r.method === "POST")
				.length,
		).toBe(2);
		await expectProblem(await refund(topUp.id, { amount_cents: 1, reference: "again" }), 409, "CONFLICT");

		expect((await topUpEntries(account.key)).map((e) => e.amount_cents)).toEqual([-1000, -1500, 2500]);
		expect(await balance(account.key)).toBe(2000);
		await expectBalancedBooks(account.id);
	});

	it("is the operator's: an owner's or agent's key is not the admin token", async () => {
		const account = await newAccount();
		const { topUp } = await paidTopUp(account, 1000);
		for (const key of [account.key, account.ownerKey]) {
			await expectProblem(await refund(topUp.id, {}, { authorization: `Bearer ${key}` }), 403, "FORBIDDEN");
		}
		expect(await balance(account.key)).toBe(1000);
	});

	it("puts the money back when Stripe refuses, and finishes a refund Stripe could not be reached for", async () => {
		const account = await newAccount();
		const { topUp } = await paidTopUp(account, 1000);
		await stripe.fail({
			path: "/v1/refunds",
			method: "POST",
			match: topUp.id,
			status: 400,
			message: "No such charge",
		});
		const refused = await expectProblem(await refund(topUp.id, { amount_cents: 400 }), 502, "UPSTREAM_ERROR");
		expect(refused.detail).toContain("put back");
		expect(await balance(account.key)).toBe(1000);
		expect((await topUpOf(account.ownerKey, topUp.id)).refunded_cents).toBeUndefined();

		await stripe.fail({ path: "/v1/refunds", method: "POST", match: topUp.id, status: 500 });
		const pending = await expectProblem(
			await refund(topUp.id, { amount_cents: 400, reference: "retry-me" }),
			502,
			"UPSTREAM_ERROR",
		);
		expect(pending).toMatchObject({ pending: true });
		expect(await balance(account.key)).toBe(600);
		// The same command again finishes it, without taking the money twice.
		const finished = TopUpRefundSchema.parse(
			await (await refund(topUp.id, { amount_cents: 400, reference: "retry-me" })).json(),
		);
		expect(finished.stripe_refund).toMatch(/^re_/);
		expect(await balance(account.key)).toBe(600);
		expect((await topUpEntries(account.key)).map((e) => e.amount_cents)).toEqual([-400, 400, -400, 1000]);
		await expectBalancedBooks(account.id);
	});
});

describe("a refund whose answer from Stripe was lost", () => {
	it("is found at Stripe on the retry: refunded once, never twice, never put back", async () => {
		const account = await newAccount();
		const { topUp, session } = await paidTopUp(account, 2000);
		// Stripe refunds, the answer is lost, and Stripe no longer remembers the idempotency key.
		await stripe.fail({ path: "/v1/refunds", method: "POST", match: topUp.id, status: 500, after: true });
		await expectProblem(await refund(topUp.id, { amount_cents: 800 }), 502, "UPSTREAM_ERROR");
		expect(await balance(account.key)).toBe(1200);
		const retried = TopUpRefundSchema.parse(await (await refund(topUp.id, { amount_cents: 800 })).json());
		const made = (await stripe.requests({ path: "/v1/refunds", match: topUp.id })).filter(
			(r) => r.method === "POST",
		);
		expect(made).toHaveLength(1);
		// Stripe's side: the charge was refunded 800 once.
		const paid = await stripe.session(session);
		const intent = paid.payment_intent as { latest_charge: { amount_refunded: number } };
		expect(intent.latest_charge.amount_refunded).toBe(800);
		expect(retried.top_up).toMatchObject({ refunded_cents: 800 });
		expect(await balance(account.key)).toBe(1200);
		expect((await topUpEntries(account.key)).map((e) => e.amount_cents)).toEqual([-800, 2000]);
	});
});

describe("reconciliation", () => {
	it("compares Stripe's paid sessions and refunds of the period with the ledger's top-ups", async () => {
		const since = new Date(Date.now() - 1000).toISOString();
		const account = await newAccount();
		const credited = await paidTopUp(account, 3000);
		const refunded = TopUpRefundSchema.parse(
			await (await refund(credited.topUp.id, { amount_cents: 500 })).json(),
		);
		// Paid at Stripe, but its webhook never arrived.
		const lost = await startTopUp(account.ownerKey, 1200);
		const lostEvent = await stripe.complete(sessionOf(lost));

		const response = await call(`/v1/admin/reconcile?since=${encodeURIComponent(since)}`, {
			method: "POST",
			headers: ADMIN,
		});
		expect(response.status, await response.clone().text()).toBe(200);
		const { top_ups: report } = await json<{
			top_ups: Record<string, unknown> & {
				stripe_paid_cents: number;
				ledger_credited_cents: number;
				missing_credits: { session: string; amount_cents: number }[];
				unmatched_refunds: { refund_id: string; stripe_cents: number; ledger_cents: number }[];
				stripe_refunded_cents: number;
				ledger_refunded_cents: number;
			};
		}>(response);
		expect(report).toMatchObject({ configured: true, ok: false });
		expect(report.missing_credits).toContainEqual(
			expect.objectContaining({
				session: sessionOf(lost),
				top_up_id: lost.id,
				credential_id: account.id,
				amount_cents: 1200,
			}),
		);
		// Whatever else this period holds, Stripe's total less the ledger's is exactly what was never credited.
		const missing = report.missing_credits.reduce((sum, m) => sum + m.amount_cents, 0);
		expect(report.stripe_paid_cents - report.ledger_credited_cents).toBe(missing);
		expect(report.stripe_paid_cents).toBeGreaterThanOrEqual(4200);
		expect(report.unmatched_refunds.map((u) => u.refund_id)).not.toContain(
			refunded.entry.reference?.split(" ").at(-1),
		);
		// Any difference in refunds is exactly the unmatched ones'.
		expect(report.stripe_refunded_cents).toBeGreaterThanOrEqual(500);
		const unmatched = report.unmatched_refunds.reduce((sum, u) => sum + u.stripe_cents - u.ledger_cents, 0);
		expect(report.stripe_refunded_cents - report.ledger_refunded_cents).toBe(unmatched);

		// Delivered late, the credit lands and the session is no longer missing.
		expect(await json(await deliver(lostEvent))).toMatchObject({ outcome: "credited" });
		const later = await json<{ top_ups: { missing_credits: { session: string }[] } }>(
			await call(`/v1/admin/reconcile?since=${encodeURIComponent(since)}`, {
				method: "POST",
				headers: ADMIN,
			}),
		);
		expect(later.top_ups.missing_credits.map((m) => m.session)).not.toContain(sessionOf(lost));
	});
});
