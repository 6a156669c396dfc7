import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { prepareStorage } from "../../src/account/schema.ts";
import { account, beginPurchaseByHand } from "./money.ts";

/**
 * Accounts written by the code before money columns were named in cents (schema version 1, no `schema_version` in
 * meta). These statements are that code's, as it created its tables; the rows are what it wrote.
 */
const V1_TABLES = [
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	`CREATE TABLE entries (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
		kind TEXT NOT NULL CHECK (kind IN ('credit', 'usage', 'purchase', 'refund', 'adjustment')),
		amount INTEGER NOT NULL, balance_after INTEGER NOT NULL CHECK (balance_after >= 0), hold_id TEXT,
		receipt_id TEXT, reference TEXT, created_at INTEGER NOT NULL, mirrored INTEGER NOT NULL DEFAULT 0)`,
	"CREATE INDEX entries_unmirrored ON entries (mirrored, seq)",
	`CREATE TABLE holds (id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('usage', 'purchase')),
		amount INTEGER NOT NULL CHECK (amount >= 0),
		status TEXT NOT NULL CHECK (status IN ('active', 'captured', 'released', 'unknown')),
		captured INTEGER NOT NULL DEFAULT 0 CHECK (captured >= 0 AND captured <= amount), service TEXT, tool TEXT,
		quote_id TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, resolved_at INTEGER)`,
	"CREATE INDEX holds_status ON holds (status, expires_at)",
	"CREATE INDEX holds_quote ON holds (quote_id)",
	`CREATE TABLE receipts (id TEXT PRIMARY KEY, quote_id TEXT NOT NULL UNIQUE, hold_id TEXT NOT NULL UNIQUE,
		service TEXT NOT NULL, tool TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount >= 0), held INTEGER NOT NULL,
		transaction_id TEXT NOT NULL, flagged INTEGER NOT NULL,
		refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
		balance_after INTEGER NOT NULL, created_at INTEGER NOT NULL)`,
	`CREATE TABLE quotes (id TEXT PRIMARY KEY, service TEXT NOT NULL, tool TEXT NOT NULL, params_hash TEXT NOT NULL,
		amount INTEGER NOT NULL CHECK (amount >= 0), requires_confirmation INTEGER NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'declined')), expires_at INTEGER NOT NULL,
		created_at INTEGER NOT NULL, precheck TEXT NOT NULL, signature TEXT NOT NULL)`,
	`CREATE TABLE idempotency (key TEXT PRIMARY KEY, op TEXT NOT NULL, args TEXT NOT NULL, result TEXT NOT NULL,
		created_at INTEGER NOT NULL)`,
	"CREATE INDEX idempotency_created ON idempotency (created_at)",
	"CREATE TABLE rate (bucket TEXT PRIMARY KEY, tat INTEGER NOT NULL)",
];

const NOW = Date.now();
const CREDIT_ARGS = { key: "credit-old-0001", amount_cents: 1000, reference: "old credit" };

function writeV1Account(sql: SqlStorage): void {
	for (const table of ["meta", "entries", "holds", "receipts", "quotes", "idempotency", "rate"])
		sql.exec(`DROP TABLE IF EXISTS ${table}`);
	for (const statement of V1_TABLES) sql.exec(statement);
	const meta = { balance: "700", seq: "2", credential: "cred_migrated" };
	for (const [key, value] of Object.entries(meta)) sql.exec("INSERT INTO meta VALUES (?, ?)", key, value);
	sql.exec(
		"INSERT INTO entries VALUES ('ent_a', 1, 'credit', 1000, 1000, NULL, NULL, 'old credit', ?, 1)",
		NOW - 2000,
	);
	sql.exec(
		"INSERT INTO entries VALUES ('ent_b', 2, 'purchase', -300, 700, 'hold_p', 'rcpt_1', 'fooddash.checkout t1', ?, 0)",
		NOW - 1000,
	);
	sql.exec(
		"INSERT INTO holds VALUES ('hold_p', 'purchase', 400, 'captured', 300, 'fooddash', 'checkout', 'q_1', ?, ?, ?)",
		NOW - 1500,
		NOW + 600_000,
		NOW - 1000,
	);
	sql.exec(
		"INSERT INTO holds VALUES ('hold_u', 'usage', 50, 'active', 0, 'skycast', 'current', NULL, ?, ?, NULL)",
		NOW - 500,
		NOW + 600_000,
	);
	sql.exec(
		"INSERT INTO receipts VALUES ('rcpt_1', 'q_1', 'hold_p', 'fooddash', 'checkout', 300, 400, 't1', 0, 100, 700, ?)",
		NOW - 1000,
	);
	sql.exec(
		"INSERT INTO quotes VALUES ('q_1', 'fooddash', 'checkout', 'h', 400, 0, 'open', ?, ?, '{}', 's')",
		NOW + 60_000,
		NOW - 1600,
	);
	const oldResult = {
		ok: true,
		entry: { id: "ent_a", seq: 1, kind: "credit", amount: 1000, balance_after: 1000, created_at: NOW - 2000 },
		balance_cents: 1000,
	};
	sql.exec(
		"INSERT INTO idempotency VALUES (?, 'credit', ?, ?, ?)",
		CREDIT_ARGS.key,
		JSON.stringify(CREDIT_ARGS),
		JSON.stringify(oldResult),
		NOW - 2000,
	);
}

