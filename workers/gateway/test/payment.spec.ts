import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
	applyCeiling,
	type CompiledService,
	type CompileProblem,
	ceilingOf,
	compileProvider,
} from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { addServices, call, createKey, expectProblem, json, ownerKeyOf, sandboxOrigin } from "./helpers.ts";

/**
 * Payment-style purchases (docs/money.md): the price is the request's own amount (`x-request-amount-path`), so the
 * quote is made by the gateway without a precheck call, and is bound, confirmed, held and captured like any other.
 * The merchant is the sandbox's echo (it answers the request it received), or an upstream that answers 404 to
 * everything, to show the quote never called it.
 */

type Spec = Record<string, unknown>;

function paymentSpec(extensions: Record<string, unknown> = {}): Spec {
	return {
		openapi: "3.1.0",
		info: { title: "PayDesk", version: "1" },
		paths: {
			"/payments": {
				post: {
					operationId: "create_payment",
					summary: "Pay an amount",
					"x-purchase-endpoint": true,
					"x-request-amount-path": "$.amount.value",
					"x-request-currency-path": "$.amount.currency",
					"x-amount-path": "$.body.amount.value",
					"x-transaction-id-path": "$.headers['idempotency-key']",
					...extensions,
					parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string" } }],
					requestBody: {
						required: true,
						content: {
							"application/json": {
								schema: {
									type: "object",
									required: ["amount", "reference"],
									additionalProperties: false,
									properties: {
										amount: {
											type: "object",
											required: ["value", "currency"],
											additionalProperties: false,
											properties: {
												value: { type: "integer", description: "Minor units" },
												currency: { type: "string", minLength: 3, maxLength: 3 },
											},
										},
										reference: { type: "string" },
									},
								},
							},
						},
					},
					responses: { "200": { description: "ok" } },
				},
			},
		},
	};
}

function compile(id: string, spec: Spec, upstream: string) {
	return compileProvider({
		manifest: {
			id,
			name: "PayDesk",
			description: "Takes payments for tests",
			category: "testing",
			tags: ["test"],
			auth: { scheme: "none" },
			endpoints: "openapi.yaml",
			upstream,
		},
		manifestFile: `providers/${id}/provider.yaml`,
		spec,
		specFile: `providers/${id}/openapi.yaml`,
	});
}

function paydesk(id: string, upstream: string, extensions: Record<string, unknown> = {}): CompiledService {
	const compiled = compile(id, paymentSpec(extensions), upstream);
	if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
	return compiled.service;
}

function problemsOf(extensions: Record<string, unknown>): string[] {
	const compiled = compile("broken", paymentSpec(extensions), "https://pay.example.com");
	return (compiled.ok ? [] : compiled.problems).map((p: CompileProblem) => `${p.path}: ${p.message}`);
}

interface Quote {
	quote_id: string;
	amount_cents: number;
	requires_confirmation: boolean;
	details: unknown;
}

const payment = (value: unknown, currency = "USD", reference = "order-1") => ({
	amount: { value, currency },
	reference,
});

async function quote(key: string, service: string, parameters: unknown): Promise<Response> {
	return call("/v1/quotes", { key, body: { service, tool: "create_payment", parameters } });
}

async function buy(key: string, service: string, parameters: unknown, quoteId: string): Promise<Response> {
	return call(`/v1/services/${service}/tools/create_payment`, {
		key,
		body: { parameters, quote_id: quoteId },
	});
}

async function balance(key: string): Promise<{ balance_cents: number; holds: Record<string, unknown>[] }> {
	return json(await call("/v1/account", { key }));
}

describe("compiling a payment-style purchase", () => {
	it("records the request paths and needs no precheck", () => {
		const tool = paydesk("paydesk-compile", "https://pay.example.com").tools[0];
		expect(tool?.purchase).toEqual({
			kind: "purchase",
			request_amount_path: "$.amount.value",
			request_currency_path: "$.amount.currency",
			amount_path: "$.body.amount.value",
			transaction_id_path: "$.headers['idempotency-key']",
		});
		expect(tool?.auth_level).toBe("authenticated");
	});

	it("refuses a precheck and a request amount together, paths the input lacks, and non-integer amounts", () => {
		expect(problemsOf({ "x-purchase-precheck": "/payments" })).toEqual([
			expect.stringContaining("either by a precheck (x-purchase-precheck) or by its own request"),
		]);
		expect(problemsOf({ "x-request-amount-path": "$.amount.cents" })).toEqual([
			expect.stringContaining(
				'x-request-amount-path $.amount.cents names no parameter of create_payment: it has no property "cents"',
			),
		]);
		expect(problemsOf({ "x-request-amount-path": "$.reference" })).toEqual([
			expect.stringContaining("names a string parameter of create_payment; it must be an integer"),
		]);
		expect(problemsOf({ "x-request-amount-path": "$..value" })).toEqual([
			expect.stringContaining("must name one property of the tool's parameters"),
		]);
		expect(problemsOf({ "x-sold-results": ["Authorised"] })).toEqual([
			expect.stringContaining("x-result-path and x-sold-results go together"),
		]);
		expect(
			problemsOf({
				"x-result-path": "$.resultCode",
				"x-sold-results": ["Authorised"],
				"x-refused-results": ["Authorised"],
			}),
		).toEqual([expect.stringContaining("Authorised cannot mean both sold and refused")]);
		expect(problemsOf({ "x-transaction-id-path": undefined })).toEqual([
			expect.stringContaining("x-transaction-id-path is required"),
		]);
	});

	it("a refresh cannot turn a payment's amount path into another (the ceiling keeps the published one)", () => {
		const published = paydesk("paydesk-ceiling", "https://pay.example.com").tools;
		const compiled = compile(
			"paydesk-ceiling",
			paymentSpec({ "x-request-amount-path": "$.amount.value", "x-request-currency-path": undefined }),
			"https://pay.example.com",
		);
		if (!compiled.ok) throw new Error("does not compile");
		const { tools, refused } = applyCeiling(compiled.service.tools, ceilingOf(published));
		expect(refused.map((r) => r.field)).toEqual(["purchase"]);
		expect(tools[0]?.purchase).toEqual(published[0]?.purchase);
	});
});

