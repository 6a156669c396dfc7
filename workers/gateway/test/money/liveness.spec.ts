import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { prepareStorage } from "../../src/account/schema.ts";

/**
 * The Account DO decides whether a key is still live (docs/auth.md): `beginCall` answers a revoked key or
 * credential before the rate limit and the fee, so a refused call takes no token, holds nothing and charges nothing.
 */
const CALL = { service: "fooddash", tool: "get_menu", fee_cents: 3, per_minute: 60, burst: 1 };

describe("key liveness in the Account DO", () => {
	it("refuses a revoked key in beginCall before the rate limit and the fee; other keys go on", async () => {
		const stub = env.ACCOUNT.getByName("cred_livenessKeys00000001");
		await stub.credit({ key: "fund-liveness-1", amount_cents: 100 });
		expect(await stub.checkLive({ key_id: "key_doomed" })).toEqual({ ok: true, live: true });
		await stub.revokeKey({ key_id: "key_doomed" });
		await stub.revokeKey({ key_id: "key_doomed" });

		expect(await stub.checkLive({ key_id: "key_doomed" })).toMatchObject({
			ok: false,
			code: "AUTH_REQUIRED",
		});
		expect(await stub.beginCall({ ...CALL, key_id: "key_doomed" })).toMatchObject({
			ok: false,
			code: "AUTH_REQUIRED",
		});
		expect(await stub.summary()).toMatchObject({ balance_cents: 100, available_cents: 100, holds: [] });
		// burst 1: had the refused call taken the token, this one would be rate limited.
		const other = await stub.beginCall({ ...CALL, key_id: "key_kept" });
		expect(other).toMatchObject({ ok: true, hold_id: expect.any(String) });
		expect(await stub.checkLive({})).toEqual({ ok: true, live: true });
	});

	it("refuses every key, and callers without one, once the credential is revoked", async () => {
		const stub = env.ACCOUNT.getByName("cred_livenessCredential01");
		await stub.revokeCredential();
		for (const input of [{}, { key_id: "key_any" }]) {
			expect(await stub.checkLive(input)).toMatchObject({ ok: false, code: "AUTH_REQUIRED" });
			expect(await stub.beginCall({ ...CALL, ...input })).toMatchObject({ ok: false, code: "AUTH_REQUIRED" });
		}
	});
});

describe("an account written before key liveness (schema version 4)", () => {
	it("gains an empty revoked_keys table, its money untouched, and records revocations from then on", async () => {
		const stub = env.ACCOUNT.getByName("cred_livenessMigratedV4a");
		await stub.credit({ key: "fund-liveness-v4", amount_cents: 250 });
		const found = await runInDurableObject(stub, (_instance, state) => {
			const sql = state.storage.sql;
			// Version 4 had every table but revoked_keys.
			sql.exec("DROP TABLE revoked_keys");
			sql.exec("UPDATE meta SET value = '4' WHERE key = 'schema_version'");
			const version = prepareStorage(state.storage);
			const tables = sql
				.exec<{ name: string }>(
					"SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'revoked_keys'",
				)
				.toArray();
			const stored = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").one();
			return { version, tables: tables.length, stored: stored.value };
		});
		expect(found).toEqual({ version: 4, tables: 1, stored: "7" });
		expect(await stub.audit()).toMatchObject({ balance_cents: 250, entries_sum_cents: 250 });
		expect(await stub.checkLive({ key_id: "key_before" })).toEqual({ ok: true, live: true });
		await stub.revokeKey({ key_id: "key_before" });
		expect(await stub.checkLive({ key_id: "key_before" })).toMatchObject({
			ok: false,
			code: "AUTH_REQUIRED",
		});
	});
});
