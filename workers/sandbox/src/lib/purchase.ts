import { type merchantStore, now, type SandboxContext } from "../merchant.ts";
import type { PlaceOrderOutcome } from "../store.ts";
import { MerchantError } from "./errors.ts";
import { canonicalJson, sha256Hex } from "./text.ts";

type Store = ReturnType<typeof merchantStore>;

const iso = (ms: number): string => new Date(ms).toISOString();

/** How a merchant words its quote → purchase rules in refusals. */
export interface PurchaseTerms {
	/** The purchase operation as the customer calls it, e.g. `POST /rides`. */
	purchase: string;
	/** The quote operation, e.g. `POST /fares/estimate`. */
	quote: string;
	/** How long a quote holds, in words: `5 minutes`. */
	hold: string;
	/** What the purchase must repeat from the quote, in words: `the pickup, dropoff and product`. */
	repeat: string;
}

/** The `Idempotency-Key` header of a purchase; 400 `missing_idempotency_key` without one. */
export function idempotencyKeyOf(c: SandboxContext, terms: PurchaseTerms): string {
	const key = c.req.header("idempotency-key")?.trim() ?? "";
	if (key === "" || key.length > 255) {
		throw new MerchantError(
			400,
			"missing_idempotency_key",
			`${terms.purchase} needs an Idempotency-Key header (1-255 characters); retries with the same key return the same result.`,
		);
	}
	return key;
}

function refuse(
	outcome: Exclude<PlaceOrderOutcome, { outcome: "created" | "replayed" }>,
	totalCents: number,
	terms: PurchaseTerms,
): never {
	switch (outcome.outcome) {
		case "quote_not_found":
			throw new MerchantError(
				404,
				"quote_not_found",
				`No such quote. Ask for a new one with ${terms.quote}.`,
			);
		case "quote_expired":
			throw new MerchantError(
				409,
				"quote_expired",
				`The quote has expired; prices are held for ${terms.hold}. Request a new quote.`,
				{ expired_at: iso(outcome.expires_at) },
			);
		case "quote_already_used":
			throw new MerchantError(409, "quote_already_used", "This quote was already used for a purchase.", {
				order_uuid: outcome.order_uuid,
			});
		case "total_mismatch":
			throw new MerchantError(
				409,
				"total_mismatch",
				`The request prices to ${totalCents} cents but the quote was for ${outcome.quoted_total_cents}. ${terms.purchase} must repeat ${terms.repeat} of the quote.`,
				{ quoted_total_cents: outcome.quoted_total_cents, total_cents: totalCents },
			);
		case "idempotency_key_reused":
			throw new MerchantError(
				422,
				"idempotency_key_reused",
				"This Idempotency-Key was already used for a different purchase.",
				{ order_uuid: outcome.order_uuid },
			);
	}
}

export interface PurchaseInput {
	idempotencyKey: string;
	/** The parsed purchase request; hashed so a key reused for another request is refused. */
	request: unknown;
	quoteId: string;
	/** What the request prices to now; must equal the quoted total. */
	expectedTotalCents: number;
	/** The record to create: its id, the amount it states (may differ under `amount-delta`) and its document. */
	id: string;
	totalCents: number;
	document: unknown;
	terms: PurchaseTerms;
}

/**
 * Turns a quote into a purchase exactly once per `Idempotency-Key` through the merchant's store, refusing
 * expired, used or mismatching quotes with the same errors every merchant uses. A replay returns the first
 * purchase's document and sets `Idempotent-Replayed: true`.
 */
export async function placePurchase(
	c: SandboxContext,
	store: Store,
	input: PurchaseInput,
): Promise<{ document: string; replayed: boolean }> {
	const result = await store.placeOrder({
		idempotency_key: input.idempotencyKey,
		request_hash: await sha256Hex(canonicalJson(input.request)),
		quote_id: input.quoteId,
		expected_total_cents: input.expectedTotalCents,
		now: now(c),
		order: { order_uuid: input.id, total_cents: input.totalCents, document: JSON.stringify(input.document) },
	});
	if (result.outcome !== "created" && result.outcome !== "replayed") {
		refuse(result, input.expectedTotalCents, input.terms);
	}
	if (result.outcome === "replayed") c.header("Idempotent-Replayed", "true");
	return { document: result.order.document, replayed: result.outcome === "replayed" };
}

/**
 * Records a one-off follow-up to a purchase (a cancellation, a refund) exactly once under `id`: the first call
 * stores `document`, every later or concurrent call gets that first document back with `created: false`.
 * Built on the store's quote → order transaction, so two racing cancellations cannot both count.
 */
export async function recordOnce(
	store: Store,
	input: { id: string; amountCents: number; document: unknown; now: number },
): Promise<{ created: boolean; document: string }> {
	const quoteId = `${input.id}#${crypto.randomUUID()}`;
	await store.saveQuote({
		quote_id: quoteId,
		total_cents: input.amountCents,
		created_at: input.now,
		expires_at: input.now + 60_000,
		document: "{}",
	});
	const result = await store.placeOrder({
		idempotency_key: `once:${input.id}`,
		request_hash: `once:${input.id}`,
		quote_id: quoteId,
		expected_total_cents: input.amountCents,
		now: input.now,
		order: { order_uuid: input.id, total_cents: input.amountCents, document: JSON.stringify(input.document) },
	});
	if (result.outcome !== "created" && result.outcome !== "replayed") {
		throw new Error(`recordOnce(${input.id}): unexpected store outcome ${result.outcome}`);
	}
	return { created: result.outcome === "created", document: result.order.document };
}

/** The document stored under `id` by {@link recordOnce} or {@link placePurchase}, if any. */
export async function storedDocument(store: Store, id: string): Promise<string | null> {
	return (await store.getOrder(id))?.document ?? null;
}

/**
 * A purchase status lookup (`x-purchase-status`): the document of the order placed under the path's
 * `idempotency_key`, or 404 `order_not_found` when no purchase used that key (nothing was ordered or charged).
 */
export async function orderByKey(c: SandboxContext, store: Store): Promise<string> {
	const key = c.req.param("idempotency_key")?.trim() ?? "";
	if (key === "" || key.length > 255) {
		throw new MerchantError(400, "invalid_idempotency_key", "The idempotency key must be 1-255 characters.");
	}
	const order = await store.orderByKey(key);
	if (!order) {
		throw new MerchantError(404, "order_not_found", "No order was placed with this Idempotency-Key.", {
			idempotency_key: key,
		});
	}
	return order.document;
}
