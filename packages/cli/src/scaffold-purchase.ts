import type { JsonSchema } from "@penumbra/core/registry";
import {
	compactSchema,
	createSpecContext,
	derefObject,
	isRecord,
	pointerJoin,
} from "@penumbra/core/registry";
import { markPayment } from "./scaffold-payment.ts";
import { type ScaffoldContext, specChange } from "./scaffold-types.ts";
import { listOperations, type OperationEntry } from "./scaffold-walk.ts";

export interface PurchaseOptions {
	/** Path glob (`*`, `**`) or substring that selects the precheck (pricing) operation. */
	precheckPattern?: string;
	/** Same, for the purchase operation, when the pairing rules cannot find it. */
	purchasePattern?: string;
	/** A payment (no precheck): the parameter holding its amount in minor units, e.g. `amount.value`. */
	amountParam?: string;
	/** The payment's currency parameter, e.g. `amount.currency` (guessed beside the amount when absent). */
	currencyParam?: string;
	/** JSONPath of the order or payment id in the purchase's response, e.g. `$.pspReference`. */
	transactionIdPath?: string;
}

/** Last path words that name a price check, and words that name the purchase it precedes. */
const QUOTE_WORDS = new Set(
	"quote quotes estimate estimates price prices pricing preview precheck calculate validate availability fare fares rate rates".split(
		" ",
	),
);
export const PURCHASE_WORDS = new Set(
	"checkout order orders request requests booking bookings book purchase purchases payment payments pay reservation reservations reserve ride rides charge charges transaction transactions confirm buy tickets subscriptions".split(
		" ",
	),
);
const AMOUNT_NAMES = [
	"total_cents",
	"amount_cents",
	"grand_total_cents",
	"total_amount_cents",
	"price_cents",
	"fare_cents",
	"cost_cents",
	"amount_total",
	"total_amount",
	"grand_total",
	"total",
	"amount",
	"price",
	"fare",
	"cost",
];
const TXN_NAMES = [
	"transaction_id",
	"order_id",
	"order_uuid",
	"booking_id",
	"reservation_id",
	"ride_id",
	"request_id",
	"payment_id",
	"purchase_id",
	"confirmation_id",
	"confirmation_number",
	"receipt_id",
	"reference",
	"id",
	"uuid",
];

/** A path glob (`*` one segment, `**` any) or, without wildcards, a substring test. */
export function pathMatcher(pattern: string): (path: string) => boolean {
	if (!/[*?]/.test(pattern)) return (path) => path.includes(pattern);
	let source = "";
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i] as string;
		if (c === "*" && pattern[i + 1] === "*") {
			source += ".*";
			i++;
		} else if (c === "*") source += "[^/]*";
		else if (c === "?") source += "[^/]";
		else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
	}
	const re = new RegExp(`^${source}$`);
	return (path) => re.test(path);
}

const lastWord = (path: string) =>
	path
		.split("/")
		.filter((s) => s && !s.startsWith("{"))
		.pop()
		?.toLowerCase()
		.replace(/[^a-z]/g, "") ?? "";
const parentOf = (path: string) => path.replace(/\/[^/]*$/, "");
const METHOD_RANK: Record<string, number> = { post: 0, get: 1, put: 2 };

/**
 * Marks the precheck/purchase pair: the operation matching the precheck pattern gets
 * `x-purchase-precheckout`, the POST it pairs with (`/checkout/quote` ↔ `/checkout`,
 * `/estimates` ↔ `/requests`) gets `x-purchase-endpoint`, and both get JSONPaths guessed from
 * their response schemas, flagged for checking. With `amountParam`, or when no pricing operation exists, the
 * purchase is a payment priced by its own request (`markPayment`). Anything it cannot decide is a problem, never a
 * guess.
 */
