import { describe, expect, it } from "vitest";
import {
	type Account,
	asOwner,
	callTool,
	connect,
	createAccount,
	gatewayFetch,
	textOf,
} from "../../workers/mcp/test/helpers.ts";
import { fixtureService, mockOrigin } from "./helpers.ts";

// A payments API whose price is the request's own amount (docs/money.md, payment-style purchases): Adyen's Checkout
// `POST /payments`, scaffolded with `--has-purchases --purchase-pattern /payments --transaction-id-path
// $.pspReference` and run against its mock (Prism on the spec, behind test/fixtures/providers/adyen-checkout/mock.ts,
// which counts the payments made under each Idempotency-Key).

const SERVICE = "adyen-checkout";
const TOOL = "post-payments";
/** The basic credential's password (secrets.json), which no caller and no model may ever see. */
const SECRET = "test-adyen-checkout-password";

/** Adyen's own card-direct example request, for `value` cents. */
function cardPayment(value: unknown, reference = `order-${crypto.randomUUID()}`, currency = "USD") {
	return {
		amount: { currency, value },
		reference,
		paymentMethod: {
			type: "scheme",
			number: "4111111111111111",
			expiryMonth: "03",
			expiryYear: "2030",
			holderName: "John Smith",
			cvc: "737",
		},
		returnUrl: "https://your-company.example.com/checkout",
		merchantAccount: "YOUR_MERCHANT_ACCOUNT",
	};
}

interface Quote {
	quote_id: string;
	amount_cents: number;
	requires_confirmation: boolean;
	details: unknown;
}

interface Bought {
	result: { pspReference: string; resultCode: string };
	receipt: { id: string; amount_cents: number; transaction_id: string; balance_after_cents: number };
	replayed: boolean;
}

const merchantKey = (quoteId: string) => `penumbra-${quoteId.split(".")[0]}`;

/** Payments the mock took, and requests it received, under these quotes' idempotency keys. */
async function adyen(...quoteIds: string[]): Promise<{ payments: number; requests: number }> {
	const query = new URLSearchParams(quoteIds.map((id) => ["idempotency_key", merchantKey(id)]));
	const response = await fetch(`${mockOrigin(SERVICE)}/_control/payments?${query}`);
	return (await response.json()) as { payments: number; requests: number };
}

