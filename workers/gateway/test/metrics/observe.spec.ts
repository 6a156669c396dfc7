import type { MetricPointInput } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { describe, expect, it } from "vitest";
import { observeUpstream, purchaseOutcomeOf } from "../../src/metrics/observe.ts";

/** A recorder that keeps what it is given, to read the points back. */
function keeping() {
	const points: MetricPointInput[] = [];
	return {
		points,
		observer: { metrics: { record: (p: MetricPointInput) => points.push(p) }, request_id: "r1", tool: "t" },
	};
}

const upstreamError = (status: number) =>
	new PenumbraError(status >= 500 ? "UPSTREAM_ERROR" : "NOT_FOUND", {
		detail: "x",
		...(status < 500 ? { status } : {}),
		extras: { upstream_status: status },
	});

describe("observeUpstream", () => {
	it("records one point per call with the outcome the failure means, and passes the answer or error through", async () => {
		const { points, observer } = keeping();
		expect(await observeUpstream(observer, "svc", async () => ({ status: 201 }))).toEqual({ status: 201 });
		const failures: unknown[] = [
			upstreamError(404),
			upstreamError(503),
			new PenumbraError("UPSTREAM_TIMEOUT", { detail: "slow" }),
			new PenumbraError("UPSTREAM_ERROR", { detail: "The service could not be reached." }),
			new TypeError("connection reset"),
		];
		for (const failure of failures) {
			await expect(
				observeUpstream(observer, "svc", async () => {
					throw failure;
				}),
			).rejects.toBe(failure);
		}
		expect(points.map((p) => [p.kind, p.service, p.tool, p.status, p.outcome, p.request_id])).toEqual([
			["upstream", "svc", "t", 201, "ok", "r1"],
			["upstream", "svc", "t", 404, "http_error", "r1"],
			["upstream", "svc", "t", 503, "5xx", "r1"],
			["upstream", "svc", "t", 0, "timeout", "r1"],
			["upstream", "svc", "t", 0, "network", "r1"],
			["upstream", "svc", "t", 0, "network", "r1"],
		]);
	});

	it("records nothing without an observer", async () => {
		expect(await observeUpstream(undefined, "svc", async () => ({ status: 200 }))).toEqual({ status: 200 });
	});
});

describe("purchaseOutcomeOf", () => {
	it("reads the Account DO's answer as bought, released, unknown or refused", () => {
		expect(purchaseOutcomeOf({ ok: true, replayed: false })).toBe("bought");
		expect(purchaseOutcomeOf({ ok: true, replayed: true })).toBeNull();
		expect(purchaseOutcomeOf({ ok: false, extras: { outcome: "pending" } })).toBeNull();
		expect(purchaseOutcomeOf({ ok: false, extras: { outcome: "unknown", upstream_status: 503 } })).toBe(
			"unknown",
		);
		expect(purchaseOutcomeOf({ ok: false, extras: { outcome: "released" } })).toBe("released");
		expect(purchaseOutcomeOf({ ok: false, extras: { upstream_status: 422 } })).toBe("released");
		expect(purchaseOutcomeOf({ ok: false, extras: { shortfall_cents: 300 } })).toBe("refused");
		expect(purchaseOutcomeOf({ ok: false })).toBe("refused");
	});
});
