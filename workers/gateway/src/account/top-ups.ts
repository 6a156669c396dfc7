import { fail, type LedgerEntry, type Result, type TopUp, type TopUpStatus } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { type Book, isCents, randomId } from "./book.ts";

/**
 * Top-ups inside the Account Durable Object (docs/money.md "Top-ups"): the owner's card payment through Stripe
 * Checkout, credited to the balance exactly once per Checkout Session, and an operator's refund of it, never more
 * than is still available. The Stripe calls happen in the gateway; only their outcomes come in here, each applied
 * in one synchronous transaction by the caller (AccountDO).
 */

export const TOP_UP_TABLES: readonly string[] = [
	`CREATE TABLE IF NOT EXISTS top_ups (
		id TEXT PRIMARY KEY,
		amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
		currency TEXT NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('pending', 'credited', 'expired', 'refunded')),
		checkout_session TEXT UNIQUE,
		checkout_url TEXT,
		payment_intent TEXT,
		card_brand TEXT,
		card_last4 TEXT,
		refunded_cents INTEGER NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
		credit_entry_id TEXT UNIQUE,
		created_at INTEGER NOT NULL,
		credited_at INTEGER,
		closed_at INTEGER
	)`,
	`CREATE TABLE IF NOT EXISTS top_up_refunds (
		id TEXT PRIMARY KEY,
		top_up_id TEXT NOT NULL,
		amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
		status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
		entry_id TEXT NOT NULL UNIQUE,
		reversal_entry_id TEXT UNIQUE,
		stripe_refund TEXT UNIQUE,
		failure TEXT,
		created_at INTEGER NOT NULL,
		resolved_at INTEGER
	)`,
	"CREATE INDEX IF NOT EXISTS top_up_refunds_top_up ON top_up_refunds (top_up_id)",
];

type TopUpRow = {
	id: string;
	amount_cents: number;
	currency: string;
	status: TopUpStatus;
	checkout_session: string | null;
	checkout_url: string | null;
	payment_intent: string | null;
	card_brand: string | null;
	card_last4: string | null;
	refunded_cents: number;
	credit_entry_id: string | null;
	created_at: number;
	credited_at: number | null;
	closed_at: number | null;
};

export type TopUpRefundRow = {
	id: string;
	top_up_id: string;
	amount_cents: number;
	status: "pending" | "succeeded" | "failed";
	entry_id: string;
	reversal_entry_id: string | null;
	stripe_refund: string | null;
	failure: string | null;
	created_at: number;
	resolved_at: number | null;
};

/** What Stripe said about a paid Checkout Session (the gateway read it from a signed event and the API). */
export interface TopUpPayment {
	top_up_id: string;
	session_id: string;
	/** The session's `amount_total`: must equal the top-up's amount. */
	amount_cents: number;
	/** The session's currency, lowercase as Stripe writes it. */
	currency: string;
	payment_intent?: string;
	card_brand?: string;
	card_last4?: string;
}

/** What a top-up refund needs from the gateway to go to Stripe. */
export interface TopUpRefundStart {
	refund: TopUpRefundRow;
	payment_intent: string;
	top_up: TopUp;
	entry: LedgerEntry;
	balance_cents: number;
}

const CREDENTIAL = /^cred_([A-Za-z0-9]{20})$/;
const ENCODED = /^tu_[A-Za-z0-9]{20}([A-Za-z0-9]{20})$/;
/** Top-up ids as the routes accept them. */
export const TOP_UP_ID = /^tu_[A-Za-z0-9]{20,60}$/;
/** The account's currency, as Stripe writes it. */
export const STRIPE_CURRENCY = "usd";

/** `tu_` + 20 random characters + the credential id's 20: the webhook and the admin refund find the account from it. */
export function topUpIdFor(credentialId: string): string {
	const credential = CREDENTIAL.exec(credentialId)?.[1];
	const random = randomId("tu_");
	return credential ? `${random}${credential}` : random;
}

/** The credential a top-up id names, if it names one. */
export function credentialOfTopUp(topUpId: string): string | undefined {
	const credential = ENCODED.exec(topUpId)?.[1];
	return credential ? `cred_${credential}` : undefined;
}

