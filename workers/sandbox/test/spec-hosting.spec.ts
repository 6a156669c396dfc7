import { describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";

describe("spec hosting", () => {
	it("serves each spec with an ETag and answers If-None-Match with 304", async () => {
		const first = await call("/skycast/openapi.json");
		expect(first.status).toBe(200);
		const etag = first.headers.get("etag");
		expect(etag).toMatch(/^"[0-9a-f]{24}"$/);
		expect((await json(first)).openapi).toMatch(/^3\./);
		const again = await call("/skycast/openapi.json", { headers: { "if-none-match": etag ?? "" } });
		expect(again.status).toBe(304);
		expect(await again.text()).toBe("");
		const stale = await call("/skycast/openapi.json", { headers: { "if-none-match": '"outdated"' } });
		expect(stale.status).toBe(200);
	});

	it("withdraws a spec (503) and brings it back through the control switch", async () => {
		const off = await call("/_control/specs/skycast", { method: "PUT", body: { available: false } });
		expect(await json(off)).toEqual({ id: "skycast", spec_available: false });
		await expectError(await call("/skycast/openapi.json"), 503, "spec_unavailable");
		// Only the spec is withdrawn; the merchant's API keeps answering.
		expect((await call("/skycast/current?city=lisbon")).status).toBe(200);
		await call("/_control/specs/skycast", { method: "PUT", body: { available: true } });
		expect((await call("/skycast/openapi.json")).status).toBe(200);
	});

	it("refuses an unknown merchant or a malformed switch", async () => {
		await expectError(
			await call("/_control/specs/nope", { method: "PUT", body: { available: false } }),
			404,
			"not_found",
		);
		await expectError(
			await call("/_control/specs/skycast", { method: "PUT", body: { available: "no" } }),
			400,
			"invalid_request",
		);
	});
});

describe("scoped faults", () => {
	it("applies faults only to the named last path segment", async () => {
		const scoped = { "x-sandbox-fault": "status=503,only=forecast" };
		expect((await call("/skycast/current?city=lisbon", { headers: scoped })).status).toBe(200);
		expect((await call("/skycast/forecast?city=lisbon", { headers: scoped })).status).toBe(503);
		expect((await call("/_fault/status=418,only=current/skycast/current?city=lisbon")).status).toBe(418);
		expect(
			(await call("/skycast/current?city=lisbon", { headers: { "x-sandbox-fault": "only=a/b" } })).status,
		).toBe(400);
	});
});
