import { log } from "@penumbra/core/log";
import { accountOf } from "./client.ts";

export interface ReconcileRow {
	credential_id: string;
	balance_cents: number;
	entries_sum_cents: number;
	ledger_sum_cents: number;
	unmirrored: number;
	ok: boolean;
}

/**
 * Compares every credential's Account Durable Object (the source of truth) with the D1 ledger mirror, after asking
 * each to flush its outbox. A mismatch means money was recorded in one place and not the other.
 */
export async function reconcile(env: GatewayEnv): Promise<{ checked: number; mismatches: ReconcileRow[] }> {
	const { results: credentials } = await env.DB.prepare("SELECT id FROM credentials ORDER BY id").all<{
		id: string;
	}>();
	const { results: sums } = await env.DB.prepare(
		"SELECT credential_id, SUM(amount_cents) AS total FROM ledger_entries GROUP BY credential_id",
	).all<{ credential_id: string; total: number }>();
	const mirrored = new Map(sums.map((s) => [s.credential_id, s.total]));
	const mismatches: ReconcileRow[] = [];
	for (const { id } of credentials) {
		const account = accountOf(env, id);
		const { remaining } = await account.flush();
		const audit = await account.audit();
		let ledger = mirrored.get(id) ?? 0;
		if (remaining === 0 && audit.entries_sum_cents !== ledger) {
			// Entries mirrored since the sums were read; read this credential's sum again.
			const row = await env.DB.prepare(
				"SELECT SUM(amount_cents) AS total FROM ledger_entries WHERE credential_id = ?",
			)
				.bind(id)
				.first<{ total: number | null }>();
			ledger = row?.total ?? 0;
		}
		const row: ReconcileRow = {
			credential_id: id,
			balance_cents: audit.balance_cents,
			entries_sum_cents: audit.entries_sum_cents,
			ledger_sum_cents: ledger,
			unmirrored: audit.unmirrored,
			ok:
				audit.balance_cents === audit.entries_sum_cents &&
				audit.entries_sum_cents === ledger &&
				audit.unmirrored === 0,
		};
		if (!row.ok) mismatches.push(row);
	}
	if (mismatches.length > 0)
		log("error", "reconciliation mismatches", { count: mismatches.length, mismatches });
	return { checked: credentials.length, mismatches };
}