describe("a payment-style purchase through the gateway", () => {
	it("is quoted from the request alone: an upstream that answers nothing is never asked", async () => {
		await addServices(paydesk("paydesk-nowhere", `${sandboxOrigin()}/_nowhere`));
		const { key } = await createKey("authenticated", "payer-nowhere@example.com", 20_000);
		const response = await quote(key, "paydesk-nowhere", payment(1234));
		expect(response.status, await response.clone().text()).toBe(201);
		const q = await json<Quote>(response);
		expect(q).toMatchObject({
			amount_cents: 1234,
			requires_confirmation: false,
			details: { priced_by: "request", amount_parameter: "amount.value" },
		});
		// Buying does call it, and its 404 is a refusal: released, nothing charged.
		const before = await balance(key);
		const refused = await expectProblem(
			await buy(key, "paydesk-nowhere", payment(1234), q.quote_id),
			404,
			"NOT_FOUND",
		);
		expect(refused.upstream_status).toBe(404);
		expect(await balance(key)).toEqual(before);
	});

	it("refuses an amount that is not whole non-negative cents, and another currency, naming the parameter", async () => {
		await addServices(paydesk("paydesk-check", `${sandboxOrigin()}/_echo`));
		const { key } = await createKey("authenticated", "payer-check@example.com", 20_000);
		for (const value of [12.5, -1, 2 ** 53]) {
			const problem = await expectProblem(
				await quote(key, "paydesk-check", payment(value)),
				400,
				"VALIDATION_FAILED",
			);
			expect(problem.detail).toContain("amount.value");
		}
		const problem = await expectProblem(
			await quote(key, "paydesk-check", payment(500, "EUR")),
			400,
			"VALIDATION_FAILED",
		);
		expect(problem).toMatchObject({ parameter: "amount.currency" });
		expect(problem.detail).toBe(
			'Parameter amount.currency must be USD, the currency this account pays in; got "EUR".',
		);
		expect((await balance(key)).holds).toEqual([]);
	});

	it("needs the owner's confirmation, charges the requested amount once, and replays on retry", async () => {
		await addServices(paydesk("paydesk", `${sandboxOrigin()}/_echo`));
		const { key } = await createKey("authenticated", "payer@example.com", 20_000);
		const parameters = payment(4_321);
		const q = await json<Quote>(await quote(key, "paydesk", parameters));
		expect(q).toMatchObject({ amount_cents: 4_321, requires_confirmation: true });

		await expectProblem(
			await call(`/v1/quotes/${q.quote_id}/confirm`, { key, method: "POST" }),
			403,
			"FORBIDDEN",
		);
		await expectProblem(await buy(key, "paydesk", parameters, q.quote_id), 409, "CONFIRMATION_REQUIRED");
		await expectProblem(await buy(key, "paydesk", payment(1), q.quote_id), 409, "CONFLICT");
		const confirmed = await call(`/v1/quotes/${q.quote_id}/confirm`, {
			key: ownerKeyOf(key),
			method: "POST",
		});
		expect(confirmed.status).toBe(200);
		// Changed parameters after the confirmation are still another purchase.
		await expectProblem(
			await buy(key, "paydesk", payment(4_321, "USD", "order-2"), q.quote_id),
			409,
			"CONFLICT",
		);

		const before = await balance(key);
		const response = await buy(key, "paydesk", parameters, q.quote_id);
		expect(response.status, await response.clone().text()).toBe(200);
		const bought = await json<{
			result: { body: unknown; headers: Record<string, string> };
			receipt: { amount_cents: number; held_cents: number; transaction_id: string; flagged: boolean };
		}>(response);
		const idempotencyKey = `penumbra-${q.quote_id.split(".")[0]}`;
		// The merchant got the caller's exact request plus the idempotency key the model never sees.
		expect(bought.result.body).toEqual(parameters);
		expect(bought.result.headers["idempotency-key"]).toBe(idempotencyKey);
		expect(bought.receipt).toMatchObject({
			amount_cents: 4_321,
			held_cents: 4_321,
			transaction_id: idempotencyKey,
			flagged: false,
		});
		const after = await balance(key);
		expect(before.balance_cents - after.balance_cents).toBe(4_321);
		expect(after.holds).toEqual([]);

		const again = await json<{ replayed: boolean }>(await buy(key, "paydesk", parameters, q.quote_id));
		expect(again.replayed).toBe(true);
		expect((await balance(key)).balance_cents).toBe(after.balance_cents);
		const statement = await json<{ entries: { kind: string; amount_cents: number }[] }>(
			await call("/v1/account/statement", { key }),
		);
		expect(statement.entries.filter((e) => e.kind === "purchase").map((e) => e.amount_cents)).toEqual([
			-4_321,
		]);
	});

	it("follows the answer's own verdict (x-result-path): refused releases, an unsettled one stays held", async () => {
		// The echo answers the request, so the reference the caller sends is the verdict the "merchant" states.
		const verdict = {
			"x-result-path": "$.body.reference",
			"x-sold-results": ["order-1"],
			"x-refused-results": ["declined"],
		};
		await addServices(paydesk("paydesk-verdict", `${sandboxOrigin()}/_echo`, verdict));
		const { key } = await createKey("authenticated", "payer-verdict@example.com", 20_000);
		const before = await balance(key);
		const pay = async (reference: string) => {
			const parameters = payment(700, "USD", reference);
			const q = await json<Quote>(await quote(key, "paydesk-verdict", parameters));
			return buy(key, "paydesk-verdict", parameters, q.quote_id);
		};

		const refused = await expectProblem(await pay("declined"), 502, "UPSTREAM_ERROR");
		expect(refused).toMatchObject({ merchant_result: "declined" });
		expect(refused.outcome).toBeUndefined();
		expect(await balance(key)).toEqual(before);

		const pending = await expectProblem(await pay("challenge-shopper"), 502, "UPSTREAM_ERROR");
		expect(pending).toMatchObject({ outcome: "unknown", merchant_result: "challenge-shopper" });
		const held = await balance(key);
		expect(held.balance_cents).toBe(before.balance_cents);
		expect(held.holds).toEqual([expect.objectContaining({ amount_cents: 700, kind: "purchase" })]);

		expect((await pay("order-1")).status).toBe(200);
		expect((await balance(key)).balance_cents).toBe(before.balance_cents - 700);
	});

	it("dies after the merchant answered (injected): the alarm repeats the payment under the same key and captures it once", async () => {
		// No x-amount-path: what is captured is the amount the request asked for (and the hold).
		await addServices({
			...paydesk("paydesk-lost", `${sandboxOrigin()}/_echo`, { "x-amount-path": undefined }),
			timeout_ms: 1_000,
		});
		const { id, key } = await createKey("authenticated", "payer-lost@example.com", 20_000);
		const parameters = payment(900);
		const q = await json<Quote>(await quote(key, "paydesk-lost", parameters));
		const before = await balance(key);
		await runInDurableObject(env.ACCOUNT.getByName(id), (_instance, state) => {
			state.storage.kv.put("test:fault", "die-after-merchant");
		});
		await expectProblem(await buy(key, "paydesk-lost", parameters, q.quote_id), 500, "INTERNAL");
		expect((await balance(key)).holds).toEqual([
			expect.objectContaining({ amount_cents: 900, status: "in_flight" }),
		]);

		for (const deadline = Date.now() + 15_000; (await balance(key)).holds.length > 0; ) {
			if (Date.now() > deadline) throw new Error("the alarm did not settle the payment");
			await runDurableObjectAlarm(env.ACCOUNT.getByName(id));
			await scheduler.wait(100);
		}
		const again = await json<{
			replayed: boolean;
			receipt: { amount_cents: number; transaction_id: string };
		}>(await buy(key, "paydesk-lost", parameters, q.quote_id));
		expect(again).toMatchObject({
			replayed: true,
			receipt: { amount_cents: 900, transaction_id: `penumbra-${q.quote_id.split(".")[0]}` },
		});
		expect((await balance(key)).balance_cents).toBe(before.balance_cents - 900);
	});

	it("refuses a payment the balance cannot cover before the merchant is called", async () => {
		await addServices(paydesk("paydesk-poor", `${sandboxOrigin()}/_nowhere`));
		const { key } = await createKey("authenticated", "payer-poor@example.com", 1_000);
		const q = await json<Quote>(await quote(key, "paydesk-poor", payment(1_500)));
		// Had the merchant been called, its 404 would be the answer.
		const problem = await expectProblem(
			await buy(key, "paydesk-poor", payment(1_500), q.quote_id),
			402,
			"INSUFFICIENT_FUNDS",
		);
		expect(problem).toMatchObject({ required_cents: 1_500, shortfall_cents: 500 });
		expect((await balance(key)).holds).toEqual([]);
	});
});
