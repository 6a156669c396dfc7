import { scaffoldProvider } from "@penumbra/cli/scaffold";
import { describe, expect, it } from "vitest";
import skycastSpec from "../../../providers/skycast/openapi.yaml?raw";
import { addServices, call, createKey, json, sandboxOrigin } from "./helpers.ts";

const vars = () => ({ SANDBOX_ORIGIN: sandboxOrigin() });

describe("zero-code providers", () => {
	it("adds a provider from a spec file whose operationIds are missing, and runs its tool through the gateway", async () => {
		const stripped = skycastSpec.replace(/^\s+operationId: .*$/gm, "");
		expect(stripped).not.toContain("operationId");
		const result = await scaffoldProvider({
			id: "weatherfeed",
			name: "Weather Feed",
			spec: stripped,
			specUrl: "file:///specs/weatherfeed.yaml",
			// biome-ignore lint/suspicious/noTemplateCurlyInString: a manifest placeholder, substituted by the compiler
			upstreamBase: "${SANDBOX_ORIGIN}/skycast",
			category: "weather",
			vars: vars(),
		});
		expect(result.problems).toEqual([]);
		expect(result.ok).toBe(true);
		expect(result.files.map((f) => f.path)).toEqual(
			expect.arrayContaining(["providers/weatherfeed/provider.yaml", "providers/weatherfeed/openapi.yaml"]),
		);
		const service = result.service;
		if (!service) throw new Error("no compiled service");
		const tool = service.tools.find((t) => t.method === "get" && t.path === "/current");
		expect(tool?.name).toBe("get_current");
		await addServices(service);

		const { key } = await createKey("identified");
		const response = await call(`/v1/services/weatherfeed/tools/${tool?.name}`, {
			key,
			body: { parameters: { city: "lisbon" } },
		});
		expect(response.status, await response.clone().text()).toBe(200);
		expect(JSON.stringify((await json<{ result: unknown }>(response)).result)).toContain("Lisbon");
	});

	it("adds a provider from a spec URL served by the sandbox, with its purchase pair, and runs a tool", async () => {
		const url = `${sandboxOrigin()}/fooddash/openapi.json`;
		const spec = await (await fetch(url)).text();
		const result = await scaffoldProvider({
			id: "foodfeed",
			name: "Food Feed",
			spec,
			specUrl: url,
			// biome-ignore lint/suspicious/noTemplateCurlyInString: a manifest placeholder, substituted by the compiler
			upstreamBase: "${SANDBOX_ORIGIN}/fooddash",
			category: "food-delivery",
			hasPurchases: true,
			precheckPattern: "/checkout/quote",
			vars: vars(),
		});
		expect(result.problems).toEqual([]);
		const service = result.service;
		if (!service) throw new Error("no compiled service");
		expect(service.tools.find((t) => t.purchase?.kind === "purchase")?.purchase).toMatchObject({
			precheck: "get_checkout_quote",
		});
		await addServices(service);

		const { key } = await createKey("identified");
		const response = await call("/v1/services/foodfeed/tools/search_restaurants", {
			key,
			body: { parameters: { city: "austin" } },
		});
		expect(response.status, await response.clone().text()).toBe(200);
		const body = await json<{ result: { restaurants: unknown[] } }>(response);
		expect(body.result.restaurants.length).toBeGreaterThan(0);
	});
});
