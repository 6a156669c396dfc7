import type { JsonSchema } from "@penumbra/core/registry";
import {
	checkJsonPath,
	compactSchema,
	createSpecContext,
	derefObject,
	isRecord,
	pointerJoin,
} from "@penumbra/core/registry";
import {
	type Found,
	guessPath,
	label,
	PURCHASE_WORDS,
	type PurchaseOptions,
	pickByPattern,
	responseSchema,
	set,
	txnRank,
} from "./scaffold-purchase.ts";
import type { ScaffoldContext } from "./scaffold-types.ts";
import type { OperationEntry } from "./scaffold-walk.ts";

type Spec = ReturnType<typeof createSpecContext>;

/** Request fields that carry a payment's amount in minor units: `amount_cents`, `amount`, or `amount.value`. */
const REQUEST_AMOUNT_NAMES = ["amount_cents", "total_cents", "price_cents", "amount", "total", "price"];
const AMOUNT_PARENT = /^(amount|total|price|money|value)$/i;
/** Values of a response's verdict field (`resultCode`, `status`) that mean sold, and that mean refused. */
const SOLD = /^(authori[sz]ed|succeeded|success|successful|approved|captured|paid|complete|completed)$/i;
const REFUSED = /^(refused|declined|cancell?ed|failed|failure|error|rejected|denied)$/i;
const VERDICT_NAMES = new Set(["resultcode", "result_code", "result", "status", "state", "outcome"]);

const lastWord = (path: string) =>
	path
		.split("/")
		.filter((s) => s && !s.startsWith("{"))
		.pop()
		?.toLowerCase()
		.replace(/[^a-z]/g, "") ?? "";

/** `amount.value` or `$.amount.value` → `$.amount.value`. */
function asJsonPath(param: string): string {
	return param.startsWith("$") ? param : `$.${param}`;
}

function requestSchema(spec: Spec, op: OperationEntry): JsonSchema | undefined {
	const body = derefObject(spec, op.op.requestBody, pointerJoin(op.pointer, "requestBody"));
	const content = body?.value.content;
	if (!isRecord(content)) return undefined;
	const type = Object.keys(content).find((t) => /json/i.test(t));
	const media = type ? content[type] : undefined;
	if (!isRecord(media) || media.schema === undefined) return undefined;
	return compactSchema(spec, media.schema, pointerJoin(body?.pointer ?? "", "content", type ?? "", "schema"));
}

/** The request's amount: an integer field named like an amount, or `value` inside an `amount` object. */
function guessRequestAmount(schema: JsonSchema): Found | undefined {
	return guessPath(schema, (name, type, path) => {
		if (type !== "integer") return undefined;
		const i = REQUEST_AMOUNT_NAMES.indexOf(name);
		if (i >= 0) return i;
		const parent = path.split(".").at(-2) ?? "";
		return name === "value" && AMOUNT_PARENT.test(parent) ? REQUEST_AMOUNT_NAMES.length : undefined;
	});
}

/** A string `currency` beside the amount (`$.amount.currency`), else at the top of the request. */
function guessCurrency(schema: JsonSchema, amountPath: string): string | undefined {
	const parent = amountPath.replace(/\.[^.]+$/, "");
	const found = guessPath(schema, (name, type, path) =>
		name === "currency" && type === "string" ? (path.startsWith(`${parent}.`) ? 0 : 1) : undefined,
	);
	return found?.path;
}

/** The response field that states the payment's verdict, with the values that mean sold and refused. */
function guessVerdict(schema: JsonSchema): { path: string; sold: string[]; refused: string[] } | undefined {
	let best: { path: string; sold: string[]; refused: string[] } | undefined;
	guessPath(schema, (name, _type, path) => {
		if (!VERDICT_NAMES.has(name) || best) return undefined;
		const values = enumAt(schema, path);
		const sold = values.filter((v) => SOLD.test(v));
		if (sold.length > 0) best = { path, sold, refused: values.filter((v) => REFUSED.test(v)) };
		return undefined;
	});
	return best;
}

function enumAt(schema: JsonSchema, path: string): string[] {
	let node: unknown = schema;
	for (const name of path.split(".").slice(1))
		node = isRecord(node) && isRecord(node.properties) ? node.properties[name] : undefined;
	return isRecord(node) && Array.isArray(node.enum)
		? node.enum.filter((v): v is string => typeof v === "string")
		: [];
}

