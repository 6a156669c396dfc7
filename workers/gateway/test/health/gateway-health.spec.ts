import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type Health, HealthSchema } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import { call, json, ORIGIN } from "../helpers.ts";

// A binding cannot be removed per test: the real app and the real checks, handed a copy of the environment.
async function healthWith(overrides: Record<string, unknown>): Promise<{ status: number; health: Health }> {
	const ctx = createExecutionContext();
	const response = await app.fetch(
		new Request(`${ORIGIN}/v1/health`),
		{ ...env, ...overrides } as GatewayEnv,
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return { status: response.status, health: HealthSchema.parse(await json(response)) };
}

describe("GET /v1/health dependency checks", () => {
	it("checks D1, KV and a Durable Object round trip, and answers 200 ok when all answer", async () => {
		const response = await call("/v1/health");
		expect(response.status).toBe(200);
		const health = HealthSchema.parse(await json(response));
		expect(health.status).toBe("ok");
		expect(health.reasons).toEqual([]);
		expect(health.checks).toEqual({
			d1: { ok: true, binding: "DB", latency_ms: expect.any(Number) },
			kv: { ok: true, binding: "REGISTRY", latency_ms: expect.any(Number) },
			durable_object: { ok: true, binding: "ACCOUNT", latency_ms: expect.any(Number) },
		});
		// The older fields are still there for monitors that read them.
		expect(health.services).toBeGreaterThan(0);
		expect(health.registry.stale_services).toEqual([]);
	});

	it("reports a missing D1 binding by name: down, 503, the other checks still ok", async () => {
		const { status, health } = await healthWith({ DB: undefined });
		expect(status).toBe(503);
		expect(health.status).toBe("down");
		expect(health.checks?.d1).toMatchObject({
			ok: false,
			binding: "DB",
			error: expect.stringContaining("binding DB is missing"),
		});
		expect(health.checks?.kv.ok).toBe(true);
		expect(health.checks?.durable_object.ok).toBe(true);
		expect(health.reasons).toEqual([expect.stringContaining("binding DB is missing")]);
	});

	it("reports a DB binding that is not a D1 database as down, naming it", async () => {
		const { status, health } = await healthWith({ DB: env.REGISTRY });
		expect(status).toBe(503);
		expect(health.checks?.d1).toMatchObject({ ok: false, binding: "DB" });
		expect(health.checks?.d1.error).toMatch(/^D1 binding DB: .*prepare/);
	});

	it("reports a database that was never migrated as degraded (200), naming the binding and the step left", async () => {
		// The real database, with the table every keyed request reads moved aside for the length of one request.
		await env.DB.exec("ALTER TABLE credentials RENAME TO credentials_aside");
		let result: { status: number; health: Health };
		try {
			result = await healthWith({});
		} finally {
			await env.DB.exec("ALTER TABLE credentials_aside RENAME TO credentials");
		}
		expect(result.status).toBe(200);
		expect(result.health.status).toBe("degraded");
		expect(result.health.checks?.d1.ok).toBe(true);
		expect(result.health.reasons).toEqual([
			"D1 binding DB: the database has no credentials table (migrations not applied: npx wrangler d1 migrations apply DB --remote)",
		]);
	});

	it("reports a missing KV namespace and a missing Durable Object namespace by name", async () => {
		const kv = await healthWith({ REGISTRY: undefined });
		expect(kv.status).toBe(503);
		expect(kv.health.checks?.kv).toMatchObject({
			ok: false,
			error: expect.stringContaining("binding REGISTRY is missing"),
		});
		expect(kv.health.checks?.d1.ok).toBe(true);
		// Without KV there is no registry to describe: it reads as empty rather than failing the answer.
		expect(kv.health.services).toBe(0);

		const durable = await healthWith({ ACCOUNT: undefined });
		expect(durable.status).toBe(503);
		expect(durable.health.checks?.durable_object).toMatchObject({
			ok: false,
			binding: "ACCOUNT",
			error: expect.stringContaining("binding ACCOUNT is missing"),
		});
		expect(durable.health.reasons).toHaveLength(1);
	});

	it("stays 200 when degraded: the gateway works but needs the operator", async () => {
		const { status, health } = await healthWith({ ENVIRONMENT: "production", WEB_URL: "" });
		expect(status).toBe(200);
		expect(health.status).toBe("degraded");
		expect(health.reasons).toEqual(["missing configuration: WEB_URL"]);
	});
});
