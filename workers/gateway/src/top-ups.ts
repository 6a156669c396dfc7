import { TOP_UP_WEBHOOK_EVENTS, type TopUp, type TopUpRefund, unwrap } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { log } from "@penumbra/core/log";
import Stripe from "stripe";
import { accountOf } from "./account/client.ts";
import { credentialOfTopUp, STRIPE_CURRENCY } from "./account/top-ups.ts";
import { dollars, stripeClient, stripeFailure, topUpOptions, WEBHOOK_TOLERANCE_SECONDS } from "./stripe.ts";

/**
 * Top-ups, the gateway's half (docs/money.md "Top-ups"): the Stripe calls, in between the Account Durable Object's
 * transactions. Money only moves in the DO: a paid Checkout Session is credited there once, keyed by its id.
 */

/** The webhook events acted on; every other type is acknowledged and ignored. */
const HANDLED_EVENTS: readonly string[] = TOP_UP_WEBHOOK_EVENTS;

/** Largest webhook body read: Checkout Session events are a few kilobytes. */
const MAX_WEBHOOK_BYTES = 512 * 1024;

function productName(env: GatewayEnv): string {
	const site = env.WEB_URL ? new URL(env.WEB_URL).host : "";
	return site ? `Penumbra balance (${site})` : "Penumbra balance";
}

/**
 * Starts a top-up for the owner: checks the bounds, records a pending top-up in the account (the same
 * `Idempotency-Key` answers with the same one), then makes its Checkout Session at Stripe with an idempotency key
 * derived from the top-up, so a retry never makes a second session.
 */
export async function startTopUp(
	env: GatewayEnv,
	credentialId: string,
	amountCents: number,
	idempotencyKey?: string,
): Promise<TopUp> {
	const options = topUpOptions(env);
	const stripe = stripeClient(env);
	if (
		!Number.isSafeInteger(amountCents) ||
		amountCents < options.min_cents ||
		amountCents > options.max_cents
	) {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: `A top-up must be from ${options.min_cents} to ${options.max_cents} cents (${dollars(options.min_cents)} to ${dollars(options.max_cents)}).`,
			extras: {
				min_cents: options.min_cents,
				max_cents: options.max_cents,
				errors: [
					{
						pointer: "/body/amount_cents",
						message: `must be from ${options.min_cents} to ${options.max_cents}`,
						expected: `integer ${options.min_cents}..${options.max_cents}`,
					},
				],
			},
		});
	}
	const account = accountOf(env, credentialId);
	const { top_up } = unwrap(
		await account.startTopUp({
			amount_cents: amountCents,
			...(idempotencyKey ? { key: idempotencyKey } : {}),
		}),
	);
	// A replay of a top-up whose session exists, or one that is over: answer with it as it is.
	if (top_up.status !== "pending" || top_up.checkout_url) return top_up;
	const page = `${env.WEB_URL.replace(/\/+$/, "")}/account/top-up/${top_up.id}`;
	const metadata = { credential_id: credentialId, top_up_id: top_up.id };
	let session: Stripe.Checkout.Session;
	try {
		session = await stripe.checkout.sessions.create(
			{
				mode: "payment",
				line_items: [
					{
						price_data: {
							currency: STRIPE_CURRENCY,
							unit_amount: amountCents,
							product_data: { name: productName(env) },
						},
						quantity: 1,
					},
				],
				metadata,
				payment_intent_data: { metadata },
				client_reference_id: top_up.id,
				success_url: `${page}?status=success`,
				cancel_url: `${page}?status=cancelled`,
			},
			{ idempotencyKey: `penumbra-top-up-${top_up.id}` },
		);
	} catch (error) {
		throw stripeFailure(error, "start the Checkout Session");
	}
	if (!session.url) {
		throw new PenumbraError("UPSTREAM_ERROR", { detail: "Stripe made a Checkout Session without a URL." });
	}
	return unwrap(
		await account.attachCheckout({ top_up_id: top_up.id, session_id: session.id, url: session.url }),
	).top_up;
}

export interface WebhookOutcome {
	received: true;
	event: string;
	type: string;
	/** What was done: `credited`, `already_credited`, `awaiting_payment`, `expired`, `ignored`, `refused`. */
	outcome: string;
	top_up_id?: string;
}