export function markPurchases(ctx: ScaffoldContext, version: "3.0" | "3.1", options: PurchaseOptions): void {
	const ops = listOperations(ctx.doc);
	if (options.amountParam !== undefined) {
		markPayment(ctx, version, ops, options, "--amount-param was given without --purchase-pattern");
		return;
	}
	let precheck: OperationEntry | undefined;
	if (options.precheckPattern) precheck = pickPrecheck(ctx, ops, options.precheckPattern);
	else {
		const found = autoPrecheck(ops);
		if ("problem" in found) {
			markPayment(ctx, version, ops, options, found.problem);
			return;
		}
		precheck = found.op;
	}
	if (!precheck) return;
	const purchase = pickPurchase(ctx, ops, precheck, options.purchasePattern);
	if (!purchase) return;
	ctx.progress(
		`purchase pair: ${precheck.method.toUpperCase()} ${precheck.path} (precheck) → ${purchase.method.toUpperCase()} ${purchase.path}`,
	);

	const spec = createSpecContext(ctx.doc, ctx.source, version);
	const precheckSchema = responseSchema(spec, precheck);
	const purchaseSchema = responseSchema(spec, purchase);
	const quoteAmount = precheckSchema && guessPath(precheckSchema, amountRank);
	const chargedAmount = purchaseSchema && guessPath(purchaseSchema, amountRank);
	const txn = options.transactionIdPath
		? { path: options.transactionIdPath, name: options.transactionIdPath, type: undefined, depth: 0 }
		: purchaseSchema && guessPath(purchaseSchema, txnRank);
	const missing: string[] = [];
	if (!quoteAmount) missing.push(`the price in the response of ${label(precheck)} (x-amount-path)`);
	if (!chargedAmount)
		missing.push(`the charged amount in the response of ${label(purchase)} (x-amount-path)`);
	if (!txn)
		missing.push(`the order or transaction id in the response of ${label(purchase)} (x-transaction-id-path)`);
	if (missing.length > 0 || !quoteAmount || !chargedAmount || !txn) {
		ctx.problems.push({
			file: ctx.source,
			path: purchase.pointer,
			message: `cannot find ${missing.join(", ")}: no field named like ${AMOUNT_NAMES.slice(0, 6).join("/")} or ${TXN_NAMES.slice(0, 4).join("/")} in its JSON response schema. Describe the 2xx JSON response in the spec, or set these extensions in it by hand`,
		});
		return;
	}
	set(
		ctx,
		precheck,
		"x-purchase-precheckout",
		true,
		"the precheck (pricing) operation, matched by --precheck-pattern",
	);
	set(ctx, precheck, "x-amount-path", quoteAmount.path, amountNote(quoteAmount), true);
	set(ctx, purchase, "x-purchase-endpoint", true, `the purchase that ${label(precheck)} prices`);
	set(ctx, purchase, "x-purchase-precheck", precheck.path, "links the purchase to its precheck");
	set(ctx, purchase, "x-amount-path", chargedAmount.path, amountNote(chargedAmount), true);
	set(
		ctx,
		purchase,
		"x-transaction-id-path",
		txn.path,
		options.transactionIdPath
			? "from --transaction-id-path"
			: `guessed from the response field "${txn.name}"; check this is the order or transaction id`,
		options.transactionIdPath === undefined,
	);
	const status = statusOperation(ops);
	if (status && purchase.op["x-purchase-status"] === undefined) {
		set(
			ctx,
			purchase,
			"x-purchase-status",
			status.path,
			`${label(status)} takes an idempotency key: the gateway asks it whether a purchase whose answer was lost went through (it must answer the order as ${label(purchase)} does, or 404); check this`,
			true,
		);
	}
}

const IDEMPOTENCY_KEY = /^idempotency[-_]?key$/i;

/**
 * The one GET that looks an order up by idempotency key (`x-purchase-status`): a path or query parameter named
 * `idempotency_key` (or `Idempotency-Key`). None or several: the purchase keeps none (the idempotent retry is then
 * the gateway's lookup).
 */
function statusOperation(ops: OperationEntry[]): OperationEntry | undefined {
	const takesKey = (op: OperationEntry) =>
		/\{idempotency[-_]?key\}/i.test(op.path) ||
		(Array.isArray(op.op.parameters) &&
			op.op.parameters.some(
				(p: unknown) =>
					typeof p === "object" &&
					p !== null &&
					typeof Reflect.get(p, "name") === "string" &&
					IDEMPOTENCY_KEY.test(String(Reflect.get(p, "name"))) &&
					Reflect.get(p, "in") !== "header",
			));
	const found = ops.filter((op) => op.method === "get" && takesKey(op));
	return found.length === 1 ? found[0] : undefined;
}

export function label(op: OperationEntry): string {
	return `${op.method.toUpperCase()} ${op.path}`;
}

