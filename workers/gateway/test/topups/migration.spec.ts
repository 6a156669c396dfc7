import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { prepareStorage } from "../../src/account/schema.ts";

/**
 * Accounts written before top-ups (schema version 3): their entries table allowed only the older kinds, so a
 * `top_up` entry could not be written until the table is rebuilt. These statements are that version's.
 */
const V3_TABLES = [
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	`CREATE TABLE entries (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
		kind TEXT NOT NULL CHECK (kind IN ('credit', 'usage', 'purchase', 'refund', 'adjustment')),
		amount_cents INTEGER NOT NULL, balance_after_cents INTEGER NOT NULL CHECK (balance_after_cents >= 0),
		hold_id TEXT, receipt_id TEXT, reference TEXT, created_at INTEGER NOT NULL, mirrored INTEGER NOT NULL DEFAULT 0)`,
	"CREATE INDEX entries_unmirrored ON entries (mirrored, seq)",
	`CREATE TABLE holds (id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('usage', 'purchase')),
		amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
		status TEXT NOT NULL CHECK (status IN ('active', 'in_flight', 'captured', 'released', 'unknown')),
		captured_cents INTEGER NOT NULL DEFAULT 0 CHECK (captured_cents >= 0 AND captured_cents <= amount_cents),
		service TEXT, tool TEXT, quote_id TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
		resolved_at INTEGER)`,
	`CREATE TABLE idempotency (key TEXT PRIMARY KEY, op TEXT NOT NULL, args TEXT NOT NULL, result TEXT NOT NULL,
		created_at INTEGER NOT NULL)`,
];

const NOW = Date.now();
const CREDENTIAL = "cred_V3accountBeforeTopUps";

function writeV3Account(sql: SqlStorage): void {
	for (const table of ["meta", "entries", "holds", "idempotency", "top_ups", "top_up_refunds"])
		sql.exec(`DROP TABLE IF EXISTS ${table}`);
	for (const statement of V3_TABLES) sql.exec(statement);
	const meta = { balance: "995", seq: "2", credential: CREDENTIAL, schema_version: "3" };
	for (const [key, value] of Object.entries(meta)) sql.exec("INSERT INTO meta VALUES (?, ?)", key, value);
	sql.exec(
		"INSERT INTO entries VALUES ('ent_a', 1, 'credit', 1000, 1000, NULL, NULL, 'old', ?, 1)",
		NOW - 2000,
	);
	sql.exec(
		"INSERT INTO entries VALUES ('ent_b', 2, 'usage', -5, 995, 'hold_u', NULL, 'skycast.current', ?, 0)",
		NOW - 1000,
	);
}

describe("an account written before top-ups (schema version 3)", () => {
	it("rebuilds its entries with the top-up kinds, every row and mirror flag kept, and takes a top-up", async () => {
		const stub = env.ACCOUNT.getByName(CREDENTIAL);
		const found = await runInDurableObject(stub, (_instance, state) => {
			writeV3Account(state.storage.sql);
			return prepareStorage(state.storage);
		});
		expect(found).toBe(3);
		expect(await stub.audit()).toEqual({
			balance_cents: 995,
			entries_sum_cents: 995,
			reserved_cents: 0,
			unmirrored: 1,
		});
		const statement = await stub.statement({ limit: 10 });
		expect(
			statement.entries.map((e) => [e.id, e.seq, e.kind, e.amount_cents, e.balance_after_cents]),
		).toEqual([
			["ent_b", 2, "usage", -5, 995],
			["ent_a", 1, "credit", 1000, 1000],
		]);

		// The new kinds are accepted by the rebuilt table.
		const started = await stub.startTopUp({ amount_cents: 500 });
		if (!started.ok) throw new Error(started.detail);
		const attached = await stub.attachCheckout({
			top_up_id: started.top_up.id,
			session_id: "cs_test_migrated",
			url: "https://checkout.example/cs_test_migrated",
		});
		expect(attached.ok).toBe(true);
		const credited = await stub.creditTopUp({
			top_up_id: started.top_up.id,
			session_id: "cs_test_migrated",
			amount_cents: 500,
			currency: "usd",
		});
		expect(credited).toMatchObject({
			ok: true,
			entry: { kind: "top_up", seq: 3, balance_after_cents: 1495 },
		});
		const indexes = await runInDurableObject(stub, (_instance, state) =>
			state.storage.sql
				.exec<{ name: string }>(
					"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries'",
				)
				.toArray()
				.map((r) => r.name),
		);
		expect(indexes).toContain("entries_unmirrored");
		expect(await stub.audit()).toMatchObject({ balance_cents: 1495, entries_sum_cents: 1495 });
		const again = await runInDurableObject(stub, (_instance, state) => prepareStorage(state.storage));
		expect(again).toBe(7);
	});
});
