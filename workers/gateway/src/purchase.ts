import type { Quote, Receipt } from "@penumbra/core/contracts";
import { unwrap } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { readAmountCents, readTransactionId } from "@penumbra/core/purchase";
import type { CompiledService, CompiledTool, JsonSchema } from "@penumbra/core/registry";
import { buildUpstreamRequest, type UpstreamRequest } from "@penumbra/core/upstream-request";
import { accountOf } from "./account/client.ts";
import { secretReader, sendUpstream } from "./execute.ts";
import { assertLevel } from "./middleware/auth.ts";
import { validateParameters } from "./params.ts";
import { issueQuoteId, paramsHash, parseQuoteId, verifyQuote } from "./quotes.ts";
import type { Caller } from "./types.ts";

const QUOTE_TTL_MS = 9 * 60_000;
const IDEMPOTENCY_HEADER = /^idempotency-key$/i;

/**
 * Purchase-tool inputs the gateway fills itself, never the model: the merchant's idempotency key (derived from our
 * quote) and the merchant's own quote id (read from the precheck answer).
 */
export function suppliedParameters(
	tool: CompiledTool,
): Record<string, "idempotency_key" | "precheck_quote_id"> {
	const supplied: Record<string, "idempotency_key" | "precheck_quote_id"> = {};
	if (tool.purchase?.kind !== "purchase") return supplied;
	for (const param of tool.params)
		if (param.in === "header" && IDEMPOTENCY_HEADER.test(param.name))
			supplied[param.name] = "idempotency_key";
	const properties = tool.input_schema.properties;
	if (typeof properties === "object" && properties !== null && "quote_id" in properties)
		supplied.quote_id = "precheck_quote_id";
	return supplied;
}

/** The input schema a caller sees: without the inputs the gateway supplies. */
export function publicInputSchema(tool: CompiledTool): JsonSchema {
	const supplied = Object.keys(suppliedParameters(tool));
	if (supplied.length === 0) return tool.input_schema;
	const properties = { ...(tool.input_schema.properties as Record<string, unknown>) };
	for (const name of supplied) delete properties[name];
	const required = Array.isArray(tool.input_schema.required)
		? tool.input_schema.required.filter((name) => typeof name === "string" && !supplied.includes(name))
		: undefined;
	return { ...tool.input_schema, properties, ...(required ? { required } : {}) };
}

function precheckOf(service: CompiledService, tool: CompiledTool): CompiledTool {
	if (tool.purchase?.kind !== "purchase") {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: `${service.card.id}.${tool.name} is not a purchase; run it directly, no quote needed.`,
		});
	}
	const precheckName = tool.purchase.precheck;
	const precheck = service.tools.find((t) => t.name === precheckName);
	if (precheck?.purchase?.kind !== "precheck") {
		throw new PenumbraError("INTERNAL", {
			detail: "This purchase is misconfigured on the gateway.",
			internal: `precheck ${precheckName} of ${service.card.id}.${tool.name} missing`,
		});
	}
	return precheck;
}

