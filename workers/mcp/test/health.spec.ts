import type { CompiledService } from "@penumbra/core/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, connectSse, providerServices, sandboxOrigin, seedRegistry } from "./helpers.ts";

interface Check {
	ok: boolean;
	binding: string;
	latency_ms: number;
	error?: string;
}

interface HealthResult {
	status: string;
	services: number;
	checks: { d1: Check; kv: Check; durable_object: Check };
	gateway: { reachable: boolean };
	service?: {
		service: string;
		status: string;
		reason: string;
		probe: { tool: string; status: string } | null;
	};
	error?: { code: string; detail: string; suggestions?: string[] };
}

/** skycast, registered as `id`, behind an upstream that answers every call with 503 (sandbox fault injection). */
function failing(id: string): CompiledService {
	const skycast = providerServices().find((s) => s.card.id === "skycast");
	if (!skycast) throw new Error("skycast is not in providers/");
	return {
		...skycast,
		card: { ...skycast.card, id },
		upstream: `${sandboxOrigin()}/_fault/status=503/skycast`,
	};
}

beforeAll(async () => {
	await seedRegistry([...providerServices(), failing("downcast")]);
});

afterAll(async () => {
	await seedRegistry(providerServices());
});

describe("the health tool", () => {
	it("reports the gateway's dependency checks: D1, KV and a Durable Object round trip", async () => {
		const result = await callTool<HealthResult>(await connect(), "health");
		expect(result.isError).toBeFalsy();
		expect(result.structuredContent).toMatchObject({
			status: "ok",
			services: providerServices().length + 1,
			gateway: { reachable: true },
			checks: {
				d1: { ok: true, binding: "DB" },
				kv: { ok: true, binding: "REGISTRY" },
				durable_object: { ok: true, binding: "ACCOUNT" },
			},
		});
		expect(result.structuredContent?.service).toBeUndefined();
	});

	it("with `service`, adds that provider's health: up, by its declared probe", async () => {
		const result = await callTool<HealthResult>(await connect(), "health", { service: "skycast" });
		expect(result.structuredContent?.service).toMatchObject({
			service: "skycast",
			status: "up",
			probe: { tool: "get_current_conditions", status: "up" },
		});
	});

	it("reports a down provider as down with the reason, not as a failed tool call", async () => {
		const result = await callTool<HealthResult>(await connect(), "health", { service: "downcast" });
		expect(result.isError).toBeFalsy();
		expect(result.structuredContent?.status).toBe("ok");
		expect(result.structuredContent?.service).toMatchObject({ service: "downcast", status: "down" });
		expect(result.structuredContent?.service?.reason).toMatch(/\(downcast\) is down: .*HTTP 503/);
	});

	it("answers an unknown service with NOT_FOUND and the likely one", async () => {
		const result = await callTool<HealthResult>(await connect(), "health", { service: "skycats" });
		expect(result.isError).toBe(true);
		expect(result.structuredContent?.error).toMatchObject({ code: "NOT_FOUND", suggestions: ["skycast"] });
		const malformed = await callTool<HealthResult>(await connect(), "health", { service: "../admin" });
		expect(malformed.isError).toBe(true);
		expect(JSON.stringify(malformed.content)).toContain("a service id from search_services");
	});

	it("takes `service` over the legacy SSE transport too", async () => {
		const client = await connectSse();
		try {
			const result = await client.callTool({ name: "health", arguments: { service: "downcast" } });
			expect(result.structuredContent).toMatchObject({ service: { service: "downcast", status: "down" } });
		} finally {
			await client.close();
		}
	});
});
