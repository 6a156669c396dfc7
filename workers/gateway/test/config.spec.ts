import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { HealthSchema } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.ts";
import { expectProblem, json, ORIGIN } from "./helpers.ts";

// The binding cannot be flipped per test: the same app, handed a copy of the environment.
async function fetchWith(overrides: Partial<GatewayEnv>, path: string): Promise<Response> {
	const ctx = createExecutionContext();
	const response = await app.fetch(
		new Request(`${ORIGIN}${path}`),
		{ ...env, ...overrides } as GatewayEnv,
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return response;
}

describe("required configuration in production", () => {
	it("fails every request naming a missing QUOTE_SIGNING_KEY, and health reports it", async () => {
		const broken = { ENVIRONMENT: "production", QUOTE_SIGNING_KEY: "" };
		const problem = await expectProblem(await fetchWith(broken, "/v1/services"), 503, "INTERNAL");
		expect(problem.detail).toContain("QUOTE_SIGNING_KEY");
		expect(problem.missing_config).toEqual(["QUOTE_SIGNING_KEY"]);

		const health = HealthSchema.parse(await json(await fetchWith(broken, "/v1/health")));
		expect(health.status).toBe("degraded");
		expect(health.missing_config).toEqual(["QUOTE_SIGNING_KEY"]);
	});

	it("names every missing secret and var at once", async () => {
		const broken = { ENVIRONMENT: "production", QUOTE_SIGNING_KEY: "short", ADMIN_TOKEN: "", WEB_URL: "" };
		const problem = await expectProblem(await fetchWith(broken, "/v1/account"), 503, "INTERNAL");
		expect(problem.missing_config).toEqual(["QUOTE_SIGNING_KEY", "ADMIN_TOKEN", "WEB_URL"]);
	});

	it("lets a configured production gateway through, and leaves development alone", async () => {
		const production = await fetchWith({ ENVIRONMENT: "production" }, "/v1/services");
		expect(production.status).toBe(200);
		const health = HealthSchema.parse(
			await json(await fetchWith({ ENVIRONMENT: "production" }, "/v1/health")),
		);
		expect(health.missing_config).toEqual([]);
		const development = await fetchWith({ QUOTE_SIGNING_KEY: "" }, "/v1/services");
		expect(development.status).toBe(200);
	});
});
