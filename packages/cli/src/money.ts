import { writeFile } from "node:fs/promises";
import { z } from "zod";
import { admin, CONNECTION_HELP, call, callText, connection, connectionOptions } from "./admin-api.ts";
import { type Command, flag, type OptionValues, stringOption } from "./command.ts";
import { err, out, table, usageError } from "./output.ts";

const MAX_LEDGER_ROWS = 50_000;

function cents(raw: string, what: string, allowNegative = false): number {
	const value = /^-?\d{1,15}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
	if (!Number.isSafeInteger(value) || value === 0 || (!allowNegative && value < 0)) {
		throw usageError(
			`${what} must be a${allowNegative ? " non-zero" : " positive"} whole number of cents, got ${JSON.stringify(raw)}`,
		);
	}
	return value;
}

function reference(values: OptionValues, required: boolean): string | undefined {
	const value = stringOption(values, "reference");
	if (value === undefined) {
		if (required) throw usageError("--reference is required: the same reference never credits twice");
		return undefined;
	}
	if (value.trim() === "" || value.length > 200) throw usageError("--reference must be 1 to 200 characters");
	return value;
}

function money(value: number): string {
	const sign = value < 0 ? "-" : "";
	const abs = Math.abs(value);
	return `${sign}$${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")} (${value}¢)`;
}

const entrySchema = z.looseObject({ id: z.string(), amount_cents: z.number(), kind: z.string() });

const creditedSchema = z.looseObject({
	entry: entrySchema,
	balance_cents: z.number(),
	replayed: z.boolean().optional(),
});

const credit: Command = {
	name: "credit",
	summary: "Add funds to a credential (idempotent by reference)",
	help: `Usage: penumbra credit CREDENTIAL CENTS --reference REF [--adjustment] [--json]

Credits CENTS to the credential CREDENTIAL (an id like cred_…, see \`penumbra keys list\`). The reference makes
it safe to retry: the same reference with the same amount is applied once; with another amount it is refused.

Options:
  --reference REF      your reference for this payment (invoice, transfer id), 1 to 200 characters
  --adjustment         book a correction instead of a credit; CENTS may then be negative, written after --
                       (penumbra credit cred_x --adjustment --reference fix-1 -- -250); never below the available funds
${CONNECTION_HELP}`,
	options: { ...connectionOptions, reference: { type: "string" }, adjustment: { type: "boolean" } },
	positionals: { names: ["CREDENTIAL", "CENTS"], min: 2 },
	async run(values, positionals) {
		const [credential = "", rawCents = ""] = positionals;
		if (!/^cred_[A-Za-z0-9]{1,64}$/.test(credential)) {
			throw usageError(
				`${JSON.stringify(credential)} is not a credential id (cred_…; see \`penumbra keys list\`)`,
			);
		}
		const adjustment = flag(values, "adjustment");
		const amount = cents(rawCents, "CENTS", adjustment);
		const ref = reference(values, true);
		const conn = await connection(values);
		return admin(async () => {
			const { data, raw } = await call(
				conn,
				"POST",
				`/v1/admin/credentials/${encodeURIComponent(credential)}/credit`,
				creditedSchema,
				{ amount_cents: amount, reference: ref, kind: adjustment ? "adjustment" : "credit" },
			);
			if (flag(values, "json")) {
				out(JSON.stringify(raw, null, 2));
				return;
			}
			const verb = adjustment ? "adjusted" : "credited";
			out(
				data.replayed
					? `already ${verb}: reference ${JSON.stringify(ref)} was applied before (entry ${data.entry.id}); nothing changed`
					: `${verb} ${money(amount)} to ${credential} (entry ${data.entry.id})`,
			);
			out(`balance: ${money(data.balance_cents)}`);
		});
	},
};

const refundedSchema = z.looseObject({
	entry: entrySchema,
	receipt: z.looseObject({ id: z.string(), amount_cents: z.number(), refunded_cents: z.number() }),
	balance_cents: z.number(),
	replayed: z.boolean().optional(),
});

