import { beforeAll, describe, expect, it } from "vitest";
import { asOwner, callTool, connect, createKey, providerServices, seedRegistry, textOf } from "./helpers.ts";

interface SearchAnswer {
	results: { id: string; why: string[]; tools: { name: string }[] }[];
	corrected: { from: string; to: string }[];
	expanded: { from: string; to: string[] }[];
	categories: string[];
	empty_reason?: string;
}

interface ToolError {
	error: { code: string; detail: string; hint: string; [key: string]: unknown };
}

interface Account {
	balance_cents: number;
	available_cents: number;
	holds: unknown[];
}

beforeAll(async () => {
	await seedRegistry(providerServices());
});

describe("tools/list", () => {
	it("lists exactly the five meta-tools, with schemas and truthful annotations", async () => {
		const client = await connect();
		const { tools } = await client.listTools();
		expect(tools.map((t) => t.name).sort()).toEqual([
			"execute",
			"get_started",
			"health",
			"list_tools",
			"search_services",
		]);
		for (const tool of tools) {
			expect(tool.description?.length).toBeGreaterThan(40);
			expect(tool.inputSchema.type).toBe("object");
			expect(tool.annotations?.readOnlyHint).toBe(tool.name !== "execute");
		}
		const execute = tools.find((t) => t.name === "execute");
		expect(execute?.inputSchema.required).toEqual(expect.arrayContaining(["service", "tool"]));
		expect(execute?.annotations?.destructiveHint).toBe(true);
	});

	it("is the same list for a signed-in caller, whatever the registry holds", async () => {
		const { key } = await createKey("authenticated");
		const anonymous = await (await connect()).listTools();
		await seedRegistry(providerServices().slice(0, 2));
		const signedIn = await (await connect({ key })).listTools();
		await seedRegistry(providerServices());
		expect(signedIn.tools).toEqual(anonymous.tools);
	});
});

describe("anonymous callers", () => {
	it("can get started, search, list tools and check health, but not execute account-only tools", async () => {
		const client = await connect();
		const started = await callTool<{
			auth_level: string;
			signed_in: boolean;
			connect: Record<string, string>;
		}>(client, "get_started");
		expect(started.isError).toBeFalsy();
		expect(started.structuredContent).toMatchObject({ auth_level: "anonymous", signed_in: false });
		expect(started.structuredContent?.connect.api_key).toContain("Authorization: Bearer");

		const search = await callTool<SearchAnswer>(client, "search_services", { query: "order some food" });
		expect(search.structuredContent?.results.length).toBeGreaterThan(0);

		const tools = await callTool<{ tools: { name: string; needs_account?: boolean }[] }>(
			client,
			"list_tools",
			{
				service: "fooddash",
			},
		);
		expect(tools.structuredContent?.tools.find((t) => t.name === "checkout")?.needs_account).toBe(true);

		const health = await callTool<{ status: string; services: number }>(client, "health");
		expect(health.structuredContent).toMatchObject({ status: "ok", services: providerServices().length });

		const bought = await callTool<ToolError>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters: {},
		});
		expect(bought.isError).toBe(true);
		expect(bought.structuredContent?.error.code).toBe("AUTH_REQUIRED");
		expect(bought.structuredContent?.error.connect).toMatchObject({
			mcp_url: expect.stringContaining("/mcp"),
		});
	});

	it("a bad key is refused at the door with the OAuth challenge", async () => {
		await expect(connect({ key: "unified-not-a-real-key" })).rejects.toThrow();
	});
});

