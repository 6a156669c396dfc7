import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AccountDO } from "../../src/account/account.do.ts";
import { call, createKey, json } from "../helpers.ts";
import {
	ADMIN,
	account,
	autoApprove,
	books,
	buy,
	expectBalancedBooks,
	expectMirrored,
	mirrorOf,
	order,
	quote,
} from "./money.ts";

/**
 * D1 fails for real here: the ledger table is renamed away, or a trigger refuses one credential's rows. The DO must
 * keep every entry, retry by its own alarm, and leave the mirror complete and without duplicates.
 */

async function alarmScheduled(credentialId: string): Promise<boolean> {
	return runInDurableObject(
		account(credentialId),
		async (_instance, state) => (await state.storage.getAlarm()) !== null,
	);
}

/** Lets only the DO's alarm drain the outbox (run now instead of after its backoff) until nothing is left. */
async function drainByAlarm(credentialId: string): Promise<void> {
	const stub = account(credentialId);
	const deadline = Date.now() + 10_000;
	while ((await stub.audit()).unmirrored > 0) {
		if (Date.now() > deadline) throw new Error(`outbox of ${credentialId} did not drain`);
		await runDurableObjectAlarm(stub);
		await scheduler.wait(20);
	}
}

async function d1Receipts(credentialId: string): Promise<string[]> {
	const { results } = await env.DB.prepare("SELECT id FROM receipts WHERE credential_id = ?")
		.bind(credentialId)
		.all<{ id: string }>();
	return results.map((r) => r.id);
}

/** Money moves of every kind on one account: credits, a usage hold captured, one released, a purchase. */
async function activity(credentialId: string, key: string, parameters: Record<string, unknown>, tag: string) {
	const stub = account(credentialId);
	for (let i = 0; i < 3; i++) {
		expect((await stub.credit({ key: `${tag}-credit-${i}`, amount_cents: 100 + i })).ok).toBe(true);
	}
	const held = await stub.hold({ key: `${tag}-hold-a`, kind: "usage", amount_cents: 40, ttl_ms: 60_000 });
	const dropped = await stub.hold({ key: `${tag}-hold-b`, kind: "usage", amount_cents: 50, ttl_ms: 60_000 });
	if (!held.ok || !dropped.ok) throw new Error("hold refused");
	expect((await stub.capture({ key: `${tag}-capture`, hold_id: held.hold.id, amount_cents: 30 })).ok).toBe(
		true,
	);
	expect((await stub.release({ key: `${tag}-release`, hold_id: dropped.hold.id })).ok).toBe(true);
	const q = await quote(key, parameters);
	expect((await buy(key, parameters, q.quote_id)).status).toBe(200);
}

