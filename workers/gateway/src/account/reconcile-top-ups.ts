import { log } from "@penumbra/core/log";
import type Stripe from "stripe";
import { stripeClient, topUpOptions } from "../stripe.ts";

/** A paid Checkout Session of ours with no `top_up` entry in the ledger: the webhook never credited it. */
export interface MissingCredit {
	session: string;
	top_up_id: string;
	credential_id: string;
	amount_cents: number;
	created_at: number;
}

/** A Stripe refund of a top-up whose ledger entries do not net to it (or a ledger refund Stripe does not have). */
export interface UnmatchedRefund {
	refund_id: string;
	stripe_refund: string | null;
	stripe_cents: number;
	ledger_cents: number;
}

export interface TopUpReconcile {
	configured: boolean;
	since: string;
	until: string;
	/** Paid Checkout Sessions of Penumbra's top-ups made in the period, at Stripe. */
	stripe_paid_count: number;
	stripe_paid_cents: number;
	/** The `top_up` entries of those sessions in the D1 ledger. */
	ledger_credited_cents: number;
	missing_credits: MissingCredit[];
	/** Refunds of top-ups made in the period, at Stripe, and the `top_up_refund` entries that net to them. */
	stripe_refunded_cents: number;
	ledger_refunded_cents: number;
	unmatched_refunds: UnmatchedRefund[];
	ok: boolean;
}

const REFUND_REFERENCE = /^top-up refund (tur_[A-Za-z0-9]+)/;

/**
 * Stripe's side of top-ups for a period against the D1 ledger (run after every account flushed its outbox): every
 * paid session of ours must have its `top_up` entry (`reference` = the session id), every refund its
 * `top_up_refund` entries netting to the refunded amount. Entries refunded but pending at Stripe show up as
 * unmatched until the refund is finished.
 */
export async function reconcileTopUps(
	env: GatewayEnv,
	period: { since: number; until: number },
): Promise<TopUpReconcile> {
	const empty: TopUpReconcile = {
		configured: false,
		since: new Date(period.since).toISOString(),
		until: new Date(period.until).toISOString(),
		stripe_paid_count: 0,
		stripe_paid_cents: 0,
		ledger_credited_cents: 0,
		missing_credits: [],
		stripe_refunded_cents: 0,
		ledger_refunded_cents: 0,
		unmatched_refunds: [],
		ok: true,
	};
	if (!topUpOptions(env).configured) return empty;
	const stripe = stripeClient(env);
	const created = { gte: Math.floor(period.since / 1000), lte: Math.floor(period.until / 1000) };

	const paid: Stripe.Checkout.Session[] = [];
	for await (const session of stripe.checkout.sessions.list({ created, limit: 100 })) {
		if (session.metadata?.top_up_id && session.metadata.credential_id && session.payment_status === "paid")
			paid.push(session);
	}
	const credited = new Map<string, number>();
	for (let i = 0; i < paid.length; i += 50) {
		const ids = paid.slice(i, i + 50).map((s) => s.id);
		const { results } = await env.DB.prepare(
			`SELECT reference, SUM(amount_cents) AS total FROM ledger_entries WHERE kind = 'top_up' AND reference IN (${ids.map(() => "?").join(", ")}) GROUP BY reference`,
		)
			.bind(...ids)
			.all<{ reference: string; total: number }>();
		for (const row of results) credited.set(row.reference, row.total);
	}
	const missing: MissingCredit[] = [];
	let stripePaid = 0;
	let ledgerCredited = 0;
	for (const session of paid) {
		const amount = session.amount_total ?? 0;
		stripePaid += amount;
		const entry = credited.get(session.id);
		if (entry === undefined) {
			missing.push({
				session: session.id,
				top_up_id: session.metadata?.top_up_id ?? "",
				credential_id: session.metadata?.credential_id ?? "",
				amount_cents: amount,
				created_at: session.created * 1000,
			});
		} else ledgerCredited += entry;
	}

	const refunds: Stripe.Refund[] = [];
	for await (const refund of stripe.refunds.list({ created, limit: 100 })) {
		if (refund.metadata?.penumbra_refund_id && refund.status !== "failed" && refund.status !== "canceled")
			refunds.push(refund);
	}
	// The entries of Stripe's refunds, by the refund id in their reference (wherever the period's edge put them).
	const ledgerByRefund = new Map<string, number>();
	const add = (rows: { reference: string | null; amount_cents: number }[]) => {
		for (const row of rows) {
			const id = REFUND_REFERENCE.exec(row.reference ?? "")?.[1];
			if (id) ledgerByRefund.set(id, (ledgerByRefund.get(id) ?? 0) - row.amount_cents);
		}
	};
	const stripeIds = refunds.map((r) => r.metadata?.penumbra_refund_id ?? "");
	for (let i = 0; i < stripeIds.length; i += 40) {
		const ids = stripeIds.slice(i, i + 40);
		const { results } = await env.DB.prepare(
			`SELECT reference, amount_cents FROM ledger_entries WHERE kind = 'top_up_refund' AND (${ids.map(() => "reference = ? OR reference = ?").join(" OR ")})`,
		)
			.bind(...ids.flatMap((id) => [`top-up refund ${id}`, `top-up refund ${id} refused by Stripe`]))
			.all<{ reference: string | null; amount_cents: number }>();
		add(results);
	}
	const unmatched: UnmatchedRefund[] = [];
	let stripeRefunded = 0;
	let ledgerRefunded = 0;
	for (const refund of refunds) {
		const id = refund.metadata?.penumbra_refund_id ?? "";
		stripeRefunded += refund.amount;
		const ledger = ledgerByRefund.get(id) ?? 0;
		ledgerRefunded += ledger;
		if (ledger !== refund.amount)
			unmatched.push({
				refund_id: id,
				stripe_refund: refund.id,
				stripe_cents: refund.amount,
				ledger_cents: ledger,
			});
	}
	// Refunds the ledger took in the period that Stripe has none of: pending (Stripe not reached yet) or lost. Net 0
	// means Stripe refused and the amount was put back.
	const { results: inPeriod } = await env.DB.prepare(
		"SELECT reference, amount_cents FROM ledger_entries WHERE kind = 'top_up_refund' AND created_at >= ? AND created_at <= ?",
	)
		.bind(period.since, period.until)
		.all<{ reference: string | null; amount_cents: number }>();
	const ledgerOnly = new Map<string, number>();
	for (const row of inPeriod) {
		const id = REFUND_REFERENCE.exec(row.reference ?? "")?.[1];
		if (id && !stripeIds.includes(id)) ledgerOnly.set(id, (ledgerOnly.get(id) ?? 0) - row.amount_cents);
	}
	for (const [id, ledger] of ledgerOnly) {
		if (ledger === 0) continue;
		ledgerRefunded += ledger;
		unmatched.push({ refund_id: id, stripe_refund: null, stripe_cents: 0, ledger_cents: ledger });
	}
	const result: TopUpReconcile = {
		...empty,
		configured: true,
		stripe_paid_count: paid.length,
		stripe_paid_cents: stripePaid,
		ledger_credited_cents: ledgerCredited,
		missing_credits: missing,
		stripe_refunded_cents: stripeRefunded,
		ledger_refunded_cents: ledgerRefunded,
		unmatched_refunds: unmatched,
		ok: missing.length === 0 && unmatched.length === 0,
	};
	if (!result.ok) {
		log("error", "top-up reconciliation mismatches", {
			missing_credits: missing.length,
			unmatched_refunds: unmatched.length,
		});
	}
	return result;
}