const refund: Command = {
	name: "refund",
	summary: "Refund a purchase receipt, in full or in part",
	help: `Usage: penumbra refund RECEIPT [--cents N] [--reference REF] [--json]

Gives back what the receipt RECEIPT (rcpt_…) captured, or N cents of it; never more than was captured less
what was refunded before. The money returns to the balance of the credential that bought.

Options:
  --cents N            refund only N cents (default: everything not yet refunded)
  --reference REF      your reference (support ticket); makes a retry safe: the same reference refunds once
${CONNECTION_HELP}`,
	options: { ...connectionOptions, cents: { type: "string" }, reference: { type: "string" } },
	positionals: { names: ["RECEIPT"], min: 1 },
	async run(values, positionals) {
		const receipt = positionals[0] ?? "";
		if (!/^rcpt_[A-Za-z0-9]{10,40}$/.test(receipt)) {
			throw usageError(`${JSON.stringify(receipt)} is not a receipt id (rcpt_…)`);
		}
		const rawCents = stringOption(values, "cents");
		const amount = rawCents === undefined ? undefined : cents(rawCents, "--cents");
		const ref = reference(values, false);
		const conn = await connection(values);
		return admin(async () => {
			const { data, raw } = await call(
				conn,
				"POST",
				`/v1/admin/receipts/${encodeURIComponent(receipt)}/refund`,
				refundedSchema,
				{ ...(amount === undefined ? {} : { amount_cents: amount }), ...(ref ? { reference: ref } : {}) },
			);
			if (flag(values, "json")) {
				out(JSON.stringify(raw, null, 2));
				return;
			}
			const r = data.receipt;
			out(
				data.replayed
					? `already refunded: reference ${JSON.stringify(ref)} was applied before (entry ${data.entry.id}); nothing changed`
					: `refunded ${money(data.entry.amount_cents)} of ${r.id} (entry ${data.entry.id})`,
			);
			out(`receipt: ${money(r.refunded_cents)} refunded of ${money(r.amount_cents)} captured`);
			out(`balance: ${money(data.balance_cents)}`);
		});
	},
};

const topUpRefundedSchema = z.looseObject({
	entry: entrySchema,
	top_up: z.looseObject({
		id: z.string(),
		amount_cents: z.number(),
		status: z.string(),
		refunded_cents: z.number().optional(),
	}),
	stripe_refund: z.string(),
	balance_cents: z.number(),
	replayed: z.boolean().optional(),
});

const refundTopUp: Command = {
	name: "refund-top-up",
	summary: "Give (part of) a card top-up back to the card, never more than is still available",
	help: `Usage: penumbra refund-top-up TOP_UP [--amount-cents N] [--reference REF] [--json]

Takes N cents (default: all of the top-up that is not refunded yet and still available) off the balance of the
account that paid TOP_UP (tu_…) and refunds them to the card through Stripe. Money already spent or held stays
spent: the refund is refused with what is available. If Stripe cannot be reached, the amount stays off the
balance and the refund is pending: run the same command again to finish it.

Options:
  --amount-cents N     refund only N cents
  --reference REF      your reference (support ticket); makes a retry safe: the same reference refunds once
${CONNECTION_HELP}`,
	options: { ...connectionOptions, "amount-cents": { type: "string" }, reference: { type: "string" } },
	positionals: { names: ["TOP_UP"], min: 1 },
	async run(values, positionals) {
		const topUp = positionals[0] ?? "";
		if (!/^tu_[A-Za-z0-9]{20,60}$/.test(topUp)) {
			throw usageError(`${JSON.stringify(topUp)} is not a top-up id (tu_…)`);
		}
		const rawCents = stringOption(values, "amount-cents");
		const amount = rawCents === undefined ? undefined : cents(rawCents, "--amount-cents");
		const ref = reference(values, false);
		if (ref !== undefined && ref.length > 150) throw usageError("--reference must be 1 to 150 characters");
		const conn = await connection(values);
		return admin(async () => {
			const { data, raw } = await call(
				conn,
				"POST",
				`/v1/admin/top-ups/${encodeURIComponent(topUp)}/refund`,
				topUpRefundedSchema,
				{ ...(amount === undefined ? {} : { amount_cents: amount }), ...(ref ? { reference: ref } : {}) },
			);
			if (flag(values, "json")) {
				out(JSON.stringify(raw, null, 2));
				return;
			}
			const t = data.top_up;
			out(
				data.replayed
					? `already refunded: this refund was made before (entry ${data.entry.id}, Stripe ${data.stripe_refund}); nothing changed`
					: `refunded ${money(-data.entry.amount_cents)} of ${t.id} to the card (entry ${data.entry.id}, Stripe ${data.stripe_refund})`,
			);
			out(`top-up: ${money(t.refunded_cents ?? 0)} refunded of ${money(t.amount_cents)} (${t.status})`);
			out(`balance: ${money(data.balance_cents)}`);
		});
	},
};

const ledgerSchema = z.looseObject({ entries: z.array(z.record(z.string(), z.unknown())) });

