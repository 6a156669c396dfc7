import { DurableObject } from "cloudflare:workers";
import {
	type AccountSummary,
	fail,
	type Hold,
	type HoldKind,
	type LedgerEntry,
	type Receipt,
	type Result,
	type SpendControls,
	SpendControlsSchema,
	type TopUp,
} from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { metricsOf } from "@penumbra/core/metrics";
import { Abort, Book, isCents, type StoredQuote, utcDayStart } from "./book.ts";
import { checkControls } from "./controls.ts";
import { mirrorEntries } from "./ledger.ts";
import { type PurchaseAnswer, PurchaseDesk, type PurchaseInput } from "./purchase-flow.ts";
import { finishPurchase, type PurchaseStart, startPurchase } from "./purchases.ts";
import { RateLimits } from "./rate-limit.ts";
import { Revocations } from "./revocations.ts";
import { prepareStorage } from "./schema.ts";
import {
	type TopUpPayment,
	type TopUpRefundRow,
	type TopUpRefundStart,
	TopUps,
	topUpIdFor,
} from "./top-ups.ts";

export type { StoredQuote } from "./book.ts";
export type { PurchaseAnswer, PurchaseInput } from "./purchase-flow.ts";
export type { PurchaseStart } from "./purchases.ts";

const IDEMPOTENCY_TTL_MS = 48 * 3600 * 1000;
const USAGE_HOLD_TTL_MS = 10 * 60_000;
const DRAIN_BATCH = 100;
const MAX_DRAIN_BACKOFF_MS = 60_000;
/**
 * How long a new entry waits before the alarm mirrors it to D1 (the DO is the source of truth; D1 is for reports and
 * export): the entries of a second go in one drain, and a paid call's answer is not followed at once by a drain on
 * the thread its caller's next call needs.
 */
const MIRROR_DELAY_MS = 1_000;
/** A test-only fault (docs/money.md, "Testing the faults"): never read in production. */
const TEST_FAULT_KEY = "test:fault";

/**
 * One credential's money, and the only place it changes (docs/money.md). Every method that moves money is one
 * synchronous SQLite transaction (no await inside), keyed by an idempotency key: the same key with the same
 * arguments returns the first result, with other arguments it is a conflict. balance = Σ entries, always;
 * available = balance − active, in_flight and unknown holds; neither is ever negative.
 */
export class AccountDO extends DurableObject<GatewayEnv> {
	readonly #book: Book;
	readonly #desk: PurchaseDesk;
	readonly #topUps: TopUps;
	readonly #revocations: Revocations;
	/** Per-provider rate limits of this credential, in memory (`rate-limit.ts`). */
	readonly #rates = new RateLimits();
	#drainFailures = 0;
	/** Failed tries in a row to bring D1's `purchase_watch` row in step ({@link #syncWatch}). */
	#watchFailures = 0;
	/**
	 * When the alarm is set for, as far as this instance knows: null when none is, undefined until read (a new
	 * instance, or after an alarm run failed and the runtime keeps it for its retry). Only {@link #wake} sets the
	 * alarm and the object runs one event at a time, so after one read this needs no storage call per write.
	 */
	#alarmAt: number | null | undefined;

