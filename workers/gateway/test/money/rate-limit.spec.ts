import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RateLimits } from "../../src/account/rate-limit.ts";
import { account } from "./money.ts";

/**
 * Per-provider rate limits of one credential (GCRA, in the Account DO's memory: docs/money.md, "Usage fees and rate
 * limits"): `per_minute` sustained, `burst` at once; a call that does not go ahead takes no token.
 */
describe("RateLimits", () => {
	it("admits a burst at once, then one call per interval, and says how long to wait", () => {
		const limits = new RateLimits();
		const t = 1_000_000;
		// 6 a minute: one every 10 s, 3 at once.
		for (let i = 0; i < 3; i++) expect(limits.take("svc:a", 6, 3, t).admitted).toBe(true);
		expect(limits.take("svc:a", 6, 3, t)).toEqual({ admitted: false, wait: 10 });
		expect(limits.take("svc:a", 6, 3, t + 9_000)).toEqual({ admitted: false, wait: 1 });
		expect(limits.take("svc:a", 6, 3, t + 10_000).admitted).toBe(true);
		expect(limits.take("svc:a", 6, 3, t + 10_000).admitted).toBe(false);
		// Each provider has its own bucket.
		expect(limits.take("svc:b", 6, 3, t + 10_000).admitted).toBe(true);
		// A long idle gives the whole burst back, no more.
		const later = t + 3_600_000;
		for (let i = 0; i < 3; i++) expect(limits.take("svc:a", 6, 3, later).admitted).toBe(true);
		expect(limits.take("svc:a", 6, 3, later).admitted).toBe(false);
	});

	it("gives a token back on undo, unless a later call was admitted since", () => {
		const limits = new RateLimits();
		const t = 5_000_000;
		const first = limits.take("svc:a", 60, 1, t);
		if (!first.admitted) throw new Error("refused");
		first.undo();
		const second = limits.take("svc:a", 60, 1, t);
		expect(second.admitted).toBe(true);
		expect(limits.take("svc:a", 60, 1, t).admitted).toBe(false);
		if (!second.admitted) throw new Error("refused");
		const third = limits.take("svc:a", 60, 1, t + 1_000);
		if (!third.admitted) throw new Error("refused");
		second.undo(); // too late: the third call's state stands
		expect(limits.take("svc:a", 60, 1, t + 1_000).admitted).toBe(false);
	});

	it("keeps its memory small: buckets whose state no longer matters are dropped", () => {
		const limits = new RateLimits();
		for (let i = 0; i < 1000; i++) limits.take(`svc:${i}`, 60, 1, i * 1_000);
		// Still limits what matters now.
		expect(limits.take("svc:999", 60, 1, 999_000).admitted).toBe(false);
		expect(limits.take("svc:999", 60, 1, 1_000_000).admitted).toBe(true);
	});
});

describe("beginCall's rate limit", () => {
	const call = (fee_cents: number) => ({
		service: "skycast",
		tool: "current",
		fee_cents,
		per_minute: 1,
		burst: 1,
	});

	it("takes no token for a call refused by the balance or the controls", async () => {
		const stub = account("cred_rateRefusals0001");
		expect(await stub.beginCall(call(500))).toMatchObject({ ok: false, code: "INSUFFICIENT_FUNDS" });
		await stub.credit({ key: "fund-rate-refusals", amount_cents: 1_000 });
		await stub.freeze();
		expect(await stub.beginCall(call(5))).toMatchObject({ ok: false, code: "BUDGET_EXCEEDED" });
		await stub.setControls({ ...(await stub.summary()).controls, frozen: false });
		const held = await stub.beginCall(call(5));
		expect(held).toMatchObject({ ok: true, hold_id: expect.any(String) });
		expect(await stub.beginCall(call(0))).toMatchObject({ ok: false, code: "RATE_LIMITED" });
	});

	it("writes nothing for a free call", async () => {
		const stub = account("cred_rateFreeCall0001");
		await stub.credit({ key: "fund-rate-free", amount_cents: 100 });
		// Rows this object's SQLite connection has written so far.
		const changes = () =>
			runInDurableObject(
				stub,
				(_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n,
			);
		// The credit's mirror to D1 (the alarm's outbox drain) writes too: let it finish first.
		for (let i = 0; i < 100 && (await stub.audit()).unmirrored > 0; i++) await scheduler.wait(20);
		const before = await changes();
		for (let i = 0; i < 50; i++) {
			expect(await stub.beginCall({ ...call(0), per_minute: 6_000, burst: 100 })).toEqual({
				ok: true,
				hold_id: null,
			});
		}
		expect(await changes()).toBe(before);
	});
});
