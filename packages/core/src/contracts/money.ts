import { z } from "zod";

/**
 * Money as it crosses a boundary: the Account Durable Object's answers, the gateway's REST API, the MCP and chat
 * Workers, the site. Every amount is integer cents and its name ends in `_cents`.
 */

const cents = z.number().int();
/** Milliseconds since the epoch, as the Account DO stores times. */
const epochMs = z.number().int();

/**
 * `top_up`: money the owner paid by card (Stripe Checkout), credited once per Checkout Session; `top_up_refund`:
 * an operator gave (part of) a top-up back to the card, never more than was still available.
 */
export const ENTRY_KINDS = [
	"credit",
	"usage",
	"purchase",
	"refund",
	"adjustment",
	"top_up",
	"top_up_refund",
] as const;
export const EntryKindSchema = z.enum(ENTRY_KINDS);
export type EntryKind = z.infer<typeof EntryKindSchema>;

/** One line of the ledger; a balance is the sum of its entries. */
export const LedgerEntrySchema = z.object({
	id: z.string(),
	seq: z.number().int(),
	kind: EntryKindSchema,
	amount_cents: cents.describe("Negative when money leaves the balance."),
	balance_after_cents: cents,
	hold_id: z.string().nullable(),
	receipt_id: z.string().nullable(),
	reference: z.string().nullable(),
	created_at: epochMs,
	top_up_id: z.string().optional().describe("`top_up` and `top_up_refund` entries: the top-up (`tu_…`)."),
	stripe_checkout_session: z
		.string()
		.optional()
		.describe("`top_up`: the Stripe Checkout Session paid (`cs_…`)."),
	stripe_payment_intent: z
		.string()
		.optional()
		.describe("`top_up`: the Stripe PaymentIntent (`pi_…`), when known."),
	stripe_refund: z.string().optional().describe("`top_up_refund`: the Stripe refund (`re_…`) once issued."),
	card_brand: z
		.string()
		.optional()
		.describe("`top_up`: the card's brand (`visa`, …) when Stripe provides it."),
	card_last4: z
		.string()
		.optional()
		.describe("`top_up`: the card's last four digits when Stripe provides them."),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const HOLD_KINDS = ["usage", "purchase"] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];
/**
 * `active`: funds reserved, nothing sent yet (usage fees); `in_flight`: a purchase's merchant call is under way (or
 * its caller died: the Account DO's alarm takes it over at the call's deadline); `unknown`: the merchant's answer did
 * not say whether it sold, and the DO resolves it by alarm; `captured` / `released`: final (docs/money.md).
 */
export const HOLD_STATUSES = ["active", "in_flight", "captured", "released", "unknown"] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** Funds reserved for a paid call or a purchase until its outcome is known. */
export const HoldSchema = z.object({
	id: z.string(),
	kind: z.enum(HOLD_KINDS),
	amount_cents: cents,
	status: z.enum(HOLD_STATUSES),
	captured_cents: cents,
	service: z.string().nullable(),
	tool: z.string().nullable(),
	quote_id: z.string().nullable(),
	created_at: epochMs,
	expires_at: epochMs,
	resolved_at: epochMs.nullable(),
});
export type Hold = z.infer<typeof HoldSchema>;

/** Proof of a purchase: what the merchant charged, what was held, and the balance after. */
export const ReceiptSchema = z.object({
	id: z.string(),
	quote_id: z.string(),
	hold_id: z.string(),
	service: z.string(),
	tool: z.string(),
	amount_cents: cents,
	held_cents: cents,
	transaction_id: z.string(),
	flagged: z.boolean().describe("The merchant asked for more than was held; only the hold was charged."),
	refunded_cents: cents,
	balance_after_cents: cents,
	created_at: epochMs,
});
export type Receipt = z.infer<typeof ReceiptSchema>;

/** A priced purchase, bound to its service, tool, parameters and amount; the id is what buys it. */
export const QuoteSchema = z.object({
	quote_id: z.string(),
	service: z.string(),
	tool: z.string(),
	merchant: z.string(),
	amount_cents: cents,
	currency: z.literal("USD"),
	expires_at: z.string().describe("ISO 8601"),
	requires_confirmation: z.boolean(),
	details: z.unknown().describe("What the merchant's precheck said (line items, fees)."),
});
export type Quote = z.infer<typeof QuoteSchema>;

export const QUOTE_STATUSES = ["open", "confirmed", "declined"] as const;
export type QuoteStatusValue = (typeof QUOTE_STATUSES)[number];

/** A quote and the owner's decision on it. */
export const QuoteStatusSchema = z.object({
	quote_id: z.string(),
	service: z.string(),
	tool: z.string(),
	amount_cents: cents,
	status: z.enum(QUOTE_STATUSES),
	requires_confirmation: z.boolean(),
	expires_at: z.string().describe("ISO 8601"),
});
export type QuoteStatus = z.infer<typeof QuoteStatusSchema>;

const serviceSlug = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, "a service id");

/** Spend controls, set by the account's owner (never by a model). */
export const SpendControlsSchema = z.object({
	per_purchase_cap_cents: cents.min(0).nullable().default(null),
	daily_cap_cents: cents.min(0).nullable().default(null),
	auto_approve_threshold_cents: cents
		.min(0)
		.default(2500)
		.describe("Purchases above this need the owner's confirmation of the quote."),
	merchant_allow: z
		.array(serviceSlug)
		.max(500)
		.default([])
		.describe("If not empty, only these services may be bought from."),
	merchant_deny: z.array(serviceSlug).max(500).default([]),
	frozen: z.boolean().default(false).describe("Kill switch: no purchase or paid call while set."),
});
export type SpendControls = z.output<typeof SpendControlsSchema>;