describe("ledger outbox", () => {
	it("keeps every entry while the D1 ledger table is gone, retries by alarm, and mirrors each exactly once after", async () => {
		const people = await Promise.all(
			["a", "b", "c"].map((name) => createKey("authenticated", `${name}@example.com`, 20_000)),
		);
		const parameters = await order(people[0]?.key ?? "");
		for (const p of people) {
			await autoApprove(p.key);
			await account(p.id).flush();
		}
		await env.DB.exec("ALTER TABLE ledger_entries RENAME TO ledger_entries_offline");
		try {
			for (const [i, p] of people.entries()) await activity(p.id, p.key, parameters, `down-${i}`);
			for (const p of people) {
				expect((await account(p.id).flush()).remaining).toBeGreaterThan(0);
				expect(await alarmScheduled(p.id), "a retry is scheduled").toBe(true);
				// The receipts went into the same atomic batch as the entries, so they are not in D1 either.
				expect(await d1Receipts(p.id)).toEqual([]);
			}
		} finally {
			await env.DB.exec("ALTER TABLE ledger_entries_offline RENAME TO ledger_entries");
		}
		for (const p of people) {
			await drainByAlarm(p.id);
			await expectBalancedBooks(p.id);
			await expectMirrored(p.id);
			expect(await d1Receipts(p.id)).toEqual((await books(p.id)).receipts.map((r) => r.id));
		}
		const reconciled = await json<{ checked: number; mismatches: unknown[] }>(
			await call("/v1/admin/reconcile", { headers: ADMIN, method: "POST" }),
		);
		expect(reconciled).toMatchObject({ checked: 3, mismatches: [] });
	});

	it("one credential's D1 writes failing neither blocks another's nor loses its own; replays after a lost acknowledgement do not duplicate", async () => {
		const failing = await createKey("authenticated", "failing@example.com", 1_000);
		const healthy = await createKey("authenticated", "healthy@example.com", 1_000);
		await account(failing.id).flush();
		await env.DB.exec(
			`CREATE TRIGGER refuse_failing BEFORE INSERT ON ledger_entries WHEN NEW.credential_id = '${failing.id}' BEGIN SELECT RAISE(ABORT, 'injected D1 failure'); END`,
		);
		// More entries than one drain batch, written concurrently.
		await Promise.all(
			Array.from({ length: 250 }, (_, i) =>
				account(i % 2 ? healthy.id : failing.id).credit({ key: `backlog-${i}`, amount_cents: 1 + i }),
			),
		);
		await expectMirrored(healthy.id);
		expect((await account(failing.id).flush()).remaining).toBe(125);
		const reconcile = await json<{ mismatches: { credential_id: string; unmirrored: number }[] }>(
			await call("/v1/admin/reconcile", { headers: ADMIN, method: "POST" }),
		);
		expect(reconcile.mismatches).toEqual([
			expect.objectContaining({ credential_id: failing.id, unmirrored: 125 }),
		]);

		await env.DB.exec("DROP TRIGGER refuse_failing");
		await drainByAlarm(failing.id);
		await expectMirrored(failing.id);

		// D1 committed but the DO never heard back: every entry is sent again, several drains at once.
		await runInDurableObject(account(failing.id), (_instance, state) => {
			state.storage.sql.exec("UPDATE entries SET mirrored = 0");
		});
		await Promise.all([
			account(failing.id).flush(),
			account(failing.id).flush(),
			runDurableObjectAlarm(account(failing.id)),
			account(failing.id).flush(),
		]);
		await drainByAlarm(failing.id);
		await expectMirrored(failing.id);
		await expectBalancedBooks(failing.id);
	});

	it("copies every column of every entry and receipt, as the Account DO has them", async () => {
		const person = await createKey("authenticated", "columns@example.com", 20_000);
		await autoApprove(person.key);
		await activity(person.id, person.key, await order(person.key), "columns");
		await expectMirrored(person.id);
		const entryColumns =
			"id, seq, kind, amount_cents, balance_after_cents, hold_id, receipt_id, reference, created_at";
		const receiptColumns = "id, quote_id, service, tool, amount_cents, transaction_id, flagged, created_at";
		const inDo = await runInDurableObject(account(person.id), (_instance, state) => ({
			entries: state.storage.sql.exec(`SELECT ${entryColumns} FROM entries ORDER BY seq`).toArray(),
			receipts: state.storage.sql.exec(`SELECT ${receiptColumns} FROM receipts ORDER BY id`).toArray(),
		}));
		const inD1 = async (table: string, columns: string, orderBy: string) =>
			(
				await env.DB.prepare(`SELECT ${columns} FROM ${table} WHERE credential_id = ? ORDER BY ${orderBy}`)
					.bind(person.id)
					.all()
			).results;
		// Every kind of row is there: credits, a fee captured, a hold released (no entry), a purchase with its receipt.
		expect(new Set(inDo.entries.map((e) => e.kind))).toEqual(new Set(["credit", "usage", "purchase"]));
		expect(inDo.entries.some((e) => e.hold_id !== null && e.reference !== null)).toBe(true);
		expect(inDo.receipts).toHaveLength(1);
		expect(await inD1("ledger_entries", entryColumns, "seq")).toEqual(inDo.entries);
		expect(await inD1("receipts", receiptColumns, "id")).toEqual(inDo.receipts);
	});

	it("drains when the alarm wakes the object without its name, as alarms do under wrangler dev (regression)", async () => {
		const { id } = await createKey("authenticated", "nameless@example.com", 0);
		const named = account(id);
		await env.DB.exec(
			`CREATE TRIGGER refuse_nameless BEFORE INSERT ON ledger_entries WHEN NEW.credential_id = '${id}' BEGIN SELECT RAISE(ABORT, 'injected D1 failure'); END`,
		);
		expect((await named.credit({ key: "nameless-credit", amount_cents: 700 })).ok).toBe(true);
		// Wait for the object's own alarm to fail and schedule its retry, then park that retry: only the alarm
		// below may drain the entry.
		const alarmAt = () => runInDurableObject(named, (_instance, state) => state.storage.getAlarm());
		const deadline = Date.now() + 5_000;
		while (((await alarmAt()) ?? 0) < Date.now() + 100 && Date.now() < deadline) await scheduler.wait(20);
		await runInDurableObject(named, (_instance, state) => state.storage.setAlarm(Date.now() + 3_600_000));
		await env.DB.exec("DROP TRIGGER refuse_nameless");
		expect((await mirrorOf(id)).count).toBe(0);

		// The test pool keeps the name on every path; workerd does not when an alarm starts the object. So start
		// one the way an alarm does: on the same storage, with an id that has no name, and run its alarm.
		await runInDurableObject(named, async (_instance, state) => {
			const doId = state.id;
			const nameless: DurableObjectId = {
				name: undefined,
				toString: () => doId.toString(),
				equals: (other) => doId.equals(other),
			};
			const woken = new Proxy(state, {
				get(target, key) {
					if (key === "id") return nameless;
					const value: unknown = Reflect.get(target, key, target);
					return typeof value === "function" ? value.bind(target) : value;
				},
			});
			const instance = new AccountDO(state, env);
			Object.defineProperty(instance, "ctx", { value: woken });
			await instance.alarm();
		});
		expect(await mirrorOf(id)).toMatchObject({ sum: 700, count: 1 });
	});

	it("mirrors a second's entries in one drain, set for a second after the first of them, not one drain each", async () => {
		const { id } = await createKey("authenticated", "batch@example.com", 1_000);
		const stub = account(id);
		// The opening credit's drain, run now: no alarm is left set.
		await runDurableObjectAlarm(stub);
		expect(await alarmScheduled(id)).toBe(false);
		const before = (await mirrorOf(id)).count;
		const startedAt = Date.now();
		let firstDoneAt = 0;
		for (let i = 0; i < 5; i++) {
			expect((await stub.credit({ key: `batch-credit-${i}`, amount_cents: 10 + i })).ok).toBe(true);
			if (i === 0) firstDoneAt = Date.now();
		}
		const alarmAt = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
		// Set once, by the first entry (no later than a second after it answered): the later ones found it set.
		expect(alarmAt).toBeGreaterThanOrEqual(startedAt + 1_000);
		expect(alarmAt).toBeLessThanOrEqual(firstDoneAt + 1_000);
		expect((await stub.audit()).unmirrored).toBe(5);
		expect((await mirrorOf(id)).count).toBe(before);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect((await stub.audit()).unmirrored).toBe(0);
		expect((await mirrorOf(id)).count).toBe(before + 5);
		await expectMirrored(id);
	});
});
