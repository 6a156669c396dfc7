import {
	DEFAULT_CONTROLS,
	type EntryKind,
	type Failure,
	fail,
	type Hold,
	type HoldKind,
	type LedgerEntry,
	type QuoteStatusValue,
	type Receipt,
	type SpendControls,
	SpendControlsSchema,
} from "@penumbra/core/contracts";

/** Thrown inside a transaction to roll it back and answer with a failure. */
export class Abort {
	readonly failure: Failure;
	constructor(failure: Failure) {
		this.failure = failure;
	}
}

export function isCents(value: unknown, allowZero = true): value is number {
	return typeof value === "number" && Number.isSafeInteger(value) && (allowZero ? value >= 0 : value > 0);
}

export function randomId(prefix: string): string {
	const bytes = crypto.getRandomValues(new Uint8Array(15));
	return (
		prefix +
		btoa(String.fromCharCode(...bytes))
			.replaceAll("+", "A")
			.replaceAll("/", "B")
	);
}

export function utcDayStart(now: number): number {
	const d = new Date(now);
	return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/** A purchase in flight or of unknown outcome: the one condition `pendingPurchases` and the watch agree on. */
const PENDING_PURCHASE = "kind = 'purchase' AND status IN ('in_flight', 'unknown')";
const PENDING_PURCHASE_EXISTS = `EXISTS (SELECT 1 FROM holds WHERE ${PENDING_PURCHASE})`;

const ENTRY_COLUMNS =
	"id, seq, kind, amount_cents, balance_after_cents, hold_id, receipt_id, reference, created_at";

type ReceiptRow = Omit<Receipt, "flagged"> & { flagged: number };

/** What the Account DO keeps about a purchase once the merchant may have been called (table `purchase_attempts`). */
export type Attempt = {
	hold_id: string;
	quote_id: string;
	service: string;
	tool: string;
	/** Sent with every call of this purchase, so the merchant never sells it twice. */
	idempotency_key: string;
	/** The caller's parameters as JSON (no secrets: the request is rebuilt from the registry and env); null once settled. */
	parameters: string | null;
	calls: number;
	started_at: number;
	/** In flight: the call's deadline; unknown: when the alarm asks again; null: waits for a retry or a person. */
	next_at: number | null;
	last_error: string | null;
	resolved_at: number | null;
	/** The request that started the purchase, and its traceparent: the alarm's calls carry them (null before v7). */
	request_id: string | null;
	traceparent: string | null;
};

/** The merchant's idempotency key for a purchase: derived from our quote, so every retry of it sends the same one. */
export function idempotencyKeyOf(quoteId: string): string {
	return `penumbra-${quoteId}`;
}

/** A quote as the account keeps it: the signed, priced purchase the owner may confirm and the agent may buy. */
export interface StoredQuote {
	id: string;
	service: string;
	tool: string;
	params_hash: string;
	amount_cents: number;
	requires_confirmation: boolean;
	status: QuoteStatusValue;
	expires_at: number;
	created_at: number;
	/** The precheck operation's answer as JSON text, kept so the purchase can bind values from it. */
	precheck: string;
	signature: string;
}

/**
 * One account's money as stored in its Durable Object's SQLite: reads, and the writes every money move is made of.
 * Synchronous only, so a caller composes them into one transaction; a rule broken mid-way throws {@link Abort}.
 */
export class Book {
	readonly #sql: SqlStorage;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	meta(key: string): string | undefined {
		return this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
	}

	setMeta(key: string, value: string): void {
		this.#sql.exec(
			"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}

	deleteMeta(key: string): void {
		this.#sql.exec("DELETE FROM meta WHERE key = ?", key);
	}

	balance(): number {
		return Number(this.meta("balance") ?? "0");
	}

	reserved(): number {
		const row = this.#sql
			.exec<{ total: number | null }>(
				"SELECT SUM(amount_cents) AS total FROM holds WHERE status IN ('active', 'in_flight', 'unknown')",
			)
			.one();
		return row.total ?? 0;
	}

	available(): number {
		return this.balance() - this.reserved();
	}

	controls(): SpendControls {
		const raw = this.meta("controls");
		if (!raw) return DEFAULT_CONTROLS;
		const parsed = SpendControlsSchema.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : DEFAULT_CONTROLS;
	}

	hold(id: string): Hold | undefined {
		return this.#sql.exec<Hold>("SELECT * FROM holds WHERE id = ?", id).toArray()[0];
	}

	openHolds(): Hold[] {
		return this.#sql
			.exec<Hold>(
				"SELECT * FROM holds WHERE status IN ('active', 'in_flight', 'unknown') ORDER BY created_at",
			)
			.toArray();
	}

	openHoldOfQuote(quoteId: string): Hold | undefined {
		return this.#sql
			.exec<Hold>(
				"SELECT * FROM holds WHERE quote_id = ? AND status IN ('active', 'in_flight', 'unknown')",
				quoteId,
			)
			.toArray()[0];
	}

	receipt(by: "id" | "quote_id" | "hold_id", value: string): Receipt | undefined {
		const row = this.#sql.exec<ReceiptRow>(`SELECT * FROM receipts WHERE ${by} = ?`, value).toArray()[0];
		return row ? { ...row, flagged: row.flagged === 1 } : undefined;
	}

	insertReceipt(receipt: Receipt): void {
		this.#sql.exec(
			"INSERT INTO receipts (id, quote_id, hold_id, service, tool, amount_cents, held_cents, transaction_id, flagged, refunded_cents, balance_after_cents, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			receipt.id,
			receipt.quote_id,
			receipt.hold_id,
			receipt.service,
			receipt.tool,
			receipt.amount_cents,
			receipt.held_cents,
			receipt.transaction_id,
			receipt.flagged ? 1 : 0,
			receipt.refunded_cents,
			receipt.balance_after_cents,
			receipt.created_at,
		);
	}

	addRefunded(receiptId: string, amountCents: number): void {
		this.#sql.exec(
			"UPDATE receipts SET refunded_cents = refunded_cents + ? WHERE id = ?",
			amountCents,
			receiptId,
		);
	}

	quote(id: string): StoredQuote | undefined {
		const row = this.#sql
			.exec<Omit<StoredQuote, "requires_confirmation"> & { requires_confirmation: number }>(
				"SELECT * FROM quotes WHERE id = ?",
				id,
			)
			.toArray()[0];
		return row ? { ...row, requires_confirmation: row.requires_confirmation === 1 } : undefined;
	}

	insertQuote(quote: StoredQuote): void {
		this.#sql.exec(
			"INSERT INTO quotes (id, service, tool, params_hash, amount_cents, requires_confirmation, status, expires_at, created_at, precheck, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			quote.id,
			quote.service,
			quote.tool,
			quote.params_hash,
			quote.amount_cents,
			quote.requires_confirmation ? 1 : 0,
			quote.status,
			quote.expires_at,
			quote.created_at,
			quote.precheck,
			quote.signature,
		);
	}

	setQuoteStatus(id: string, status: QuoteStatusValue): void {
		this.#sql.exec("UPDATE quotes SET status = ? WHERE id = ?", status, id);
	}

	/** Entries newest first from below `before`, one more than `limit` (so the caller knows whether more follow). */
	entriesBefore(before: number, limit: number): LedgerEntry[] {
		return this.#sql
			.exec<LedgerEntry>(
				`SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
				before,
				limit + 1,
			)
			.toArray();
	}

	unmirrored(limit: number): LedgerEntry[] {
		return this.#sql
			.exec<LedgerEntry>(
				`SELECT ${ENTRY_COLUMNS} FROM entries WHERE mirrored = 0 ORDER BY seq LIMIT ?`,
				limit,
			)
			.toArray();
	}

	markMirrored(ids: readonly string[]): void {
		this.#sql.exec(`UPDATE entries SET mirrored = 1 WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
	}

	/** For invariant checks and reconciliation. */
	audit(): { balance_cents: number; entries_sum_cents: number; reserved_cents: number; unmirrored: number } {
		const sum =
			this.#sql.exec<{ total: number | null }>("SELECT SUM(amount_cents) AS total FROM entries").one()
				.total ?? 0;
		const unmirrored = this.#sql
			.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE mirrored = 0")
			.one().n;
		return {
			balance_cents: this.balance(),
			entries_sum_cents: sum,
			reserved_cents: this.reserved(),
			unmirrored,
		};
	}

	/**
	 * When the alarm must run next, in one query: `outboxAt` if any entry is unmirrored or D1's `purchase_watch` was
	 * last told otherwise than whether a purchase is pending (`meta.watched`), the next `active` hold expiry, the
	 * next purchase attempt due, whichever is first; null when nothing waits.
	 */
	nextWake(outboxAt: number): number | null {
		return this.#sql
			.exec<{ at: number | null }>(
				`SELECT MIN(at) AS at FROM (
					SELECT ? AS at WHERE EXISTS (SELECT 1 FROM entries WHERE mirrored = 0)
						OR (${PENDING_PURCHASE_EXISTS}) <> EXISTS (SELECT 1 FROM meta WHERE key = 'watched')
					UNION ALL SELECT MIN(expires_at) FROM holds WHERE status = 'active'
					UNION ALL SELECT MIN(a.next_at) FROM purchase_attempts a JOIN holds h ON h.id = a.hold_id
						WHERE a.resolved_at IS NULL AND h.status IN ('in_flight', 'unknown')
				)`,
				outboxAt,
			)
			.one().at;
	}

	/**
	 * Purchases and usage fees captured since `since`, plus holds still open: what counts against the daily cap
	 * (the owner's caps cover fees too).
	 */
	spentSince(since: number): number {
		const captured = this.#sql
			.exec<{ total: number | null }>(
				"SELECT SUM(captured_cents) AS total FROM holds WHERE status = 'captured' AND resolved_at >= ?",
				since,
			)
			.one().total;
		const pending = this.#sql
			.exec<{ total: number | null }>(
				"SELECT SUM(amount_cents) AS total FROM holds WHERE status IN ('active', 'in_flight', 'unknown')",
			)
			.one().total;
		return (captured ?? 0) + (pending ?? 0);
	}

	/** Appends an entry and moves the balance with it; a balance below zero aborts the transaction. */
	append(
		kind: EntryKind,
		amountCents: number,
		fields: { hold_id?: string; receipt_id?: string; reference?: string },
	): LedgerEntry {
		// Both counters in one read and one write: this runs in every money move.
		const stored = this.#sql
			.exec<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('balance', 'seq')")
			.toArray();
		const counter = (key: string) => Number(stored.find((row) => row.key === key)?.value ?? "0");
		const balance = counter("balance") + amountCents;
		if (balance < 0) throw new Abort(fail("INSUFFICIENT_FUNDS", "This would make the balance negative."));
		const seq = counter("seq") + 1;
		const entry: LedgerEntry = {
			id: randomId("ent_"),
			seq,
			kind,
			amount_cents: amountCents,
			balance_after_cents: balance,
			hold_id: fields.hold_id ?? null,
			receipt_id: fields.receipt_id ?? null,
			reference: fields.reference ?? null,
			created_at: Date.now(),
		};
		this.#sql.exec(
			`INSERT INTO entries (${ENTRY_COLUMNS}, mirrored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			entry.id,
			entry.seq,
			entry.kind,
			entry.amount_cents,
			entry.balance_after_cents,
			entry.hold_id,
			entry.receipt_id,
			entry.reference,
			entry.created_at,
		);
		this.#sql.exec(
			"INSERT INTO meta (key, value) VALUES ('seq', ?), ('balance', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			String(seq),
			String(balance),
		);
		return entry;
	}

	/** Reserves funds, or fails with the shortfall when available < amount. */
	placeHold(input: {
		kind: HoldKind;
		amount_cents: number;
		ttl_ms: number;
		service?: string;
		tool?: string;
		quote_id?: string;
	}): { ok: true; hold: Hold; available_cents: number } | Failure {
		if (!isCents(input.amount_cents))
			return fail("VALIDATION_FAILED", "amount_cents must be a non-negative integer.");
		const available = this.available();
		if (input.amount_cents > available) {
			return fail(
				"INSUFFICIENT_FUNDS",
				`This needs ${input.amount_cents}¢ but only ${available}¢ is available.`,
				{
					required_cents: input.amount_cents,
					available_cents: available,
					shortfall_cents: input.amount_cents - available,
				},
			);
		}
		const now = Date.now();
		const hold: Hold = {
			id: randomId("hold_"),
			kind: input.kind,
			amount_cents: input.amount_cents,
			status: "active",
			captured_cents: 0,
			service: input.service ?? null,
			tool: input.tool ?? null,
			quote_id: input.quote_id ?? null,
			created_at: now,
			expires_at: now + Math.min(Math.max(input.ttl_ms, 1_000), 24 * 3600 * 1000),
			resolved_at: null,
		};
		this.#sql.exec(
			"INSERT INTO holds (id, kind, amount_cents, status, captured_cents, service, tool, quote_id, created_at, expires_at, resolved_at) VALUES (?, ?, ?, 'active', 0, ?, ?, ?, ?, ?, NULL)",
			hold.id,
			hold.kind,
			hold.amount_cents,
			hold.service,
			hold.tool,
			hold.quote_id,
			hold.created_at,
			hold.expires_at,
		);
		return { ok: true, hold, available_cents: available - hold.amount_cents };
	}

	/** A hold that can still be captured or released; anything else aborts. */
	resolvable(holdId: string): Hold {
		const hold = this.hold(holdId);
		if (!hold) throw new Abort(fail("NOT_FOUND", `No hold ${holdId}.`));
		if (hold.status !== "active" && hold.status !== "in_flight" && hold.status !== "unknown") {
			throw new Abort(fail("CONFLICT", `Hold ${holdId} is already ${hold.status}.`, { status: hold.status }));
		}
		return hold;
	}

	/** Captures a hold that has not expired: an expired hold is never charged, whether or not the alarm ran yet. */
	captureHold(
		hold: Hold,
		amountCents: number,
		fields: { receipt_id?: string; reference?: string },
	): LedgerEntry {
		if (Date.now() >= hold.expires_at) {
			throw new Abort(
				fail("CONFLICT", `Hold ${hold.id} expired; it can no longer be captured.`, { status: "expired" }),
			);
		}
		this.#sql.exec(
			"UPDATE holds SET status = 'captured', captured_cents = ?, resolved_at = ? WHERE id = ?",
			amountCents,
			Date.now(),
			hold.id,
		);
		return this.append(hold.kind, -amountCents, { hold_id: hold.id, ...fields });
	}

	releaseHold(holdId: string): void {
		this.#sql.exec("UPDATE holds SET status = 'released', resolved_at = ? WHERE id = ?", Date.now(), holdId);
	}

	markHoldUnknown(holdId: string): void {
		this.#sql.exec("UPDATE holds SET status = 'unknown' WHERE id = ?", holdId);
	}

	// ── purchase attempts (docs/money.md, "the purchase state machine") ──────────────────────────

	attempt(holdId: string): Attempt | undefined {
		return this.#sql.exec<Attempt>("SELECT * FROM purchase_attempts WHERE hold_id = ?", holdId).toArray()[0];
	}

	/**
	 * Records that the merchant is about to be asked (a first call or a resumed one): the hold goes `in_flight` until
	 * `deadline`, after which the alarm takes the purchase over, and keeps its funds until `expiresAt`.
	 */
	startCall(
		hold: Hold,
		attempt: {
			service: string;
			tool: string;
			parameters: string;
			request_id: string | null;
			traceparent: string | null;
		},
		now: number,
		deadline: number,
		expiresAt: number,
	): Attempt {
		if (!hold.quote_id) throw new Abort(fail("CONFLICT", "Not a purchase hold."));
		this.#sql.exec(
			"UPDATE holds SET status = 'in_flight', expires_at = ? WHERE id = ?",
			Math.max(hold.expires_at, expiresAt),
			hold.id,
		);
		this.#sql.exec(
			`INSERT INTO purchase_attempts (hold_id, quote_id, service, tool, idempotency_key, parameters, calls, started_at, next_at, last_error, resolved_at, request_id, traceparent)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, NULL, NULL, ?, ?)
			ON CONFLICT(hold_id) DO UPDATE SET parameters = excluded.parameters, calls = calls + 1, next_at = excluded.next_at`,
			hold.id,
			hold.quote_id,
			attempt.service,
			attempt.tool,
			idempotencyKeyOf(hold.quote_id),
			attempt.parameters,
			now,
			deadline,
			attempt.request_id,
			attempt.traceparent,
		);
		const stored = this.attempt(hold.id);
		if (!stored) throw new Error("unreachable: the attempt was just written");
		return stored;
	}

	/** The alarm asks the merchant again (a lookup or the same call): `in_flight` until `deadline`. */
	retakeCall(holdId: string, deadline: number): void {
		this.#sql.exec("UPDATE holds SET status = 'in_flight' WHERE id = ?", holdId);
		this.#sql.exec(
			"UPDATE purchase_attempts SET calls = calls + 1, next_at = ? WHERE hold_id = ?",
			deadline,
			holdId,
		);
	}

	/** When the alarm should look at this attempt again (null: only a caller's retry or a person moves it). */
	scheduleAttempt(holdId: string, nextAt: number | null, lastError: string): void {
		this.#sql.exec(
			"UPDATE purchase_attempts SET next_at = ?, last_error = ? WHERE hold_id = ?",
			nextAt,
			lastError.slice(0, 300),
			holdId,
		);
	}

	/** The outcome is settled: the parameters (the buyer's order details) are no longer needed. */
	resolveAttempt(holdId: string, now: number): void {
		this.#sql.exec(
			"UPDATE purchase_attempts SET resolved_at = ?, next_at = NULL, parameters = NULL WHERE hold_id = ?",
			now,
			holdId,
		);
	}

	/** Attempts the alarm should move now: a call past its deadline, or an unknown outcome due for another ask. */
	dueAttempts(now: number, limit: number): Attempt[] {
		return this.#sql
			.exec<Attempt>(
				`SELECT a.* FROM purchase_attempts a JOIN holds h ON h.id = a.hold_id
				WHERE a.resolved_at IS NULL AND a.next_at IS NOT NULL AND a.next_at <= ?
					AND h.status IN ('in_flight', 'unknown') ORDER BY a.next_at LIMIT ?`,
				now,
				limit,
			)
			.toArray();
	}

	/** Whether a purchase is in flight or of unknown outcome (what {@link pendingPurchases} lists). */
	hasPendingPurchases(): boolean {
		return (
			this.#sql.exec<{ pending: number }>(`SELECT (${PENDING_PURCHASE_EXISTS}) AS pending`).one().pending ===
			1
		);
	}

	/** Purchase holds whose outcome is not settled, with their attempts, oldest first. */
	pendingPurchases(): { hold: Hold; attempt: Attempt | undefined }[] {
		return this.#sql
			.exec<Hold>(`SELECT * FROM holds WHERE ${PENDING_PURCHASE} ORDER BY created_at`)
			.toArray()
			.map((hold) => ({ hold, attempt: this.attempt(hold.id) }));
	}

	/** The alarm's housekeeping: expired active holds released, old idempotency records forgotten. */
	expire(now: number, idempotencyTtlMs: number): void {
		this.#sql.exec(
			"UPDATE holds SET status = 'released', resolved_at = ? WHERE status = 'active' AND expires_at <= ?",
			now,
			now,
		);
		this.#sql.exec("DELETE FROM idempotency WHERE created_at < ?", now - idempotencyTtlMs);
	}
}