export const DEFAULT_CONTROLS: SpendControls = SpendControlsSchema.parse({});

/** A purchase whose merchant may have sold but whose outcome is not settled yet: its amount stays held. */
export const PendingPurchaseSchema = z.object({
	hold_id: z.string(),
	quote_id: z.string(),
	service: z.string(),
	tool: z.string(),
	amount_cents: cents.describe("Held until the outcome is known; then captured (receipt) or released."),
	status: z.enum(["in_flight", "unknown"]),
	since: epochMs.describe("When the merchant was first asked."),
	calls: z
		.number()
		.int()
		.describe("How many times the merchant was asked (the purchase, then lookups or repeats)."),
	next_check_at: epochMs
		.nullable()
		.describe("When the account asks the merchant again; null when it no longer asks on its own."),
	next: z.string().describe("What happens next, in words."),
});
export type PendingPurchase = z.infer<typeof PendingPurchaseSchema>;

/** Balance, availability, open holds and controls: what `GET /v1/account` answers. */
export const AccountSummarySchema = z.object({
	balance_cents: cents,
	available_cents: cents,
	spent_today_cents: cents,
	holds: z.array(HoldSchema),
	pending_purchases: z
		.array(PendingPurchaseSchema)
		.describe("Purchases still being resolved with the merchant (docs/money.md)."),
	controls: SpendControlsSchema,
});
export type AccountSummary = z.infer<typeof AccountSummarySchema>;

/** One page of the statement, newest first, with the receipts its entries point at. */
export const StatementSchema = z.object({
	entries: z.array(LedgerEntrySchema),
	receipts: z.array(ReceiptSchema),
	next_cursor: z.string().nullable(),
});
export type Statement = z.infer<typeof StatementSchema>;

/** `POST /v1/services/{id}/tools/{tool}`: the upstream's answer, and for a purchase its receipt. */
export const ToolCallResultSchema = z.object({
	service: z.string(),
	tool: z.string(),
	result: z.unknown(),
	upstream: z
		.object({ status: z.number().int(), duration_ms: z.number(), attempts: z.number().int() })
		.optional(),
	fee_cents: cents.optional(),
	receipt: ReceiptSchema.optional(),
	replayed: z.boolean().optional(),
});
export type ToolCallResult = z.infer<typeof ToolCallResultSchema>;

// ── top-ups: the owner adds money by card (Stripe Checkout; docs/money.md "Top-ups") ─────────────────

/**
 * `pending`: a Checkout Session is open (or being made); `credited`: paid and on the balance (once); `expired`: the
 * session expired or its delayed payment failed, nothing was credited; `refunded`: an operator gave all of it back.
 * A partly refunded top-up stays `credited` with `refunded_cents` above 0.
 */
export const TOP_UP_STATUSES = ["pending", "credited", "expired", "refunded"] as const;
export const TopUpStatusSchema = z.enum(TOP_UP_STATUSES);
export type TopUpStatus = z.infer<typeof TopUpStatusSchema>;

/** One top-up: what `POST /v1/account/top-ups` answers (201) and `GET /v1/account/top-ups/{id}` shows. */
export const TopUpSchema = z.object({
	id: z.string().describe("`tu_…`"),
	amount_cents: cents.describe("What the owner asked to add (and Stripe charged)."),
	currency: z.literal("USD"),
	status: TopUpStatusSchema,
	checkout_url: z
		.string()
		.optional()
		.describe("Stripe's hosted Checkout page: send the owner there. Only while `pending`."),
	created_at: epochMs,
	credited_at: epochMs.optional(),
	card_brand: z.string().optional(),
	card_last4: z.string().optional(),
	refunded_cents: cents.optional().describe("What an operator gave back to the card so far (absent: none)."),
});
export type TopUp = z.infer<typeof TopUpSchema>;

/** `POST /v1/account/top-ups` body; the bounds are the operator's (`GET /v1/account/top-ups/options`). */
export const TopUpRequestSchema = z.object({
	amount_cents: cents.describe(
		"Integer cents within the operator's bounds (GET /v1/account/top-ups/options).",
	),
});
export type TopUpRequest = z.infer<typeof TopUpRequestSchema>;

/** `GET /v1/account/top-ups/options`: whether top-up works here, and the amounts the site offers. */
export const TopUpOptionsSchema = z.object({
	configured: z
		.boolean()
		.describe("false: the operator has not set the Stripe keys; starting a top-up answers 503."),
	min_cents: cents,
	max_cents: cents,
	presets_cents: z.array(cents),
	currency: z.literal("USD"),
});
export type TopUpOptions = z.infer<typeof TopUpOptionsSchema>;

/**
 * The Stripe webhook events the gateway acts on (`POST /v1/webhooks/stripe`); every other type is acknowledged and
 * ignored. An operator registers the endpoint for these (`npm run deploy` prints them).
 */
export const TOP_UP_WEBHOOK_EVENTS = [
	"checkout.session.completed",
	"checkout.session.async_payment_succeeded",
	"checkout.session.async_payment_failed",
	"checkout.session.expired",
] as const;

/** `POST /v1/admin/top-ups/{id}/refund` (`penumbra refund-top-up`): what went back to the card. */
export const TopUpRefundSchema = z.object({
	top_up: TopUpSchema,
	entry: LedgerEntrySchema,
	stripe_refund: z.string().describe("The Stripe refund (`re_…`)."),
	balance_cents: cents,
});
export type TopUpRefund = z.infer<typeof TopUpRefundSchema>;
