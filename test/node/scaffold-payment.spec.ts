import { type ScaffoldOptions, scaffoldProvider } from "@penumbra/cli/scaffold";
import { describe, expect, it } from "vitest";

/**
 * `providers scaffold` for payment-style purchases (docs/money.md): a payments API has no pricing operation, the
 * amount is in the request. Shaped like Adyen's Checkout and classic Payment APIs (test/fixtures/providers/adyen).
 */

function options(paths: Record<string, unknown>, extra: Partial<ScaffoldOptions> = {}): ScaffoldOptions {
	return {
		id: "payco",
		name: "PayCo",
		spec: { openapi: "3.1.0", info: { title: "PayCo", version: "1" }, paths },
		specUrl: "https://specs.example.com/payco/openapi.json",
		upstreamBase: "https://api.example.com",
		...extra,
	};
}

const amount = {
	type: "object",
	required: ["value", "currency"],
	properties: { value: { type: "integer", format: "int64" }, currency: { type: "string" } },
};

/** A POST taking an Adyen-style payment request and answering `pspReference` + `resultCode`. */
function paymentOp(operationId: string, request: Record<string, unknown> = { amount }) {
	return {
		operationId,
		summary: "Start a payment",
		parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string" } }],
		requestBody: {
			required: true,
			content: {
				"application/json": {
					schema: {
						type: "object",
						required: Object.keys(request),
						properties: { ...request, reference: { type: "string" } },
					},
				},
			},
		},
		responses: {
			"200": {
				description: "ok",
				content: {
					"application/json": {
						schema: {
							type: "object",
							properties: {
								pspReference: { type: "string" },
								resultCode: {
									type: "string",
									enum: ["Authorised", "Pending", "Refused", "Cancelled", "RedirectShopper"],
								},
								order: { type: "object", properties: { reference: { type: "string" } } },
							},
						},
					},
				},
			},
		},
	};
}

const plain = (operationId: string) => ({
	operationId,
	summary: "something else",
	responses: { "200": { description: "ok" } },
});

const jsonAnswer = (properties: Record<string, unknown>) => ({
	"200": { description: "ok", content: { "application/json": { schema: { type: "object", properties } } } },
});

const checkout = () => ({
	"/payments": { post: paymentOp("make_payment") },
	"/payments/details": { post: plain("submit_details") },
	"/paymentMethods": { post: plain("list_methods") },
});

const checks = (result: Awaited<ReturnType<typeof scaffoldProvider>>) =>
	result.changes
		.filter((c) => c.check && /x-(request|result|sold|refused|transaction)/.test(c.pointer))
		.map((c) => c.pointer);

describe("scaffolding a payment whose amount is in the request", () => {
	it("--has-purchases without a pricing operation marks the payment, guessing amount, currency and verdict (CHECK)", async () => {
		const result = await scaffoldProvider(
			options(checkout(), { hasPurchases: true, transactionIdPath: "$.pspReference" }),
		);
		expect(result.problems).toEqual([]);
		expect(result.service?.tools.find((t) => t.name === "make_payment")?.purchase).toEqual({
			kind: "purchase",
			request_amount_path: "$.amount.value",
			request_currency_path: "$.amount.currency",
			transaction_id_path: "$.pspReference",
			result: { path: "$.resultCode", sold: ["Authorised"], refused: ["Refused", "Cancelled"] },
		});
		expect(result.service?.card.has_purchases).toBe(true);
		expect(checks(result)).toEqual([
			"/paths/~1payments/post/x-request-amount-path",
			"/paths/~1payments/post/x-request-currency-path",
			"/paths/~1payments/post/x-result-path",
			"/paths/~1payments/post/x-sold-results",
			"/paths/~1payments/post/x-refused-results",
		]);
		const manifest = result.files.find((f) => f.path.endsWith("provider.yaml"))?.content;
		expect(manifest).toContain(
			'openapi.yaml#/paths/~1payments/post/x-request-amount-path: guessed from the request field "value"',
		);
		// The generated contract test accepts a purchase priced by its request.
		expect(result.files.find((f) => f.path.endsWith("contract.spec.ts"))?.content).toContain(
			"purchase.request_amount_path ??",
		);
	});

	it("takes the amount and currency as given (--amount-param, --currency-param), without CHECK", async () => {
		const result = await scaffoldProvider(
			options(checkout(), {
				purchasePattern: "/payments",
				amountParam: "amount.value",
				currencyParam: "$.amount.currency",
				transactionIdPath: "$.pspReference",
			}),
		);
		expect(result.problems).toEqual([]);
		expect(checks(result)).toEqual([
			"/paths/~1payments/post/x-result-path",
			"/paths/~1payments/post/x-sold-results",
			"/paths/~1payments/post/x-refused-results",
		]);
	});

	it("an exact --purchase-pattern wins over the longer paths it is a substring of", async () => {
		const classic = {
			"/authorise": { post: paymentOp("authorise") },
			"/authorise3d": { post: paymentOp("authorise3d") },
			"/authorise3ds2": { post: paymentOp("authorise3ds2") },
		};
		const result = await scaffoldProvider(
			options(classic, {
				hasPurchases: true,
				purchasePattern: "/authorise",
				transactionIdPath: "$.pspReference",
			}),
		);
		expect(result.problems).toEqual([]);
		expect(result.service?.tools.filter((t) => t.purchase).map((t) => t.name)).toEqual(["authorise"]);
		// A pattern matching several paths, none exactly, is still refused.
		const several = await scaffoldProvider(
			options(classic, { hasPurchases: true, purchasePattern: "/authorise3" }),
		);
		expect(several.problems[0]?.message).toContain(
			'--purchase-pattern "/authorise3" matches several paths (/authorise3d, /authorise3ds2)',
		);
	});

	it("an exact --purchase-pattern wins in the precheck pairing too", async () => {
		const priced = {
			"/quote": { post: { ...plain("quote"), responses: jsonAnswer({ total_cents: { type: "integer" } }) } },
			"/order": {
				post: {
					...plain("order"),
					responses: jsonAnswer({ order_id: { type: "string" }, total_cents: { type: "integer" } }),
				},
			},
			"/orders": { post: paymentOp("bulk_orders") },
		};
		const result = await scaffoldProvider(
			options(priced, {
				precheckPattern: "/quote",
				purchasePattern: "/order",
				transactionIdPath: "$.order_id",
			}),
		);
		expect(result.problems.map((p) => p.message)).toEqual([]);
		expect(result.service?.tools.find((t) => t.name === "order")?.purchase).toMatchObject({
			precheck: "quote",
		});
	});

	it("refuses what it cannot decide: no amount in any payment request, or a parameter the request lacks", async () => {
		const noAmount = await scaffoldProvider(
			options(
				{ "/payments": { post: paymentOp("pay", { total: { type: "string" } }) } },
				{ hasPurchases: true },
			),
		);
		expect(noAmount.problems[0]?.message).toContain(
			"no pricing operation (a path ending in quote, estimate, price …) with a matching POST was found; and no POST named like a payment",
		);
		expect(noAmount.problems[0]?.message).toContain("--purchase-pattern and --amount-param");
		const wrong = await scaffoldProvider(
			options(checkout(), {
				purchasePattern: "/payments",
				amountParam: "amount.cents",
				transactionIdPath: "$.pspReference",
			}),
		);
		expect(wrong.ok).toBe(false);
		expect(wrong.problems.map((p) => p.message)).toContain(
			'x-request-amount-path $.amount.cents names no parameter of make_payment: it has no property "cents"',
		);
	});
});
