import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { endUsage } from "../../src/execute.ts";

/**
 * `endCall` ends a usage fee's hold by the hold's own state (docs/money.md, "Usage fees"): a retry of the same end
 * answers the same and moves nothing, the opposite end is refused, and no idempotency record is written.
 */
const CALL = { service: "fooddash", tool: "get_menu", fee_cents: 3, per_minute: 600, burst: 10 };

async function begin(stub: DurableObjectStub<import("../../src/account/account.do.ts").AccountDO>) {
	const begun = await stub.beginCall(CALL);
	if (!("hold_id" in begun) || !begun.hold_id) throw new Error(`no hold: ${JSON.stringify(begun)}`);
	return begun.hold_id;
}

describe("endCall", () => {
	it("captures once, answers a retry as replayed, refuses the opposite end, and stores no idempotency record", async () => {
		const stub = env.ACCOUNT.getByName("cred_usageEnd00000001");
		await stub.credit({ key: "fund-usage-end-1", amount_cents: 100 });

		const captured = await begin(stub);
		expect(await stub.endCall({ hold_id: captured, success: true })).toEqual({ ok: true, charged_cents: 3 });
		expect(await stub.endCall({ hold_id: captured, success: true })).toEqual({
			ok: true,
			charged_cents: 3,
			replayed: true,
		});
		expect(await stub.endCall({ hold_id: captured, success: false })).toMatchObject({
			ok: false,
			code: "CONFLICT",
		});

		const released = await begin(stub);
		expect(await stub.endCall({ hold_id: released, success: false })).toEqual({ ok: true, charged_cents: 0 });
		expect(await stub.endCall({ hold_id: released, success: false })).toEqual({
			ok: true,
			charged_cents: 0,
			replayed: true,
		});
		expect(await stub.endCall({ hold_id: released, success: true })).toMatchObject({
			ok: false,
			code: "CONFLICT",
		});

		expect(await stub.endCall({ hold_id: "hold_nope", success: true })).toMatchObject({
			ok: false,
			code: "NOT_FOUND",
		});
		expect(await stub.audit()).toMatchObject({ balance_cents: 97, entries_sum_cents: 97, reserved_cents: 0 });
		const records = await runInDurableObject(
			stub,
			(_instance, state) =>
				state.storage.sql
					.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency WHERE key LIKE 'call:%'")
					.one().n,
		);
		expect(records).toBe(0);
	});

	it("never ends a purchase's hold", async () => {
		const stub = env.ACCOUNT.getByName("cred_usageEnd00000002");
		await stub.credit({ key: "fund-usage-end-2", amount_cents: 500 });
		const held = await stub.hold({
			key: "usage-end-purchase",
			kind: "purchase",
			amount_cents: 400,
			ttl_ms: 60_000,
		});
		if (!("hold" in held)) throw new Error("no hold");
		expect(await stub.endCall({ hold_id: held.hold.id, success: true })).toMatchObject({
			ok: false,
			code: "CONFLICT",
		});
		expect(await stub.audit()).toMatchObject({ balance_cents: 500, reserved_cents: 400 });
	});

	it("after the answer: a DO out of reach is tried again (5 tries in all), and the fee is captured once", async () => {
		const stub = env.ACCOUNT.getByName("cred_usageEnd00000003");
		await stub.credit({ key: "fund-usage-end-3", amount_cents: 100 });
		const tries: boolean[] = [];
		// The Account DO's stub, failing its first `failures` calls as a lost connection does.
		const flaky = (failures: number) =>
			({
				endCall: (input: { hold_id: string; success: boolean }) => {
					tries.push(input.success);
					if (tries.length <= failures) return Promise.reject(new Error("network connection lost"));
					return stub.endCall(input);
				},
			}) as unknown as Parameters<typeof endUsage>[0];

		const captured = await begin(stub);
		expect(await endUsage(flaky(4), captured, true)).toBe(true);
		expect(tries).toEqual([true, true, true, true, true]);
		expect(await stub.audit()).toMatchObject({ balance_cents: 97, reserved_cents: 0 });

		tries.length = 0;
		const unreached = await begin(stub);
		expect(await endUsage(flaky(9), unreached, true)).toBe(false);
		expect(tries).toHaveLength(5);
		// Still held: the alarm releases it when it expires.
		expect(await stub.audit()).toMatchObject({ balance_cents: 97, reserved_cents: 3 });

		tries.length = 0;
		expect(await endUsage(flaky(0), captured, false)).toBe(false);
		expect(tries).toEqual([false]);
	});
});