const ledgerExport: Command = {
	name: "ledger export",
	summary: "Export every ledger entry from the D1 mirror (CSV or JSON)",
	help: `Usage: penumbra ledger export [--since ISO] [--format csv|json] [--limit N] [--out FILE]

Writes every credential's ledger entries, oldest first, as the gateway's D1 mirror holds them.

Options:
  --since ISO          only entries from this time on (ISO 8601 with a zone, e.g. 2026-11-01T00:00:00Z)
  --format FORMAT      csv (default) or json
  --limit N            at most N entries (default 10000, at most ${MAX_LEDGER_ROWS}); a warning says when more exist
  --out FILE           write to FILE instead of standard output
${CONNECTION_HELP.split("\n").slice(0, 2).join("\n")}`,
	options: {
		url: connectionOptions.url,
		"admin-token": connectionOptions["admin-token"],
		since: { type: "string" },
		format: { type: "string" },
		limit: { type: "string" },
		out: { type: "string" },
	},
	async run(values) {
		const format = stringOption(values, "format") ?? "csv";
		if (format !== "csv" && format !== "json") throw usageError("--format must be csv or json");
		const since = stringOption(values, "since");
		if (since !== undefined && !z.iso.datetime({ offset: true }).safeParse(since).success) {
			throw usageError(
				`--since ${JSON.stringify(since)} is not an ISO 8601 time with a zone (e.g. 2026-11-01T00:00:00Z)`,
			);
		}
		const rawLimit = stringOption(values, "limit");
		const limit = rawLimit === undefined ? 10_000 : Number(rawLimit);
		if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LEDGER_ROWS) {
			throw usageError(`--limit must be a whole number from 1 to ${MAX_LEDGER_ROWS}`);
		}
		const file = stringOption(values, "out");
		const conn = await connection(values);
		const query = new URLSearchParams({ format, limit: String(limit), ...(since ? { since } : {}) });
		return admin(async () => {
			let text: string;
			let rows: number;
			if (format === "csv") {
				text = await callText(conn, `/v1/admin/ledger?${query}`, "text/csv");
				rows = Math.max(0, text.split("\n").filter((line) => line !== "").length - 1);
			} else {
				const { data, raw } = await call(conn, "GET", `/v1/admin/ledger?${query}`, ledgerSchema);
				text = `${JSON.stringify(raw, null, 2)}\n`;
				rows = data.entries.length;
			}
			if (file) {
				await writeFile(file, text);
				err(`wrote ${rows} entries to ${file}`);
			} else {
				process.stdout.write(text);
			}
			if (rows >= limit) {
				err(
					`warning: the export stopped at --limit ${limit}; there may be more entries (raise --limit or use --since)`,
				);
			}
		});
	},
};

const mismatchSchema = z.looseObject({
	credential_id: z.string(),
	balance_cents: z.number(),
	entries_sum_cents: z.number(),
	ledger_sum_cents: z.number(),
	unmirrored: z.number(),
});

const topUpReconcileSchema = z.looseObject({
	configured: z.boolean(),
	since: z.string(),
	until: z.string(),
	stripe_paid_count: z.number(),
	stripe_paid_cents: z.number(),
	ledger_credited_cents: z.number(),
	missing_credits: z.array(
		z.looseObject({
			session: z.string(),
			top_up_id: z.string(),
			credential_id: z.string(),
			amount_cents: z.number(),
		}),
	),
	stripe_refunded_cents: z.number(),
	ledger_refunded_cents: z.number(),
	unmatched_refunds: z.array(
		z.looseObject({
			refund_id: z.string(),
			stripe_refund: z.string().nullable(),
			stripe_cents: z.number(),
			ledger_cents: z.number(),
		}),
	),
	ok: z.boolean(),
});

const reconciledSchema = z.looseObject({
	checked: z.number(),
	mismatches: z.array(mismatchSchema),
	top_ups: topUpReconcileSchema.optional(),
});

function isoOption(values: OptionValues, name: string): string | undefined {
	const value = stringOption(values, name);
	if (value !== undefined && !z.iso.datetime({ offset: true }).safeParse(value).success) {
		throw usageError(
			`--${name} ${JSON.stringify(value)} is not an ISO 8601 time with a zone (e.g. 2026-11-01T00:00:00Z)`,
		);
	}
	return value;
}