describe("an account written before money columns ended in _cents", () => {
	it("is migrated on first touch: every amount reads back under its _cents name, unchanged", async () => {
		const stub = account("cred_migrated");
		const found = await runInDurableObject(stub, (_instance, state) => {
			writeV1Account(state.storage.sql);
			return prepareStorage(state.storage);
		});
		expect(found).toBe(1);

		const summary = await stub.summary();
		expect(summary.balance_cents).toBe(700);
		expect(summary.available_cents).toBe(650);
		expect(summary.holds).toEqual([
			expect.objectContaining({ id: "hold_u", amount_cents: 50, captured_cents: 0, status: "active" }),
		]);
		const statement = await stub.statement({ limit: 10 });
		expect(statement.entries.map((e) => [e.id, e.amount_cents, e.balance_after_cents])).toEqual([
			["ent_b", -300, 700],
			["ent_a", 1000, 1000],
		]);
		expect(statement.receipts).toEqual([
			expect.objectContaining({ id: "rcpt_1", amount_cents: 300, held_cents: 400, refunded_cents: 100 }),
		]);
		expect((await stub.quote("q_1"))?.amount_cents).toBe(400);
		expect(await stub.audit()).toEqual({
			balance_cents: 700,
			entries_sum_cents: 700,
			reserved_cents: 50,
			unmirrored: 1,
		});

		// A replay of a request answered before the migration gets the stored answer in the new names.
		const replay = await stub.credit(CREDIT_ARGS);
		expect(replay).toMatchObject({
			ok: true,
			replayed: true,
			entry: { amount_cents: 1000, balance_after_cents: 1000 },
		});
		expect(replay.ok && "amount" in replay.entry).toBe(false);

		// Money still moves on the migrated tables, within the old receipt's limits.
		const refund = await stub.refund({ key: "refund-after-migration", receipt_id: "rcpt_1" });
		expect(refund).toMatchObject({ ok: true, entry: { amount_cents: 200 }, balance_cents: 900 });
		const again = await runInDurableObject(stub, (_instance, state) => prepareStorage(state.storage));
		expect(again).toBe(7);
	});
});

/**
 * Accounts written by the code before purchases were owned by the Account DO (schema version 2): no `in_flight`
 * hold status, no purchase attempts. An open purchase hold then belonged to a request that may have died after
 * calling the merchant.
 */
