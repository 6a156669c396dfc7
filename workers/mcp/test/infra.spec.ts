import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { connect, createKey, mcpFetch, providerServices } from "./helpers.ts";

// The test setup itself: the MCP Worker with the real gateway behind its service binding, sharing D1 and KV.
describe("MCP test infrastructure", () => {
	it("serves /health", async () => {
		const response = await mcpFetch("/health");
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ status: "ok", service: "penumbra-mcp" });
	});

	it("identifies keys over the GATEWAY binding against the migrated database", async () => {
		expect(await env.GATEWAY.identify("pk_garbage")).toBeNull();
		const { id, key, key_id } = await createKey("authenticated", 0, "infra@example.com");
		expect(await env.GATEWAY.identify(key)).toEqual({
			credential_id: id,
			level: "authenticated",
			email: "infra@example.com",
			key_id,
			authority: "agent",
		});
	});

	it("lists the registry seeded into the shared REGISTRY namespace", async () => {
		const answer = await env.GATEWAY.call(null, { method: "GET", path: "/v1/services" });
		expect(answer.status).toBe(200);
		const { services } = z
			.object({ services: z.array(z.object({ id: z.string() })) })
			.parse(JSON.parse(answer.body));
		const expected = providerServices().map((s) => s.card.id);
		expect(expected).toContain("fooddash");
		expect(services.map((s) => s.id).sort()).toEqual(expected.sort());
	});

	// Needs the lead's MCP server (workers/mcp/src/server.ts): fails until it lands.
	it("tools/list returns exactly five tools", async () => {
		const client = await connect();
		try {
			const { tools } = await client.listTools();
			expect(tools).toHaveLength(5);
		} finally {
			await client.close();
		}
	});
});
