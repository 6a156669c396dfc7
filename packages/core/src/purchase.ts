import { JSONPath } from "jsonpath-plus";
import { PenumbraError } from "./errors.ts";

/** Reads one value by JSONPath (jsonpath-plus, scripts disabled); undefined when nothing or several match. */
function readOne(body: unknown, path: string): unknown {
	if (typeof body !== "object" || body === null) return undefined;
	const matches: unknown = JSONPath({ path, json: body, wrap: true, eval: false });
	return Array.isArray(matches) && matches.length === 1 ? matches[0] : undefined;
}

/**
 * The amount a merchant states, in integer cents, read by the operation's `x-amount-path`.
 * Anything but one non-negative safe integer is the merchant's error, never a guess.
 */
export function readAmountCents(body: unknown, path: string): number {
	const value = readOne(body, path);
	if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
		throw new PenumbraError("UPSTREAM_ERROR", {
			detail: "The service's answer does not state a valid amount.",
			internal: `x-amount-path ${path} gave ${JSON.stringify(value)}; expected one non-negative integer (cents)`,
		});
	}
	return value;
}

/** The merchant's transaction id, read by `x-transaction-id-path`: one non-empty string or integer. */
export function readTransactionId(body: unknown, path: string): string {
	const value = readOne(body, path);
	if (
		(typeof value === "string" && value.trim() !== "") ||
		(typeof value === "number" && Number.isSafeInteger(value))
	) {
		return String(value);
	}
	throw new PenumbraError("UPSTREAM_ERROR", {
		detail: "The service's answer does not carry a transaction id.",
		internal: `x-transaction-id-path ${path} gave ${JSON.stringify(value)}`,
	});
}

/**
 * What a 2xx purchase answer says of itself (`x-result-path`): sold, refused, or — for any other value, or none —
 * not known yet (a pending or challenged payment: the funds stay held and the merchant is asked again).
 */
export function readVerdict(
	body: unknown,
	result: { path: string; sold: string[]; refused: string[] },
): { verdict: "sold" | "refused" | "unknown"; value: unknown } {
	const value = readOne(body, result.path);
	if (typeof value === "string" && result.sold.includes(value)) return { verdict: "sold", value };
	if (typeof value === "string" && result.refused.includes(value)) return { verdict: "refused", value };
	return { verdict: "unknown", value };
}

/** `$.amount.value` → `amount.value`: how a request path names the parameter to the caller. */
export function parameterName(path: string): string {
	return path
		.replace(/^\$\.?/, "")
		.replace(/\['([^']*)'\]/g, ".$1")
		.replace(/^\./, "");
}

/**
 * The amount of a payment-style purchase, read from the caller's own parameters by `x-request-amount-path`: one
 * non-negative safe integer in cents (minor units). Anything else is the caller's mistake, named to them.
 */
export function readRequestAmountCents(parameters: Record<string, unknown>, path: string): number {
	const value = readOne(parameters, path);
	if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
		const name = parameterName(path);
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: `Parameter ${name} is the amount to pay: it must be one whole, non-negative number of cents (minor units, e.g. 1000 for $10.00); got ${value === undefined ? "nothing" : JSON.stringify(value)}.`,
			extras: { parameter: name },
		});
	}
	return value;
}

/** A payment's currency (`x-request-currency-path`) must be the account's: the gateway charges in that currency. */
export function checkRequestCurrency(
	parameters: Record<string, unknown>,
	path: string,
	currency: string,
): void {
	const value = readOne(parameters, path);
	if (value === currency) return;
	const name = parameterName(path);
	throw new PenumbraError("VALIDATION_FAILED", {
		detail: `Parameter ${name} must be ${currency}, the currency this account pays in; got ${value === undefined ? "nothing" : JSON.stringify(value)}.`,
		extras: { parameter: name },
	});
}

/** A quote id as the gateway issues it to callers: `q_<id>.<signature>`. */
export const SIGNED_QUOTE_ID = /^q_[A-Za-z0-9]{8,40}\.[A-Za-z0-9_-]{16,40}$/;
