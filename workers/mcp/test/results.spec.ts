import type { CompiledService } from "@penumbra/core/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, createKey, providerServices, seedRegistry, textOf } from "./helpers.ts";

/** FoodDash behind the sandbox's `large` fault: every answer padded to `bytes` with one long `_padding` string. */
function padded(bytes: number): CompiledService {
	const base = providerServices().find((s) => s.card.id === "fooddash");
	if (!base) throw new Error("fooddash is not in the registry");
	const origin = new URL(base.upstream).origin;
	return {
		...base,
		card: { ...base.card, id: "foodfeed" },
		upstream: `${origin}/_fault/large=${bytes}/fooddash`,
	};
}

interface Shaped {
	result: unknown;
	truncated?: boolean;
	note?: string;
}

beforeAll(async () => {
	await seedRegistry([...providerServices(), padded(80_000)]);
});

afterAll(async () => {
	await seedRegistry(providerServices());
});

describe("result shaping", () => {
	it("cuts an answer over the size cap and says how to ask for less", async () => {
		const { key } = await createKey("authenticated");
		const client = await connect({ key });
		const result = await callTool<Shaped>(client, "execute", {
			service: "foodfeed",
			tool: "search_restaurants",
			parameters: { city: "austin" },
		});
		expect(result.isError, textOf(result)).toBeFalsy();
		expect(result.structuredContent?.truncated).toBe(true);
		expect(result.structuredContent?.note).toMatch(/Truncated.*fields/);
		const text = textOf(result);
		expect(new TextEncoder().encode(text).byteLength).toBeLessThan(26 * 1024);
		expect(text).toContain("Truncated");
	});

	it("keeps whole answers within the cap when `fields` projects them", async () => {
		const { key } = await createKey("authenticated");
		const client = await connect({ key });
		const result = await callTool<{ result: { restaurants: { name: string; rating?: number }[] } } & Shaped>(
			client,
			"execute",
			{
				service: "foodfeed",
				tool: "search_restaurants",
				parameters: { city: "austin" },
				fields: ["restaurants.name", "restaurants.rating", "no_such_field"],
			},
		);
		expect(result.isError, textOf(result)).toBeFalsy();
		expect(result.structuredContent?.truncated).toBeUndefined();
		const restaurants = result.structuredContent?.result.restaurants ?? [];
		expect(restaurants.length).toBeGreaterThan(0);
		for (const r of restaurants) expect(Object.keys(r).sort()).toEqual(["name", "rating"]);
		expect(result.structuredContent?.note).toContain("no_such_field");
	});
});
