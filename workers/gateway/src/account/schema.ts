/** The Account Durable Object's own SQLite schema; idempotent, run by every new instance. */
export const SCHEMA: readonly string[] = [
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	`CREATE TABLE IF NOT EXISTS entries (
		id TEXT PRIMARY KEY,
		seq INTEGER NOT NULL UNIQUE,
		kind TEXT NOT NULL CHECK (kind IN ('credit', 'usage', 'purchase', 'refund', 'adjustment')),
		amount INTEGER NOT NULL,
		balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
		hold_id TEXT,
		receipt_id TEXT,
		reference TEXT,
		created_at INTEGER NOT NULL,
		mirrored INTEGER NOT NULL DEFAULT 0
	)`,
	"CREATE INDEX IF NOT EXISTS entries_unmirrored ON entries (mirrored, seq)",
	`CREATE TABLE IF NOT EXISTS holds (
		id TEXT PRIMARY KEY,
		kind TEXT NOT NULL CHECK (kind IN ('usage', 'purchase')),
		amount INTEGER NOT NULL CHECK (amount >= 0),
		status TEXT NOT NULL CHECK (status IN ('active', 'captured', 'released', 'unknown')),
		captured INTEGER NOT NULL DEFAULT 0 CHECK (captured >= 0 AND captured <= amount),
		service TEXT,
		tool TEXT,
		quote_id TEXT,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		resolved_at INTEGER
	)`,
	"CREATE INDEX IF NOT EXISTS holds_status ON holds (status, expires_at)",
	"CREATE INDEX IF NOT EXISTS holds_quote ON holds (quote_id)",
	`CREATE TABLE IF NOT EXISTS receipts (
		id TEXT PRIMARY KEY,
		quote_id TEXT NOT NULL UNIQUE,
		hold_id TEXT NOT NULL UNIQUE,
		service TEXT NOT NULL,
		tool TEXT NOT NULL,
		amount INTEGER NOT NULL CHECK (amount >= 0),
		held INTEGER NOT NULL,
		transaction_id TEXT NOT NULL,
		flagged INTEGER NOT NULL,
		refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
		balance_after INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS quotes (
		id TEXT PRIMARY KEY,
		service TEXT NOT NULL,
		tool TEXT NOT NULL,
		params_hash TEXT NOT NULL,
		amount INTEGER NOT NULL CHECK (amount >= 0),
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
	"CREATE TABLE IF NOT EXISTS rate (bucket TEXT PRIMARY KEY, tat INTEGER NOT NULL)",
];
