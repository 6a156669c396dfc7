import { failureError, type Quote, type Receipt } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import {
	checkRequestCurrency,
	parameterName,
	readAmountCents,
	readRequestAmountCents,
} from "@penumbra/core/purchase";
import type { CompiledService, CompiledTool, PurchaseMeta } from "@penumbra/core/registry";
import { nextTraceparent, type RequestTrace, tagRequest } from "@penumbra/core/trace";
import { buildUpstreamRequest } from "@penumbra/core/upstream-request";
import { accountOf } from "./account/client.ts";
import { secretReader, sendUpstream } from "./execute.ts";
import { purchaseOutcomeOf, recordPurchase } from "./metrics/observe.ts";
import type { RequestMetrics } from "./metrics/record.ts";
import { assertLevel } from "./middleware/auth.ts";
import { validateParameters } from "./params.ts";
import { publicInputSchema, withoutSupplied } from "./purchase-request.ts";
import { issueQuoteId, paramsHash, parseQuoteId, verifyQuote } from "./quotes.ts";
import type { Caller } from "./types.ts";

const QUOTE_TTL_MS = 9 * 60_000;

export { publicInputSchema } from "./purchase-request.ts";

type PurchaseTool = CompiledTool & { purchase: Extract<PurchaseMeta, { kind: "purchase" }> };
type PrecheckTool = CompiledTool & { purchase: Extract<PurchaseMeta, { kind: "precheck" }> };

function purchaseTool(service: CompiledService, tool: CompiledTool): PurchaseTool {
	if (tool.purchase?.kind !== "purchase") {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: `${service.card.id}.${tool.name} is not a purchase; run it directly, no quote needed.`,
		});
	}
	return tool as PurchaseTool;
}

function precheckOf(service: CompiledService, tool: PurchaseTool): PrecheckTool {
	const precheckName = tool.purchase.precheck;
	const precheck = service.tools.find((t) => t.name === precheckName);
	if (precheck?.purchase?.kind !== "precheck") {
		throw new PenumbraError("INTERNAL", {
			detail: "This purchase is misconfigured on the gateway.",
			internal: `precheck ${precheckName} of ${service.card.id}.${tool.name} missing`,
		});
	}
	return precheck as PrecheckTool;
}

/** The price and what to show with it: the merchant's precheck answer, or a payment's own requested amount. */
async function priceOf(
	env: GatewayEnv,
	service: CompiledService,
	tool: PurchaseTool,
	parameters: Record<string, unknown>,
	ids: RequestTrace,
	metrics?: RequestMetrics,
): Promise<{ amount_cents: number; precheck: unknown; details: unknown }> {
	const { request_amount_path: amountPath, request_currency_path: currencyPath } = tool.purchase;
	if (amountPath) {
		// A payment is priced by its own request: nothing is asked of the merchant until the owner's purchase.
		const amount = readRequestAmountCents(parameters, amountPath);
		if (currencyPath) checkRequestCurrency(parameters, currencyPath, "USD");
		return {
			amount_cents: amount,
			precheck: null,
			details: { priced_by: "request", amount_parameter: parameterName(amountPath) },
		};
	}
	const precheck = precheckOf(service, tool);
	const precheckParameters = pick(precheck, parameters);
	validateParameters(precheck, precheckParameters);
	const request = buildUpstreamRequest(service, precheck, precheckParameters, secretReader(env));
	tagRequest(request.headers, ids);
	const answer = await sendUpstream(env, service, request, metrics && { ...metrics, tool: precheck.name });
	const amount = readAmountCents(answer.body, precheck.purchase.amount_path);
	return { amount_cents: amount, precheck: answer.body ?? null, details: answer.body };
}

function pick(tool: CompiledTool, parameters: Record<string, unknown>): Record<string, unknown> {
	const properties = tool.input_schema.properties;
	const known = typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
	return Object.fromEntries(Object.entries(parameters).filter(([name]) => known.includes(name)));
}

function credentialOf(caller: Caller): string {
	if (!caller.credential) throw new PenumbraError("AUTH_REQUIRED", { detail: "Purchases need an API key." });
	return caller.credential.id;
}

/**
 * Prices a purchase (the merchant's precheck, or a payment's own amount) and returns a signed quote bound to the
 * credential, the tool, the parameters and the amount. Quotes above the owner's auto-approve threshold need the
 * owner's confirmation.
 */