export function set(
	ctx: ScaffoldContext,
	op: OperationEntry,
	key: string,
	value: unknown,
	reason: string,
	check = false,
): void {
	const before = op.op[key];
	if (before === value) return;
	op.op[key] = value;
	specChange(ctx, {
		pointer: pointerJoin(op.pointer, key),
		...(before !== undefined ? { before } : {}),
		after: value,
		reason,
		...(check ? { check } : {}),
	});
}

function amountNote(found: Found): string {
	const cents = /cents/.test(found.name) && found.type === "integer";
	return `guessed from the response field "${found.name}"${cents ? "" : `; the gateway reads integer cents, so check this field is not in dollars (type ${found.type ?? "unknown"})`}; check this`;
}

/**
 * The one path a pattern picks: an exact path wins over paths ending with it, which win over any other match (so
 * `/authorise` is `/authorise`, not also `/authorise3d`); several distinct paths left is a problem.
 */
export function pickByPattern(
	ctx: ScaffoldContext,
	ops: OperationEntry[],
	pattern: string,
	option: string,
): OperationEntry | undefined {
	const matches = ops.filter((o) => pathMatcher(pattern)(o.path));
	if (matches.length === 0) {
		ctx.problems.push({
			file: ctx.source,
			path: "/paths",
			message: `${option} ${JSON.stringify(pattern)} matches no ${option === "--precheck-pattern" ? "" : "POST "}path; paths look like ${ops
				.slice(0, 4)
				.map((o) => o.path)
				.join(", ")}`,
		});
		return undefined;
	}
	const exact = matches.filter((o) => o.path === pattern);
	const ending = matches.filter((o) => o.path.endsWith(pattern));
	const pool = exact.length > 0 ? exact : ending.length > 0 ? ending : matches;
	const paths = [...new Set(pool.map((o) => o.path))];
	if (paths.length > 1) {
		ctx.problems.push({
			file: ctx.source,
			path: "/paths",
			message: `${option} ${JSON.stringify(pattern)} matches several paths (${paths.join(", ")}); give the exact path`,
		});
		return undefined;
	}
	return [...pool].sort((a, b) => (METHOD_RANK[a.method] ?? 9) - (METHOD_RANK[b.method] ?? 9))[0];
}

function pickPrecheck(
	ctx: ScaffoldContext,
	ops: OperationEntry[],
	pattern: string,
): OperationEntry | undefined {
	return pickByPattern(ctx, ops, pattern, "--precheck-pattern");
}

/** The one pricing operation that pairs with a purchase, or why there is none (then it may be a payment). */
function autoPrecheck(ops: OperationEntry[]): { op: OperationEntry } | { problem: string } {
	const candidates = ops.filter(
		(o) => (o.method === "post" || o.method === "get") && QUOTE_WORDS.has(lastWord(o.path)),
	);
	const paired = candidates.filter((c) => bestPurchases(ops, c).length === 1);
	if (paired.length === 1 && paired[0]) return { op: paired[0] };
	return {
		problem:
			paired.length === 0
				? "no pricing operation (a path ending in quote, estimate, price …) with a matching POST was found"
				: `several pricing operations could apply (${paired.map(label).join(", ")}); pass --precheck-pattern to pick one`,
	};
}

function bestPurchases(ops: OperationEntry[], precheck: OperationEntry): OperationEntry[] {
	const parent = parentOf(precheck.path);
	const quoteLike = QUOTE_WORDS.has(lastWord(precheck.path));
	const scored = ops
		.filter((o) => o.method === "post" && o !== precheck)
		.map((o) => {
			let score = 0;
			if (parent !== "" && o.path === parent) score = 100;
			else if (parentOf(o.path) === parent && PURCHASE_WORDS.has(lastWord(o.path)))
				score = quoteLike ? 90 : 70;
			else if (o.path.startsWith(`${parent}/`) && PURCHASE_WORDS.has(lastWord(o.path))) score = 50;
			else if (PURCHASE_WORDS.has(lastWord(o.path)) && !o.path.includes("{")) score = 30;
			return { o, score };
		})
		.filter((s) => s.score > 0);
	const top = Math.max(0, ...scored.map((s) => s.score));
	return scored.filter((s) => s.score === top).map((s) => s.o);
}

