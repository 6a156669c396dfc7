import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type ServiceHealth, ServiceHealthSchema } from "@penumbra/core/contracts";
import { metricsOf } from "@penumbra/core/metrics";
import type { CompiledService } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.ts";
import { addServices, call, createKey, faulty, json, ORIGIN, providerService } from "../helpers.ts";

/** A copy of skycast (healthy upstream) as `id`, with or without its health probe. */
function copy(id: string, probe: boolean): CompiledService {
	const { health, ...skycast } = providerService("skycast");
	return { ...skycast, card: { ...skycast.card, id }, ...(probe && health ? { health } : {}) };
}

/** Real traffic as the gateway records it: upstream points in the metrics store (D1 in tests). */
async function upstreamCalls(service: string, outcomes: string[]): Promise<void> {
	const ctx = createExecutionContext();
	const metrics = metricsOf(env, ctx);
	for (const outcome of outcomes) {
		const status = { ok: 200, http_error: 404, "5xx": 503, timeout: 0, network: 0 }[outcome] ?? 0;
		metrics.record({
			kind: "upstream",
			at_ms: Date.now(),
			service,
			tool: "get_forecast",
			status,
			outcome,
			latency_ms: 20,
		});
	}
	await waitOnExecutionContext(ctx);
}

async function healthOf(id: string): Promise<{ status: number; health: ServiceHealth }> {
	const response = await call(`/v1/services/${id}/health`);
	return { status: response.status, health: ServiceHealthSchema.parse(await json(response)) };
}

describe("service health from the last minutes of real traffic", () => {
	it("is degraded when the probe answers but some real calls fail", async () => {
		await addServices(copy("flakycast", true));
		await upstreamCalls("flakycast", ["ok", "ok", "ok", "5xx"]);
		const { status, health } = await healthOf("flakycast");
		expect(status).toBe(200);
		expect(health).toMatchObject({
			status: "degraded",
			probe: { status: "up" },
			traffic: {
				window_s: 300,
				upstream_calls: 4,
				upstream_failures: 1,
				upstream_availability: 0.75,
				status: "degraded",
			},
		});
		expect(health.reason).toBe(
			"SkyCast Weather (flakycast) is degraded: 1 of 4 upstream calls failed in the last 5 minutes.",
		);
	});

	it("is degraded, not down, when most real calls fail but the probe still answers", async () => {
		await addServices(copy("halfcast", true));
		await upstreamCalls("halfcast", ["5xx", "timeout", "ok"]);
		const { status, health } = await healthOf("halfcast");
		expect(status).toBe(200);
		expect(health.status).toBe("degraded");
		expect(health.traffic?.status).toBe("down");
		expect(health.reason).toMatch(/answered in \d+ ms, but 2 of 3 upstream calls failed/);
	});

	it("is down, 503, on traffic alone when there is no probe and the calls fail", async () => {
		await addServices(copy("deadcast", false));
		await upstreamCalls("deadcast", ["timeout", "5xx", "network"]);
		const { status, health } = await healthOf("deadcast");
		expect(status).toBe(503);
		expect(health).toMatchObject({ status: "down", probe: null, traffic: { upstream_failures: 3 } });
		expect(health.reason).toBe(
			"SkyCast Weather (deadcast) is down: 3 of 3 upstream calls failed in the last 5 minutes.",
		);
	});

	it("does not judge on one or two calls, nor count the caller's 4xx against the provider", async () => {
		await addServices(copy("rarecast", false), copy("pickycast", false));
		await upstreamCalls("rarecast", ["5xx", "5xx"]);
		await upstreamCalls("pickycast", ["http_error", "http_error", "http_error", "ok"]);
		const rare = await healthOf("rarecast");
		expect(rare).toMatchObject({
			status: 200,
			health: { status: "unknown", traffic: { upstream_calls: 2 } },
		});
		const picky = await healthOf("pickycast");
		expect(picky.health).toMatchObject({
			status: "up",
			traffic: { upstream_calls: 4, upstream_failures: 0, upstream_availability: 1, status: "up" },
		});
	});

	it("reads the calls the gateway itself recorded: real tool calls to a failing upstream make it down", async () => {
		const { health: _probe, ...failing } = faulty("outagecast", "status=503");
		await addServices(failing);
		const { key } = await createKey("identified");
		for (let i = 0; i < 3; i++) {
			const response = await call("/v1/services/outagecast/tools/get_current_conditions", {
				key,
				body: { parameters: { city: "lisbon" } },
			});
			expect(response.status).toBe(502);
		}
		const { status, health } = await healthOf("outagecast");
		expect(status).toBe(503);
		expect(health).toMatchObject({
			status: "down",
			traffic: { upstream_calls: 3, upstream_failures: 3, status: "down" },
		});
		expect(health.reason).toContain("(outagecast) is down: 3 of 3 upstream calls failed");
	});

	it("rests on the probe when the metrics store cannot be read", async () => {
		await addServices(copy("blindcast", true));
		// Analytics Engine without the account and token to read it: the reader refuses, health goes on.
		const unreadable = {
			METRICS_STORE: "analytics-engine",
			CLOUDFLARE_ACCOUNT_ID: "",
			CLOUDFLARE_API_TOKEN: "",
		};
		const ctx = createExecutionContext();
		const response = await app.fetch(
			new Request(`${ORIGIN}/v1/services/blindcast/health`),
			{ ...env, ...unreadable } as GatewayEnv,
			ctx,
		);
		await waitOnExecutionContext(ctx);
		expect(response.status).toBe(200);
		const health = ServiceHealthSchema.parse(await json(response));
		expect(health).toMatchObject({ status: "up", traffic: null, probe: { status: "up" } });
	});
});
