import { DurableObject } from "cloudflare:workers";
import type { ErrorCode } from "@penumbra/core/errors";
import { log } from "@penumbra/core/log";
import { type Controls, ControlsSchema, DEFAULT_CONTROLS } from "./controls.ts";
import { mirrorEntries } from "./ledger.ts";
import { SCHEMA } from "./schema.ts";

export type EntryKind = "credit" | "usage" | "purchase" | "refund" | "adjustment";
export type HoldKind = "usage" | "purchase";
export type HoldStatus = "active" | "captured" | "released" | "unknown";

export type Entry = {
	id: string;
	seq: number;
	kind: EntryKind;
	amount: number;
	balance_after: number;
	hold_id: string | null;
	receipt_id: string | null;
	reference: string | null;
	created_at: number;
};

export type Hold = {
	id: string;
	kind: HoldKind;
	amount: number;
	status: HoldStatus;
	captured: number;
	service: string | null;
	tool: string | null;
	quote_id: string | null;
	created_at: number;
	expires_at: number;
	resolved_at: number | null;
};

export interface Receipt {
	id: string;
	quote_id: string;
	hold_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	held_cents: number;
	transaction_id: string;
	/** The merchant charged more than was held: only the hold was captured; someone must look. */
	flagged: boolean;
	refunded_cents: number;
	balance_after_cents: number;
	created_at: number;
}

export interface StoredQuote {
	id: string;
	service: string;
	tool: string;
	params_hash: string;
	amount: number;
	requires_confirmation: boolean;
	status: "open" | "confirmed" | "declined";
	expires_at: number;
	created_at: number;
	/** The precheck operation's answer as JSON text, kept so the purchase can bind values from it. */
	precheck: string;
	signature: string;
}

/** Where a purchase stands before the merchant is asked: done (receipt), or a hold to buy with. */
export interface PurchaseStart {
	state: "done" | "held" | "resume";
	receipt: Receipt | null;
	hold: Hold | null;
}

export interface Failure {
	ok: false;
	code: ErrorCode;
	detail: string;
	extras?: Record<string, unknown>;
}
export type Result<T extends object> = ({ ok: true } & T) | Failure;

function fail(code: ErrorCode, detail: string, extras?: Record<string, unknown>): Failure {
	return { ok: false, code, detail, ...(extras ? { extras } : {}) };
}

/** Thrown inside a transaction to roll it back and answer with a failure. */
class Abort {
	readonly failure: Failure;
	constructor(failure: Failure) {
		this.failure = failure;
	}
}

const IDEMPOTENCY_TTL_MS = 48 * 3600 * 1000;
const PURCHASE_HOLD_TTL_MS = 15 * 60_000;
const DRAIN_BATCH = 100;
const MAX_DRAIN_BACKOFF_MS = 60_000;

function isCents(value: unknown, allowZero = true): value is number {
	return typeof value === "number" && Number.isSafeInteger(value) && (allowZero ? value >= 0 : value > 0);
}

function randomId(prefix: string): string {
	const bytes = crypto.getRandomValues(new Uint8Array(15));
	return (
		prefix +
		btoa(String.fromCharCode(...bytes))
			.replaceAll("+", "A")
			.replaceAll("/", "B")
	);
}