function pickPurchase(
	ctx: ScaffoldContext,
	ops: OperationEntry[],
	precheck: OperationEntry,
	pattern: string | undefined,
): OperationEntry | undefined {
	const matching = pattern
		? ops.filter((o) => o.method === "post" && o !== precheck && pathMatcher(pattern)(o.path))
		: undefined;
	// An exact path wins over the other paths the pattern also matches as a substring or glob.
	const exact = matching?.filter((o) => o.path === pattern) ?? [];
	const pool = matching ? (exact.length > 0 ? exact : matching) : bestPurchases(ops, precheck);
	if (pool.length === 1) return pool[0];
	ctx.problems.push({
		file: ctx.source,
		path: precheck.pointer,
		message:
			pool.length === 0
				? `no POST operation pairs with the precheck ${label(precheck)}${pattern ? ` and matches --purchase-pattern ${JSON.stringify(pattern)}` : " (expected e.g. POST /checkout for /checkout/quote, or POST /requests for /estimates)"}; pass --purchase-pattern with the purchase's path`
				: `several POST operations could be the purchase priced by ${label(precheck)}: ${pool.map(label).join(", ")}; pass --purchase-pattern to pick one`,
	});
	return undefined;
}

export function responseSchema(
	spec: ReturnType<typeof createSpecContext>,
	op: OperationEntry,
): JsonSchema | undefined {
	const responses = op.op.responses;
	if (!isRecord(responses)) return undefined;
	const codes = Object.keys(responses);
	const code =
		["200", "201", "202"].find((c) => c in responses) ??
		codes.find((c) => /^2(\d\d|XX)$/i.test(c)) ??
		(codes.includes("default") ? "default" : undefined);
	if (!code) return undefined;
	const resolved = derefObject(spec, responses[code], pointerJoin(op.pointer, "responses", code));
	const content = resolved?.value.content;
	if (!isRecord(content)) return undefined;
	const type = Object.keys(content).find((t) => /json|\*\/\*/i.test(t));
	const media = type ? content[type] : undefined;
	if (!isRecord(media) || media.schema === undefined) return undefined;
	return compactSchema(
		spec,
		media.schema,
		pointerJoin(resolved?.pointer ?? "", "content", type ?? "", "schema"),
		false,
	);
}

export interface Found {
	path: string;
	name: string;
	type: string | undefined;
	depth: number;
}

const scalarType = (schema: JsonSchema): string | undefined => {
	const t = schema.type;
	if (typeof t === "string") return t;
	if (Array.isArray(t)) return t.find((x) => x !== "null") as string | undefined;
	return undefined;
};

function amountRank(name: string, type: string | undefined): number | undefined {
	if (type !== undefined && type !== "integer" && type !== "number") return undefined;
	const i = AMOUNT_NAMES.indexOf(name);
	if (i >= 0) return i;
	return /_cents$/.test(name) && !/(sub|tax|fee|tip|discount)/.test(name) ? AMOUNT_NAMES.length : undefined;
}

export function txnRank(name: string, type: string | undefined): number | undefined {
	if (type !== undefined && type !== "string" && type !== "integer") return undefined;
	const i = TXN_NAMES.indexOf(name);
	return i >= 0 ? i : undefined;
}

/** Breadth-first over object properties (depth ≤ 3) for the best-named scalar field; `rank` sees its path too. */
export function guessPath(
	root: JsonSchema,
	rank: (name: string, type: string | undefined, path: string) => number | undefined,
): Found | undefined {
	let best: (Found & { rank: number }) | undefined;
	const queue: { schema: JsonSchema; path: string; depth: number }[] = [
		{ schema: root, path: "$", depth: 0 },
	];
	while (queue.length > 0) {
		const { schema, path, depth } = queue.shift() as { schema: JsonSchema; path: string; depth: number };
		const props = isRecord(schema.properties) ? schema.properties : undefined;
		if (!props) continue;
		for (const [name, child] of Object.entries(props)) {
			if (!isRecord(child)) continue;
			const childPath = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(name)
				? `${path}.${name}`
				: `${path}['${name.replace(/'/g, "")}']`;
			const type = scalarType(child);
			if (type === "object" || (type === undefined && isRecord(child.properties))) {
				if (depth < 3) queue.push({ schema: child, path: childPath, depth: depth + 1 });
				continue;
			}
			const r = rank(name.toLowerCase(), type, childPath);
			if (r === undefined) continue;
			const score = r * 10 + depth;
			if (!best || score < best.rank) best = { path: childPath, name, type, depth, rank: score };
		}
	}
	return best;
}