const V2_TABLES = [
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	`CREATE TABLE entries (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
		kind TEXT NOT NULL CHECK (kind IN ('credit', 'usage', 'purchase', 'refund', 'adjustment')),
		amount_cents INTEGER NOT NULL, balance_after_cents INTEGER NOT NULL CHECK (balance_after_cents >= 0),
		hold_id TEXT, receipt_id TEXT, reference TEXT, created_at INTEGER NOT NULL, mirrored INTEGER NOT NULL DEFAULT 0)`,
	"CREATE INDEX entries_unmirrored ON entries (mirrored, seq)",
	`CREATE TABLE holds (id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('usage', 'purchase')),
		amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
		status TEXT NOT NULL CHECK (status IN ('active', 'captured', 'released', 'unknown')),
		captured_cents INTEGER NOT NULL DEFAULT 0 CHECK (captured_cents >= 0 AND captured_cents <= amount_cents),
		service TEXT, tool TEXT, quote_id TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
		resolved_at INTEGER)`,
	"CREATE INDEX holds_status ON holds (status, expires_at)",
	"CREATE INDEX holds_quote ON holds (quote_id)",
	`CREATE TABLE receipts (id TEXT PRIMARY KEY, quote_id TEXT NOT NULL UNIQUE, hold_id TEXT NOT NULL UNIQUE,
		service TEXT NOT NULL, tool TEXT NOT NULL, amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
		held_cents INTEGER NOT NULL, transaction_id TEXT NOT NULL, flagged INTEGER NOT NULL,
		refunded_cents INTEGER NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
		balance_after_cents INTEGER NOT NULL, created_at INTEGER NOT NULL)`,
	`CREATE TABLE quotes (id TEXT PRIMARY KEY, service TEXT NOT NULL, tool TEXT NOT NULL, params_hash TEXT NOT NULL,
		amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0), requires_confirmation INTEGER NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'declined')), expires_at INTEGER NOT NULL,
		created_at INTEGER NOT NULL, precheck TEXT NOT NULL, signature TEXT NOT NULL)`,
	`CREATE TABLE idempotency (key TEXT PRIMARY KEY, op TEXT NOT NULL, args TEXT NOT NULL, result TEXT NOT NULL,
		created_at INTEGER NOT NULL)`,
	"CREATE INDEX idempotency_created ON idempotency (created_at)",
	"CREATE TABLE rate (bucket TEXT PRIMARY KEY, tat INTEGER NOT NULL)",
];

function writeV2Account(sql: SqlStorage): void {
	for (const table of [
		"meta",
		"entries",
		"holds",
		"receipts",
		"quotes",
		"idempotency",
		"rate",
		"purchase_attempts",
	])
		sql.exec(`DROP TABLE IF EXISTS ${table}`);
	for (const statement of V2_TABLES) sql.exec(statement);
	const meta = { balance: "1000", seq: "1", credential: "cred_migrated2", schema_version: "2" };
	for (const [key, value] of Object.entries(meta)) sql.exec("INSERT INTO meta VALUES (?, ?)", key, value);
	sql.exec(
		"INSERT INTO entries VALUES ('ent_a', 1, 'credit', 1000, 1000, NULL, NULL, 'credit', ?, 1)",
		NOW - 9000,
	);
	// A request bought with q_dead and died after calling the merchant: under version 2, the alarm would have
	// released this hold at its expiry whatever the merchant did.
	sql.exec(
		"INSERT INTO holds VALUES ('hold_dead', 'purchase', 300, 'active', 0, 'fooddash', 'checkout', 'q_dead', ?, ?, NULL)",
		NOW - 5000,
		NOW + 60_000,
	);
	sql.exec(
		"INSERT INTO holds VALUES ('hold_unk', 'purchase', 200, 'unknown', 0, 'fooddash', 'checkout', 'q_unk', ?, ?, NULL)",
		NOW - 4000,
		NOW - 1000,
	);
	sql.exec(
		"INSERT INTO holds VALUES ('hold_fee', 'usage', 5, 'active', 0, 'skycast', 'current', NULL, ?, ?, NULL)",
		NOW - 500,
		NOW + 600_000,
	);
}

