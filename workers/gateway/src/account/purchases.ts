import { fail, type Hold, type Receipt, type Result } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { Abort, type Attempt, type Book, isCents, utcDayStart } from "./book.ts";
import { checkControls } from "./controls.ts";
import type { MerchantOutcome } from "./merchant-call.ts";
import { receiptIdFor } from "./receipt-id.ts";
import { PURCHASE_RESOLVE_WINDOW_MS } from "./schema.ts";

/** Where a purchase stands before the merchant is asked: done (receipt), or a call to make under a hold. */
export interface PurchaseStart {
	state: "done" | "call";
	receipt: Receipt | null;
	hold: Hold | null;
	attempt: Attempt | null;
}

/** After a call's own timeout, how long before the alarm treats it as lost and takes the purchase over. */
export const CALL_DEADLINE_MARGIN_MS = 2_000;
const RESOLVE_BACKOFF_MS = 1_000;
const MAX_RESOLVE_BACKOFF_MS = 10 * 60_000;

/** When to ask the merchant again after `calls` calls left the outcome unknown: 1 s, 2 s, 4 s … up to 10 minutes. */
export function resolveBackoff(calls: number): number {
	return Math.min(RESOLVE_BACKOFF_MS * 2 ** Math.max(0, calls - 1), MAX_RESOLVE_BACKOFF_MS);
}

/**
 * Before the merchant is asked to sell (inside the caller's transaction). The quote must be this account's and bound
 * to this service, tool and parameters — also for a replay, so a used quote never hands out another purchase's
 * receipt. Then: an existing receipt is returned (a retry never buys twice), a call in flight is "still resolving"
 * (409 with Retry-After); otherwise the owner's controls and threshold as they are now (not as they were when
 * quoting) decide, and the quoted amount is held `in_flight` with the attempt recorded — or, for an unknown outcome,
 * the same hold is asked again with the same merchant idempotency key.
 */
export function startPurchase(
	book: Book,
	input: {
		quote_id: string;
		params_hash: string;
		service: string;
		tool: string;
		parameters: string;
		call_ms: number;
		/** The request buying, and its traceparent: kept with the attempt for the alarm's later calls. */
		request_id?: string | undefined;
		traceparent?: string | undefined;
	},
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
	if (receipt) return { ok: true, state: "done", receipt, hold: null, attempt: null };
	const existing = book.openHoldOfQuote(quote.id);
	const inFlight = existing ? book.attempt(existing.id) : undefined;
	if (existing?.status === "active" || (existing?.status === "in_flight" && (inFlight?.next_at ?? 0) > now)) {
		const wait = Math.max(1, Math.ceil(((inFlight?.next_at ?? now) - now) / 1000));
		return fail(
			"CONFLICT",
			"This purchase is still being resolved with the merchant; retry in a moment for its outcome.",
			{ outcome: "pending", retry_after_seconds: Math.min(wait, 60) },
		);
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
	let hold = existing;
	if (!hold) {
		const held = book.placeHold({
			kind: "purchase",
			amount_cents: quote.amount_cents,
			ttl_ms: PURCHASE_RESOLVE_WINDOW_MS,
			service: quote.service,
			tool: quote.tool,
			quote_id: quote.id,
		});
		if (!held.ok) return held;
		hold = held.hold;
	}
	const attempt = book.startCall(
		hold,
		{
			service: quote.service,
			tool: quote.tool,
			parameters: input.parameters,
			request_id: input.request_id ?? null,
			traceparent: input.traceparent ?? null,
		},
		now,
		now + input.call_ms + CALL_DEADLINE_MARGIN_MS,
		now + PURCHASE_RESOLVE_WINDOW_MS,
	);
	const current = book.hold(hold.id) ?? hold;
	return { ok: true, state: "call", receipt: null, hold: current, attempt };
}

/** How a purchase stands after a merchant call was settled in the books. */
export type Settled =
	| { state: "captured"; receipt: Receipt }
	| { state: "released" }
	| { state: "unknown"; next_at: number | null };

/**
 * Writes what a merchant call said (inside the caller's transaction): sold → capture and receipt; refused → release;
 * unknown → the hold stays reserved and the alarm asks again after a backoff (also for a refused repeat when a
 * status lookup can tell, `refusalIsFinal: false`). A purchase another call settled first
 * keeps that outcome. A sale reported after the hold's resolution window is never captured: it waits for a person.
 */
export function settlePurchase(
	book: Book,
	credentialId: string,
	holdId: string,
	merchantOutcome: MerchantOutcome,
	now: number,
	options: { refusalIsFinal: boolean } = { refusalIsFinal: true },
): Settled {
	// A refusal of a repeated call is not proof that the first call sold nothing: where the merchant can be asked
	// (a status lookup), ask it instead of releasing.
	const outcome: MerchantOutcome =
		merchantOutcome.kind === "refused" && !options.refusalIsFinal
			? { kind: "unknown", error: merchantOutcome.error }
			: merchantOutcome;
	const hold = book.hold(holdId);
	if (!hold) throw new Error(`settlePurchase: no hold ${holdId}`);
	const receipt = book.receipt("hold_id", holdId);
	if (receipt) return { state: "captured", receipt };
	if (hold.status === "released" || hold.status === "captured") return { state: "released" };
	const attempt = book.attempt(holdId);
	if (outcome.kind === "unknown" || (outcome.kind === "sold" && now >= hold.expires_at)) {
		const expired = now >= hold.expires_at;
		const nextAt = expired ? null : now + resolveBackoff(attempt?.calls ?? 1);
		book.markHoldUnknown(holdId);
		book.scheduleAttempt(
			holdId,
			nextAt,
			expired
				? `${outcome.kind === "sold" ? "the merchant sold" : "still unknown"} after the hold's resolution window: needs review`
				: outcome.kind === "unknown"
					? outcome.error.detail
					: "sold after the hold lapsed",
		);
		if (expired)
			log("error", "purchase unresolved past its window", { credential: credentialId, hold: holdId });
		return { state: "unknown", next_at: nextAt };
	}
	book.resolveAttempt(holdId, now);
	if (outcome.kind === "refused") {
		book.releaseHold(holdId);
		return { state: "released" };
	}
	const finished = finishPurchase(book, credentialId, {
		hold_id: holdId,
		amount_cents: outcome.amount_cents,
		transaction_id: outcome.transaction_id,
	});
	if (!finished.ok) throw new Abort(finished);
	return { state: "captured", receipt: finished.receipt };
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
	const receiptId = receiptIdFor(credentialId);
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
