import type { LedgerEntry, Receipt } from "@penumbra/core/contracts";

/**
 * Writes a batch of entries (and purchase receipts) into the D1 ledger in one atomic batch. Inserts are keyed by
 * entry and receipt id, so a batch retried after a failure or raced by a second drain never duplicates a row.
 */
export async function mirrorEntries(
	db: D1Database,
	credentialId: string,
	entries: readonly LedgerEntry[],
	receipts: readonly Receipt[],
): Promise<void> {
	const statements = [
		...entries.map((e) =>
			db
				.prepare(
					"INSERT OR IGNORE INTO ledger_entries (id, credential_id, seq, kind, amount_cents, balance_after_cents, hold_id, receipt_id, reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				)
				.bind(
					e.id,
					credentialId,
					e.seq,
					e.kind,
					e.amount_cents,
					e.balance_after_cents,
					e.hold_id,
					e.receipt_id,
					e.reference,
					e.created_at,
				),
		),
		...receipts.map((r) =>
			db
				.prepare(
					"INSERT OR IGNORE INTO receipts (id, credential_id, quote_id, service, tool, amount_cents, transaction_id, flagged, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				)
				.bind(
					r.id,
					credentialId,
					r.quote_id,
					r.service,
					r.tool,
					r.amount_cents,
					r.transaction_id,
					r.flagged ? 1 : 0,
					r.created_at,
				),
		),
	];
	if (statements.length > 0) await db.batch(statements);
}
