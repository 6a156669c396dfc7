import { PenumbraError } from "@penumbra/core/errors";
import { readAmountCents, readTransactionId, readVerdict } from "@penumbra/core/purchase";
import type { CompiledService, CompiledTool } from "@penumbra/core/registry";
import type { UpstreamRequest } from "@penumbra/core/upstream-request";
import { sendUpstream } from "../execute.ts";
import type { UpstreamObserver } from "../metrics/observe.ts";

/**
 * What one merchant call (a purchase, its repeat, or a status lookup) says about the order: sold (capture), refused
 * (definitely no order: release), or unknown (keep the funds held; the Account DO asks again). docs/money.md.
 */
export type MerchantOutcome =
	| { kind: "sold"; amount_cents: number; transaction_id: string; body: unknown }
	| { kind: "refused"; error: PenumbraError }
	| { kind: "unknown"; error: PenumbraError };

/** 4xx answers that do not mean "no order": the merchant may not have looked at the request at all. */
const NOT_DEFINITE = new Set([408, 425, 429]);

function upstreamStatus(error: PenumbraError): number | undefined {
	const status = error.extras.upstream_status;
	return typeof status === "number" ? status : undefined;
}

/**
 * A purchase's failure is a refusal only when the merchant answered a 4xx that means "no order" (validation, quote
 * expired or used, a mismatch). 5xx, timeouts, dropped connections, redirects, answers too large or unreadable may
 * all follow a sale.
 */
function classifyFailure(error: unknown): MerchantOutcome {
	if (!(error instanceof PenumbraError)) {
		return {
			kind: "unknown",
			error: new PenumbraError("UPSTREAM_ERROR", {
				detail: "The merchant's answer was cut off.",
				internal: `merchant call failed: ${error instanceof Error ? error.message : String(error)}`,
				cause: error,
			}),
		};
	}
	const status = upstreamStatus(error);
	if (status !== undefined && status >= 400 && status < 500 && !NOT_DEFINITE.has(status))
		return { kind: "refused", error };
	return { kind: "unknown", error };
}

/**
 * A sale's amount is what the answer states (`x-amount-path`); a payment whose answer states none charged what its
 * request asked for, which is the amount held.
 */
function readSale(tool: CompiledTool, body: unknown, heldCents: number): MerchantOutcome {
	if (tool.purchase?.kind !== "purchase") throw new Error("unreachable: a purchase tool");
	const amountPath = tool.purchase.amount_path;
	const stated = tool.purchase.result ? readVerdict(body, tool.purchase.result) : undefined;
	if (stated && stated.verdict !== "sold") return verdictOutcome(stated.verdict, stated.value);
	try {
		return {
			kind: "sold",
			amount_cents: amountPath ? readAmountCents(body, amountPath) : heldCents,
			transaction_id: readTransactionId(body, tool.purchase.transaction_id_path),
			body,
		};
	} catch (error) {
		// The merchant said yes but its answer cannot be read: it may have charged.
		return classifyFailure(error);
	}
}

/** A 2xx answer whose own verdict is not a sale: a refusal releases, anything else keeps the funds held. */
function verdictOutcome(verdict: "refused" | "unknown", value: unknown): MerchantOutcome {
	const said = JSON.stringify(value ?? null);
	return verdict === "refused"
		? {
				kind: "refused",
				error: new PenumbraError("UPSTREAM_ERROR", {
					detail: `The merchant refused the payment (${said}): nothing was charged.`,
					extras: { upstream_status: 200, merchant_result: value },
				}),
			}
		: {
				kind: "unknown",
				error: new PenumbraError("UPSTREAM_ERROR", {
					detail: `The merchant's answer (${said}) does not say the payment went through yet.`,
					extras: { merchant_result: value ?? null },
				}),
			};
}

/**
 * Sends the purchase (or its repeat with the same idempotency key) and says what the answer means; the call is one
 * `upstream` metric point of `observer`.
 */
export async function callPurchase(
	env: GatewayEnv,
	service: CompiledService,
	tool: CompiledTool,
	request: UpstreamRequest,
	heldCents: number,
	observer: UpstreamObserver,
): Promise<MerchantOutcome> {
	try {
		return readSale(tool, (await sendUpstream(env, service, request, observer)).body, heldCents);
	} catch (error) {
		return classifyFailure(error);
	}
}

/**
 * Asks the `x-purchase-status` operation for the order placed under the purchase's idempotency key: the order (read
 * with the purchase's own amount and transaction id paths), 404 for none, anything else unknown.
 */
export async function lookUpPurchase(
	env: GatewayEnv,
	service: CompiledService,
	tool: CompiledTool,
	request: UpstreamRequest,
	heldCents: number,
	observer: UpstreamObserver,
): Promise<MerchantOutcome> {
	try {
		return readSale(tool, (await sendUpstream(env, service, request, observer)).body, heldCents);
	} catch (error) {
		if (error instanceof PenumbraError && upstreamStatus(error) === 404) {
			return {
				kind: "refused",
				error: new PenumbraError("UPSTREAM_ERROR", {
					detail: "The merchant has no order for this purchase: nothing was charged.",
					extras: { upstream_status: 404 },
				}),
			};
		}
		const outcome = classifyFailure(error);
		// Only a 404 says "no order"; any other refusal of the lookup says nothing about the purchase.
		return outcome.kind === "refused" ? { kind: "unknown", error: outcome.error } : outcome;
	}
}