	constructor(ctx: DurableObjectState, env: GatewayEnv) {
		super(ctx, env);
		prepareStorage(ctx.storage);
		this.#book = new Book(ctx.storage.sql);
		this.#topUps = new TopUps(ctx.storage.sql, this.#book);
		this.#revocations = new Revocations(ctx.storage.sql);
		this.#desk = new PurchaseDesk({
			book: this.#book,
			env,
			metrics: metricsOf(env, ctx),
			credentialId: () => this.#credentialId,
			transaction: (fn) => this.#transaction(fn),
			injectFault: (point) => this.#injectFault(point),
		});
		// An alarm wakes the object without its name (ctx.id.name is undefined then), and the alarm is what drains
		// the outbox into D1 under that name: keep it from the first call that had it.
		if (ctx.id.name && this.#book.meta("credential") !== ctx.id.name)
			this.#book.setMeta("credential", ctx.id.name);
	}

	get #credentialId(): string {
		const name = this.ctx.id.name ?? this.#book.meta("credential");
		if (!name) throw new Error("AccountDO must be addressed by credential id (getByName)");
		return name;
	}

	// ── reads ────────────────────────────────────────────────────────────────────────────────────

	/** A round trip that touches no storage: the baseline the money benchmark compares hold + capture with. */
	ping(): number {
		return Date.now();
	}

	/** Balance, availability, holds and controls: what the owner's account page shows. */
	summary(): AccountSummary {
		return {
			balance_cents: this.#book.balance(),
			available_cents: this.#book.available(),
			holds: this.#book.openHolds(),
			pending_purchases: this.#desk.pending(),
			controls: this.#book.controls(),
			spent_today_cents: this.#book.spentSince(utcDayStart(Date.now())),
		};
	}

	/** Entries newest first, `limit` at a time; `before` is the seq to continue from. */
	statement(options: { limit: number; before?: number }): {
		entries: LedgerEntry[];
		receipts: Receipt[];
		next_before: number | null;
	} {
		const limit = Math.min(Math.max(1, Math.trunc(options.limit)), 200);
		const entries = this.#book.entriesBefore(options.before ?? Number.MAX_SAFE_INTEGER, limit);
		const page = this.#topUps.decorate(entries.slice(0, limit));
		const receipts = page
			.map((e) => (e.receipt_id ? this.#book.receipt("id", e.receipt_id) : undefined))
			.filter((r): r is Receipt => r !== undefined);
		return {
			entries: page,
			receipts,
			next_before: entries.length > limit ? (page.at(-1)?.seq ?? null) : null,
		};
	}

	receipt(id: string): Receipt | null {
		return this.#book.receipt("id", id) ?? null;
	}

	/** For invariant checks and reconciliation: the stored balance and the sum of entries, which must agree. */
	audit(): { balance_cents: number; entries_sum_cents: number; reserved_cents: number; unmirrored: number } {
		return this.#book.audit();
	}

	// ── the write path ───────────────────────────────────────────────────────────────────────────

	/** Runs `fn` in one transaction; an {@link Abort} rolls it back and answers with its failure. */
	#transaction<T extends object>(fn: () => Result<T>): Result<T> {
		try {
			return this.ctx.storage.transactionSync(fn);
		} catch (error) {
			if (error instanceof Abort) return error.failure;
			throw error;
		} finally {
			this.#wake();
		}
	}

	/**
	 * Runs `fn` in one transaction under an idempotency key. A replay with the same op and arguments returns the
	 * stored result; the same key for anything else is a conflict. Failures are not stored, so a retry re-decides.
	 */
	#idempotent<T extends object>(key: string, op: string, args: unknown, fn: () => Result<T>): Result<T> {
		if (typeof key !== "string" || key.length < 8 || key.length > 200) {
			return fail("VALIDATION_FAILED", "An idempotency key of 8 to 200 characters is required.");
		}
		const argsJson = JSON.stringify(args);
		const sql = this.ctx.storage.sql;
		return this.#transaction(() => {
			const previous = sql
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
			sql.exec(
				"INSERT INTO idempotency (key, op, args, result, created_at) VALUES (?, ?, ?, ?, ?)",
				key,
				op,
				argsJson,
				JSON.stringify(result),
				Date.now(),
			);
			return result;
		});
	}

	/** Adds funds (`credit`) or corrects them (`adjustment`, either sign, never below zero available). */
	credit(input: {
		key: string;
		amount_cents: number;
		kind?: "credit" | "adjustment";
		reference?: string;
	}): Result<{ entry: LedgerEntry; balance_cents: number }> {
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
			const available = this.#book.available();
			if (input.amount_cents < 0 && available + input.amount_cents < 0) {
				return fail("INSUFFICIENT_FUNDS", "The adjustment is larger than the available balance.", {
					shortfall_cents: -input.amount_cents - available,
				});
			}
			const entry = this.#book.append(
				kind,
				input.amount_cents,
				input.reference ? { reference: input.reference } : {},
			);
			return { ok: true, entry, balance_cents: entry.balance_after_cents };
		});
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
		return this.#idempotent(input.key, "hold", input, () => this.#book.placeHold(input));
	}

	/** Takes up to the held amount; the remainder is released with the hold. Resolves a hold at most once. */
	capture(input: {
		key: string;
		hold_id: string;
		amount_cents: number;
	}): Result<{ entry: LedgerEntry; balance_cents: number }> {
		return this.#idempotent(input.key, "capture", input, () => {
			const hold = this.#book.resolvable(input.hold_id);
			if (!isCents(input.amount_cents) || input.amount_cents > hold.amount_cents) {
				return fail(
					"VALIDATION_FAILED",
					`amount_cents must be an integer from 0 to the held ${hold.amount_cents}.`,
				);
			}
			const entry = this.#book.captureHold(hold, input.amount_cents, {});
			return { ok: true, entry, balance_cents: entry.balance_after_cents };
		});
	}

	/** Frees a hold without charging. */
	release(input: {
		key: string;
		hold_id: string;
		reason?: string;
	}): Result<{ hold_id: string; available_cents: number }> {
		return this.#idempotent(input.key, "release", input, () => {
			const hold = this.#book.resolvable(input.hold_id);
			this.#book.releaseHold(hold.id);
			return { ok: true, hold_id: hold.id, available_cents: this.#book.available() };
		});
	}

	/** The upstream outcome is unknown (timeout): keep the funds reserved for reconciliation, never guess. */
	markUnknown(input: { key: string; hold_id: string }): Result<{ hold_id: string }> {
		return this.#idempotent(input.key, "unknown", input, () => {
			const hold = this.#book.resolvable(input.hold_id);
			this.#book.markHoldUnknown(hold.id);
			return { ok: true, hold_id: hold.id };
		});
	}

	/** Gives back up to what a receipt captured, less what was refunded already. */
	refund(input: { key: string; receipt_id: string; amount_cents?: number; reference?: string }): Result<{
		entry: LedgerEntry;
		receipt: Receipt;
		balance_cents: number;
	}> {
		return this.#idempotent(input.key, "refund", input, () => {
			const receipt = this.#book.receipt("id", input.receipt_id);
			if (!receipt) return fail("NOT_FOUND", `No receipt ${input.receipt_id} on this account.`);
			const refundable = receipt.amount_cents - receipt.refunded_cents;
			const amount = input.amount_cents ?? refundable;
			if (!isCents(amount, false) || amount > refundable) {
				return fail("VALIDATION_FAILED", `A refund must be 1 to ${refundable}¢ (captured less refunded).`, {
					refundable_cents: refundable,
				});
			}
			this.#book.addRefunded(receipt.id, amount);
			const entry = this.#book.append("refund", amount, {
				receipt_id: receipt.id,
				reference: input.reference ?? `refund of ${receipt.id}`,
			});
			return {
				ok: true,
				entry,
				receipt: { ...receipt, refunded_cents: receipt.refunded_cents + amount },
				balance_cents: entry.balance_after_cents,
			};
		});
	}

	// ── top-ups (Stripe Checkout; the Stripe calls are the gateway's, see workers/gateway/src/top-ups.ts) ──────

	topUp(id: string): TopUp | null {
		return this.#topUps.get(id) ?? null;
	}

	topUpRefund(id: string): TopUpRefundRow | null {
		return this.#topUps.refund(id) ?? null;
	}

	/** A new pending top-up; with a key, the same key answers with the same top-up (the owner's Idempotency-Key). */
	startTopUp(input: { key?: string; amount_cents: number }): Result<{ top_up: TopUp }> {
		const start = () => this.#topUps.start(topUpIdFor(this.#credentialId), input.amount_cents, Date.now());
		if (input.key === undefined) return this.#transaction(start);
		const started = this.#idempotent(`top-up:${input.key}`, "startTopUp", input, start);
		// A replay answers with the top-up as it is now (its Checkout Session attached since), not as it was made.
		if (!started.ok || !("replayed" in started)) return started;
		const now = this.#topUps.get(started.top_up.id);
		return now ? { ...started, top_up: now } : started;
	}

	attachCheckout(input: { top_up_id: string; session_id: string; url: string }): Result<{ top_up: TopUp }> {
		return this.#transaction(() => this.#topUps.attach(input));
	}

	/**
	 * Credits a paid Checkout Session exactly once: the idempotency key is the session id, and a top-up credited
	 * already (after the 48-hour record is swept) answers with itself and no entry.
	 */
	creditTopUp(
		input: TopUpPayment,
	): Result<{ top_up: TopUp; entry: LedgerEntry | null; balance_cents: number }> {
		const { top_up_id, session_id, amount_cents, currency } = input;
		return this.#idempotent(
			`stripe:${session_id}`,
			"creditTopUp",
			{ top_up_id, session_id, amount_cents, currency },
			() => this.#topUps.credit(input, Date.now()),
		);
	}

	expireTopUp(input: { top_up_id: string; session_id: string }): Result<{ top_up: TopUp }> {
		return this.#transaction(() => this.#topUps.expire(input, Date.now()));
	}

	/** Takes a top-up refund off the balance (never an overdraft) before Stripe is asked; a retry with the key replays. */
	startTopUpRefund(input: {
		key: string;
		top_up_id: string;
		amount_cents?: number;
	}): Result<TopUpRefundStart> {
		return this.#idempotent(input.key, "startTopUpRefund", input, () =>
			this.#topUps.startRefund(input, Date.now()),
		);
	}

	topUpRefundSucceeded(input: {
		refund_id: string;
		stripe_refund: string;
	}): Result<{ refund: TopUpRefundRow }> {
		return this.#transaction(() =>
			this.#topUps.refundSucceeded(input.refund_id, input.stripe_refund, Date.now()),
		);
	}

	/** Stripe refused the refund for good: the amount comes back to the balance. */
	topUpRefundRefused(input: {
		refund_id: string;
		reason: string;
	}): Result<{ refund: TopUpRefundRow; entry: LedgerEntry }> {
		return this.#transaction(() => this.#topUps.refundRefused(input.refund_id, input.reason, Date.now()));
	}

	// ── paid calls and rate limits ───────────────────────────────────────────────────────────────

	/**
	 * Before a tool call, in one round trip: the credential and the caller's key still live (docs/auth.md), the
	 * provider's rate limit for this credential, then the usage fee held (0 holds nothing). The fee is captured by
	 * {@link endCall} on success and released otherwise (or by the alarm when the hold expires unanswered).
	 */
	beginCall(input: {
		key_id?: string;
		service: string;
		tool: string;
		fee_cents: number;
		per_minute: number;
		burst: number;
	}): Result<{ hold_id: string | null }> {
		const now = Date.now();
		const refused = this.#revocations.refusal(input.key_id);
		if (refused) return refused;
		const rate = this.#rates.take(`svc:${input.service}`, input.per_minute, input.burst, now);
		if (!rate.admitted) {
			return fail("RATE_LIMITED", `Too many calls to ${input.service}; retry in ${rate.wait} s.`, {
				retry_after_seconds: rate.wait,
			});
		}
		if (input.fee_cents <= 0) return { ok: true, hold_id: null };
		const held = this.#transaction((): Result<{ hold_id: string }> => {
			const limit = checkControls(this.#book.controls(), input.service, input.fee_cents, () =>
				this.#book.spentSince(utcDayStart(now)),
			);
			if (limit) return limit;
			const hold = this.#book.placeHold({
				kind: "usage",
				amount_cents: input.fee_cents,
				ttl_ms: USAGE_HOLD_TTL_MS,
				service: input.service,
				tool: input.tool,
			});
			if (!hold.ok) throw new Abort(hold);
			return { ok: true, hold_id: hold.hold.id };
		});
		// A call refused by the controls or the balance does not go ahead: it took no rate token.
		if (!held.ok) rate.undo();
		return held;
	}

	/**
	 * After a tool call: capture the usage fee on success, release it otherwise. Idempotent by the hold's own state,
	 * with no idempotency record (one write less on every paid call): asking again for what the hold already did
	 * answers the same with `replayed`; asking for the opposite is CONFLICT. Only a usage hold ends here.
	 */
	endCall(input: { hold_id: string; success: boolean }): Result<{ charged_cents: number }> {
		return this.#transaction(() => {
			const hold = this.#book.hold(input.hold_id);
			if (!hold) return fail("NOT_FOUND", `No hold ${input.hold_id}.`);
			if (hold.kind !== "usage") {
				return fail("CONFLICT", `Hold ${hold.id} is not a usage fee's hold.`, { kind: hold.kind });
			}
			if (hold.status === (input.success ? "captured" : "released")) {
				return { ok: true, charged_cents: hold.captured_cents, replayed: true };
			}
			if (hold.status !== "active") {
				return fail("CONFLICT", `Hold ${hold.id} is already ${hold.status}.`, { status: hold.status });
			}
			if (!input.success) {
				this.#book.releaseHold(hold.id);
				return { ok: true, charged_cents: 0 };
			}
			this.#book.captureHold(hold, hold.amount_cents, { reference: `${hold.service}.${hold.tool}` });
			return { ok: true, charged_cents: hold.amount_cents };
		});
	}

	// ── key liveness (the gateway caches who a key is; this object says whether it still may act) ──────

	/** AUTH_REQUIRED once the credential, or the key `key_id` (when given), is revoked. */
	checkLive(input: { key_id?: string }): Result<{ live: true }> {
		return this.#revocations.refusal(input.key_id) ?? { ok: true, live: true };
	}

	/** Refuses the key from the next request on, on every path (the gateway records it in D1 too). */
	revokeKey(input: { key_id: string }): { revoked: true } {
		this.ctx.storage.transactionSync(() => this.#revocations.revokeKey(input.key_id, Date.now()));
		return { revoked: true };
	}

	/** Refuses every key, session and grant of this credential from the next request on. */
	revokeCredential(): { revoked: true } {
		this.ctx.storage.transactionSync(() => this.#revocations.revokeCredential(Date.now()));
		return { revoked: true };
	}

	// ── spend controls ───────────────────────────────────────────────────────────────────────────

	getControls(): SpendControls {
		return this.#book.controls();
	}

	/** The owner's controls, whole (the gateway lets only the owner call this). */
	setControls(controls: SpendControls): SpendControls {
		const parsed = SpendControlsSchema.parse(controls);
		this.#book.setMeta("controls", JSON.stringify(parsed));
		return parsed;
	}

	/** The kill switch, the one control an agent may set: it only ever stops spending. */
	freeze(): SpendControls {
		return this.setControls({ ...this.#book.controls(), frozen: true });
	}

	// ── quotes and purchases ─────────────────────────────────────────────────────────────────────

	/** Records a signed quote (the gateway computed the amount with the merchant's precheck). */
	saveQuote(quote: Omit<StoredQuote, "status" | "created_at" | "requires_confirmation">): StoredQuote {
		const stored: StoredQuote = {
			...quote,
			requires_confirmation: quote.amount_cents > this.#book.controls().auto_approve_threshold_cents,
			status: "open",
			created_at: Date.now(),
		};
		this.#book.insertQuote(stored);
		return stored;
	}

	quote(id: string): StoredQuote | null {
		return this.#book.quote(id) ?? null;
	}

	/** The owner's answer to a quote above the auto-approve threshold. */
	decideQuote(input: {
		quote_id: string;
		decision: "confirmed" | "declined";
	}): Result<{ quote: StoredQuote }> {
		const quote = this.#book.quote(input.quote_id);
		if (!quote) return fail("NOT_FOUND", `No quote ${input.quote_id} on this account.`);
		if (quote.status !== "open" && quote.status !== input.decision) {
			return fail("CONFLICT", `This quote was already ${quote.status}.`);
		}
		if (Date.now() >= quote.expires_at)
			return fail("QUOTE_EXPIRED", "This quote has expired; ask for a new one.");
		this.#book.setQuoteStatus(quote.id, input.decision);
		return { ok: true, quote: { ...quote, status: input.decision } };
	}

	/**
	 * Buys with a quote, start to finish, in this object rather than in the caller's request (`PurchaseDesk.buy`,
	 * docs/money.md): if the call dies on the way, the alarm takes the purchase over at its deadline.
	 */
	buy(input: PurchaseInput): Promise<Result<PurchaseAnswer>> {
		return this.#desk.buy(input);
	}

	/**
	 * The gateway's purchase in two steps, for tests and benches that play the merchant themselves: hold (and
	 * attempt) as {@link buy} writes them; {@link completePurchase} settles a sale.
	 */
	beginPurchase(input: {
		quote_id: string;
		params_hash: string;
		service: string;
		tool: string;
		parameters?: string;
		call_ms?: number;
	}): Result<PurchaseStart> {
		const now = Date.now();
		return this.#transaction(() =>
			startPurchase(
				this.#book,
				{ ...input, parameters: input.parameters ?? "{}", call_ms: input.call_ms ?? 10_000 },
				now,
			),
		);
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
		const existing = this.#book.receipt("hold_id", input.hold_id);
		if (existing) return { ok: true, receipt: existing, balance_cents: this.#book.balance() };
		return this.#idempotent(`purchase:${input.hold_id}`, "completePurchase", input, () => {
			const finished = finishPurchase(this.#book, this.#credentialId, input);
			if (finished.ok) this.#book.resolveAttempt(input.hold_id, Date.now());
			return finished;
		});
	}

	/** Throws at `point` once if a test asked for it (a Durable Object or request dying there). */
	#injectFault(point: string): void {
		if (this.env.ENVIRONMENT === "production") return;
		if (this.ctx.storage.kv.get<string>(TEST_FAULT_KEY) !== point) return;
		this.ctx.storage.kv.delete(TEST_FAULT_KEY);
		throw new Error(`injected fault: ${point}`);
	}

	// ── alarm: hold expiry, unresolved purchases, outbox, housekeeping ─────────────────────────────

	/** Makes sure the alarm runs soon (outbox), at the next hold expiry, or when a purchase is due to be asked again. */
	#wake(): void {
		const now = Date.now();
		// An alarm already due fires before anything a write can need: nothing to read or set.
		if (typeof this.#alarmAt === "number" && this.#alarmAt <= now) return;
		// Runs after every write: whether anything waits, not how much (a long D1 outage makes that count large).
		const failures = Math.max(this.#drainFailures, this.#watchFailures);
		const wait = failures > 0 ? Math.min(250 * 2 ** failures, MAX_DRAIN_BACKOFF_MS) : MIRROR_DELAY_MS;
		const at = this.#book.nextWake(now + wait);
		if (at === null) return;
		if (this.#alarmAt !== undefined) {
			this.#arm(at);
			return;
		}
		void this.ctx.storage.getAlarm().then((current) => {
			if (this.#alarmAt === undefined) this.#alarmAt = current;
			this.#arm(at);
		});
	}

	/** Sets the alarm to `at` unless it is set earlier already. */
	#arm(at: number): void {
		if (typeof this.#alarmAt === "number" && this.#alarmAt <= at) return;
		this.#alarmAt = at;
		// Fire-and-forget is safe: the output gate holds our response until the alarm write is durable.
		void this.ctx.storage.setAlarm(at);
	}

	override async alarm(): Promise<void> {
		// The runtime counts the running alarm as gone (getAlarm answers null) unless it is set again meanwhile.
		this.#alarmAt = null;
		try {
			const now = Date.now();
			this.ctx.storage.transactionSync(() => this.#book.expire(now, IDEMPOTENCY_TTL_MS));
			await this.#desk.resolveDue(now);
			await this.flush();
		} catch (error) {
			// The runtime retries a failed alarm on its own schedule: read it again before the next write sets one.
			this.#alarmAt = undefined;
			throw error;
		}
		this.#wake();
	}

	/**
	 * Brings this account's row in D1's `purchase_watch` in step with whether a purchase here is in flight or of
	 * unknown outcome: the operators' list asks only the accounts with a row. `meta.watched` is what D1 was last told;
	 * `nextWake` sets the alarm while the two differ, so a failed write (or a purchase that changed meanwhile) is
	 * tried again, and the row never stays missing.
	 */
	async #syncWatch(): Promise<void> {
		const pending = this.#book.hasPendingPurchases();
		if (pending === (this.#book.meta("watched") !== undefined)) return;
		const credentialId = this.#credentialId;
		try {
			this.#injectFault("before-watch");
			if (pending) {
				const since = Date.now();
				await this.env.DB.prepare(
					"INSERT INTO purchase_watch (credential_id, since) VALUES (?, ?) ON CONFLICT (credential_id) DO NOTHING",
				)
					.bind(credentialId, since)
					.run();
				this.#book.setMeta("watched", String(since));
			} else {
				await this.env.DB.prepare("DELETE FROM purchase_watch WHERE credential_id = ?")
					.bind(credentialId)
					.run();
				this.#book.deleteMeta("watched");
			}
			this.#watchFailures = 0;
		} catch (error) {
			this.#watchFailures++;
			log("warn", "purchase watch write failed; will retry", { credential: credentialId, error });
			// Called by reconciliation too, outside the alarm: the retry must not wait for the next write.
			this.#wake();
		}
	}

	/**
	 * Mirrors unmirrored entries (and their receipts) into D1, oldest first, then the purchase watch; returns how many
	 * entries remain. The alarm runs it, and reconciliation for every account (so an account whose purchase was left
	 * pending before `purchase_watch` existed is listed by the next reconcile).
	 */
	async flush(): Promise<{ remaining: number }> {
		const remaining = await this.#drain();
		await this.#syncWatch();
		return { remaining };
	}

	async #drain(): Promise<number> {
		for (;;) {
			const batch = this.#book.unmirrored(DRAIN_BATCH);
			if (batch.length === 0) {
				this.#drainFailures = 0;
				return 0;
			}
			const receipts = batch
				.map((e) =>
					e.receipt_id && e.kind === "purchase" ? this.#book.receipt("id", e.receipt_id) : undefined,
				)
				.filter((r): r is Receipt => r !== undefined);
			try {
				await mirrorEntries(this.env.DB, this.#credentialId, batch, receipts);
			} catch (error) {
				this.#drainFailures++;
				log("warn", "ledger mirror failed; will retry", { credential: this.#credentialId, error });
				return this.#book.audit().unmirrored;
			}
			this.#drainFailures = 0;
			this.#book.markMirrored(batch.map((e) => e.id));
		}
	}
}