function withoutSupplied(tool: CompiledTool, parameters: Record<string, unknown>): Record<string, unknown> {
	const supplied = suppliedParameters(tool);
	return Object.fromEntries(Object.entries(parameters).filter(([name]) => !(name in supplied)));
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
 * Prices a purchase with the merchant's precheck and returns a signed quote bound to the credential, the tool,
 * the parameters and the amount. Quotes above the owner's auto-approve threshold need the owner's confirmation.
 */
export async function createQuote(
	env: GatewayEnv,
	caller: Caller,
	service: CompiledService,
	tool: CompiledTool,
	rawParameters: Record<string, unknown>,
	requestId: string,
): Promise<Quote> {
	assertLevel(caller, tool.auth_level, `${service.card.id}.${tool.name}`);
	const credentialId = credentialOf(caller);
	const precheck = precheckOf(service, tool);
	const parameters = withoutSupplied(tool, rawParameters);
	validateParameters({ ...tool, input_schema: publicInputSchema(tool) }, parameters);
	const precheckParameters = pick(precheck, parameters);
	validateParameters(precheck, precheckParameters);
	const request = buildUpstreamRequest(service, precheck, precheckParameters, secretReader(env));
	request.headers.set("x-request-id", requestId);
	const answer = await sendUpstream(env, service, request);
	if (precheck.purchase?.kind !== "precheck") throw new Error("unreachable: checked by precheckOf");
	const amount = readAmountCents(answer.body, precheck.purchase.amount_path);
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
		precheck: JSON.stringify(answer.body ?? null),
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
		details: answer.body,
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
 * Buys with a quote: hold → merchant purchase with an idempotency key derived from the quote → capture what the
 * merchant states (never more than held) → receipt. Retrying the same quote returns the same receipt.
 */
export async function purchase(
	env: GatewayEnv,
	caller: Caller,
	service: CompiledService,
	tool: CompiledTool,
	rawParameters: Record<string, unknown>,
	quoteId: string,
	requestId: string,
): Promise<PurchaseResult> {
	assertLevel(caller, tool.auth_level, `${service.card.id}.${tool.name}`);
	const credentialId = credentialOf(caller);
	const quote = await loadQuote(env, credentialId, quoteId);
	if (quote.service !== service.card.id || quote.tool !== tool.name) {
		throw new PenumbraError("CONFLICT", {
			detail: `This quote is for ${quote.service}.${quote.tool}, not ${service.card.id}.${tool.name}. Ask for a quote for this tool.`,
		});
	}
	if (tool.purchase?.kind !== "purchase") precheckOf(service, tool);
	const parameters = withoutSupplied(tool, rawParameters);
	const account = accountOf(env, credentialId);
	const begun = unwrap(
		await account.beginPurchase({
			quote_id: quote.id,
			params_hash: await paramsHash(parameters),
			service: service.card.id,
			tool: tool.name,
		}),
	);
	if (begun.receipt) {
		return {
			service: service.card.id,
			tool: tool.name,
			result: null,
			receipt: begun.receipt,
			replayed: true,
		};
	}
	const hold = begun.hold;
	if (!hold) throw new Error("unreachable: a purchase that is not done has a hold");
	let request: UpstreamRequest;
	try {
		request = buildPurchaseRequest(env, service, tool, parameters, quote.id, JSON.parse(quote.precheck));
	} catch (error) {
		unwrap(await account.release({ key: `release:${hold.id}`, hold_id: hold.id, reason: "request invalid" }));
		throw error;
	}
	request.headers.set("x-request-id", requestId);
	let body: unknown;
	try {
		body = (await sendUpstream(env, service, request)).body;
	} catch (error) {
		// Too large is a 2xx the gateway could not read: the merchant may have sold, as with a timeout.
		const unknownOutcome =
			!(error instanceof PenumbraError) ||
			error.code === "UPSTREAM_TIMEOUT" ||
			error.code === "PAYLOAD_TOO_LARGE" ||
			(error.code === "UPSTREAM_ERROR" && error.extras.upstream_status === undefined);
		if (unknownOutcome) {
			unwrap(await account.markUnknown({ key: `unknown:${hold.id}:${Date.now()}`, hold_id: hold.id }));
			throw new PenumbraError(error instanceof PenumbraError ? error.code : "UPSTREAM_ERROR", {
				detail: `${error instanceof PenumbraError ? error.detail : "The merchant could not be reached."} Whether the purchase went through is unknown: the amount stays reserved. Retry with the same quote_id to finish it safely (the merchant sees the same idempotency key).`,
				extras: { quote_id: quoteId, outcome: "unknown" },
				cause: error,
			});
		}
		unwrap(
			await account.release({ key: `release:${hold.id}`, hold_id: hold.id, reason: "merchant refused" }),
		);
		throw error;
	}
	let amount: number;
	let transactionId: string;
	try {
		if (tool.purchase?.kind !== "purchase") throw new Error("unreachable: checked by precheckOf");
		amount = readAmountCents(body, tool.purchase.amount_path);
		transactionId = readTransactionId(body, tool.purchase.transaction_id_path);
	} catch (error) {
		// The merchant said yes but its answer cannot be read: it may have charged. Keep the hold for reconciliation.
		unwrap(await account.markUnknown({ key: `unknown:${hold.id}:${Date.now()}`, hold_id: hold.id }));
		throw error;
	}
	const completed = unwrap(
		await account.completePurchase({ hold_id: hold.id, amount_cents: amount, transaction_id: transactionId }),
	);
	return {
		service: service.card.id,
		tool: tool.name,
		result: body,
		receipt: completed.receipt,
		replayed: false,
	};
}

function buildPurchaseRequest(
	env: GatewayEnv,
	service: CompiledService,
	tool: CompiledTool,
	parameters: Record<string, unknown>,
	quoteId: string,
	precheckAnswer: unknown,
): UpstreamRequest {
	const filled: Record<string, unknown> = { ...parameters };
	for (const [name, source] of Object.entries(suppliedParameters(tool))) {
		if (source === "idempotency_key") filled[name] = `penumbra-${quoteId}`;
		else {
			const merchantQuote =
				typeof precheckAnswer === "object" && precheckAnswer !== null
					? Reflect.get(precheckAnswer, "quote_id")
					: undefined;
			if (typeof merchantQuote === "string" || typeof merchantQuote === "number")
				filled[name] = merchantQuote;
		}
	}
	validateParameters(tool, filled);
	return buildUpstreamRequest(service, tool, filled, secretReader(env));
}
