import { REVOKED_KEYS_TABLE } from "./revocations.ts";
import { TOP_UP_TABLES } from "./top-ups.ts";

/**
 * The Account Durable Object's own SQLite schema (docs/storage.md). Every money column ends in `_cents`.
 * `prepareStorage` runs in every new instance: it creates what is missing and migrates data written by an older
 * version of this code on first touch, inside one transaction.
 */
const SCHEMA_VERSION = 7;

/** How long a purchase whose outcome is unknown keeps its hold while the DO resolves it (docs/money.md). */
export const PURCHASE_RESOLVE_WINDOW_MS = 24 * 3600 * 1000;

const HOLDS_TABLE = `CREATE TABLE IF NOT EXISTS holds (
		id TEXT PRIMARY KEY,
		kind TEXT NOT NULL CHECK (kind IN ('usage', 'purchase')),
		amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
		status TEXT NOT NULL CHECK (status IN ('active', 'in_flight', 'captured', 'released', 'unknown')),
		captured_cents INTEGER NOT NULL DEFAULT 0 CHECK (captured_cents >= 0 AND captured_cents <= amount_cents),
		service TEXT,
		tool TEXT,
		quote_id TEXT,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		resolved_at INTEGER
	)`;

/** Version 4 added the top-up kinds (`top_up`, `top_up_refund`); SQLite changes a CHECK only by a new table. */
const ENTRIES_TABLE = `CREATE TABLE IF NOT EXISTS entries (
		id TEXT PRIMARY KEY,
		seq INTEGER NOT NULL UNIQUE,
		kind TEXT NOT NULL CHECK (kind IN ('credit', 'usage', 'purchase', 'refund', 'adjustment', 'top_up', 'top_up_refund')),
		amount_cents INTEGER NOT NULL,
		balance_after_cents INTEGER NOT NULL CHECK (balance_after_cents >= 0),
		hold_id TEXT,
		receipt_id TEXT,
		reference TEXT,
		created_at INTEGER NOT NULL,
		mirrored INTEGER NOT NULL DEFAULT 0
	)`;

const TABLES: readonly string[] = [
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	ENTRIES_TABLE,
	"CREATE INDEX IF NOT EXISTS entries_unmirrored ON entries (mirrored, seq)",
	HOLDS_TABLE,
	"CREATE INDEX IF NOT EXISTS holds_status ON holds (status, expires_at)",
	"CREATE INDEX IF NOT EXISTS holds_quote ON holds (quote_id)",
	`CREATE TABLE IF NOT EXISTS receipts (
		id TEXT PRIMARY KEY,
		quote_id TEXT NOT NULL UNIQUE,
		hold_id TEXT NOT NULL UNIQUE,
		service TEXT NOT NULL,
		tool TEXT NOT NULL,
		amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
		held_cents INTEGER NOT NULL,
		transaction_id TEXT NOT NULL,
		flagged INTEGER NOT NULL,
		refunded_cents INTEGER NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
		balance_after_cents INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS quotes (
		id TEXT PRIMARY KEY,
		service TEXT NOT NULL,
		tool TEXT NOT NULL,
		params_hash TEXT NOT NULL,
		amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
		requires_confirmation INTEGER NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'declined')),
		expires_at INTEGER NOT NULL,
		created_at INTEGER NOT NULL,
		precheck TEXT NOT NULL,
		signature TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS idempotency (
		key TEXT PRIMARY KEY,
		op TEXT NOT NULL,
		args TEXT NOT NULL,
		result TEXT NOT NULL,
		created_at INTEGER NOT NULL
	)`,
	// The alarm deletes expired records after every drain; without this it reads the whole table each time.
	"CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at)",
	// One row per purchase hold once the merchant may have been called: what the DO needs to repeat the call or look
	// the order up (never a provider secret: those come from the Worker's env when the request is rebuilt).
	`CREATE TABLE IF NOT EXISTS purchase_attempts (
		hold_id TEXT PRIMARY KEY,
		quote_id TEXT NOT NULL,
		service TEXT NOT NULL,
		tool TEXT NOT NULL,
		idempotency_key TEXT NOT NULL,
		parameters TEXT,
		calls INTEGER NOT NULL,
		started_at INTEGER NOT NULL,
		next_at INTEGER,
		last_error TEXT,
		resolved_at INTEGER,
		request_id TEXT,
		traceparent TEXT
	)`,
	"CREATE INDEX IF NOT EXISTS purchase_attempts_next ON purchase_attempts (resolved_at, next_at)",
	...TOP_UP_TABLES,
	// Version 5: the Account DO decides whether a key is live (revocations.ts). A version 4 object gets the empty
	// table: every key revoked before it existed was refused by D1, and no cache holds a key D1 refused.
	REVOKED_KEYS_TABLE,
];

/** Version 1 named money columns without their unit; version 2 ends every one in `_cents`. */
const RENAMES_V1: readonly [table: string, from: string, to: string][] = [
	["entries", "amount", "amount_cents"],
	["entries", "balance_after", "balance_after_cents"],
	["holds", "amount", "amount_cents"],
	["holds", "captured", "captured_cents"],
	["receipts", "amount", "amount_cents"],
	["receipts", "held", "held_cents"],
	["receipts", "refunded", "refunded_cents"],
	["receipts", "balance_after", "balance_after_cents"],
	["quotes", "amount", "amount_cents"],
];

/** Keys of stored answers (idempotency replays) that version 1 wrote without their unit. */
const RESULT_KEYS_V1: Readonly<Record<string, string>> = {
	amount: "amount_cents",
	balance_after: "balance_after_cents",
	captured: "captured_cents",
};

function renameKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(renameKeys);
	if (typeof value !== "object" || value === null) return value;
	return Object.fromEntries(
		Object.entries(value).map(([key, item]) => [RESULT_KEYS_V1[key] ?? key, renameKeys(item)]),
	);
}

function storedVersion(sql: SqlStorage): number {
	const hasMeta = sql
		.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
		.one().n;
	if (hasMeta === 0) return 0;
	const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
	return row ? Number(row.value) : 1;
}

function migrateFromV1(sql: SqlStorage): void {
	for (const [table, from, to] of RENAMES_V1) {
		const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).toArray();
		if (columns.some((c) => c.name === from)) sql.exec(`ALTER TABLE ${table} RENAME COLUMN ${from} TO ${to}`);
	}
	const stored = sql.exec<{ key: string; result: string }>("SELECT key, result FROM idempotency").toArray();
	for (const { key, result } of stored) {
		sql.exec(
			"UPDATE idempotency SET result = ? WHERE key = ?",
			JSON.stringify(renameKeys(JSON.parse(result))),
			key,
		);
	}
}

/**
 * Version 2 had no `in_flight` hold status and no purchase attempts. A purchase hold still open then was being
 * bought by a request that may have died after calling the merchant: it becomes `unknown` with an attempt the alarm
 * resolves (by the merchant's status lookup; its parameters were never stored, so it cannot be repeated until the
 * caller retries with them).
 */
function migrateFromV2(sql: SqlStorage, now: number): void {
	sql.exec("ALTER TABLE holds RENAME TO holds_v2");
	sql.exec(HOLDS_TABLE);
	sql.exec(
		"INSERT INTO holds (id, kind, amount_cents, status, captured_cents, service, tool, quote_id, created_at, expires_at, resolved_at) SELECT id, kind, amount_cents, status, captured_cents, service, tool, quote_id, created_at, expires_at, resolved_at FROM holds_v2",
	);
	sql.exec("DROP TABLE holds_v2");
	for (const statement of TABLES) sql.exec(statement);
	const open = sql
		.exec<{ id: string; quote_id: string; service: string; tool: string; created_at: number }>(
			"SELECT id, quote_id, service, tool, created_at FROM holds WHERE kind = 'purchase' AND status IN ('active', 'unknown') AND quote_id IS NOT NULL AND service IS NOT NULL AND tool IS NOT NULL",
		)
		.toArray();
	for (const hold of open) {
		sql.exec(
			"INSERT OR IGNORE INTO purchase_attempts (hold_id, quote_id, service, tool, idempotency_key, parameters, calls, started_at, next_at, last_error, resolved_at) VALUES (?, ?, ?, ?, ?, NULL, 1, ?, ?, 'open before schema version 3', NULL)",
			hold.id,
			hold.quote_id,
			hold.service,
			hold.tool,
			`penumbra-${hold.quote_id}`,
			hold.created_at,
			now,
		);
		sql.exec(
			"UPDATE holds SET status = 'unknown', expires_at = MAX(expires_at, ?) WHERE id = ?",
			now + PURCHASE_RESOLVE_WINDOW_MS,
			hold.id,
		);
	}
}

/**
 * Version 3's entries allowed only the kinds before top-ups: the table is rebuilt with the wider CHECK, every row
 * (and its `mirrored` flag) copied as it was.
 */
function migrateFromV3(sql: SqlStorage): void {
	sql.exec("ALTER TABLE entries RENAME TO entries_v3");
	sql.exec(ENTRIES_TABLE);
	sql.exec(
		"INSERT INTO entries (id, seq, kind, amount_cents, balance_after_cents, hold_id, receipt_id, reference, created_at, mirrored) SELECT id, seq, kind, amount_cents, balance_after_cents, hold_id, receipt_id, reference, created_at, mirrored FROM entries_v3",
	);
	// Its index went with the renamed table; the statements below create it again on the new one.
	sql.exec("DROP TABLE entries_v3");
}

/**
 * Version 7: a purchase attempt keeps the request id and traceparent of the call that started it, so the alarm's
 * later calls (repeats, status lookups) carry the purchase's trace. Attempts from before have neither.
 */
function migrateToV7(sql: SqlStorage): void {
	const columns = sql
		.exec<{ name: string }>("SELECT name FROM pragma_table_info('purchase_attempts')")
		.toArray()
		.map((c) => c.name);
	for (const column of ["request_id", "traceparent"]) {
		if (!columns.includes(column)) sql.exec(`ALTER TABLE purchase_attempts ADD COLUMN ${column} TEXT`);
	}
}

/** Creates or migrates this object's tables; returns the version it found (0: a new object). */
export function prepareStorage(storage: DurableObjectStorage): number {
	const sql = storage.sql;
	return storage.transactionSync(() => {
		const found = storedVersion(sql);
		if (found === 1) migrateFromV1(sql);
		if (found === 1 || found === 2) migrateFromV2(sql, Date.now());
		if (found >= 1 && found <= 3) migrateFromV3(sql);
		// Up to version 5 the rate limits were a table; they are kept in memory since (`rate-limit.ts`).
		if (found >= 1 && found <= 5) sql.exec("DROP TABLE IF EXISTS rate");
		for (const statement of TABLES) sql.exec(statement);
		if (found >= 1 && found <= 6) migrateToV7(sql);
		if (found !== SCHEMA_VERSION) {
			sql.exec(
				"INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
				String(SCHEMA_VERSION),
			);
		}
		return found;
	});
}
