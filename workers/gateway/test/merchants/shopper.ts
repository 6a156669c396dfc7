import { readAmountCents, readTransactionId } from "@penumbra/core/purchase";
import type { CompiledTool } from "@penumbra/core/registry";
import { expect } from "vitest";
import { autoApprove, call, createKey, expectProblem, json, providerService } from "../helpers.ts";

/** Enough for a family's flights; the auto-approve threshold set by {@link shopper} is the same. */
const FUNDING_CENTS = 1_000_000;

/**
 * Usage fees the gateway takes for quoting and for buying. Today neither runs through the usage-fee path: the
 * precheck and purchase tools' listed fee_cents are charged only when the precheck runs as a plain tool.
 */
const QUOTE_FEE_CENTS = 0;
const PURCHASE_FEE_CENTS = 0;

export interface GatewayQuote<Details> {
	quote_id: string;
	service: string;
	tool: string;
	merchant: string;
	amount_cents: number;
	currency: string;
	expires_at: string;
	requires_confirmation: boolean;
	/** The merchant's precheck answer. */
	details: Details;
}

export interface Receipt {
	id: string;
	quote_id: string;
	hold_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	held_cents: number;
	transaction_id: string;
	flagged: boolean;
	refunded_cents: number;
	balance_after_cents: number;
}

interface AccountView {
	balance_cents: number;
	available_cents: number;
	holds: unknown[];
}

export interface Bought<Details, Result> {
	quote: GatewayQuote<Details>;
	/** The merchant's answer to the purchase, as the gateway returned it (sensitive fields redacted). */
	result: Result;
	receipt: Receipt;
}

/** A funded, auto-approving key at one merchant that keeps its own books: every fee and receipt it should have paid. */
export interface Shopper {
	readonly key: string;
	tool(name: string): CompiledTool;
	/** Runs a plain tool through the gateway; it must answer 200 and charge exactly the tool's fee. */
	execute<T>(name: string, parameters: Record<string, unknown>): Promise<T>;
	/**
	 * Buys through the gateway's purchase flow and checks what a buyer would: refused without a quote (also when the
	 * merchant's own quote id is slipped into the parameters), quote priced by the precheck, receipt for what the
	 * merchant states, balance down by exactly that plus fees, and a retry that replays the receipt for free.
	 */
	buy<Details, Result>(name: string, parameters: Record<string, unknown>): Promise<Bought<Details, Result>>;
	/** The balance is the funding less every fee and receipt so far, and nothing is held. */
	expectBooksBalance(): Promise<AccountView>;
}

function precheckOf(tools: CompiledTool[], tool: CompiledTool) {
	const purchase = tool.purchase;
	if (purchase?.kind !== "purchase" || !purchase.amount_path)
		throw new Error(`${tool.name} is not a purchase tool priced by a precheck`);
	const precheck = tools.find((t) => t.name === purchase.precheck);
	if (precheck?.purchase?.kind !== "precheck") throw new Error(`${tool.name} has no precheck`);
	return { purchase: { ...purchase, amount_path: purchase.amount_path }, precheck: precheck.purchase };
}

/** A new key at `service` with FUNDING_CENTS and an auto-approve threshold above any test purchase. */
export async function shopper(service: string): Promise<Shopper> {
	const { key } = await createKey("authenticated", `shopper@${service}.example`, FUNDING_CENTS);
	await autoApprove(key);
	const tools = providerService(service).tools;
	let expectedBalance = FUNDING_CENTS;

	const tool = (name: string): CompiledTool => {
		const found = tools.find((t) => t.name === name);
		if (!found) throw new Error(`${service} has no tool ${name}`);
		return found;
	};

	const expectBooksBalance = async (): Promise<AccountView> => {
		const account = await json<AccountView>(await call("/v1/account", { key }));
		expect(account).toMatchObject({
			balance_cents: expectedBalance,
			available_cents: expectedBalance,
			holds: [],
		});
		return account;
	};

	const execute = async <T>(name: string, parameters: Record<string, unknown>): Promise<T> => {
		const response = await call(`/v1/services/${service}/tools/${name}`, { key, body: { parameters } });
		expect(response.status, await response.clone().text()).toBe(200);
		const body = await json<{ service: string; tool: string; result: T; fee_cents: number }>(response);
		expect(body).toMatchObject({ service, tool: name, fee_cents: tool(name).fee_cents });
		expectedBalance -= body.fee_cents;
		return body.result;
	};

	const buy = async <Details, Result>(
		name: string,
		parameters: Record<string, unknown>,
	): Promise<Bought<Details, Result>> => {
		const { purchase, precheck } = precheckOf(tools, tool(name));
		const path = `/v1/services/${service}/tools/${name}`;
		await expectProblem(await call(path, { key, body: { parameters } }), 409, "CONFIRMATION_REQUIRED");

		const quoted = await call("/v1/quotes", { key, body: { service, tool: name, parameters } });
		expect(quoted.status, await quoted.clone().text()).toBe(201);
		const quote = await json<GatewayQuote<Details>>(quoted);
		expect(quote).toMatchObject({ service, tool: name, currency: "USD", requires_confirmation: false });
		expect(quote.amount_cents).toBe(readAmountCents(quote.details, precheck.amount_path));
		expectedBalance -= QUOTE_FEE_CENTS;
		await expectBooksBalance();

		// The merchant's own quote id is not a gateway quote: buying with it in the parameters is still refused.
		const merchantQuote = (quote.details as { quote_id?: unknown }).quote_id;
		expect(merchantQuote).toEqual(expect.any(String));
		await expectProblem(
			await call(path, {
				key,
				body: { parameters: { ...parameters, quote_id: merchantQuote, "Idempotency-Key": "model-made-key" } },
			}),
			409,
			"CONFIRMATION_REQUIRED",
		);
		await expectBooksBalance();

		const response = await call(path, { key, body: { parameters, quote_id: quote.quote_id } });
		expect(response.status, await response.clone().text()).toBe(200);
		const bought = await json<{
			service: string;
			tool: string;
			result: Result;
			receipt: Receipt;
			replayed: boolean;
		}>(response);
		expect(bought).toMatchObject({ service, tool: name, replayed: false });
		// Every sandbox merchant records the quote it sold on: the gateway filled in the precheck's own quote id.
		expect((bought.result as { quote_id?: unknown }).quote_id).toBe(merchantQuote);
		const stated = readAmountCents(bought.result, purchase.amount_path);
		expect(stated, "the merchant charges what it quoted").toBe(quote.amount_cents);
		expect(bought.receipt).toMatchObject({
			quote_id: quote.quote_id.split(".")[0],
			service,
			tool: name,
			amount_cents: stated,
			held_cents: quote.amount_cents,
			transaction_id: readTransactionId(bought.result, purchase.transaction_id_path),
			flagged: false,
			refunded_cents: 0,
		});
		expectedBalance -= bought.receipt.amount_cents + PURCHASE_FEE_CENTS;
		const after = await expectBooksBalance();
		expect(bought.receipt.balance_after_cents).toBe(after.balance_cents);

		const retried = await call(path, { key, body: { parameters, quote_id: quote.quote_id } });
		expect(retried.status, await retried.clone().text()).toBe(200);
		expect(await json(retried)).toEqual({
			service,
			tool: name,
			result: null,
			receipt: bought.receipt,
			replayed: true,
		});
		await expectBooksBalance();
		return { quote, result: bought.result, receipt: bought.receipt };
	};

	return { key, tool, execute, buy, expectBooksBalance };
}
