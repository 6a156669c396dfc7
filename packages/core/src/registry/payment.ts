import { isRecord, pointerJoin } from "./json-pointer.ts";
import { checkJsonPath } from "./jsonpath.ts";
import type { Operation } from "./operations.ts";
import { report, type SpecContext } from "./refs.ts";
import type { CompiledTool, JsonSchema, PurchaseMeta } from "./types.ts";

type ResultMeta = NonNullable<Extract<PurchaseMeta, { kind: "purchase" }>["result"]>;

/** A payment's pricing, read from its own request: the part of `PurchaseMeta` that replaces the precheck. */
export interface PaymentPricing {
	request_amount_path: string;
	request_currency_path?: string;
	amount_path?: string;
}

/** `$.amount.value` or `$['amount'].value`: a request path must name one property, so the caller can be told which. */
const PROPERTY_PATH = /^\$(?:\.[A-Za-z_$][A-Za-z0-9_$-]*|\['[^'\]]+'\])+$/;

function segments(path: string): string[] {
	return [...path.matchAll(/\.([A-Za-z_$][A-Za-z0-9_$-]*)|\['([^'\]]+)'\]/g)].map((m) => m[1] ?? m[2] ?? "");
}

function requestPath(
	ctx: SpecContext,
	op: Operation,
	key: "x-request-amount-path" | "x-request-currency-path",
) {
	const value = op.ext[key];
	if (value === undefined) return undefined;
	const at = pointerJoin(op.pointer, key);
	const check = checkJsonPath(value);
	if (!check.ok) {
		report(ctx, "problem", at, check.message);
		return undefined;
	}
	if (!PROPERTY_PATH.test(value)) {
		report(
			ctx,
			"problem",
			at,
			`${key} ${JSON.stringify(value)} must name one property of the tool's parameters, e.g. $.amount.value (no wildcards, indexes or ..)`,
		);
		return undefined;
	}
	return value;
}

/**
 * `x-purchase-endpoint` with `x-request-amount-path` (docs/money.md, payment-style purchases): the price is the
 * request's own amount, so there is no precheck; the answer's amount (`x-amount-path`) is optional.
 */
export function paymentPricing(ctx: SpecContext, op: Operation): PaymentPricing | undefined {
	if (op.ext["x-purchase-precheck"] !== undefined) {
		report(
			ctx,
			"problem",
			pointerJoin(op.pointer, "x-purchase-precheck"),
			"a purchase is priced either by a precheck (x-purchase-precheck) or by its own request (x-request-amount-path), not both",
		);
		return undefined;
	}
	const amount = requestPath(ctx, op, "x-request-amount-path");
	const currency = requestPath(ctx, op, "x-request-currency-path");
	const answerAmount = op.ext["x-amount-path"];
	const answerCheck = answerAmount === undefined ? undefined : checkJsonPath(answerAmount);
	if (answerCheck && !answerCheck.ok)
		report(ctx, "problem", pointerJoin(op.pointer, "x-amount-path"), answerCheck.message);
	if (!amount || (op.ext["x-request-currency-path"] !== undefined && !currency) || answerCheck?.ok === false)
		return undefined;
	return {
		request_amount_path: amount,
		...(currency ? { request_currency_path: currency } : {}),
		...(answerAmount ? { amount_path: answerAmount } : {}),
	};
}

/**
 * `x-result-path` + `x-sold-results` (+ `x-refused-results`): a purchase whose 2xx answer carries its own verdict, as
 * a payment provider's `resultCode` does ("Refused" with HTTP 200). Without it every readable 2xx answer is a sale.
 */
export function purchaseResult(ctx: SpecContext, op: Operation): { ok: boolean; result?: ResultMeta } {
	const { "x-result-path": path, "x-sold-results": sold, "x-refused-results": refused } = op.ext;
	if (path === undefined && sold === undefined && refused === undefined) return { ok: true };
	const at = (key: string) => pointerJoin(op.pointer, key);
	if (path === undefined || sold === undefined) {
		report(
			ctx,
			"problem",
			at(path === undefined ? "x-result-path" : "x-sold-results"),
			"x-result-path and x-sold-results go together: the JSONPath of the answer's verdict, and the values that mean it sold",
		);
		return { ok: false };
	}
	const check = checkJsonPath(path);
	if (!check.ok) {
		report(ctx, "problem", at("x-result-path"), check.message);
		return { ok: false };
	}
	const both = sold.filter((value) => refused?.includes(value));
	if (both.length > 0) {
		report(ctx, "problem", at("x-refused-results"), `${both.join(", ")} cannot mean both sold and refused`);
		return { ok: false };
	}
	return { ok: true, result: { path, sold, refused: refused ?? [] } };
}

/** The schema of the input property a request path names; undefined when the schema does not say. */
function schemaAt(schema: JsonSchema, path: string): { found: JsonSchema } | { missing: string } | undefined {
	let node: unknown = schema;
	for (const name of segments(path)) {
		if (!isRecord(node) || !isRecord(node.properties)) return undefined;
		const next = node.properties[name];
		if (!isRecord(next)) return { missing: name };
		node = next;
	}
	return isRecord(node) ? { found: node } : undefined;
}

function typeOf(schema: JsonSchema): unknown {
	return Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
}

/**
 * A payment's request paths must name properties of the tool's own input: the amount an integer (cents), the
 * currency a string. A path into a schema that does not list its properties (oneOf, free-form) is left to the
 * quote, which refuses a request whose amount it cannot read.
 */
export function checkPaymentTools(ctx: SpecContext, ops: Operation[], tools: CompiledTool[]): void {
	for (const tool of tools) {
		const purchase = tool.purchase;
		if (purchase?.kind !== "purchase" || !purchase.request_amount_path) continue;
		const pointer = ops.find((o) => o.id === tool.name)?.pointer ?? "";
		const paths = [
			["x-request-amount-path", purchase.request_amount_path, "integer"],
			["x-request-currency-path", purchase.request_currency_path, "string"],
		] as const;
		for (const [key, path, type] of paths) {
			if (!path) continue;
			const at = schemaAt(tool.input_schema, path);
			const problem =
				at === undefined
					? undefined
					: "missing" in at
						? `${key} ${path} names no parameter of ${tool.name}: it has no property "${at.missing}"`
						: typeOf(at.found) !== undefined && typeOf(at.found) !== type
							? `${key} ${path} names a ${String(typeOf(at.found))} parameter of ${tool.name}; it must be ${type === "integer" ? "an integer (the amount in cents, minor units)" : "a string (the currency code)"}`
							: undefined;
			if (problem) report(ctx, "problem", pointerJoin(pointer, key), problem);
		}
	}
}
