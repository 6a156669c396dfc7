import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { unless } from "../src/middleware/unless.ts";
import type { AppEnv } from "../src/types.ts";

describe("unless", () => {
	const app = new Hono<AppEnv>();
	app.use(
		"*",
		unless(["/v1/health", "/v1/admin/*"], async (c, next) => {
			c.header("x-ran", "yes");
			await next();
		}),
	);
	app.all("*", (c) => c.text("ok"));
	const ran = async (path: string) => (await app.request(path)).headers.get("x-ran") === "yes";

	it("skips exact paths and a prefix with everything under it, and runs everywhere else", async () => {
		expect(await ran("/v1/health")).toBe(false);
		expect(await ran("/v1/admin")).toBe(false);
		expect(await ran("/v1/admin/credentials/x")).toBe(false);
		expect(await ran("/v1/health/x")).toBe(true);
		expect(await ran("/v1/healthz")).toBe(true);
		expect(await ran("/v1/administrator")).toBe(true);
		expect(await ran("/skycast/current")).toBe(true);
	});
});
