import { env } from "cloudflare:workers";
import { type ServiceHealth, ServiceHealthSchema } from "@penumbra/core/contracts";
import { healthProbeKey } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { addServices, call, expectProblem, faulty, json, providerService } from "../helpers.ts";

async function healthOf(id: string): Promise<{ status: number; health: ServiceHealth }> {
	const response = await call(`/v1/services/${id}/health`);
	return { status: response.status, health: ServiceHealthSchema.parse(await json(response)) };
}

describe("GET /v1/services/{id}/health", () => {
	it("is up when the declared probe answers: no key needed, the probe named", async () => {
		expect(providerService("skycast").health).toEqual({
			tool: "get_current_conditions",
			parameters: { city: "lisbon" },
		});
		const { status, health } = await healthOf("skycast");
		expect(status).toBe(200);
		expect(health).toMatchObject({
			service: "skycast",
			status: "up",
			probe: { tool: "get_current_conditions", status: "up", upstream_status: 200, cached: false },
		});
		expect(health.reason).toMatch(
			/^SkyCast Weather \(skycast\) is up: its health probe get_current_conditions answered/,
		);
	});

	it("is down, 503, when the provider's upstream fails, with a reason naming the service and the failure", async () => {
		await addServices(faulty("brokencast", "status=503"));
		const { status, health } = await healthOf("brokencast");
		expect(status).toBe(503);
		expect(health.status).toBe("down");
		expect(health.probe).toMatchObject({ status: "down", upstream_status: 503 });
		expect(health.reason).toMatch(
			/\(brokencast\) is down: its health probe get_current_conditions failed: .*HTTP 503/,
		);
	});

	it("is down when the upstream does not answer within the service's timeout", async () => {
		await addServices(faulty("hungcast", "hang", { timeoutMs: 300 }));
		const { status, health } = await healthOf("hungcast");
		expect(status).toBe(503);
		expect(health.probe).toMatchObject({ status: "down", upstream_status: null });
		expect(health.reason).toContain("did not answer within 300 ms");
	});

	it("is degraded when the probe answers, but slowly (over half the service's timeout)", async () => {
		await addServices(faulty("slowcast", "latency=700", { timeoutMs: 1000 }));
		const { status, health } = await healthOf("slowcast");
		expect(status).toBe(200);
		expect(health.status).toBe("degraded");
		expect(health.probe).toMatchObject({ status: "degraded", upstream_status: 200 });
		expect(health.reason).toMatch(/\(slowcast\) is degraded: .*slow: answered in \d+ ms \(timeout 1000 ms\)/);
	});

	it("is unknown without a probe and without recent calls", async () => {
		const { health: _probe, ...bare } = faulty("quietcast", "latency=1");
		await addServices(bare);
		const { status, health } = await healthOf("quietcast");
		expect(status).toBe(200);
		expect(health).toMatchObject({ status: "unknown", probe: null });
		expect(health.reason).toContain("(quietcast) is in an unknown state: it declares no health probe");
	});

	it("probes a provider at most once per 30 s: a later ask is served the same result, even after a fix", async () => {
		await addServices(faulty("cachecast", "status=503"));
		const first = await healthOf("cachecast");
		expect(first.health.probe).toMatchObject({ status: "down", cached: false });
		// The provider is fixed (the same id, a healthy upstream): a new probe would say up.
		await addServices({
			...providerService("skycast"),
			card: { ...providerService("skycast").card, id: "cachecast" },
		});
		const second = await healthOf("cachecast");
		expect(second.health.status).toBe("down");
		expect(second.health.probe).toMatchObject({ cached: true, checked_at: first.health.probe?.checked_at });
		// Other isolates read the result from KV.
		const shared = await env.REGISTRY.get<{ status: string; checked_at: string }>(
			healthProbeKey("cachecast"),
			"json",
		);
		expect(shared).toMatchObject({ status: "down", checked_at: first.health.probe?.checked_at });
	});

	it("serves a recent probe another isolate left in KV instead of probing again", async () => {
		const skycast = providerService("skycast");
		await addServices({ ...skycast, card: { ...skycast.card, id: "sharedcast" } });
		const elsewhere = {
			tool: "get_current_conditions",
			status: "down",
			latency_ms: 12,
			upstream_status: 502,
			error: "The service failed (HTTP 502).",
			checked_at: new Date().toISOString(),
		};
		await env.REGISTRY.put(healthProbeKey("sharedcast"), JSON.stringify(elsewhere), { expirationTtl: 60 });
		const { status, health } = await healthOf("sharedcast");
		expect(status).toBe(503);
		expect(health.probe).toEqual({ ...elsewhere, cached: true });
	});

	it("does not count its probes as the provider's traffic", async () => {
		const skycast = providerService("skycast");
		await addServices({ ...skycast, card: { ...skycast.card, id: "probedcast" } });
		expect((await healthOf("probedcast")).health.probe?.cached).toBe(false);
		const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
		const response = await call("/v1/admin/metrics?since=15m&service=probedcast", { headers: admin });
		expect(response.status).toBe(200);
		const report = await json<{ totals: { upstream_calls: number } }>(response);
		expect(report.totals.upstream_calls).toBe(0);
	});

	it("answers 404 for an unknown service", async () => {
		const problem = await expectProblem(await call("/v1/services/skycats/health"), 404, "NOT_FOUND");
		expect(problem.detail).toContain('"skycast"');
	});
});