async function rest(key: string, path: string, body?: unknown): Promise<Response> {
	return gatewayFetch(path, {
		method: body === undefined ? "GET" : "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
}

const quote = (key: string, parameters: unknown) =>
	rest(key, "/v1/quotes", { service: SERVICE, tool: TOOL, parameters });
const buy = (key: string, parameters: unknown, quoteId: string) =>
	rest(key, `/v1/services/${SERVICE}/tools/${TOOL}`, { parameters, quote_id: quoteId });

async function books(account: Account) {
	const summary = await asOwner<{ balance_cents: number; available_cents: number; holds: unknown[] }>(
		account.ownerKey,
		"/v1/account",
	);
	const statement = await asOwner<{
		entries: { kind: string; amount_cents: number; receipt_id: string | null }[];
	}>(account.ownerKey, "/v1/account/statement?limit=200");
	return { ...summary, entries: statement.entries };
}

async function problem(response: Response, status: number) {
	const body = (await response.json()) as { code: string; detail: string } & Record<string, unknown>;
	expect(response.status, JSON.stringify(body)).toBe(status);
	return body;
}

describe("Adyen Checkout: a payment priced by its own request", () => {
	it("was scaffolded as a purchase with no precheck; credential and idempotency key are no tool input", async () => {
		const service = fixtureService(SERVICE);
		const tool = service.tools.find((t) => t.name === TOOL);
		expect(tool?.purchase).toEqual({
			kind: "purchase",
			request_amount_path: "$.amount.value",
			request_currency_path: "$.amount.currency",
			transaction_id_path: "$.pspReference",
			result: {
				path: "$.resultCode",
				sold: ["Authorised", "Success"],
				refused: ["Cancelled", "Error", "Refused"],
			},
		});
		expect(service.auth).toMatchObject({ scheme: "basic" });
		expect(tool?.params.map((p) => p.name)).toEqual(["Idempotency-Key"]);
		// What callers and the model see: the gateway fills the idempotency key itself.
		const account = await createAccount();
		const listed = (await (await rest(account.agentKey, `/v1/services/${SERVICE}/tools`)).json()) as {
			tools: { name: string; input_schema: { properties: Record<string, unknown> }; purchase: unknown }[];
		};
		const view = listed.tools.find((t) => t.name === TOOL);
		expect(view?.purchase).toMatchObject({ kind: "purchase", request_amount_path: "$.amount.value" });
		expect(Object.keys(view?.input_schema.properties ?? {})).toContain("amount");
		expect(Object.keys(view?.input_schema.properties ?? {})).not.toContain("Idempotency-Key");
	});

	it("through the gateway: quoted locally, confirmed by the owner only, paid once, retried idempotently", async () => {
		const account = await createAccount({ fundCents: 50_000, thresholdCents: 0 });
		const parameters = cardPayment(1_000);
		const q = (await (await quote(account.agentKey, parameters)).json()) as Quote;
		expect(q).toMatchObject({
			amount_cents: 1_000,
			requires_confirmation: true,
			details: { priced_by: "request", amount_parameter: "amount.value" },
		});
		// Quoting asked Adyen nothing.
		expect(await adyen(q.quote_id)).toEqual({ payments: 0, requests: 0 });
		const before = await books(account);

		// The assistant's key cannot confirm; unconfirmed or changed parameters do not buy.
		await problem(
			await rest(account.agentKey, `/v1/quotes/${encodeURIComponent(q.quote_id)}/confirm`, {}),
			403,
		);
		expect((await problem(await buy(account.agentKey, parameters, q.quote_id), 409)).code).toBe(
			"CONFIRMATION_REQUIRED",
		);
		await asOwner(account.ownerKey, `/v1/quotes/${encodeURIComponent(q.quote_id)}/confirm`, { body: {} });
		const changed = await problem(
			await buy(account.agentKey, { ...parameters, amount: { currency: "USD", value: 1 } }, q.quote_id),
			409,
		);
		expect(changed.code).toBe("CONFLICT");
		expect(await adyen(q.quote_id)).toEqual({ payments: 0, requests: 0 });

		const response = await buy(account.agentKey, parameters, q.quote_id);
		const bought = (await response.json()) as Bought;
		expect(response.status, JSON.stringify(bought)).toBe(200);
		expect(bought.result.resultCode).toBe("Authorised");
		expect(bought.receipt).toMatchObject({ amount_cents: 1_000, transaction_id: bought.result.pspReference });
		expect(await adyen(q.quote_id)).toEqual({ payments: 1, requests: 1 });
		const after = await books(account);
		expect(before.balance_cents - after.balance_cents).toBe(1_000);
		expect(after.holds).toEqual([]);
		expect(after.entries.filter((e) => e.kind === "purchase")).toEqual([
			expect.objectContaining({ amount_cents: -1_000, receipt_id: bought.receipt.id }),
		]);
		expect(bought.receipt.balance_after_cents).toBe(after.balance_cents);

		// The same quote again: the same receipt, nothing charged, Adyen not asked again.
		const again = (await (await buy(account.agentKey, parameters, q.quote_id)).json()) as Bought;
		expect(again).toMatchObject({ replayed: true, receipt: { id: bought.receipt.id } });
		expect(await adyen(q.quote_id)).toEqual({ payments: 1, requests: 1 });
		expect((await books(account)).balance_cents).toBe(after.balance_cents);
		expect(JSON.stringify([bought, again])).not.toContain(SECRET);
	});

	it("refuses before Adyen is asked: short funds, an amount that is not whole cents, another currency", async () => {
		const account = await createAccount({ fundCents: 500 });
		const parameters = cardPayment(1_000);
		const q = (await (await quote(account.agentKey, parameters)).json()) as Quote;
		const funds = await problem(await buy(account.agentKey, parameters, q.quote_id), 402);
		expect(funds).toMatchObject({ code: "INSUFFICIENT_FUNDS", required_cents: 1_000, shortfall_cents: 500 });
		expect(await adyen(q.quote_id)).toEqual({ payments: 0, requests: 0 });

		const cents = await problem(await quote(account.agentKey, cardPayment(10.5)), 400);
		expect(cents).toMatchObject({ code: "VALIDATION_FAILED" });
		expect(cents.detail).toContain("amount.value");
		const euros = await problem(await quote(account.agentKey, cardPayment(1_000, "eur", "EUR")), 400);
		expect(euros).toMatchObject({ code: "VALIDATION_FAILED", parameter: "amount.currency" });
		expect((await books(account)).balance_cents).toBe(500);
	});

	it("a payment Adyen refuses (resultCode Refused, HTTP 200) is released, never charged", async () => {
		const account = await createAccount({ fundCents: 5_000 });
		const parameters = cardPayment(1_200, "ORDER-REFUSED");
		const q = (await (await quote(account.agentKey, parameters)).json()) as Quote;
		const before = await books(account);
		const refused = await problem(await buy(account.agentKey, parameters, q.quote_id), 502);
		expect(refused).toMatchObject({ code: "UPSTREAM_ERROR", merchant_result: "Refused" });
		expect(refused.outcome).toBeUndefined();
		expect(await adyen(q.quote_id)).toEqual({ payments: 1, requests: 1 });
		const after = await books(account);
		expect(after.balance_cents).toBe(before.balance_cents);
		expect(after.available_cents).toBe(before.available_cents);
		expect(after.entries).toHaveLength(before.entries.length);
	});

	it("through MCP execute: the model gets the quote, the owner confirms, one payment and one receipt", async () => {
		const account = await createAccount({ fundCents: 50_000, thresholdCents: 0 });
		const client = await connect({ key: account.agentKey });
		const parameters = cardPayment(2_345);
		const execute = (quoteId?: string) =>
			callTool<Record<string, unknown>>(client, "execute", {
				service: SERVICE,
				tool: TOOL,
				parameters,
				...(quoteId ? { quote_id: quoteId } : {}),
			});

		const quoted = await execute();
		expect(quoted.isError, textOf(quoted)).toBeFalsy();
		expect(quoted.structuredContent).toMatchObject({
			status: "quoted",
			quote: { amount_cents: 2_345, details: { priced_by: "request" } },
			needs_owner_confirmation: true,
		});
		const quoteId = (quoted.structuredContent?.quote as { quote_id: string } | undefined)?.quote_id;
		if (!quoteId) throw new Error("execute answered no quote id");
		const before = await books(account);

		const waiting = await execute(quoteId);
		expect(waiting.isError).toBe(true);
		expect(textOf(waiting)).toContain("CONFIRMATION_REQUIRED");
		expect(await adyen(quoteId)).toEqual({ payments: 0, requests: 0 });

		await asOwner(account.ownerKey, `/v1/quotes/${encodeURIComponent(quoteId)}/confirm`, { body: {} });
		const bought = await execute(quoteId);
		expect(bought.isError, textOf(bought)).toBeFalsy();
		expect(bought.structuredContent).toMatchObject({ status: "bought", receipt: { amount_cents: 2_345 } });
		const again = await execute(quoteId);
		expect(again.structuredContent).toMatchObject({ status: "already_bought" });

		expect(await adyen(quoteId)).toEqual({ payments: 1, requests: 1 });
		expect(before.balance_cents - (await books(account)).balance_cents).toBe(2_345);
		expect([quoted, waiting, bought, again].map(textOf).join("\n")).not.toContain(SECRET);
		await client.close();
	});
});