export async function createQuote(
	env: GatewayEnv,
	caller: Caller,
	service: CompiledService,
	tool: CompiledTool,
	rawParameters: Record<string, unknown>,
	ids: RequestTrace,
	metrics?: RequestMetrics,
): Promise<Quote> {
	assertLevel(caller, tool.auth_level, `${service.card.id}.${tool.name}`);
	const credentialId = credentialOf(caller);
	const purchasable = purchaseTool(service, tool);
	const parameters = withoutSupplied(tool, rawParameters);
	validateParameters({ ...tool, input_schema: publicInputSchema(tool) }, parameters);
	const price = await priceOf(env, service, purchasable, parameters, ids, metrics);
	const amount = price.amount_cents;
	const expiresAt = Date.now() + QUOTE_TTL_MS;
	const hash = await paramsHash(parameters);
	const issued = await issueQuoteId(env.QUOTE_SIGNING_KEY, {
		credential_id: credentialId,
		service: service.card.id,
		tool: tool.name,
		params_hash: hash,
		amount_cents: amount,
		expires_at: expiresAt,
	});
	const stored = await accountOf(env, credentialId).saveQuote({
		id: issued.id,
		service: service.card.id,
		tool: tool.name,
		params_hash: hash,
		amount_cents: amount,
		expires_at: expiresAt,
		precheck: JSON.stringify(price.precheck),
		signature: issued.signature,
	});
	return {
		quote_id: issued.quote_id,
		service: service.card.id,
		tool: tool.name,
		merchant: service.card.name,
		amount_cents: amount,
		currency: "USD",
		expires_at: new Date(expiresAt).toISOString(),
		requires_confirmation: stored.requires_confirmation,
		details: price.details,
	};
}

/** Loads a quote from the caller's own account and checks its signature; anyone else's quote is simply not found. */
export async function loadQuote(env: GatewayEnv, credentialId: string, quoteId: string) {
	const { id, signature } = parseQuoteId(quoteId);
	const stored = await accountOf(env, credentialId).quote(id);
	const valid =
		stored !== null &&
		(await verifyQuote(
			env.QUOTE_SIGNING_KEY,
			{
				id,
				credential_id: credentialId,
				service: stored.service,
				tool: stored.tool,
				params_hash: stored.params_hash,
				amount_cents: stored.amount_cents,
				expires_at: stored.expires_at,
			},
			signature,
		));
	if (!stored || !valid) {
		throw new PenumbraError("NOT_FOUND", { detail: "No such quote on this account. Ask for a new quote." });
	}
	return stored;
}

export interface PurchaseResult {
	service: string;
	tool: string;
	/** The merchant's answer; null when this is a replay of a purchase already made. */
	result: unknown;
	receipt: Receipt;
	replayed: boolean;
}

/**
 * Buys with a quote. The Account DO does it (`AccountDO.buy`): hold and attempt recorded → merchant purchase with
 * an idempotency key derived from the quote → capture what the merchant states (never more than held) → receipt, or
 * release on a definite refusal; an unknown outcome is resolved by the DO's alarm. Retrying the same quote returns
 * the same receipt, "still resolving" (409 with Retry-After) while a call is in flight, and never a second order.
 */
export async function purchase(
	env: GatewayEnv,
	caller: Caller,
	service: CompiledService,
	tool: CompiledTool,
	rawParameters: Record<string, unknown>,
	quoteId: string,
	ids: RequestTrace,
	metrics?: RequestMetrics,
): Promise<PurchaseResult> {
	assertLevel(caller, tool.auth_level, `${service.card.id}.${tool.name}`);
	const credentialId = credentialOf(caller);
	const quote = await loadQuote(env, credentialId, quoteId);
	if (quote.service !== service.card.id || quote.tool !== tool.name) {
		throw new PenumbraError("CONFLICT", {
			detail: `This quote is for ${quote.service}.${quote.tool}, not ${service.card.id}.${tool.name}. Ask for a quote for this tool.`,
		});
	}
	purchaseTool(service, tool);
	const parameters = withoutSupplied(tool, rawParameters);
	const started = performance.now();
	const answer = await accountOf(env, credentialId).buy({
		quote_id: quote.id,
		params_hash: await paramsHash(parameters),
		service: service.card.id,
		tool: tool.name,
		parameters: JSON.stringify(parameters),
		request_id: ids.request_id,
		traceparent: nextTraceparent(ids.trace),
	});
	const charged = answer.ok ? answer.receipt.amount_cents : 0;
	recordPurchase(metrics, service.card.id, purchaseOutcomeOf(answer), charged, started);
	if (!answer.ok) {
		// A caller told "pending" or "unknown" retries with the quote id it holds (the signed one).
		const pending = answer.extras?.outcome === "unknown" || answer.extras?.outcome === "pending";
		throw failureError(pending ? { ...answer, extras: { ...answer.extras, quote_id: quoteId } } : answer);
	}
	return {
		service: service.card.id,
		tool: tool.name,
		result: answer.result_json === null ? null : JSON.parse(answer.result_json),
		receipt: answer.receipt,
		replayed: answer.replayed,
	};
}
