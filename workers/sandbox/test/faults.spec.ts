import { describe, expect, it } from "vitest";
import { call, expectError, FOODDASH_KEY, json } from "./helpers.ts";

const fault = (spec: string) => ({ "x-sandbox-fault": spec });

describe("fault injection", () => {
	it("latency delays the answer, which is otherwise normal", async () => {
		const normal = await json(await call("/skycast/cities"));
		const started = Date.now();
		const response = await call("/skycast/cities", { headers: fault("latency=300") });
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expect(response.status).toBe(200);
		expect(await json(response)).toEqual(normal);
	});

	it("status answers that status with a JSON error body, before the merchant's own checks", async () => {
		const unavailable = await expectError(
			await call("/skycast/cities", { headers: fault("status=503") }),
			503,
			"service_unavailable",
		);
		expect(unavailable.message).toContain("503");
		const limited = await call("/fooddash/cities", { headers: fault("status=429") });
		expect(limited.status).toBe(429);
		expect(limited.headers.get("retry-after")).toBe("1");
		await expectError(await call("/skycast/cities", { headers: fault("status=418") }), 418, "client_error");
		await expectError(await call("/skycast/cities", { headers: fault("status=500") }), 500, "internal_error");
	});

	it("hang keeps the request open", async () => {
		const controller = new AbortController();
		const outcome = await Promise.race([
			call("/skycast/cities", { headers: fault("hang"), signal: controller.signal }).then(
				() => "answered",
				() => "aborted",
			),
			scheduler.wait(750).then(() => "still waiting"),
		]);
		controller.abort();
		expect(outcome).toBe("still waiting");
	});

	it("hang=<ms> gives up with 504 after that long", async () => {
		const started = Date.now();
		await expectError(await call("/skycast/cities", { headers: fault("hang=200") }), 504, "gateway_timeout");
		expect(Date.now() - started).toBeGreaterThanOrEqual(190);
	});

	it("malformed answers 200 application/json that does not parse", async () => {
		const normal = await (await call("/skycast/cities")).text();
		const response = await call("/skycast/cities", { headers: fault("malformed") });
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toContain("application/json");
		const text = await response.text();
		expect(() => JSON.parse(text)).toThrow();
		expect(normal.startsWith(text)).toBe(true);
		expect(text.length).toBeGreaterThan(0);
	});

	it("large pads the JSON answer to exactly that many bytes and keeps it valid", async () => {
		for (const size of [5_000, 1_000_000]) {
			const response = await call("/skycast/cities", { headers: fault(`large=${size}`) });
			expect(response.status).toBe(200);
			const bytes = new Uint8Array(await response.arrayBuffer());
			expect(bytes.byteLength).toBe(size);
			const body = JSON.parse(new TextDecoder().decode(bytes));
			expect(body.count).toBe(12);
			expect(body.cities).toHaveLength(12);
		}
	});

	it("works through the /_fault/<faults>/ path prefix, for clients that cannot send headers", async () => {
		await expectError(await call("/_fault/status=502/fooddash/cities"), 502, "bad_gateway");
		const padded = await call("/_fault/large=4096/fooddash/cities", { headers: FOODDASH_KEY });
		expect((await padded.arrayBuffer()).byteLength).toBe(4096);
		// The rest of the path, the query and the method reach the merchant unchanged.
		const forecast = await call("/_fault/latency=1/skycast/forecast?city=london&days=2");
		expect(((await json(forecast)).days as unknown[]).length).toBe(2);
		const echoed = await json(
			await call("/_fault/latency=1/_echo/a/b?x=1", { method: "PUT", body: { y: 2 } }),
		);
		expect(echoed).toMatchObject({ method: "PUT", path: "/_echo/a/b", query: { x: "1" }, body: { y: 2 } });
	});

	it("combines comma-separated faults, from the header and the prefix together", async () => {
		const started = Date.now();
		const response = await call("/_fault/large=3000/skycast/cities", {
			headers: fault("latency=150,malformed"),
		});
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		const text = await response.text();
		expect(response.status).toBe(200);
		expect(() => JSON.parse(text)).toThrow();
		expect(text.length).toBeGreaterThan(1000);

		const encoded = await call(`/_fault/${encodeURIComponent("latency=1,status=503")}/skycast/cities`);
		expect(encoded.status).toBe(503);
	});

	it("rejects unknown or out-of-range faults instead of ignoring them", async () => {
		const unknown = await expectError(
			await call("/skycast/cities", { headers: fault("explode") }),
			400,
			"invalid_fault",
		);
		expect(unknown.message).toContain("latency");
		await expectError(await call("/skycast/cities", { headers: fault("status=200") }), 400, "invalid_fault");
		await expectError(await call("/skycast/cities", { headers: fault("latency=-5") }), 400, "invalid_fault");
		await expectError(await call("/_fault/large=lots/skycast/cities"), 400, "invalid_fault");
		await expectError(
			await call("/skycast/cities", { headers: fault("charge-then-status=404") }),
			400,
			"invalid_fault",
		);
		expect(unknown.message).toContain("charge-then-drop");
	});
});