/** Reads the card of a paid session (brand and last four) and its PaymentIntent id; missing pieces stay absent. */
async function paymentDetails(
	stripe: Stripe,
	session: Stripe.Checkout.Session,
): Promise<{ payment_intent?: string; card_brand?: string; card_last4?: string }> {
	const intentId =
		typeof session.payment_intent === "string" ? session.payment_intent : session.payment_intent?.id;
	try {
		const full = await stripe.checkout.sessions.retrieve(session.id, {
			expand: ["payment_intent.latest_charge"],
		});
		const intent = typeof full.payment_intent === "object" ? full.payment_intent : null;
		const charge = intent && typeof intent.latest_charge === "object" ? intent.latest_charge : null;
		const card = charge?.payment_method_details?.card;
		const id = intent?.id ?? intentId;
		return {
			...(id ? { payment_intent: id } : {}),
			...(card?.brand ? { card_brand: card.brand } : {}),
			...(card?.last4 ? { card_last4: card.last4 } : {}),
		};
	} catch (error) {
		// The card is a nicety: the credit does not wait for it.
		log("warn", "stripe: could not read the card of a paid session", { session: session.id, error });
		return intentId ? { payment_intent: intentId } : {};
	}
}

/**
 * `POST /v1/webhooks/stripe`: verifies the signature over the raw body (tolerance 300 s), then applies the event.
 * Throws `VALIDATION_FAILED` (400) for anything unsigned, forged, stale or changed; a failure to reach the account
 * throws too (5xx, Stripe delivers again). Everything else answers 2xx, applied once however often it arrives.
 */
export async function handleStripeWebhook(env: GatewayEnv, request: Request): Promise<WebhookOutcome> {
	const stripe = stripeClient(env);
	const signature = request.headers.get("stripe-signature");
	if (!signature) {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: "A Stripe webhook needs its Stripe-Signature header.",
		});
	}
	const declared = Number(request.headers.get("content-length") ?? "0");
	if (declared > MAX_WEBHOOK_BYTES) {
		throw new PenumbraError("PAYLOAD_TOO_LARGE", {
			detail: "This webhook body is larger than any Checkout event.",
		});
	}
	const body = await request.text();
	if (body.length > MAX_WEBHOOK_BYTES) {
		throw new PenumbraError("PAYLOAD_TOO_LARGE", {
			detail: "This webhook body is larger than any Checkout event.",
		});
	}
	let event: Stripe.Event;
	try {
		event = await stripe.webhooks.constructEventAsync(
			body,
			signature,
			env.STRIPE_WEBHOOK_SECRET,
			WEBHOOK_TOLERANCE_SECONDS,
			Stripe.createSubtleCryptoProvider(),
		);
	} catch (error) {
		log("warn", "stripe webhook refused: signature", {
			reason: error instanceof Error ? error.message.slice(0, 200) : "unknown",
		});
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: `The Stripe-Signature does not match this body with this endpoint's secret, or it is older than ${WEBHOOK_TOLERANCE_SECONDS} s.`,
		});
	}
	const base = { received: true as const, event: event.id, type: event.type };
	if (!HANDLED_EVENTS.includes(event.type)) return { ...base, outcome: "ignored" };
	const session = event.data.object as Stripe.Checkout.Session;
	const topUpId = session.metadata?.top_up_id;
	const credentialId = session.metadata?.credential_id;
	if (!topUpId || !credentialId || credentialOfTopUp(topUpId) !== credentialId) {
		// Another integration's session on the same Stripe account, or metadata that does not hold together.
		if (topUpId || credentialId)
			log("warn", "stripe webhook: session metadata does not name a top-up", { session: session.id });
		return { ...base, outcome: "ignored" };
	}
	const account = accountOf(env, credentialId);
	const outcome = { ...base, top_up_id: topUpId };
	if (event.type === "checkout.session.expired" || event.type === "checkout.session.async_payment_failed") {
		const closed = await account.expireTopUp({ top_up_id: topUpId, session_id: session.id });
		if (!closed.ok) {
			log("error", "stripe webhook: could not close a top-up", {
				session: session.id,
				top_up: topUpId,
				code: closed.code,
			});
			return { ...outcome, outcome: "refused" };
		}
		return { ...outcome, outcome: closed.top_up.status === "expired" ? "expired" : closed.top_up.status };
	}
	// completed (paid now, or a delayed method still to clear) or async_payment_succeeded.
	if (session.payment_status !== "paid") return { ...outcome, outcome: "awaiting_payment" };
	if (session.amount_total === null) {
		log("error", "stripe webhook: paid session without amount_total", {
			session: session.id,
			top_up: topUpId,
		});
		return { ...outcome, outcome: "refused" };
	}
	const details = await paymentDetails(stripe, session);
	const credited = await account.creditTopUp({
		top_up_id: topUpId,
		session_id: session.id,
		amount_cents: session.amount_total,
		currency: session.currency ?? "",
		...details,
	});
	if (!credited.ok) {
		// Delivering it again cannot change the answer: a person looks (docs/money.md, "Top-ups").
		log("error", "stripe webhook: paid session not credited, needs review", {
			session: session.id,
			top_up: topUpId,
			credential: credentialId,
			code: credited.code,
			detail: credited.detail,
		});
		return { ...outcome, outcome: "refused" };
	}
	return {
		...outcome,
		outcome: credited.entry && !("replayed" in credited) ? "credited" : "already_credited",
	};
}