function view(row: TopUpRow): TopUp {
	return {
		id: row.id,
		amount_cents: row.amount_cents,
		currency: "USD",
		status: row.status,
		...(row.status === "pending" && row.checkout_url ? { checkout_url: row.checkout_url } : {}),
		created_at: row.created_at,
		...(row.credited_at !== null ? { credited_at: row.credited_at } : {}),
		...(row.card_brand ? { card_brand: row.card_brand } : {}),
		...(row.card_last4 ? { card_last4: row.card_last4 } : {}),
		...(row.refunded_cents > 0 ? { refunded_cents: row.refunded_cents } : {}),
	};
}

/** One account's top-ups as stored in its Durable Object's SQLite; synchronous, composed into transactions. */
export class TopUps {
	readonly #sql: SqlStorage;
	readonly #book: Book;

	constructor(sql: SqlStorage, book: Book) {
		this.#sql = sql;
		this.#book = book;
	}

	#row(id: string): TopUpRow | undefined {
		return this.#sql.exec<TopUpRow>("SELECT * FROM top_ups WHERE id = ?", id).toArray()[0];
	}

	get(id: string): TopUp | undefined {
		const row = this.#row(id);
		return row ? view(row) : undefined;
	}

	refund(id: string): TopUpRefundRow | undefined {
		return this.#sql.exec<TopUpRefundRow>("SELECT * FROM top_up_refunds WHERE id = ?", id).toArray()[0];
	}

	/** A new pending top-up; its Checkout Session is attached once Stripe made it. */
	start(id: string, amountCents: number, now: number): Result<{ top_up: TopUp }> {
		if (!isCents(amountCents, false))
			return fail("VALIDATION_FAILED", "amount_cents must be a positive integer.");
		this.#sql.exec(
			"INSERT INTO top_ups (id, amount_cents, currency, status, created_at) VALUES (?, ?, ?, 'pending', ?)",
			id,
			amountCents,
			STRIPE_CURRENCY,
			now,
		);
		return { ok: true, top_up: view(this.#row(id) as TopUpRow) };
	}

	/** Records the Checkout Session Stripe made for a top-up (the same one again is a no-op). */
	attach(input: { top_up_id: string; session_id: string; url: string }): Result<{ top_up: TopUp }> {
		const row = this.#row(input.top_up_id);
		if (!row) return fail("NOT_FOUND", `No top-up ${input.top_up_id} on this account.`);
		if (row.checkout_session && row.checkout_session !== input.session_id) {
			return fail("CONFLICT", "This top-up already has another Checkout Session.", {
				top_up_id: row.id,
			});
		}
		if (!row.checkout_session) {
			this.#sql.exec(
				"UPDATE top_ups SET checkout_session = ?, checkout_url = ? WHERE id = ?",
				input.session_id,
				input.url,
				row.id,
			);
		}
		return { ok: true, top_up: view(this.#row(row.id) as TopUpRow) };
	}

	/**
	 * Credits a paid Checkout Session: once (a credited top-up answers with itself and no entry), only for the session
	 * the top-up was made with, and only for exactly the top-up's amount and currency. A session Stripe says is paid
	 * is credited even if its top-up was marked expired meanwhile: the money was taken.
	 */
	credit(
		input: TopUpPayment,
		now: number,
	): Result<{ top_up: TopUp; entry: LedgerEntry | null; balance_cents: number }> {
		const row = this.#row(input.top_up_id);
		if (!row) return fail("NOT_FOUND", `No top-up ${input.top_up_id} on this account.`);
		if (row.checkout_session && row.checkout_session !== input.session_id) {
			return fail("CONFLICT", "This Checkout Session is not the one this top-up was made with.", {
				top_up_id: row.id,
			});
		}
		if (row.credit_entry_id) {
			return { ok: true, top_up: view(row), entry: null, balance_cents: this.#book.balance() };
		}
		if (input.amount_cents !== row.amount_cents || input.currency.toLowerCase() !== row.currency) {
			return fail(
				"VALIDATION_FAILED",
				`The session paid ${input.amount_cents} ${input.currency}; the top-up is for ${row.amount_cents} ${row.currency}.`,
				{ top_up_id: row.id, paid_cents: input.amount_cents, expected_cents: row.amount_cents },
			);
		}
		const entry = this.#book.append("top_up", row.amount_cents, { reference: input.session_id });
		this.#sql.exec(
			"UPDATE top_ups SET status = 'credited', checkout_session = ?, payment_intent = ?, card_brand = ?, card_last4 = ?, credit_entry_id = ?, credited_at = ? WHERE id = ?",
			input.session_id,
			input.payment_intent ?? null,
			input.card_brand ?? null,
			input.card_last4 ?? null,
			entry.id,
			now,
			row.id,
		);
		return {
			ok: true,
			top_up: view(this.#row(row.id) as TopUpRow),
			entry,
			balance_cents: entry.balance_after_cents,
		};
	}

	/** The session expired (or its delayed payment failed): a pending top-up is closed, nothing credited. */
	expire(input: { top_up_id: string; session_id: string }, now: number): Result<{ top_up: TopUp }> {
		const row = this.#row(input.top_up_id);
		if (!row) return fail("NOT_FOUND", `No top-up ${input.top_up_id} on this account.`);
		if (row.checkout_session && row.checkout_session !== input.session_id) {
			return fail("CONFLICT", "This Checkout Session is not the one this top-up was made with.");
		}
		if (row.status === "pending") {
			this.#sql.exec(
				"UPDATE top_ups SET status = 'expired', checkout_session = ?, closed_at = ? WHERE id = ?",
				input.session_id,
				now,
				row.id,
			);
		}
		return { ok: true, top_up: view(this.#row(row.id) as TopUpRow) };
	}

	/**
	 * Takes a refund of a credited top-up off the balance, before Stripe is asked (so the same money can never be
	 * spent and refunded): at most what was credited less refunded, and at most what is available now (never an
	 * overdraft). Without an amount: all of that. The refund stays `pending` until Stripe answers.
	 */
	startRefund(input: { top_up_id: string; amount_cents?: number }, now: number): Result<TopUpRefundStart> {
		const row = this.#row(input.top_up_id);
		if (!row) return fail("NOT_FOUND", `No top-up ${input.top_up_id} on this account.`);
		if (!row.credit_entry_id || !row.payment_intent) {
			return fail("CONFLICT", `This top-up is ${row.status}: only a credited top-up can be refunded.`, {
				status: row.status,
			});
		}
		const refundable = row.amount_cents - row.refunded_cents;
		const available = Math.max(0, this.#book.available());
		if (refundable === 0) {
			return fail("CONFLICT", "This top-up was refunded in full already.", { refundable_cents: 0 });
		}
		const amount = input.amount_cents ?? Math.min(refundable, available);
		if (input.amount_cents !== undefined && (!isCents(amount, false) || amount > refundable)) {
			return fail(
				"VALIDATION_FAILED",
				`A refund of this top-up must be 1 to ${refundable}¢ (credited less refunded).`,
				{
					refundable_cents: refundable,
					available_cents: available,
				},
			);
		}
		if (amount <= 0 || amount > available) {
			return fail(
				"INSUFFICIENT_FUNDS",
				`Only ${available}¢ of this account is available (the rest is spent or held); a refund never overdraws. Refund at most ${Math.min(available, refundable)}¢.`,
				{
					required_cents: amount > 0 ? amount : refundable,
					available_cents: available,
					shortfall_cents: (amount > 0 ? amount : refundable) - available,
					refundable_cents: refundable,
				},
			);
		}
		const id = randomId("tur_");
		const entry = this.#book.append("top_up_refund", -amount, { reference: `top-up refund ${id}` });
		this.#sql.exec(
			"INSERT INTO top_up_refunds (id, top_up_id, amount_cents, status, entry_id, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
			id,
			row.id,
			amount,
			entry.id,
			now,
		);
		const refunded = row.refunded_cents + amount;
		this.#sql.exec(
			"UPDATE top_ups SET refunded_cents = ?, status = ? WHERE id = ?",
			refunded,
			refunded === row.amount_cents ? "refunded" : row.status,
			row.id,
		);
		return {
			ok: true,
			refund: this.refund(id) as TopUpRefundRow,
			payment_intent: row.payment_intent,
			top_up: view(this.#row(row.id) as TopUpRow),
			entry,
			balance_cents: entry.balance_after_cents,
		};
	}

	/** Stripe made the refund. */
	refundSucceeded(refundId: string, stripeRefund: string, now: number): Result<{ refund: TopUpRefundRow }> {
		const refund = this.refund(refundId);
		if (!refund) return fail("NOT_FOUND", `No top-up refund ${refundId} on this account.`);
		if (refund.status === "failed") {
			// Never: a refused refund is not asked again under the same Stripe idempotency key.
			log("error", "top-up refund succeeded at Stripe after it was recorded as refused", {
				refund: refundId,
			});
			return fail("CONFLICT", "This refund was recorded as refused by Stripe.");
		}
		if (refund.status === "pending") {
			this.#sql.exec(
				"UPDATE top_up_refunds SET status = 'succeeded', stripe_refund = ?, resolved_at = ? WHERE id = ?",
				stripeRefund,
				now,
				refundId,
			);
		}
		return { ok: true, refund: this.refund(refundId) as TopUpRefundRow };
	}

	/**
	 * Stripe refused the refund for good (an invalid request, not an outage): the money taken off the balance comes
	 * back with a `top_up_refund` entry of the opposite sign, and the top-up is refundable again.
	 */
	refundRefused(
		refundId: string,
		reason: string,
		now: number,
	): Result<{ refund: TopUpRefundRow; entry: LedgerEntry }> {
		const refund = this.refund(refundId);
		if (!refund) return fail("NOT_FOUND", `No top-up refund ${refundId} on this account.`);
		if (refund.status !== "pending") {
			return fail("CONFLICT", `This refund already ${refund.status}.`, { status: refund.status });
		}
		const row = this.#row(refund.top_up_id) as TopUpRow;
		const entry = this.#book.append("top_up_refund", refund.amount_cents, {
			reference: `top-up refund ${refund.id} refused by Stripe`,
		});
		this.#sql.exec(
			"UPDATE top_up_refunds SET status = 'failed', failure = ?, reversal_entry_id = ?, resolved_at = ? WHERE id = ?",
			reason.slice(0, 500),
			entry.id,
			now,
			refund.id,
		);
		this.#sql.exec(
			"UPDATE top_ups SET refunded_cents = refunded_cents - ?, status = 'credited' WHERE id = ?",
			refund.amount_cents,
			row.id,
		);
		return { ok: true, refund: this.refund(refund.id) as TopUpRefundRow, entry };
	}

	/** Adds the top-up's Stripe ids and card to `top_up` and `top_up_refund` entries (the statement). */
	decorate(entries: LedgerEntry[]): LedgerEntry[] {
		return entries.map((entry) => {
			if (entry.kind === "top_up") {
				const row = this.#sql
					.exec<TopUpRow>("SELECT * FROM top_ups WHERE credit_entry_id = ?", entry.id)
					.toArray()[0];
				if (!row) return entry;
				return {
					...entry,
					top_up_id: row.id,
					...(row.checkout_session ? { stripe_checkout_session: row.checkout_session } : {}),
					...(row.payment_intent ? { stripe_payment_intent: row.payment_intent } : {}),
					...(row.card_brand ? { card_brand: row.card_brand } : {}),
					...(row.card_last4 ? { card_last4: row.card_last4 } : {}),
				};
			}
			if (entry.kind === "top_up_refund") {
				const refund = this.#sql
					.exec<TopUpRefundRow>(
						"SELECT * FROM top_up_refunds WHERE entry_id = ? OR reversal_entry_id = ?",
						entry.id,
						entry.id,
					)
					.toArray()[0];
				if (!refund) return entry;
				return {
					...entry,
					top_up_id: refund.top_up_id,
					...(refund.stripe_refund ? { stripe_refund: refund.stripe_refund } : {}),
				};
			}
			return entry;
		});
	}
}
