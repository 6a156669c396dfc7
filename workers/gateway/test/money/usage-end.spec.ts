import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

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
});