function utcDayStart(now: number): number {
	const d = new Date(now);
	return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/**
 * One credential's money, and the only place it changes. Every method that moves money is one synchronous
 * SQLite transaction (no await inside), keyed by an idempotency key: the same key with the same arguments
 * returns the first result, with other arguments it is a conflict. balance = Σ entries, always;
 * available = balance − active and unknown holds; neither is ever negative.
 */
export class AccountDO extends DurableObject<GatewayEnv> {
	readonly #sql: SqlStorage;
	#drainFailures = 0;

	constructor(ctx: DurableObjectState, env: GatewayEnv) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		for (const statement of SCHEMA) this.#sql.exec(statement);
		// An alarm wakes the object without its name (ctx.id.name is undefined then), and the alarm is what drains
		// the outbox into D1 under that name: keep it from the first call that had it.
		if (ctx.id.name && this.#meta("credential") !== ctx.id.name) this.#setMeta("credential", ctx.id.name);
	}

	get #credentialId(): string {
		const name = this.ctx.id.name ?? this.#meta("credential");
		if (!name) throw new Error("AccountDO must be addressed by credential id (getByName)");
		return name;
	}

	// ── reads ────────────────────────────────────────────────────────────────────────────────────

	#meta(key: string): string | undefined {
		return this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
	}

	#setMeta(key: string, value: string): void {
		this.#sql.exec(
			"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}

	#balance(): number {
		return Number(this.#meta("balance") ?? "0");
	}

	#reserved(): number {
		const row = this.#sql
			.exec<{ total: number | null }>(
				"SELECT SUM(amount) AS total FROM holds WHERE status IN ('active', 'unknown')",
			)
			.one();
		return row.total ?? 0;
	}

	#available(): number {
		return this.#balance() - this.#reserved();
	}

	#controls(): Controls {
		const raw = this.#meta("controls");
		if (!raw) return DEFAULT_CONTROLS;
		const parsed = ControlsSchema.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : DEFAULT_CONTROLS;
	}

	#hold(id: string): Hold | undefined {
		return this.#sql.exec<Hold>("SELECT * FROM holds WHERE id = ?", id).toArray()[0];
	}

	#receiptRow(where: string, value: string): Receipt | undefined {
		const row = this.#sql
			.exec<{
				id: string;
				quote_id: string;
				hold_id: string;
				service: string;
				tool: string;
				amount: number;
				held: number;
				transaction_id: string;
				flagged: number;
				refunded: number;
				balance_after: number;
				created_at: number;
			}>(`SELECT * FROM receipts WHERE ${where} = ?`, value)
			.toArray()[0];
		if (!row) return undefined;
		return {
			id: row.id,
			quote_id: row.quote_id,
			hold_id: row.hold_id,
			service: row.service,
			tool: row.tool,
			amount_cents: row.amount,
			held_cents: row.held,
			transaction_id: row.transaction_id,
			flagged: row.flagged === 1,
			refunded_cents: row.refunded,
			balance_after_cents: row.balance_after,
			created_at: row.created_at,
		};
	}

	/** A round trip that touches no storage: the baseline the money benchmark compares hold + capture with. */
	ping(): number {
		return Date.now();
	}

	/** Balance, availability, holds and controls: what the owner's account page shows. */
	summary(): {
		balance_cents: number;
		available_cents: number;
		holds: Hold[];
		controls: Controls;
		spent_today_cents: number;
	} {
		return {
			balance_cents: this.#balance(),
			available_cents: this.#available(),
			holds: this.#sql
				.exec<Hold>("SELECT * FROM holds WHERE status IN ('active', 'unknown') ORDER BY created_at")
				.toArray(),
			controls: this.#controls(),
			spent_today_cents: this.#spentSince(utcDayStart(Date.now())),
		};
	}

	/** Entries newest first, `limit` at a time; `before` is the seq to continue from. */
	statement(options: { limit: number; before?: number }): {
		entries: Entry[];
		receipts: Receipt[];
		next_before: number | null;
	} {
		const limit = Math.min(Math.max(1, Math.trunc(options.limit)), 200);
		const entries = this.#sql
			.exec<Entry>(
				"SELECT id, seq, kind, amount, balance_after, hold_id, receipt_id, reference, created_at FROM entries WHERE seq < ? ORDER BY seq DESC LIMIT ?",
				options.before ?? Number.MAX_SAFE_INTEGER,
				limit + 1,
			)
			.toArray();
		const page = entries.slice(0, limit);
		const receipts = page
			.map((e) => (e.receipt_id ? this.#receiptRow("id", e.receipt_id) : undefined))
			.filter((r): r is Receipt => r !== undefined);
		return {
			entries: page,
			receipts,
			next_before: entries.length > limit ? (page.at(-1)?.seq ?? null) : null,
		};
	}

	receipt(id: string): Receipt | null {
		return this.#receiptRow("id", id) ?? null;
	}

	/** For invariant checks and reconciliation: the stored balance and the sum of entries, which must agree. */
	audit(): { balance_cents: number; entries_sum_cents: number; reserved_cents: number; unmirrored: number } {
		const sum =
			this.#sql.exec<{ total: number | null }>("SELECT SUM(amount) AS total FROM entries").one().total ?? 0;
		const unmirrored = this.#sql
			.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE mirrored = 0")
			.one().n;
		return {
			balance_cents: this.#balance(),
			entries_sum_cents: sum,
			reserved_cents: this.#reserved(),
			unmirrored,
		};
	}

	// ── the write path ───────────────────────────────────────────────────────────────────────────

	/**
	 * Runs `fn` in one transaction under an idempotency key. A replay with the same op and arguments returns the
	 * stored result; the same key for anything else is a conflict. Failures are not stored, so a retry re-decides.
	 */
	#idempotent<T extends object>(key: string, op: string, args: unknown, fn: () => Result<T>): Result<T> {
		if (typeof key !== "string" || key.length < 8 || key.length > 200) {
			return fail("VALIDATION_FAILED", "An idempotency key of 8 to 200 characters is required.");
		}
		const argsJson = JSON.stringify(args);
		try {
			return this.ctx.storage.transactionSync(() => {
				const previous = this.#sql
					.exec<{ op: string; args: string; result: string }>(
						"SELECT op, args, result FROM idempotency WHERE key = ?",
						key,
					)
					.toArray()[0];
				if (previous) {
					if (previous.op !== op || previous.args !== argsJson) {
						throw new Abort(
							fail("CONFLICT", "This idempotency key was already used for a different request.", {
								idempotency_key: key,
							}),
						);
					}
					return { ...(JSON.parse(previous.result) as T), ok: true as const, replayed: true };
				}
				const result = fn();
				if (!result.ok) throw new Abort(result);
				this.#sql.exec(
					"INSERT INTO idempotency (key, op, args, result, created_at) VALUES (?, ?, ?, ?, ?)",
					key,
					op,
					argsJson,
					JSON.stringify(result),
					Date.now(),
				);
				return result;
			});
		} catch (error) {
			if (error instanceof Abort) return error.failure;
			throw error;
		} finally {
			this.#wake();
		}
	}

	#append(
		kind: EntryKind,
		amount: number,
		fields: { hold_id?: string; receipt_id?: string; reference?: string },
	): Entry {
		const balance = this.#balance() + amount;
		if (balance < 0) throw new Abort(fail("INSUFFICIENT_FUNDS", "This would make the balance negative."));
		const seq = Number(this.#meta("seq") ?? "0") + 1;
		const entry: Entry = {
			id: randomId("ent_"),
			seq,
			kind,
			amount,
			balance_after: balance,
			hold_id: fields.hold_id ?? null,
			receipt_id: fields.receipt_id ?? null,
			reference: fields.reference ?? null,
			created_at: Date.now(),
		};
		this.#sql.exec(
			"INSERT INTO entries (id, seq, kind, amount, balance_after, hold_id, receipt_id, reference, created_at, mirrored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
			entry.id,
			entry.seq,
			entry.kind,
			entry.amount,
			entry.balance_after,
			entry.hold_id,
			entry.receipt_id,
			entry.reference,
			entry.created_at,
		);
		this.#setMeta("seq", String(seq));
		this.#setMeta("balance", String(balance));
		return entry;
	}

	/** Adds funds (`credit`) or corrects them (`adjustment`, either sign, never below zero available). */
	credit(input: {
		key: string;
		amount_cents: number;
		kind?: "credit" | "adjustment";
		reference?: string;
	}): Result<{ entry: Entry; balance_cents: number }> {
		const kind = input.kind ?? "credit";
		return this.#idempotent(input.key, "credit", input, () => {
			if (
				kind === "credit"
					? !isCents(input.amount_cents, false)
					: !Number.isSafeInteger(input.amount_cents) || input.amount_cents === 0
			) {
				return fail(
					"VALIDATION_FAILED",
					"amount_cents must be a positive integer (non-zero for adjustments).",
				);
			}
			if (input.amount_cents < 0 && this.#available() + input.amount_cents < 0) {
				return fail("INSUFFICIENT_FUNDS", "The adjustment is larger than the available balance.", {
					shortfall_cents: -input.amount_cents - this.#available(),
				});
			}
			const entry = this.#append(
				kind,
				input.amount_cents,
				input.reference ? { reference: input.reference } : {},
			);
			return { ok: true, entry, balance_cents: entry.balance_after };
		});
	}

	#placeHold(input: {
		kind: HoldKind;
		amount_cents: number;
		ttl_ms: number;
		service?: string;
		tool?: string;
		quote_id?: string;
	}): Result<{ hold: Hold; available_cents: number }> {
		if (!isCents(input.amount_cents))
			return fail("VALIDATION_FAILED", "amount_cents must be a non-negative integer.");
		const available = this.#available();
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
			amount: input.amount_cents,
			status: "active",
			captured: 0,
			service: input.service ?? null,
			tool: input.tool ?? null,
			quote_id: input.quote_id ?? null,
			created_at: now,
			expires_at: now + Math.min(Math.max(input.ttl_ms, 1_000), 24 * 3600 * 1000),
			resolved_at: null,
		};
		this.#sql.exec(
			"INSERT INTO holds (id, kind, amount, status, captured, service, tool, quote_id, created_at, expires_at, resolved_at) VALUES (?, ?, ?, 'active', 0, ?, ?, ?, ?, ?, NULL)",
			hold.id,
			hold.kind,
			hold.amount,
			hold.service,
			hold.tool,
			hold.quote_id,
			hold.created_at,
			hold.expires_at,
		);
		return { ok: true, hold, available_cents: available - hold.amount };
	}

	/** Reserves funds; 402 with the shortfall when available < amount. Expires (released) by alarm. */
	hold(input: {
		key: string;
		kind: HoldKind;
		amount_cents: number;
		ttl_ms: number;
		service?: string;
		tool?: string;
	}): Result<{ hold: Hold; available_cents: number }> {
		return this.#idempotent(input.key, "hold", input, () => this.#placeHold(input));
	}

	#resolvable(holdId: string): Hold {
		const hold = this.#hold(holdId);
		if (!hold) throw new Abort(fail("NOT_FOUND", `No hold ${holdId}.`));
		if (hold.status !== "active" && hold.status !== "unknown") {
			throw new Abort(fail("CONFLICT", `Hold ${holdId} is already ${hold.status}.`, { status: hold.status }));
		}
		return hold;
	}

	#captureHold(hold: Hold, amount: number, fields: { receipt_id?: string; reference?: string }): Entry {
		this.#sql.exec(
			"UPDATE holds SET status = 'captured', captured = ?, resolved_at = ? WHERE id = ?",
			amount,
			Date.now(),
			hold.id,
		);
		return this.#append(hold.kind, -amount, { hold_id: hold.id, ...fields });
	}

	/** Takes up to the held amount; the remainder is released with the hold. Resolves a hold at most once. */
	capture(input: {
		key: string;
		hold_id: string;
		amount_cents: number;
	}): Result<{ entry: Entry; balance_cents: number }> {
		return this.#idempotent(input.key, "capture", input, () => {
			const hold = this.#resolvable(input.hold_id);
			if (!isCents(input.amount_cents) || input.amount_cents > hold.amount) {
				return fail(
					"VALIDATION_FAILED",
					`amount_cents must be an integer from 0 to the held ${hold.amount}.`,
				);
			}
			const entry = this.#captureHold(hold, input.amount_cents, {});
			return { ok: true, entry, balance_cents: entry.balance_after };
		});
	}

	/** Frees a hold without charging. */
	release(input: {
		key: string;
		hold_id: string;
		reason?: string;
	}): Result<{ hold_id: string; available_cents: number }> {
		return this.#idempotent(input.key, "release", input, () => {
			const hold = this.#resolvable(input.hold_id);
			this.#sql.exec(
				"UPDATE holds SET status = 'released', resolved_at = ? WHERE id = ?",
				Date.now(),
				hold.id,
			);
			return { ok: true, hold_id: hold.id, available_cents: this.#available() };
		});
	}

	/** The upstream outcome is unknown (timeout): keep the funds reserved for reconciliation, never guess. */
	markUnknown(input: { key: string; hold_id: string }): Result<{ hold_id: string }> {
		return this.#idempotent(input.key, "unknown", input, () => {
			const hold = this.#resolvable(input.hold_id);
			this.#sql.exec("UPDATE holds SET status = 'unknown' WHERE id = ?", hold.id);
			return { ok: true, hold_id: hold.id };
		});
	}

	/** Gives back up to what a receipt captured, less what was refunded already. */
	refund(input: { key: string; receipt_id: string; amount_cents?: number; reference?: string }): Result<{
		entry: Entry;
		receipt: Receipt;
		balance_cents: number;
	}> {
		return this.#idempotent(input.key, "refund", input, () => {
			const receipt = this.#receiptRow("id", input.receipt_id);
			if (!receipt) return fail("NOT_FOUND", `No receipt ${input.receipt_id} on this account.`);
			const refundable = receipt.amount_cents - receipt.refunded_cents;
			const amount = input.amount_cents ?? refundable;
			if (!isCents(amount, false) || amount > refundable) {
				return fail("VALIDATION_FAILED", `A refund must be 1 to ${refundable}¢ (captured less refunded).`, {
					refundable_cents: refundable,
				});
			}
			this.#sql.exec("UPDATE receipts SET refunded = refunded + ? WHERE id = ?", amount, receipt.id);
			const entry = this.#append("refund", amount, {
				receipt_id: receipt.id,
				reference: input.reference ?? `refund of ${receipt.id}`,
			});
			return {
				ok: true,
				entry,
				receipt: { ...receipt, refunded_cents: receipt.refunded_cents + amount },
				balance_cents: entry.balance_after,
			};
		});
	}

	// ── paid calls and rate limits ───────────────────────────────────────────────────────────────

	/**
	 * GCRA: `per_minute` sustained with up to `burst` at once, per bucket (a provider). Pure bookkeeping, no money.
	 * Returns how long to wait when over.
	 */
	#rateLimit(bucket: string, perMinute: number, burst: number, now: number): number {
		const interval = 60_000 / Math.max(1, perMinute);
		const tolerance = interval * Math.max(0, burst - 1);
		const row = this.#sql.exec<{ tat: number }>("SELECT tat FROM rate WHERE bucket = ?", bucket).toArray()[0];
		const tat = Math.max(row?.tat ?? now, now);
		const next = tat + interval;
		if (next - now > tolerance + interval) return Math.ceil((next - now - tolerance - interval) / 1000) || 1;
		this.#sql.exec(
			"INSERT INTO rate (bucket, tat) VALUES (?, ?) ON CONFLICT(bucket) DO UPDATE SET tat = excluded.tat",
			bucket,
			next,
		);
		return 0;
	}

	/**
	 * Before a tool call: the provider's rate limit for this credential, then the usage fee held (0 holds nothing).
	 * The fee is captured by {@link endCall} on success and released otherwise.
	 */
	beginCall(input: {
		service: string;
		tool: string;
		fee_cents: number;
		per_minute: number;
		burst: number;
	}): Result<{ hold_id: string | null }> {
		const now = Date.now();
		try {
			return this.ctx.storage.transactionSync(() => {
				const wait = this.#rateLimit(`svc:${input.service}`, input.per_minute, input.burst, now);
				if (wait > 0) {
					return fail("RATE_LIMITED", `Too many calls to ${input.service}; retry in ${wait} s.`, {
						retry_after_seconds: wait,
					});
				}
				if (input.fee_cents <= 0) return { ok: true, hold_id: null };
				if (this.#controls().frozen) return this.#frozen();
				const held = this.#placeHold({
					kind: "usage",
					amount_cents: input.fee_cents,
					ttl_ms: 10 * 60_000,
					service: input.service,
					tool: input.tool,
				});
				if (!held.ok) throw new Abort(held);
				return { ok: true, hold_id: held.hold.id };
			});
		} catch (error) {
			if (error instanceof Abort) return error.failure;
			throw error;
		} finally {
			this.#wake();
		}
	}

	/** After a tool call: capture the usage fee on success, release it otherwise. */
	endCall(input: { hold_id: string; success: boolean }): Result<{ charged_cents: number }> {
		return this.#idempotent(`call:${input.hold_id}`, "endCall", input, () => {
			const hold = this.#resolvable(input.hold_id);
			if (!input.success) {
				this.#sql.exec(
					"UPDATE holds SET status = 'released', resolved_at = ? WHERE id = ?",
					Date.now(),
					hold.id,
				);
				return { ok: true, charged_cents: 0 };
			}
			this.#captureHold(hold, hold.amount, { reference: `${hold.service}.${hold.tool}` });
			return { ok: true, charged_cents: hold.amount };
		});
	}

	// ── controls ─────────────────────────────────────────────────────────────────────────────────

	getControls(): Controls {
		return this.#controls();
	}

	setControls(controls: Controls): Controls {
		const parsed = ControlsSchema.parse(controls);
		this.#setMeta("controls", JSON.stringify(parsed));
		return parsed;
	}

	#frozen(): Failure {
		return fail("BUDGET_EXCEEDED", "This account is frozen by its owner: nothing can be bought.", {
			limit: "frozen",
		});
	}

	#spentSince(since: number): number {
		const captured = this.#sql
			.exec<{ total: number | null }>(
				"SELECT SUM(captured) AS total FROM holds WHERE kind = 'purchase' AND status = 'captured' AND resolved_at >= ?",
				since,
			)
			.one().total;
		const pending = this.#sql
			.exec<{ total: number | null }>(
				"SELECT SUM(amount) AS total FROM holds WHERE kind = 'purchase' AND status IN ('active', 'unknown')",
			)
			.one().total;
		return (captured ?? 0) + (pending ?? 0);
	}

	/** Owner's limits for one purchase of `amount` from `service`; a failure names the limit. */
	#checkControls(service: string, amount: number, now: number): Failure | null {
		const controls = this.#controls();
		if (controls.frozen) return this.#frozen();
		if (controls.merchant_deny.includes(service)) {
			return fail("BUDGET_EXCEEDED", `The owner does not allow purchases from ${service}.`, {
				limit: "merchant_deny",
			});
		}
		if (controls.merchant_allow.length > 0 && !controls.merchant_allow.includes(service)) {
			return fail("BUDGET_EXCEEDED", `${service} is not on the owner's list of allowed merchants.`, {
				limit: "merchant_allow",
			});
		}
		if (controls.per_purchase_cap_cents !== null && amount > controls.per_purchase_cap_cents) {
			return fail(
				"BUDGET_EXCEEDED",
				`${amount}¢ is above the owner's per-purchase cap of ${controls.per_purchase_cap_cents}¢.`,
				{ limit: "per_purchase_cap", cap_cents: controls.per_purchase_cap_cents },
			);
		}
		if (controls.daily_cap_cents !== null) {
			const spent = this.#spentSince(utcDayStart(now));
			if (spent + amount > controls.daily_cap_cents) {
				return fail(
					"BUDGET_EXCEEDED",
					`This would bring today's purchases to ${spent + amount}¢, above the owner's daily cap of ${controls.daily_cap_cents}¢.`,
					{ limit: "daily_cap", cap_cents: controls.daily_cap_cents, spent_today_cents: spent },
				);
			}
		}
		return null;
	}

	// ── quotes and purchases ─────────────────────────────────────────────────────────────────────

	/** Records a signed quote (the gateway computed the amount with the merchant's precheck). */
	saveQuote(quote: Omit<StoredQuote, "status" | "created_at" | "requires_confirmation">): StoredQuote {
		const requiresConfirmation = quote.amount > this.#controls().auto_approve_threshold_cents;
		const stored: StoredQuote = {
			...quote,
			requires_confirmation: requiresConfirmation,
			status: "open",
			created_at: Date.now(),
		};
		this.#sql.exec(
			"INSERT INTO quotes (id, service, tool, params_hash, amount, requires_confirmation, status, expires_at, created_at, precheck, signature) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
			stored.id,
			stored.service,
			stored.tool,
			stored.params_hash,
			stored.amount,
			requiresConfirmation ? 1 : 0,
			stored.expires_at,
			stored.created_at,
			stored.precheck,
			stored.signature,
		);
		return stored;
	}

	quote(id: string): StoredQuote | null {
		const row = this.#sql
			.exec<Omit<StoredQuote, "requires_confirmation"> & { requires_confirmation: number }>(
				"SELECT * FROM quotes WHERE id = ?",
				id,
			)
			.toArray()[0];
		if (!row) return null;
		return { ...row, requires_confirmation: row.requires_confirmation === 1 };
	}

	/** The owner's answer to a quote above the auto-approve threshold. */
	decideQuote(input: {
		quote_id: string;
		decision: "confirmed" | "declined";
	}): Result<{ quote: StoredQuote }> {
		const quote = this.quote(input.quote_id);
		if (!quote) return fail("NOT_FOUND", `No quote ${input.quote_id} on this account.`);
		if (quote.status !== "open" && quote.status !== input.decision) {
			return fail("CONFLICT", `This quote was already ${quote.status}.`);
		}
		if (Date.now() >= quote.expires_at)
			return fail("QUOTE_EXPIRED", "This quote has expired; ask for a new one.");
		this.#sql.exec("UPDATE quotes SET status = ? WHERE id = ?", input.decision, quote.id);
		return { ok: true, quote: { ...quote, status: input.decision } };
	}

	/**
	 * Before the merchant is asked to sell: an existing receipt for the quote is returned (a retry never buys twice),
	 * a hold in flight is a conflict, an unknown outcome is resumed with the same hold (and so the same merchant
	 * idempotency key); otherwise the owner's controls are checked and the quoted amount is held.
	 */
	beginPurchase(input: {
		quote_id: string;
		params_hash: string;
		service: string;
		tool: string;
	}): Result<PurchaseStart> {
		const now = Date.now();
		try {
			return this.ctx.storage.transactionSync((): Result<PurchaseStart> => {
				const receipt = this.#receiptRow("quote_id", input.quote_id);
				if (receipt) return { ok: true, state: "done", receipt, hold: null };
				const quote = this.quote(input.quote_id);
				if (!quote || quote.service !== input.service || quote.tool !== input.tool) {
					return fail("NOT_FOUND", "No such quote for this tool on this account. Ask for a quote first.");
				}
				if (quote.params_hash !== input.params_hash) {
					return fail("CONFLICT", "The parameters differ from the ones quoted. Ask for a new quote.");
				}
				const existing = this.#sql
					.exec<Hold>("SELECT * FROM holds WHERE quote_id = ? AND status IN ('active', 'unknown')", quote.id)
					.toArray()[0];
				if (existing?.status === "active") {
					return fail("CONFLICT", "This purchase is already in progress. Retry in a moment.", {
						retry_after_seconds: 2,
					});
				}
				if (existing) {
					// A fresh expiry: the old one may have passed while the outcome was unknown, and the alarm would
					// release the hold while the merchant is being asked again (it would sell, we would not capture).
					const expiresAt = now + PURCHASE_HOLD_TTL_MS;
					this.#sql.exec(
						"UPDATE holds SET status = 'active', expires_at = ? WHERE id = ?",
						expiresAt,
						existing.id,
					);
					return {
						ok: true,
						state: "resume",
						receipt: null,
						hold: { ...existing, status: "active", expires_at: expiresAt },
					};
				}
				if (now >= quote.expires_at)
					return fail("QUOTE_EXPIRED", "This quote has expired; ask for a new one.");
				if (quote.status === "declined") return fail("FORBIDDEN", "The owner declined this purchase.");
				const limit = this.#checkControls(quote.service, quote.amount, now);
				if (limit) return limit;
				if (quote.requires_confirmation && quote.status !== "confirmed") {
					return fail(
						"CONFIRMATION_REQUIRED",
						`${quote.amount}¢ is above the owner's auto-approve threshold: the owner must confirm this quote first.`,
						{ quote_id: quote.id, amount_cents: quote.amount },
					);
				}
				const held = this.#placeHold({
					kind: "purchase",
					amount_cents: quote.amount,
					ttl_ms: PURCHASE_HOLD_TTL_MS,
					service: quote.service,
					tool: quote.tool,
					quote_id: quote.id,
				});
				if (!held.ok) return held;
				return { ok: true, state: "held", receipt: null, hold: held.hold };
			});
		} finally {
			this.#wake();
		}
	}

	/**
	 * The merchant sold: capture what it charged, never more than the hold (more is flagged for review), and write
	 * the receipt. Replays return the same receipt.
	 */
	completePurchase(input: {
		hold_id: string;
		amount_cents: number;
		transaction_id: string;
	}): Result<{ receipt: Receipt; balance_cents: number }> {
		const existing = this.#receiptRow("hold_id", input.hold_id);
		if (existing) return { ok: true, receipt: existing, balance_cents: this.#balance() };
		return this.#idempotent(`purchase:${input.hold_id}`, "completePurchase", input, () => {
			const hold = this.#resolvable(input.hold_id);
			if (!hold.quote_id || !hold.service || !hold.tool) return fail("CONFLICT", "Not a purchase hold.");
			if (!isCents(input.amount_cents))
				return fail("VALIDATION_FAILED", "The merchant's amount is not valid cents.");
			const amount = Math.min(input.amount_cents, hold.amount);
			const receiptId = randomId("rcpt_");
			const entry = this.#captureHold(hold, amount, {
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
				held_cents: hold.amount,
				transaction_id: input.transaction_id,
				flagged: input.amount_cents > hold.amount,
				refunded_cents: 0,
				balance_after_cents: entry.balance_after,
				created_at: entry.created_at,
			};
			this.#sql.exec(
				"INSERT INTO receipts (id, quote_id, hold_id, service, tool, amount, held, transaction_id, flagged, refunded, balance_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
				receipt.id,
				receipt.quote_id,
				receipt.hold_id,
				receipt.service,
				receipt.tool,
				receipt.amount_cents,
				receipt.held_cents,
				receipt.transaction_id,
				receipt.flagged ? 1 : 0,
				receipt.balance_after_cents,
				receipt.created_at,
			);
			if (receipt.flagged) {
				log("warn", "purchase above hold", {
					credential: this.#credentialId,
					receipt: receipt.id,
					charged_cents: input.amount_cents,
					held_cents: hold.amount,
				});
			}
			return { ok: true, receipt, balance_cents: entry.balance_after };
		});
	}

	// ── alarm: hold expiry, outbox, housekeeping ────────────────────────────────────────────────

	/** Makes sure the alarm runs soon (outbox) or at the next hold expiry. */
	#wake(): void {
		// Runs after every write: whether anything waits, not how much (a long D1 outage makes that count large).
		const pending = this.#sql
			.exec<{ n: number }>("SELECT EXISTS (SELECT 1 FROM entries WHERE mirrored = 0) AS n")
			.one().n;
		const nextExpiry = this.#sql
			.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM holds WHERE status = 'active'")
			.one().at;
		const backoff =
			this.#drainFailures > 0 ? Math.min(250 * 2 ** this.#drainFailures, MAX_DRAIN_BACKOFF_MS) : 0;
		const at = Math.min(
			pending > 0 ? Date.now() + backoff : Number.POSITIVE_INFINITY,
			nextExpiry ?? Number.POSITIVE_INFINITY,
		);
		if (!Number.isFinite(at)) return;
		// Fire-and-forget is safe: the output gate holds our response until the alarm write is durable.
		void this.ctx.storage.getAlarm().then((current) => {
			if (current === null || current > at) return this.ctx.storage.setAlarm(at);
		});
	}

	override async alarm(): Promise<void> {
		const now = Date.now();
		this.ctx.storage.transactionSync(() => {
			this.#sql.exec(
				"UPDATE holds SET status = 'released', resolved_at = ? WHERE status = 'active' AND expires_at <= ?",
				now,
				now,
			);
			this.#sql.exec("DELETE FROM idempotency WHERE created_at < ?", now - IDEMPOTENCY_TTL_MS);
		});
		await this.flush();
		this.#wake();
	}

	/** Mirrors unmirrored entries (and their receipts) into D1, oldest first; returns how many remain. */
	async flush(): Promise<{ remaining: number }> {
		for (;;) {
			const batch = this.#sql
				.exec<Entry>(
					"SELECT id, seq, kind, amount, balance_after, hold_id, receipt_id, reference, created_at FROM entries WHERE mirrored = 0 ORDER BY seq LIMIT ?",
					DRAIN_BATCH,
				)
				.toArray();
			if (batch.length === 0) {
				this.#drainFailures = 0;
				return { remaining: 0 };
			}
			const receipts = batch
				.map((e) =>
					e.receipt_id && e.kind === "purchase" ? this.#receiptRow("id", e.receipt_id) : undefined,
				)
				.filter((r): r is Receipt => r !== undefined);
			try {
				await mirrorEntries(this.env.DB, this.#credentialId, batch, receipts);
			} catch (error) {
				this.#drainFailures++;
				log("warn", "ledger mirror failed; will retry", { credential: this.#credentialId, error });
				const remaining = this.#sql
					.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE mirrored = 0")
					.one().n;
				return { remaining };
			}
			this.#drainFailures = 0;
			const ids = batch.map((e) => e.id);
			this.#sql.exec(`UPDATE entries SET mirrored = 1 WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
		}
	}
}
