import { describe, expect, it } from "vitest";
import { fail, failureOf, failureStatus, unwrap } from "../src/contracts/index.ts";
import { PenumbraError, toProblem } from "../src/errors.ts";

describe("Result across a boundary", () => {
	it("unwrap gives back the success value", () => {
		expect(unwrap({ ok: true as const, balance_cents: 5 })).toEqual({ ok: true, balance_cents: 5 });
	});

	it("unwrap throws the one error type with the failure's code, detail, status and extras", () => {
		const failure = fail("INSUFFICIENT_FUNDS", "Short by 3¢.", { shortfall_cents: 3 });
		const thrown = (() => {
			try {
				unwrap(failure);
			} catch (error) {
				return error;
			}
		})();
		expect(thrown).toBeInstanceOf(PenumbraError);
		expect(toProblem(thrown)).toMatchObject({ code: "INSUFFICIENT_FUNDS", status: 402, shortfall_cents: 3 });
	});

	it("a thrown error crosses as a failure and comes back the same, internal message left behind", () => {
		const error = new PenumbraError("UPSTREAM_ERROR", {
			detail: "Not configured yet.",
			internal: "missing secret PROVIDER_X_API_KEY",
			status: 503,
			extras: { service: "x" },
		});
		const failure = failureOf(error);
		expect(failure).toEqual({
			ok: false,
			code: "UPSTREAM_ERROR",
			detail: "Not configured yet.",
			status: 503,
			extras: { service: "x" },
		});
		expect(JSON.stringify(failure)).not.toContain("PROVIDER_X_API_KEY");
		expect(failureStatus(failure)).toBe(503);
		expect(failureStatus(fail("NOT_FOUND", "No."))).toBe(404);
	});
});
