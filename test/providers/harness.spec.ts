import { describe, expect, it } from "vitest";
import { callTool, connect, createAccount, gatewayFetch } from "../../workers/mcp/test/helpers.ts";
import { fixtureService, mockOrigin } from "./helpers.ts";

// The harness itself: a fixture provider compiled against its own Prism mock, reached through the gateway's REST
// route and through MCP `execute` (Bright Sky: a real weather API spec with no authentication).
describe("fixture providers against mocks of their specs", () => {
	it("compiles each fixture with its upstream at its mock", () => {
		const service = fixtureService("brightsky");
		expect(service.upstream).toBe(mockOrigin("brightsky"));
		expect(service.tools.map((tool) => tool.name)).toContain("getCurrentWeather");
	});

	it("calls a fixture tool through the gateway and through MCP execute", async () => {
		const account = await createAccount();
		const rest = await gatewayFetch("/v1/services/brightsky/tools/getCurrentWeather", {
			method: "POST",
			headers: { authorization: `Bearer ${account.agentKey}`, "content-type": "application/json" },
			body: JSON.stringify({ parameters: { lat: 52.52, lon: 13.4 } }),
		});
		const answer = (await rest.json()) as { result?: { weather?: unknown } };
		expect(rest.status, JSON.stringify(answer)).toBe(200);
		expect(answer.result?.weather).toBeDefined();

		const client = await connect({ key: account.agentKey });
		const viaMcp = await callTool<{ result: { weather?: unknown } }>(client, "execute", {
			service: "brightsky",
			tool: "getCurrentWeather",
			parameters: { lat: 52.52, lon: 13.4 },
		});
		expect(viaMcp.isError, JSON.stringify(viaMcp.content)).toBeFalsy();
		expect(viaMcp.structuredContent?.result.weather).toBeDefined();
		await client.close();
	});

	it("passes the spec's validation on to the caller: Prism refuses what the real API would", async () => {
		const account = await createAccount();
		// `units` is an enum in the spec; the gateway validates it before the upstream sees it.
		const rest = await gatewayFetch("/v1/services/brightsky/tools/getCurrentWeather", {
			method: "POST",
			headers: { authorization: `Bearer ${account.agentKey}`, "content-type": "application/json" },
			body: JSON.stringify({ parameters: { lat: 52.52, lon: 13.4, units: "kelvin" } }),
		});
		expect(rest.status).toBe(400);
	});
});
