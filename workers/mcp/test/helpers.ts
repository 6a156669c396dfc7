import { env, exports } from "cloudflare:workers";
import {
	type CallToolResult,
	Client,
	type ClientOptions,
	StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import type { CompiledService } from "@penumbra/core/registry";
import { buildRegistry } from "@penumbra/core/registry";
import { expect } from "vitest";

/** The gateway answers any host; this one only names it in test output. */
const GATEWAY_ORIGIN = "http://gateway.test";

/** The MCP Worker's public origin (PUBLIC_URL): OAuth resources and printed links are bound to it. */
export function mcpOrigin(): string {
	return new URL(env.PUBLIC_URL).origin;
}

/** The services built from providers/ by the global setup. */
export function providerServices(): CompiledService[] {
	return JSON.parse(env.TEST_REGISTRY);
}

/**
 * Writes services into the REGISTRY namespace exactly as `penumbra providers seed` does, every entry the registry
 * build emits. The gateway reads the same namespace (same id, one Miniflare).
 */
export async function seedRegistry(services: CompiledService[]): Promise<void> {
	const { entries } = buildRegistry(services, new Date().toISOString());
	await Promise.all(entries.map((e) => env.REGISTRY.put(e.key, e.value)));
}

/** workerd's `new Request` has no Host header, and the MCP handler refuses a request without one. */
function withHost(input: string | URL | Request, init?: RequestInit): Request {
	const request = new Request(input, init);
	if (!request.headers.has("host")) request.headers.set("host", new URL(request.url).host);
	return request;
}

/** A raw HTTP request to the MCP Worker's real entry point, at its public origin (OAuth metadata, health, …). */
export async function mcpFetch(path: string, init?: RequestInit): Promise<Response> {
	return exports.default.fetch(withHost(new URL(path, mcpOrigin()), init));
}

/** A call of the gateway's HTTP API (the auxiliary Worker), e.g. its admin routes. */
export async function gatewayFetch(path: string, init?: RequestInit): Promise<Response> {
	return env.GATEWAY_HTTP.fetch(new Request(new URL(path, GATEWAY_ORIGIN), init));
}

/** Creates a credential through the gateway's admin API and, unless `fundCents` is 0, credits it ($100 by default). */
export async function createKey(
	level: "identified" | "authenticated",
	fundCents = 10_000,
	email = "user@example.com",
): Promise<{ id: string; key: string }> {
	const headers = { authorization: `Bearer ${env.TEST_ADMIN_TOKEN}`, "content-type": "application/json" };
	const response = await gatewayFetch("/v1/admin/credentials", {
		method: "POST",
		headers,
		body: JSON.stringify({ email, level }),
	});
	expect(response.status, await response.clone().text()).toBe(201);
	const created = (await response.json()) as { id: string; key: string };
	if (fundCents > 0) {
		const credited = await gatewayFetch(`/v1/admin/credentials/${created.id}/credit`, {
			method: "POST",
			headers,
			body: JSON.stringify({ amount_cents: fundCents, reference: `test-funding:${created.id}` }),
		});
		expect(credited.status, await credited.clone().text()).toBe(200);
	}
	return created;
}

export interface ConnectOptions {
	/** An API key, sent as `Authorization: Bearer <key>`. */
	key?: string;
	headers?: Record<string, string>;
	/** Client options, e.g. capabilities (elicitation) or `versionNegotiation`. */
	client?: ClientOptions;
	/** Runs before connecting, e.g. to register an elicitation handler. */
	prepare?: (client: Client) => void;
}

/** An MCP client connected over Streamable HTTP to `/mcp`, through the MCP Worker's real entry point. */
export async function connect(options: ConnectOptions = {}): Promise<Client> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.key) headers.authorization = `Bearer ${options.key}`;
	const transport = new StreamableHTTPClientTransport(new URL("/mcp", mcpOrigin()), {
		fetch: (url, init) => exports.default.fetch(withHost(url, init)),
		requestInit: { headers },
	});
	const client = new Client({ name: "penumbra-tests", version: "0.0.0" }, options.client);
	options.prepare?.(client);
	await client.connect(transport);
	return client;
}

/** A tool result whose structured content the caller types. */
export type ToolResult<T> = Pick<CallToolResult, "content" | "isError"> & { structuredContent?: T };

/** Calls a tool; tool errors come back as `isError` results (protocol errors throw). */
export async function callTool<T = Record<string, unknown>>(
	client: Client,
	name: string,
	args: Record<string, unknown> = {},
): Promise<ToolResult<T>> {
	return (await client.callTool({ name, arguments: args })) as ToolResult<T>;
}

/** The text blocks of a tool result, joined. */
export function textOf(result: Pick<CallToolResult, "content">): string {
	return result.content
		.filter((block) => block.type === "text")
		.map((block) => block.text)
		.join("\n");
}

/** A FoodDash order found through the tools, as a model would: the first restaurant's first dish, `quantity` times. */
export async function foodOrder(client: Client, quantity = 3): Promise<Record<string, unknown>> {
	const found = await callTool<{ result: { restaurants: { restaurant_id: string; city: string }[] } }>(
		client,
		"execute",
		{ service: "fooddash", tool: "search_restaurants", parameters: { city: "austin" } },
	);
	const restaurant = found.structuredContent?.result.restaurants[0];
	if (!restaurant) throw new Error(`no restaurant: ${textOf(found)}`);
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
	if (!item) throw new Error(`no menu item: ${textOf(menu)}`);
	return {
		restaurant_id: restaurant.restaurant_id,
		items: [{ item_id: item.item_id, quantity }],
		delivery_address: { street: "100 Congress Ave", city: restaurant.city },
		tip_cents: 300,
	};
}

/** A gateway call as the owner of `key` (spend controls, quotes, account). */
export async function asOwner<T>(
	key: string,
	path: string,
	init: { method?: string; body?: unknown } = {},
): Promise<T> {
	const response = await gatewayFetch(path, {
		method: init.method ?? (init.body ? "POST" : "GET"),
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		...(init.body ? { body: JSON.stringify(init.body) } : {}),
	});
	expect(response.status, await response.clone().text()).toBeLessThan(300);
	return (await response.json()) as T;
}