const reconcile: Command = {
	name: "reconcile",
	summary: "Check every balance against the D1 ledger; exit 1 on a mismatch",
	help: `Usage: penumbra reconcile [--since ISO] [--until ISO] [--json]

Asks every credential's account to flush its ledger outbox, then compares its balance with the sum of its
entries and with the D1 ledger. Where top-up by card is configured, it also compares Stripe's paid Checkout
Sessions and refunds of the period with the ledger's top-up entries. Lists what disagrees and exits 1 if anything
does.

Options:
  --since ISO          start of the top-up period (default: 7 days ago)
  --until ISO          end of the top-up period (default: now)
${CONNECTION_HELP}`,
	options: { ...connectionOptions, since: { type: "string" }, until: { type: "string" } },
	async run(values) {
		const since = isoOption(values, "since");
		const until = isoOption(values, "until");
		const query = new URLSearchParams({
			...(since ? { since } : {}),
			...(until ? { until } : {}),
		}).toString();
		const conn = await connection(values);
		return admin(async () => {
			const { data, raw } = await call(
				conn,
				"POST",
				`/v1/admin/reconcile${query ? `?${query}` : ""}`,
				reconciledSchema,
			);
			const topUps = data.top_ups;
			const topUpsOk = topUps?.ok ?? true;
			if (flag(values, "json")) {
				out(JSON.stringify(raw, null, 2));
				return data.mismatches.length === 0 && topUpsOk ? 0 : 1;
			}
			if (topUps?.configured) {
				out(
					`top-ups ${topUps.since} to ${topUps.until}: Stripe ${money(topUps.stripe_paid_cents)} paid in ${topUps.stripe_paid_count} session(s), ledger ${money(topUps.ledger_credited_cents)} credited; refunds: Stripe ${money(topUps.stripe_refunded_cents)}, ledger ${money(topUps.ledger_refunded_cents)}`,
				);
				if (topUps.missing_credits.length > 0) {
					out(
						table(
							["PAID, NOT CREDITED", "TOP-UP", "CREDENTIAL", "CENTS"],
							topUps.missing_credits.map((m) => [
								m.session,
								m.top_up_id,
								m.credential_id,
								String(m.amount_cents),
							]),
						),
					);
				}
				if (topUps.unmatched_refunds.length > 0) {
					out(
						table(
							["REFUND", "STRIPE REFUND", "STRIPE CENTS", "LEDGER CENTS"],
							topUps.unmatched_refunds.map((u) => [
								u.refund_id,
								u.stripe_refund ?? "(none)",
								String(u.stripe_cents),
								String(u.ledger_cents),
							]),
						),
					);
				}
				if (!topUps.ok) err("top-ups do not reconcile with Stripe");
			}
			if (data.mismatches.length === 0) {
				out(`checked ${data.checked} credential(s): every balance matches its entries and the D1 ledger`);
			} else {
				out(
					table(
						["CREDENTIAL", "BALANCE", "ENTRIES SUM", "D1 SUM", "NOT YET IN D1"],
						data.mismatches.map((m) => [
							m.credential_id,
							String(m.balance_cents),
							String(m.entries_sum_cents),
							String(m.ledger_sum_cents),
							String(m.unmirrored),
						]),
					),
				);
				err(`${data.mismatches.length} of ${data.checked} credential(s) do not reconcile`);
			}
			return data.mismatches.length === 0 && topUpsOk ? 0 : 1;
		});
	},
};

const refreshedSchema = z.looseObject({
	checked_at: z.string(),
	results: z.array(
		z.looseObject({
			id: z.string(),
			outcome: z.enum(["updated", "unchanged", "failed", "skipped"]),
			detail: z.string().optional(),
		}),
	),
});

const SERVICE_ID = /^[a-z][a-z0-9-]{1,62}$/;

const providersRefresh: Command = {
	name: "providers refresh",
	summary: "Refetch remote provider specs on the gateway now",
	help: `Usage: penumbra providers refresh [--service ID]... [--json]

Does now what the gateway's hourly cron does: refetches every remote spec (or only the named services), recompiles
what changed and keeps the last good version of what fails. Exits 1 if any refresh failed.

Options:
  --service ID         only this service (repeatable)
${CONNECTION_HELP}`,
	options: { ...connectionOptions, service: { type: "string", multiple: true } },
	async run(values) {
		const raw = values.service;
		const services = Array.isArray(raw) ? raw.filter((s): s is string => typeof s === "string") : [];
		const bad = services.find((s) => !SERVICE_ID.test(s));
		if (bad !== undefined) throw usageError(`--service ${JSON.stringify(bad)} is not a service id`);
		const conn = await connection(values);
		return admin(async () => {
			const { data, raw: answer } = await call(
				conn,
				"POST",
				"/v1/admin/registry/refresh",
				refreshedSchema,
				services.length > 0 ? { services } : {},
			);
			if (flag(values, "json")) out(JSON.stringify(answer, null, 2));
			else if (data.results.length === 0) out("no provider has a remote spec to refresh");
			else {
				out(
					table(
						["SERVICE", "OUTCOME", "DETAIL"],
						data.results.map((r) => [r.id, r.outcome, r.detail ?? ""]),
					),
				);
			}
			const failed = data.results.filter((r) => r.outcome === "failed").length;
			if (failed > 0) err(`${failed} refresh(es) failed; the previous version of each stays in use`);
			return failed > 0 ? 1 : 0;
		});
	},
};

export const moneyCommands: Command[] = [credit, refund, refundTopUp, ledgerExport, reconcile];

/** Listed with the other `providers` commands. */
export const refreshCommands: Command[] = [providersRefresh];