/** The POST that is the payment: by --purchase-pattern, else the one purchase-named POST whose request has an amount. */
function pickPayment(
	ctx: ScaffoldContext,
	spec: Spec,
	ops: OperationEntry[],
	options: PurchaseOptions,
	why: string,
) {
	const posts = ops.filter((o) => o.method === "post");
	if (options.purchasePattern)
		return pickByPattern(ctx, posts, options.purchasePattern, "--purchase-pattern");
	const found = posts.filter((o) => PURCHASE_WORDS.has(lastWord(o.path)) && !o.path.includes("{"));
	const payments = found.filter((o) => {
		const schema = requestSchema(spec, o);
		return schema !== undefined && guessRequestAmount(schema) !== undefined;
	});
	if (payments.length === 1) return payments[0];
	ctx.problems.push({
		file: ctx.source,
		path: "/paths",
		message:
			payments.length === 0
				? `--has-purchases: ${why}; and no POST named like a payment (payments, charges, checkout …) has an amount in its request. Pass --precheck-pattern for a priced purchase, or --purchase-pattern and --amount-param for a payment whose amount is in its request`
				: `--has-purchases: several POSTs could be the payment (${payments.map(label).join(", ")}); pass --purchase-pattern to pick one`,
	});
	return undefined;
}

/**
 * Marks a payment-style purchase (docs/money.md): the POST whose request carries the amount gets
 * `x-purchase-endpoint` and `x-request-amount-path` (no precheck), the currency beside it, the transaction id, and
 * the answer's own verdict when its response names one (`resultCode`: Authorised / Refused); guesses are CHECK.
 */
export function markPayment(
	ctx: ScaffoldContext,
	version: "3.0" | "3.1",
	ops: OperationEntry[],
	options: PurchaseOptions,
	why: string,
): void {
	const spec = createSpecContext(ctx.doc, ctx.source, version);
	const payment = pickPayment(ctx, spec, ops, options, why);
	if (!payment) return;
	const request = requestSchema(spec, payment);
	const guessedAmount = options.amountParam ? undefined : request && guessRequestAmount(request);
	const amountPath = options.amountParam ? asJsonPath(options.amountParam) : guessedAmount?.path;
	const response = responseSchema(spec, payment);
	const txnPath = options.transactionIdPath ?? (response && guessPath(response, txnRank)?.path);
	const missing = [
		!amountPath && `the amount in the request of ${label(payment)} (--amount-param, e.g. amount.value)`,
		!txnPath && `the payment id in the response of ${label(payment)} (--transaction-id-path, e.g. $.id)`,
	].filter(Boolean);
	if (!amountPath || !txnPath) {
		ctx.problems.push({
			file: ctx.source,
			path: payment.pointer,
			message: `cannot find ${missing.join(", ")}`,
		});
		return;
	}
	const badPath = [amountPath, txnPath].map(checkJsonPath).find((c) => !c.ok);
	if (badPath && !badPath.ok) {
		ctx.problems.push({ file: ctx.source, path: payment.pointer, message: badPath.message });
		return;
	}
	ctx.progress(`payment: ${label(payment)}, amount ${amountPath} from its request (no precheck)`);
	set(ctx, payment, "x-purchase-endpoint", true, "the payment: its price is the amount in its own request");
	set(
		ctx,
		payment,
		"x-request-amount-path",
		amountPath,
		guessedAmount
			? `guessed from the request field "${guessedAmount.name}"; the gateway reads integer cents (minor units): check this is the amount charged`
			: "the amount charged, from --amount-param (integer cents, minor units)",
		guessedAmount !== undefined,
	);
	markCurrency(ctx, payment, request, amountPath, options.currencyParam);
	set(
		ctx,
		payment,
		"x-transaction-id-path",
		txnPath,
		options.transactionIdPath
			? "from --transaction-id-path"
			: "guessed from its response; check this is the payment id",
		options.transactionIdPath === undefined,
	);
	const verdict = response && guessVerdict(response);
	if (verdict) {
		const reason = `its response states a verdict: ${verdict.sold.join("/")} is a sale, ${verdict.refused.join("/") || "nothing"} a refusal, any other value is held until known; check these`;
		set(ctx, payment, "x-result-path", verdict.path, reason, true);
		set(ctx, payment, "x-sold-results", verdict.sold, reason, true);
		if (verdict.refused.length > 0) set(ctx, payment, "x-refused-results", verdict.refused, reason, true);
	}
}

function markCurrency(
	ctx: ScaffoldContext,
	payment: OperationEntry,
	request: JsonSchema | undefined,
	amountPath: string,
	currencyParam: string | undefined,
): void {
	const currency = currencyParam ? asJsonPath(currencyParam) : request && guessCurrency(request, amountPath);
	if (!currency) return;
	set(
		ctx,
		payment,
		"x-request-currency-path",
		currency,
		currencyParam
			? "from --currency-param: quotes refuse any currency but the account's (USD)"
			: "the request's currency, guessed: quotes refuse any currency but the account's (USD); check this",
		!currencyParam,
	);
}
