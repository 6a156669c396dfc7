/**
 * What the account endpoints return. The gateway names ledger amounts `amount`/`balance_after` where the
 * design says `…_cents`: only amountOf and balanceAfterOf below read those fields, so a rename is one edit here.
 */

export interface Controls {
	per_purchase_cap_cents: number | null;
	daily_cap_cents: number | null;
	auto_approve_threshold_cents: number;
	merchant_allow: string[];
	merchant_deny: string[];
	frozen: boolean;
}

export interface Hold {
	id: string;
	amount?: number;
	amount_cents?: number;
	status: string;
}

export interface Account {
	credential_id: string;
	email: string | null;
	level: string;
	balance_cents: number;
	available_cents: number;
	spent_today_cents: number;
	holds: Hold[];
	controls: Partial<Controls> & { allow_merchants?: string[]; deny_merchants?: string[] };
}

/** A ledger line; the gateway names amounts `amount`/`balance_after`, the design `…_cents`: both are read. */
export interface LedgerEntry {
	id: string;
	kind: string;
	amount?: number;
	amount_cents?: number;
	balance_after?: number;
	balance_after_cents?: number;
	created_at: number | string;
	reference?: string | null;
	receipt_id?: string | null;
}

export function amountOf(e: LedgerEntry): number {
	return e.amount_cents ?? e.amount ?? 0;
}

export function balanceAfterOf(e: LedgerEntry): number | null {
	return e.balance_after_cents ?? e.balance_after ?? null;
}

export interface Receipt {
	id: string;
	quote_id?: string;
	service: string;
	tool: string;
	amount_cents: number;
	held_cents?: number;
	transaction_id?: string;
	flagged?: boolean;
	refunded_cents?: number;
	balance_after_cents?: number;
	created_at: number | string;
}

export interface Statement {
	entries: LedgerEntry[];
	receipts: Receipt[];
	next_cursor: string | null;
}

export interface ApiKey {
	id: string;
	name: string | null;
	key_prefix: string;
	created_at: string | number;
	revoked_at: string | number | null;
}

export interface CreatedKey extends ApiKey {
	key: string;
}

export function controlsOf(raw: Account["controls"]): Controls {
	return {
		per_purchase_cap_cents: raw.per_purchase_cap_cents ?? null,
		daily_cap_cents: raw.daily_cap_cents ?? null,
		auto_approve_threshold_cents: raw.auto_approve_threshold_cents ?? 2500,
		merchant_allow: raw.merchant_allow ?? raw.allow_merchants ?? [],
		merchant_deny: raw.merchant_deny ?? raw.deny_merchants ?? [],
		frozen: raw.frozen ?? false,
	};
}