/** The Stripe refund made for one of our refund records, if there is one (by its metadata). */
async function findStripeRefund(
	stripe: Stripe,
	paymentIntent: string,
	refundId: string,
): Promise<string | null> {
	try {
		for await (const refund of stripe.refunds.list({ payment_intent: paymentIntent, limit: 100 })) {
			if (
				refund.metadata?.penumbra_refund_id === refundId &&
				refund.status !== "failed" &&
				refund.status !== "canceled"
			)
				return refund.id;
		}
		return null;
	} catch (error) {
		throw stripeFailure(error, "look up the refund");
	}
}

/**
 * An operator's refund of a top-up: taken off the balance first in the account (at most what is available, never
 * an overdraft), then given back to the card at Stripe with an idempotency key derived from the refund. Stripe
 * refusing for good puts the amount back; Stripe unreachable leaves the refund pending for the same command again.
 */
export async function refundTopUp(
	env: GatewayEnv,
	topUpId: string,
	input: { amount_cents?: number; reference?: string },
): Promise<TopUpRefund & { replayed?: true }> {
	const credentialId = credentialOfTopUp(topUpId);
	if (!credentialId) throw new PenumbraError("NOT_FOUND", { detail: `No top-up ${topUpId}.` });
	const stripe = stripeClient(env);
	const account = accountOf(env, credentialId);
	const reference = input.reference ?? `auto:${input.amount_cents ?? "rest"}`;
	const started = unwrap(
		await account.startTopUpRefund({
			key: `top-up-refund:${topUpId}:${reference}`,
			top_up_id: topUpId,
			...(input.amount_cents !== undefined ? { amount_cents: input.amount_cents } : {}),
		}),
	);
	const replayed = "replayed" in started ? ({ replayed: true } as const) : {};
	const current = await account.topUpRefund(started.refund.id);
	if (!current) throw new PenumbraError("INTERNAL", { detail: "The refund record is missing." });
	if (current.status === "failed") {
		throw new PenumbraError("CONFLICT", {
			detail: `Stripe refused this refund (${current.failure ?? "no reason given"}); its amount was put back on the balance. Pass another reference to try again.`,
			extras: { refund_id: current.id },
		});
	}
	let stripeRefund = current.stripe_refund;
	if (current.status === "pending" && "replayed" in started) {
		// A retry: the first attempt may have refunded at Stripe and lost the answer, longer ago than Stripe keeps
		// idempotency keys (24 h). Look for it before asking again, so it is never refunded twice nor put back.
		stripeRefund = await findStripeRefund(stripe, started.payment_intent, current.id);
		if (stripeRefund)
			unwrap(await account.topUpRefundSucceeded({ refund_id: current.id, stripe_refund: stripeRefund }));
	}
	if (current.status === "pending" && !stripeRefund) {
		try {
			const refund = await stripe.refunds.create(
				{
					payment_intent: started.payment_intent,
					amount: current.amount_cents,
					metadata: { credential_id: credentialId, top_up_id: topUpId, penumbra_refund_id: current.id },
				},
				{ idempotencyKey: `penumbra-refund-${current.id}` },
			);
			stripeRefund = refund.id;
		} catch (error) {
			if (error instanceof Stripe.errors.StripeInvalidRequestError) {
				unwrap(await account.topUpRefundRefused({ refund_id: current.id, reason: error.message }));
				throw new PenumbraError("UPSTREAM_ERROR", {
					detail: `Stripe refused the refund: ${error.message}. The ${current.amount_cents}¢ taken off the balance were put back.`,
					extras: { refund_id: current.id, stripe_code: error.code ?? null },
				});
			}
			const failure = stripeFailure(error, "make the refund");
			throw new PenumbraError("UPSTREAM_ERROR", {
				detail: `${failure.detail} The ${current.amount_cents}¢ are off the balance and the refund is pending: run the same refund again to finish it.`,
				extras: { refund_id: current.id, pending: true },
			});
		}
		unwrap(await account.topUpRefundSucceeded({ refund_id: current.id, stripe_refund: stripeRefund }));
	}
	const topUp = await account.topUp(topUpId);
	if (!topUp) throw new PenumbraError("NOT_FOUND", { detail: `No top-up ${topUpId}.` });
	if (!stripeRefund) throw new PenumbraError("INTERNAL", { detail: "The refund has no Stripe refund id." });
	return {
		top_up: topUp,
		entry: { ...started.entry, top_up_id: topUpId, stripe_refund: stripeRefund },
		stripe_refund: stripeRefund,
		balance_cents: started.balance_cents,
		...replayed,
	};
}