describe("the journey: search → list_tools → free tool → quote → receipt", () => {
	it("buys food and moves the balance by exactly the receipt", async () => {
		const { key } = await createKey("authenticated", 50_000, undefined, { owner: true });
		await asOwner(key, "/v1/account/controls", {
			method: "PUT",
			body: { auto_approve_threshold_cents: 100_000 },
		});
		const client = await connect({ key });

		const started = await callTool<{ auth_level: string; account: { balance_cents: number } }>(
			client,
			"get_started",
		);
		expect(started.structuredContent).toMatchObject({
			auth_level: "authenticated",
			account: { balance_cents: 50_000 },
		});

		// Naming the brand makes FoodDash the first answer whatever other providers the catalog holds.
		const search = await callTool<SearchAnswer>(client, "search_services", {
			query: "order some food from FoodDash",
		});
		expect(search.structuredContent?.results[0]?.id).toBe("fooddash");

		const listed = await callTool<{ tools: { name: string; purchase?: boolean; input_schema: unknown }[] }>(
			client,
			"list_tools",
			{ service: "fooddash" },
		);
		expect(listed.structuredContent?.tools.find((t) => t.name === "checkout")?.purchase).toBe(true);

		const found = await callTool<{ result: { restaurants: { restaurant_id: string; city: string }[] } }>(
			client,
			"execute",
			{ service: "fooddash", tool: "search_restaurants", parameters: { city: "austin" } },
		);
		expect(found.isError, textOf(found)).toBeFalsy();
		const restaurant = found.structuredContent?.result.restaurants[0];
		if (!restaurant) throw new Error("no restaurant");
		const menu = await callTool<{ result: { sections: { items: { item_id: string }[] }[] } }>(
			client,
			"execute",
			{
				service: "fooddash",
				tool: "get_menu",
				parameters: { restaurant_id: restaurant.restaurant_id },
			},
		);
		const item = menu.structuredContent?.result.sections[0]?.items[0];
		if (!item) throw new Error("no menu item");
		const before = await asOwner<Account>(key, "/v1/account");

		const parameters = {
			restaurant_id: restaurant.restaurant_id,
			items: [{ item_id: item.item_id, quantity: 2 }],
			delivery_address: { street: "100 Congress Ave", city: restaurant.city },
			tip_cents: 300,
		};
		const quoted = await callTool<{ status: string; quote: { quote_id: string; amount_cents: number } }>(
			client,
			"execute",
			{ service: "fooddash", tool: "checkout", parameters },
		);
		expect(quoted.isError, textOf(quoted)).toBeFalsy();
		expect(quoted.structuredContent?.status).toBe("quoted");
		const quote = quoted.structuredContent?.quote;
		if (!quote) throw new Error("no quote");
		expect(quote.amount_cents).toBeGreaterThan(0);
		// A quote charges nothing.
		expect((await asOwner<Account>(key, "/v1/account")).balance_cents).toBe(before.balance_cents);

		const bought = await callTool<{ status: string; receipt: { amount_cents: number; id: string } }>(
			client,
			"execute",
			{ service: "fooddash", tool: "checkout", parameters, quote_id: quote.quote_id },
		);
		expect(bought.isError, textOf(bought)).toBeFalsy();
		expect(bought.structuredContent?.status).toBe("bought");
		const receipt = bought.structuredContent?.receipt;
		expect(receipt?.amount_cents).toBe(quote.amount_cents);

		const after = await asOwner<Account>(key, "/v1/account");
		expect(after.balance_cents).toBe(before.balance_cents - quote.amount_cents);
		const statement = await asOwner<{ receipts: { id: string; amount_cents: number }[] }>(
			key,
			"/v1/account/statement",
		);
		expect(statement.receipts.map((r) => r.id)).toContain(receipt?.id);

		// The same quote again replays the receipt and charges nothing more.
		const again = await callTool<{ status: string; receipt: { id: string } }>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quote.quote_id,
		});
		expect(again.structuredContent).toMatchObject({ status: "already_bought", receipt: { id: receipt?.id } });
		expect((await asOwner<Account>(key, "/v1/account")).balance_cents).toBe(after.balance_cents);
	});
});

describe("execute errors a model can act on", () => {
	it("names each bad parameter by JSON pointer with the expected type, before calling anything", async () => {
		const { key } = await createKey("authenticated");
		const client = await connect({ key });
		const result = await callTool<
			ToolError & { error: { errors: { pointer: string; expected?: string }[] } }
		>(client, "execute", {
			service: "fooddash",
			tool: "search_restaurants",
			parameters: { city: 42, limit: "ten" },
		});
		expect(result.isError).toBe(true);
		expect(result.structuredContent?.error.code).toBe("VALIDATION_FAILED");
		const pointers = result.structuredContent?.error.errors.map((e) => e.pointer) ?? [];
		expect(pointers).toContain("/parameters/city");
		expect(
			result.structuredContent?.error.errors.find((e) => e.pointer === "/parameters/city")?.expected,
		).toBe("string");
	});

	it("suggests the right name for an unknown service or tool", async () => {
		const client = await connect();
		const service = await callTool<ToolError>(client, "execute", {
			service: "foodash",
			tool: "search_restaurants",
			parameters: {},
		});
		expect(service.structuredContent?.error).toMatchObject({ code: "NOT_FOUND", suggestions: ["fooddash"] });
		const tool = await callTool<ToolError>(client, "list_tools", { service: "skycats" });
		expect(tool.structuredContent?.error.code).toBe("NOT_FOUND");
	});

	it("reports the shortfall and a top-up link when the balance is short", async () => {
		const { key } = await createKey("authenticated", 20, undefined, { owner: true });
		await asOwner(key, "/v1/account/controls", {
			method: "PUT",
			body: { auto_approve_threshold_cents: 100_000 },
		});
		const client = await connect({ key });
		const found = await callTool<{ result: { restaurants: { restaurant_id: string; city: string }[] } }>(
			client,
			"execute",
			{ service: "fooddash", tool: "search_restaurants", parameters: { city: "austin" } },
		);
		const restaurant = found.structuredContent?.result.restaurants[0];
		const menu = await callTool<{ result: { sections: { items: { item_id: string }[] }[] } }>(
			client,
			"execute",
			{
				service: "fooddash",
				tool: "get_menu",
				parameters: { restaurant_id: restaurant?.restaurant_id },
			},
		);
		const parameters = {
			restaurant_id: restaurant?.restaurant_id,
			items: [{ item_id: menu.structuredContent?.result.sections[0]?.items[0]?.item_id, quantity: 3 }],
			delivery_address: { street: "1 Main St", city: restaurant?.city },
		};
		const quoted = await callTool<{ quote: { quote_id: string } }>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
		});
		expect(quoted.isError, textOf(quoted)).toBeFalsy();
		const bought = await callTool<ToolError>(client, "execute", {
			service: "fooddash",
			tool: "checkout",
			parameters,
			quote_id: quoted.structuredContent?.quote.quote_id,
		});
		expect(bought.isError).toBe(true);
		expect(bought.structuredContent?.error).toMatchObject({
			code: "INSUFFICIENT_FUNDS",
			shortfall_cents: expect.any(Number),
			top_up_url: expect.stringContaining("top-up"),
		});
	});
});
