import { describe, expect, it } from "vitest";
import { MERCHANTS } from "../src/merchants/index.ts";
import { call, expectError, FOODDASH_KEY, json } from "./helpers.ts";

describe("sandbox basics", () => {
	it("reports health with every merchant id", async () => {
		const response = await call("/health");
		expect(response.status).toBe(200);
		const merchants = MERCHANTS.map((m) => m.id);
		expect(merchants.slice(0, 2)).toEqual(["skycast", "fooddash"]);
		expect(await json(response)).toEqual({ status: "ok", merchants });
	});

	it("lists merchants with their spec URLs at the root", async () => {
		const index = await json<{ merchants: { id: string; spec: string; api_key_header: string | null }[] }>(
			await call("/"),
		);
		expect(index.merchants).toEqual(
			MERCHANTS.map((m) =>
				expect.objectContaining({
					id: m.id,
					spec: `/${m.id}/openapi.json`,
					api_key_header: m.apiKeyHeader ?? null,
				}),
			),
		);
		expect(index.merchants.slice(0, 2)).toEqual([
			expect.objectContaining({ id: "skycast", api_key_header: null }),
			expect.objectContaining({ id: "fooddash", api_key_header: "X-API-Key" }),
		]);
	});

	it("answers unknown routes with a JSON 404", async () => {
		await expectError(await call("/nowhere"), 404, "not_found");
		await expectError(await call("/skycast/nowhere"), 404, "not_found");
		await expectError(await call("/fooddash/nowhere", { headers: FOODDASH_KEY }), 404, "not_found");
		await expectError(await call("/skycast/cities", { method: "DELETE" }), 404, "not_found");
	});
});

describe("upstream API keys", () => {
	it("refuses FoodDash calls without X-API-Key, and accepts any non-empty key", async () => {
		const missing = await expectError(await call("/fooddash/cities"), 401, "unauthorized");
		expect(missing.message).toContain("X-API-Key");
		await expectError(
			await call("/fooddash/cities", { headers: { "x-api-key": "  " } }),
			401,
			"unauthorized",
		);
		await expectError(
			await call("/fooddash/orders/x", { headers: { authorization: "Bearer k" } }),
			401,
			"unauthorized",
		);
		expect((await call("/fooddash/cities", { headers: { "X-API-Key": "anything" } })).status).toBe(200);
	});

	it("serves the FoodDash spec without a key, and SkyCast needs none at all", async () => {
		expect((await call("/fooddash/openapi.json")).status).toBe(200);
		expect((await call("/skycast/cities")).status).toBe(200);
	});
});

describe("/_echo", () => {
	it("echoes method, path, repeated query values, lowercased headers and a JSON body", async () => {
		const response = await call("/_echo/v1/orders/42?expand=items&tag=a&tag=b", {
			method: "PATCH",
			headers: { "X-API-Key": "provider-secret", "X-Request-Id": "req-1" },
			body: { quantity: 2, notes: ["no onions"] },
		});
		expect(response.status).toBe(200);
		const echoed = await json<{ headers: Record<string, string> } & Record<string, unknown>>(response);
		expect(echoed).toMatchObject({
			method: "PATCH",
			path: "/_echo/v1/orders/42",
			query: { expand: "items", tag: ["a", "b"] },
			body: { quantity: 2, notes: ["no onions"] },
		});
		expect(echoed.headers).toMatchObject({
			"x-api-key": "provider-secret",
			"x-request-id": "req-1",
			"content-type": "application/json",
		});
		expect(Object.keys(echoed.headers).every((name) => name === name.toLowerCase())).toBe(true);
	});

	it("echoes form and text bodies, and null for none", async () => {
		const form = await json(
			await call("/_echo/form", {
				method: "POST",
				headers: { "content-type": "application/x-www-form-urlencoded" },
				body: "a=1&b=two",
			}),
		);
		expect(form.body).toEqual({ a: "1", b: "two" });
		const text = await json(
			await call("/_echo", { method: "PUT", headers: { "content-type": "text/plain" }, body: "hello" }),
		);
		expect(text).toMatchObject({ method: "PUT", path: "/_echo", body: "hello" });
		expect((await json(await call("/_echo/x", { method: "DELETE" }))).body).toBeNull();
	});
});
