import { fail, type Hold, type Receipt, type Result } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { type Book, isCents, randomId, utcDayStart } from "./book.ts";
import { checkControls } from "./controls.ts";

/** Where a purchase stands before the merchant is asked: done (receipt), or a hold to buy with. */
export interface PurchaseStart {
	state: "done" | "held" | "resume";
	receipt: Receipt | null;
	hold: Hold | null;
}

export const PURCHASE_HOLD_TTL_MS = 15 * 60_000;

/**
 * Before the merchant is asked to sell (inside the caller's transaction): an existing receipt for the quote is
 * returned (a retry never buys twice), a hold in flight is a conflict, an unknown outcome is resumed with the same
 * hold (and so the same merchant idempotency key); otherwise the owner's controls are checked and the quoted amount
 * is held.
 */
export function startPurchase(
	book: Book,
	input: { quote_id: string; params_hash: string; service: string; tool: string },
	now: number,
): Result<PurchaseStart> {
	const receipt = book.receipt("quote_id", input.quote_id);
	if (receipt) return { ok: true, state: "done", receipt, hold: null };
	const quote = book.quote(input.quote_id);
	if (!quote || quote.service !== input.service || quote.tool !== input.tool) {
		return fail("NOT_FOUND", "No such quote for this tool on this account. Ask for a quote first.");
	}
	if (quote.params_hash !== input.params_hash) {
		return fail("CONFLICT", "The parameters differ from the ones quoted. Ask for a new quote.");
	}
	const existing = book.openHoldOfQuote(quote.id);
	if (existing?.status === "active") {
		return fail("CONFLICT", "This purchase is already in progress. Retry in a moment.", {
			retry_after_seconds: 2,
		});
	}
	if (existing) {
		const expiresAt = now + PURCHASE_HOLD_TTL_MS;
		book.reactivateHold(existing.id, expiresAt);
		return {
			ok: true,
			state: "resume",
			receipt: null,
			hold: { ...existing, status: "active", expires_at: expiresAt },
		};
	}
	if (now >= quote.expires_at) return fail("QUOTE_EXPIRED", "This quote has expired; ask for a new one.");
	if (quote.status === "declined") return fail("FORBIDDEN", "The owner declined this purchase.");
	const limit = checkControls(book.controls(), quote.service, quote.amount_cents, () =>
		book.spentSince(utcDayStart(now)),
	);
	if (limit) return limit;
	if (quote.requires_confirmation && quote.status !== "confirmed") {
		return fail(
			"CONFIRMATION_REQUIRED",
			`${quote.amount_cents}¢ is above the owner's auto-approve threshold: the owner must confirm this quote first.`,
			{ quote_id: quote.id, amount_cents: quote.amount_cents },
		);
	}
	const held = book.placeHold({
		kind: "purchase",
		amount_cents: quote.amount_cents,
		ttl_ms: PURCHASE_HOLD_TTL_MS,
		service: quote.service,
		tool: quote.tool,
		quote_id: quote.id,
	});
	if (!held.ok) return held;
	return { ok: true, state: "held", receipt: null, hold: held.hold };
}

/**
 * The merchant sold (inside the caller's idempotent transaction): capture what it charged, never more than the
 * hold (more is flagged for review), and write the receipt.
 */
export function finishPurchase(
	book: Book,
	credentialId: string,
	input: { hold_id: string; amount_cents: number; transaction_id: string },
): Result<{ receipt: Receipt; balance_cents: number }> {
	const hold = book.resolvable(input.hold_id);
	if (!hold.quote_id || !hold.service || !hold.tool) return fail("CONFLICT", "Not a purchase hold.");
	if (!isCents(input.amount_cents))
		return fail("VALIDATION_FAILED", "The merchant's amount is not valid cents.");
	const amount = Math.min(input.amount_cents, hold.amount_cents);
	const receiptId = randomId("rcpt_");
	const entry = book.captureHold(hold, amount, {
		receipt_id: receiptId,
		reference: `${hold.service}.${hold.tool} ${input.transaction_id}`,
	});
	const receipt: Receipt = {
		id: receiptId,
		quote_id: hold.quote_id,
		hold_id: hold.id,
		service: hold.service,
		tool: hold.tool,
		amount_cents: amount,
		held_cents: hold.amount_cents,
		transaction_id: input.transaction_id,
		flagged: input.amount_cents > hold.amount_cents,
		refunded_cents: 0,
		balance_after_cents: entry.balance_after_cents,
		created_at: entry.created_at,
	};
	book.insertReceipt(receipt);
	if (receipt.flagged) {
		log("warn", "purchase above hold", {
			credential: credentialId,
			receipt: receipt.id,
			charged_cents: input.amount_cents,
			held_cents: hold.amount_cents,
		});
	}
	return { ok: true, receipt, balance_cents: entry.balance_after_cents };
}
