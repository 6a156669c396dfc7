import { env, exports } from "cloudflare:workers";
import {
	type CallToolResult,
	Client,
	type ClientOptions,
	StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import type { ClientCapabilities as V1Capabilities } from "@modelcontextprotocol/sdk/types.js";
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
export function withHost(input: string | URL | Request, init?: RequestInit): Request {
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

const ADMIN = () => ({ authorization: `Bearer ${env.TEST_ADMIN_TOKEN}`, "content-type": "application/json" });

/** Credits an account through the admin API, as the operator does. */
export async function credit(credentialId: string, amountCents: number): Promise<void> {
	const credited = await gatewayFetch(`/v1/admin/credentials/${credentialId}/credit`, {
		method: "POST",
		headers: ADMIN(),
		body: JSON.stringify({ amount_cents: amountCents, reference: `test-funding:${credentialId}` }),
	});
	expect(credited.status, await credited.clone().text()).toBe(200);
}

/**
 * Creates a credential through the gateway's admin API and, unless `fundCents` is 0, credits it ($100 by default).
 * Its key is an agent key unless `owner` (docs/auth.md): only an owner key may change controls or confirm.
 */
export async function createKey(
	level: "identified" | "authenticated",
	fundCents = 10_000,
	email = "user@example.com",
	options: { owner?: boolean } = {},
): Promise<{ id: string; key: string; key_id: string }> {
	const response = await gatewayFetch("/v1/admin/credentials", {
		method: "POST",
		headers: ADMIN(),
		body: JSON.stringify({ email, level, owner_key: options.owner ?? false }),
	});
	expect(response.status, await response.clone().text()).toBe(201);
	const created = (await response.json()) as { id: string; key: string; key_id: string };
	if (fundCents > 0) await credit(created.id, fundCents);
	return created;
}

/** One account as it is used: the owner's key (controls, decisions) and an agent key given to an assistant. */
export interface Account {
	id: string;
	ownerKey: string;
	agentKey: string;
	agentKeyId: string;
}

/** A funded account with an owner key and an agent key; `thresholdCents` sets the auto-approve threshold. */
export async function createAccount(
	options: { fundCents?: number; thresholdCents?: number; email?: string } = {},
): Promise<Account> {
	const owner = await createKey("authenticated", options.fundCents ?? 50_000, options.email, { owner: true });
	if (options.thresholdCents !== undefined) {
		await asOwner(owner.key, "/v1/account/controls", {
			method: "PUT",
			body: { auto_approve_threshold_cents: options.thresholdCents },
		});
	}
	const agent = await asOwner<{ id: string; key: string }>(owner.key, "/v1/account/keys", {
		body: { name: "assistant" },
	});
	return { id: owner.id, ownerKey: owner.key, agentKey: agent.key, agentKeyId: agent.id };
}

/** The owner revokes one of the account's keys. */
export async function revokeKey(ownerKey: string, keyId: string): Promise<void> {
	const response = await gatewayFetch(`/v1/account/keys/${keyId}`, {
		method: "DELETE",
		headers: { authorization: `Bearer ${ownerKey}` },
	});
	expect(response.status, await response.clone().text()).toBe(204);
}

/** The sandbox's origin (the upstream of every provider built for tests). */
export function sandboxOrigin(): string {
	const fooddash = providerServices().find((s) => s.card.id === "fooddash");
	if (!fooddash) throw new Error("fooddash is not in the registry");
	return new URL(fooddash.upstream).origin;
}

/**
 * How many orders a sandbox merchant has taken: all tests together, or only those for `quoteIds` (the merchant
 * idempotency key of a quote is `penumbra-<quote id>`), which test files running side by side cannot disturb.
 */
export async function merchantOrders(merchant: string, quoteIds?: readonly string[]): Promise<number> {
	if (quoteIds?.length === 0) return 0;
	const query = new URLSearchParams(
		(quoteIds ?? []).map((id) => ["idempotency_key", `penumbra-${id.split(".")[0]}`]),
	);
	const response = await fetch(
		`${sandboxOrigin()}/_control/orders/${merchant}${quoteIds ? `?${query}` : ""}`,
	);
	expect(response.status).toBe(200);
	return ((await response.json()) as { orders: number }).orders;
}

/** What must not move when an attempt is refused: the balance, the ledger and the merchant's orders. */
export interface Books {
	balance_cents: number;
	available_cents: number;
	entries: number;
	orders: number;
}

export async function books(key: string, merchant: string, quoteIds?: readonly string[]): Promise<Books> {
	const account = await asOwner<{ balance_cents: number; available_cents: number }>(key, "/v1/account");
	const statement = await asOwner<{ entries: unknown[] }>(key, "/v1/account/statement?limit=200");
	return {
		balance_cents: account.balance_cents,
		available_cents: account.available_cents,
		entries: statement.entries.length,
		orders: await merchantOrders(merchant, quoteIds),
	};
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

/** A v1 SDK client over the legacy HTTP+SSE transport (protocol 2024-11-05), as older MCP clients speak it. */
export async function connectSse(
	options: {
		headers?: Record<string, string>;
		capabilities?: V1Capabilities;
		prepare?: (client: V1Client) => void;
	} = {},
): Promise<V1Client> {
	const fetchVia = (url: string | URL | Request, init?: RequestInit) => {
		const request = withHost(url, init);
		for (const [name, value] of Object.entries(options.headers ?? {})) request.headers.set(name, value);
		return exports.default.fetch(request);
	};
	const transport = new SSEClientTransport(new URL("/sse", mcpOrigin()), {
		eventSourceInit: { fetch: fetchVia },
		fetch: fetchVia,
	});
	const client = new V1Client(
		{ name: "legacy-sse-test", version: "0.0.0" },
		options.capabilities ? { capabilities: options.capabilities } : {},
	);
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

/** A gateway REST call with `key` that must succeed (an owner key for controls, decisions and keys). */
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
