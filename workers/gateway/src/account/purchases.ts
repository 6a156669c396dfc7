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
 * Before the merchant is asked to sell (inside the caller's transaction). The quote must be this account's and bound
 * to this service, tool and parameters — also for a replay, so a used quote never hands out another purchase's
 * receipt. Then: an existing receipt is returned (a retry never buys twice), a hold in flight is a conflict;
 * otherwise the owner's controls and threshold as they are now (not as they were when quoting) decide, and the
 * quoted amount is held — or, for an unknown outcome, the same hold is resumed (the same merchant idempotency key).
 */
export function startPurchase(
	book: Book,
	input: { quote_id: string; params_hash: string; service: string; tool: string },
	now: number,
): Result<PurchaseStart> {
	const quote = book.quote(input.quote_id);
	if (!quote) return fail("NOT_FOUND", "No such quote on this account. Ask for a quote first.");
	if (quote.service !== input.service || quote.tool !== input.tool) {
		return fail(
			"CONFLICT",
			`This quote is for ${quote.service}.${quote.tool}, not ${input.service}.${input.tool}. Ask for a quote for this tool.`,
		);
	}
	if (quote.params_hash !== input.params_hash) {
		return fail("CONFLICT", "The parameters differ from the ones quoted. Ask for a new quote.");
	}
	const receipt = book.receipt("quote_id", quote.id);
	if (receipt) return { ok: true, state: "done", receipt, hold: null };
	const existing = book.openHoldOfQuote(quote.id);
	if (existing?.status === "active") {
		return fail("CONFLICT", "This purchase is already in progress. Retry in a moment.", {
			retry_after_seconds: 2,
		});
	}
	if (!existing && now >= quote.expires_at) {
		return fail("QUOTE_EXPIRED", "This quote has expired; ask for a new one.");
	}
	if (quote.status === "declined") return fail("FORBIDDEN", "The owner declined this purchase.");
	// A resumed purchase's own hold already counts as spent today: do not count it twice.
	const ownHold = existing?.amount_cents ?? 0;
	const limit = checkControls(
		book.controls(),
		quote.service,
		quote.amount_cents,
		() => book.spentSince(utcDayStart(now)) - ownHold,
	);
	if (limit) return limit;
	const threshold = book.controls().auto_approve_threshold_cents;
	if (quote.amount_cents > threshold && quote.status !== "confirmed") {
		return fail(
			"CONFIRMATION_REQUIRED",
			`${quote.amount_cents}¢ is above the owner's auto-approve threshold of ${threshold}¢: the owner must confirm this quote first.`,
			{ quote_id: quote.id, amount_cents: quote.amount_cents },
		);
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