describe("an account written before the Account DO owned its purchases (schema version 2)", () => {
	it("keeps every open purchase reserved as unknown, for the alarm to resolve; usage holds are untouched", async () => {
		const stub = account("cred_migrated2");
		const found = await runInDurableObject(stub, (_instance, state) => {
			writeV2Account(state.storage.sql);
			return prepareStorage(state.storage);
		});
		expect(found).toBe(2);
		const summary = await stub.summary();
		expect(summary).toMatchObject({ balance_cents: 1000, available_cents: 1000 - 300 - 200 - 5 });
		expect(Object.fromEntries(summary.holds.map((h) => [h.id, h.status]))).toEqual({
			hold_dead: "unknown",
			hold_unk: "unknown",
			hold_fee: "active",
		});
		// Both are given the resolution window: the one whose expiry had passed cannot lapse before it is settled.
		for (const h of summary.holds.filter((h) => h.kind === "purchase"))
			expect(h.expires_at).toBeGreaterThan(NOW + 3600_000);
		expect(summary.pending_purchases.map((p) => [p.hold_id, p.quote_id, p.status, p.amount_cents])).toEqual([
			["hold_dead", "q_dead", "unknown", 300],
			["hold_unk", "q_unk", "unknown", 200],
		]);
		const attempts = await runInDurableObject(stub, (_instance, state) =>
			state.storage.sql
				.exec<{ hold_id: string; idempotency_key: string; parameters: string | null }>(
					"SELECT hold_id, idempotency_key, parameters FROM purchase_attempts ORDER BY hold_id",
				)
				.toArray(),
		);
		expect(attempts).toEqual([
			{ hold_id: "hold_dead", idempotency_key: "penumbra-q_dead", parameters: null },
			{ hold_id: "hold_unk", idempotency_key: "penumbra-q_unk", parameters: null },
		]);
		// The new status is accepted by the migrated table.
		await runInDurableObject(stub, (_instance, state) => {
			state.storage.sql.exec("UPDATE holds SET status = 'in_flight' WHERE id = 'hold_unk'");
		});
		expect((await stub.summary()).pending_purchases[1]?.status).toBe("in_flight");
		expect(await stub.audit()).toMatchObject({ balance_cents: 1000, entries_sum_cents: 1000 });
		const again = await runInDurableObject(stub, (_instance, state) => prepareStorage(state.storage));
		expect(again).toBe(7);
	});
});

describe("an account written while rate limits were stored (schema version 5)", () => {
	it("drops the rate table, its money untouched, and limits calls from memory from then on", async () => {
		const stub = account("cred_migrated5");
		await stub.credit({ key: "fund-rate-v5", amount_cents: 400 });
		const found = await runInDurableObject(stub, (_instance, state) => {
			const sql = state.storage.sql;
			sql.exec("CREATE TABLE rate (bucket TEXT PRIMARY KEY, tat INTEGER NOT NULL)");
			sql.exec("INSERT INTO rate VALUES ('svc:skycast', ?)", Date.now() + 3_600_000);
			sql.exec("UPDATE meta SET value = '5' WHERE key = 'schema_version'");
			const version = prepareStorage(state.storage);
			const tables = sql
				.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'rate'")
				.toArray();
			return { version, tables: tables.length };
		});
		expect(found).toEqual({ version: 5, tables: 0 });
		expect(await stub.audit()).toMatchObject({ balance_cents: 400, entries_sum_cents: 400 });
		const call = { service: "skycast", tool: "current", fee_cents: 0, per_minute: 60, burst: 1 };
		expect(await stub.beginCall(call)).toEqual({ ok: true, hold_id: null });
		expect(await stub.beginCall(call)).toMatchObject({ ok: false, code: "RATE_LIMITED" });
	});
});

describe("an account written before purchase attempts kept their request (schema version 6)", () => {
	it("gains the request_id and traceparent columns, its attempt kept with neither", async () => {
		const stub = account("cred_migrated6");
		await stub.credit({ key: "fund-attempt-v6", amount_cents: 1_000 });
		const holdId = await beginPurchaseByHand(stub, "q_attemptv6", 300);
		const found = await runInDurableObject(stub, (_instance, state) => {
			const sql = state.storage.sql;
			// Version 6's attempts had neither column.
			sql.exec("ALTER TABLE purchase_attempts DROP COLUMN request_id");
			sql.exec("ALTER TABLE purchase_attempts DROP COLUMN traceparent");
			sql.exec("UPDATE meta SET value = '6' WHERE key = 'schema_version'");
			const version = prepareStorage(state.storage);
			const attempt = sql
				.exec<{ hold_id: string; calls: number; request_id: string | null; traceparent: string | null }>(
					"SELECT hold_id, calls, request_id, traceparent FROM purchase_attempts",
				)
				.toArray();
			const stored = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").one();
			return { version, attempt, stored: stored.value };
		});
		expect(found).toEqual({
			version: 6,
			attempt: [{ hold_id: holdId, calls: 1, request_id: null, traceparent: null }],
			stored: "7",
		});
		expect(await stub.audit()).toMatchObject({ balance_cents: 1_000, entries_sum_cents: 1_000 });
	});
});
