import { env, exports } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/client";
import type { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { AccountViewSchema, mcpInternalRequest } from "@penumbra/core/contracts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SHIPFAST_SHIPMENT } from "../../../test/fixtures/shipfast.ts";
import { confirmationUrl } from "../src/auth/confirm.ts";
import { Gateway } from "../src/gateway.ts";
import {
	asOwner,
	type Books,
	books,
	callTool,
	connect,
	connectSse,
	createAccount,
	createKey,
	gatewayFetch,
	mcpFetch,
	revokeKey,
	type ToolResult,
	textOf,
} from "./helpers.ts";
import { Browser, emailOwner, grantWithKey, signInByEmail } from "./pages.ts";

/**
 * An agent (an assistant holding an API key or an OAuth grant) tries, with real MCP clients over Streamable HTTP
 * (v2 SDK) and legacy SSE (v1 SDK), to buy what only the owner may approve, to decide for the owner, and to keep
 * acting after its key was revoked. Every attempt is refused, and nothing moved: the balance, the ledger and the
 * merchant's orders are as they were. ShipFast is the merchant; the orders counted are
 * only those of this file's quotes (every test file of a run shares the sandbox).
 */

const MERCHANT = "shipfast";
const SHIPMENT = SHIPFAST_SHIPMENT;

interface Quoted {
	quote: { quote_id: string; amount_cents: number };
	confirmation_url?: string;
}

type Caller = (name: string, args: Record<string, unknown>) => Promise<ToolResult<Record<string, unknown>>>;

const v2Caller =
	(client: Client): Caller =>
	(name, args) =>
		callTool(client, name, args);

const v1Caller =
	(client: V1Client): Caller =>
	async (name, args) =>
		(await client.callTool({ name, arguments: args })) as ToolResult<Record<string, unknown>>;

/** Every quote this file asked for: the merchant orders the books count are theirs (other files buy too). */
const quoteIds = new Set<string>();

/** Quotes a label through the tools, as the model would. */
async function quoteLabel(call: Caller): Promise<Quoted> {
	const quoted = await call("execute", { service: MERCHANT, tool: "buy_label", parameters: SHIPMENT });
	expect(quoted.isError, textOf(quoted)).toBeFalsy();
	const result = quoted.structuredContent as unknown as Quoted;
	quoteIds.add(result.quote.quote_id);
	return result;
}

function buyLabel(call: Caller, quoteId: string): Promise<ToolResult<Record<string, unknown>>> {
	return call("execute", { service: MERCHANT, tool: "buy_label", parameters: SHIPMENT, quote_id: quoteId });
}

/** The books as the account's key reads them (agents may read the account). */
const snapshot = (key: string): Promise<Books> => books(key, MERCHANT, [...quoteIds]);

async function quoteStatus(key: string, quoteId: string): Promise<string> {
	return (await asOwner<{ status: string }>(key, `/v1/quotes/${encodeURIComponent(quoteId)}`)).status;
}

/** Every purchase needs the owner (threshold 0), or none does (so a refused buy is the refusal under test). */
const CAUTIOUS = { fundCents: 50_000, thresholdCents: 0 };
const TRUSTING = { fundCents: 50_000, thresholdCents: 100_000 };

describe("an agent cannot confirm its own purchase by answering its own elicitation", () => {
	for (const [what, answer] of [
		["form content {confirm: true}", { action: "accept", content: { confirm: true } }],
		["a plain URL accept", { action: "accept" }],
	] as const) {
		it(`Streamable HTTP (v2 client): ${what} buys nothing`, async () => {
			const account = await createAccount(CAUTIOUS);
			const asked: { mode?: string; url?: string }[] = [];
			const client = await connect({
				key: account.agentKey,
				client: {
					capabilities: { elicitation: { form: {}, url: {} } },
					versionNegotiation: { mode: "auto" },
				},
				prepare: (c) =>
					c.setRequestHandler("elicitation/create", async (request) => {
						asked.push(request.params as { mode?: string; url?: string });
						return answer;
					}),
			});
			const quoted = await quoteLabel(v2Caller(client));
			const before = await snapshot(account.ownerKey);

			for (const attempt of [1, 2]) {
				const result = await buyLabel(v2Caller(client), quoted.quote.quote_id);
				expect(result.isError, textOf(result)).toBeFalsy();
				expect(result.structuredContent).toMatchObject({
					status: "awaiting_confirmation",
					confirmation_url: quoted.confirmation_url,
				});
				expect(asked).toHaveLength(attempt);
			}
			// Only ever the page, never a form the client could fill in.
			expect(asked.every((a) => a.mode === "url" && a.url === quoted.confirmation_url)).toBe(true);
			expect(await quoteStatus(account.ownerKey, quoted.quote.quote_id)).toBe("open");
			expect(await snapshot(account.ownerKey)).toEqual(before);
		});
	}

	it("legacy SSE (v1 client): accepting the URL elicitation, even with form content, buys nothing", async () => {
		const account = await createAccount(CAUTIOUS);
		// The eventsource polyfill the v1 client uses hands each event to its handler twice inside workerd (its
		// onmessage and workerd's dispatch of the same event): the requests are counted by JSON-RPC id.
		const asked = new Map<string | number, string | undefined>();
		const client = await connectSse({
			headers: { authorization: `Bearer ${account.agentKey}` },
			capabilities: { elicitation: { form: {}, url: {} } },
			prepare: (c) =>
				c.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
					asked.set(extra.requestId, request.params.mode);
					return { action: "accept", content: { confirm: true } };
				}),
		});
		const quoted = await quoteLabel(v1Caller(client));
		const before = await snapshot(account.ownerKey);
		const result = await buyLabel(v1Caller(client), quoted.quote.quote_id);
		expect(result.isError, textOf(result)).toBeFalsy();
		expect(result.structuredContent).toMatchObject({ status: "awaiting_confirmation" });
		expect([...asked.values()]).toEqual(["url"]);
		expect(await quoteStatus(account.ownerKey, quoted.quote.quote_id)).toBe("open");
		expect(await snapshot(account.ownerKey)).toEqual(before);
		await client.close();
	});
});

describe("an agent cannot decide for the owner at the gateway", () => {
	it("its key gets 403 on confirm and decline; its grant's token is no gateway key, and the grant's calls get 403", async () => {
		const account = await createAccount(CAUTIOUS);
		const client = await connect({ key: account.agentKey });
		const quoted = await quoteLabel(v2Caller(client));
		const before = await snapshot(account.ownerKey);
		const quotePath = `/v1/quotes/${encodeURIComponent(quoted.quote.quote_id)}`;

		for (const decision of ["confirm", "decline"]) {
			const refused = await gatewayFetch(`${quotePath}/${decision}`, {
				method: "POST",
				headers: { authorization: `Bearer ${account.agentKey}` },
			});
			expect(refused.status).toBe(403);
			expect(await refused.json()).toMatchObject({ code: "FORBIDDEN", owner_only: true });
		}

		const grant = await grantWithKey(account.agentKey);
		const asToken = await gatewayFetch(`${quotePath}/confirm`, {
			method: "POST",
			headers: { authorization: `Bearer ${grant.access_token}` },
		});
		expect(asToken.status).toBe(401);
		// What the MCP Worker would send for that grant: its credential and key, as an agent.
		const asGrant = await env.GATEWAY.call(account.id, {
			method: "POST",
			path: `${quotePath}/confirm`,
			key_id: account.agentKeyId,
		});
		expect(asGrant.status).toBe(403);
		// And the tools reach nothing but a service's tools: no path to the quote routes.
		const viaTools = await connect({ headers: { authorization: `Bearer ${grant.access_token}` } });
		const traversal = await callTool(viaTools, "execute", {
			service: MERCHANT,
			tool: `../../quotes/${quoted.quote.quote_id}/confirm`,
			parameters: {},
		});
		expect(traversal.isError).toBe(true);
		const held = await buyLabel(v2Caller(viaTools), quoted.quote.quote_id);
		expect(held.structuredContent).toMatchObject({ error: { code: "CONFIRMATION_REQUIRED" } });

		expect(await quoteStatus(account.ownerKey, quoted.quote.quote_id)).toBe("open");
		expect(await snapshot(account.ownerKey)).toEqual(before);
	});

	it("signed in on the confirmation page with its own key, it sees the purchase but cannot confirm (403)", async () => {
		const account = await createAccount(CAUTIOUS);
		const client = await connect({ key: account.agentKey });
		const quoted = await quoteLabel(v2Caller(client));
		const before = await snapshot(account.ownerKey);
		const path = new URL(confirmationUrl(env, quoted.quote.quote_id)).pathname;
		const browser = new Browser();
		const signIn = await (await browser.fetch(path)).text();
		const page = await (await browser.post(path, signIn, { action: "key", key: account.agentKey })).text();
		expect(page).not.toContain('value="confirm"');
		const forced = await browser.post(path, page, { action: "confirm" });
		expect(forced.status).toBe(403);
		expect(await quoteStatus(account.ownerKey, quoted.quote.quote_id)).toBe("open");
		expect(await snapshot(account.ownerKey)).toEqual(before);
	});
});

describe("a revoked key stops at the next call", () => {
	it("an OAuth grant made with the key before it was revoked", async () => {
		const account = await createAccount(TRUSTING);
		const grant = await grantWithKey(account.agentKey);
		const client = await connect({ headers: { authorization: `Bearer ${grant.access_token}` } });
		const quoted = await quoteLabel(v2Caller(client));
		const before = await snapshot(account.ownerKey);

		await revokeKey(account.ownerKey, account.agentKeyId);
		await expect(buyLabel(v2Caller(client), quoted.quote.quote_id)).rejects.toThrow();
		const raw = await mcpFetch("/mcp", {
			method: "POST",
			headers: {
				authorization: `Bearer ${grant.access_token}`,
				"content-type": "application/json",
				accept: "application/json, text/event-stream",
			},
			body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
		});
		expect(raw.status).toBe(401);
		expect(raw.headers.get("www-authenticate")).toContain('error="invalid_token"');
		// The grant itself is gone: its refresh token gets no new access token.
		const refreshed = await mcpFetch("/token", {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({
				grant_type: "refresh_token",
				refresh_token: grant.refresh_token,
				client_id: grant.clientId,
			}),
		});
		expect(refreshed.status).toBe(400);
		expect(await snapshot(account.ownerKey)).toEqual(before);
	});

	it("a Streamable HTTP session made with the key", async () => {
		const account = await createAccount(TRUSTING);
		const client = await connect({ key: account.agentKey });
		const quoted = await quoteLabel(v2Caller(client));
		// A free tool and one with a usage fee answer before: the gateway has the key's identity cached.
		const free = { service: "skycast", tool: "get_current_conditions", parameters: { city: "lisbon" } };
		const paid = { service: "fooddash", tool: "search_restaurants", parameters: { city: "austin" } };
		for (const args of [free, paid]) expect((await callTool(client, "execute", args)).isError).toBeFalsy();
		const before = await snapshot(account.ownerKey);
		await revokeKey(account.ownerKey, account.agentKeyId);
		await expect(buyLabel(v2Caller(client), quoted.quote.quote_id)).rejects.toThrow();
		for (const args of [free, paid]) await expect(callTool(client, "execute", args)).rejects.toThrow();
		expect(await snapshot(account.ownerKey)).toEqual(before);
	});

	it("a key this server remembers: refused on the very next request, whatever it asks", async () => {
		const account = await createAccount(TRUSTING);
		const client = await connect({ key: account.agentKey });
		const free = { service: "skycast", tool: "get_current_conditions", parameters: { city: "lisbon" } };
		// Seen before: who the key is comes from this isolate's memory, whether it is live from the gateway.
		expect((await callTool(client, "execute", free)).isError).toBeFalsy();
		await client.listTools();
		await revokeKey(account.ownerKey, account.agentKeyId);
		const post = (message: object) =>
			mcpFetch("/mcp", {
				method: "POST",
				headers: {
					authorization: `Bearer ${account.agentKey}`,
					"content-type": "application/json",
					accept: "application/json, text/event-stream",
					"mcp-protocol-version": "2025-11-25",
				},
				body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...message }),
			});
		// tools/list makes no gateway call, execute one the gateway refuses: both are 401, nothing answered.
		for (const message of [
			{ method: "tools/list" },
			{ method: "tools/call", params: { name: "execute", arguments: free } },
			{ method: "tools/call", params: { name: "execute", arguments: free } },
		]) {
			const refused = await post(message);
			expect(refused.status).toBe(401);
			expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
			expect(await refused.text()).not.toContain("Lisbon");
		}
		await client.close();
	});

	it("a legacy SSE session made with the key", async () => {
		const account = await createAccount(TRUSTING);
		const client = await connectSse({ headers: { authorization: `Bearer ${account.agentKey}` } });
		const quoted = await quoteLabel(v1Caller(client));
		const before = await snapshot(account.ownerKey);
		await revokeKey(account.ownerKey, account.agentKeyId);
		await expect(buyLabel(v1Caller(client), quoted.quote.quote_id)).rejects.toThrow();
		expect(await snapshot(account.ownerKey)).toEqual(before);
		await client.close();
	});

	it("behind every door, each gateway call of the session names the key, and the gateway refuses it", async () => {
		const account = await createAccount(TRUSTING);
		const session = {
			credential_id: account.id,
			level: "authenticated",
			email: null,
			via: "oauth",
			key_id: account.agentKeyId,
		} as const;
		// execute's own path: a tool run through the gateway, free and with a usage fee.
		const execute = (tool: string, parameters: object) =>
			new Gateway(env, session).post(z.unknown(), `/v1/services/${tool}`, { parameters });
		const free = () => execute("skycast/tools/get_current_conditions", { city: "lisbon" });
		const paid = () => execute("fooddash/tools/search_restaurants", { city: "austin" });
		expect((await new Gateway(env, session).get(AccountViewSchema, "/v1/account")).ok).toBe(true);
		expect([(await free()).ok, (await paid()).ok]).toEqual([true, true]);
		await revokeKey(account.ownerKey, account.agentKeyId);
		const refused = await new Gateway(env, session).get(AccountViewSchema, "/v1/account");
		expect(refused).toMatchObject({ ok: false, code: "AUTH_REQUIRED" });
		expect(await free()).toMatchObject({ ok: false, code: "AUTH_REQUIRED" });
		expect(await paid()).toMatchObject({ ok: false, code: "AUTH_REQUIRED" });
	});

	it("the chat lane (McpInternal) acting for a session made with the key", async () => {
		const account = await createAccount(TRUSTING);
		await revokeKey(account.ownerKey, account.agentKeyId);
		const internal = (
			exports as unknown as {
				McpInternal: { handle(id: string, request: unknown, keyId?: string): Promise<Response> };
			}
		).McpInternal;
		const refused = await internal.handle(
			account.id,
			await mcpInternalRequest("https://mcp.internal/mcp", { method: "POST" }),
			account.agentKeyId,
		);
		expect(refused.status).toBe(401);
	});
});

/** Opens a legacy SSE session by hand; returns the message endpoint the server announced. */
async function openSse(key?: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
	const response = await mcpFetch("/sse", {
		headers: { accept: "text/event-stream", ...(key ? { authorization: `Bearer ${key}` } : {}) },
	});
	expect(response.status).toBe(200);
	const reader = (response.body as ReadableStream<Uint8Array>).getReader();
	const decoder = new TextDecoder();
	let text = "";
	let endpoint: string | undefined;
	while (endpoint === undefined) {
		const { value, done } = await reader.read();
		if (done) throw new Error(`the stream ended before the endpoint event: ${text}`);
		text += decoder.decode(value, { stream: true });
		endpoint = /event: endpoint\ndata: (\S+)\n/.exec(text)?.[1];
	}
	return { endpoint, close: () => reader.cancel() };
}

function postMessage(endpoint: string, message: unknown, key?: string): Promise<Response> {
	return mcpFetch(endpoint, {
		method: "POST",
		headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
		body: JSON.stringify(message),
	});
}

describe("legacy SSE: every message carries the session's authorization", () => {
	it("refuses a message without it, with another account's key, with another key of the account", async () => {
		const account = await createAccount(TRUSTING);
		const client = await connect({ key: account.agentKey });
		const quoted = await quoteLabel(v2Caller(client));
		const stranger = await createKey("authenticated", 50_000, "stranger@example.com");
		const before = await snapshot(account.ownerKey);
		const session = await openSse(account.agentKey);
		const buy = {
			jsonrpc: "2.0",
			id: 7,
			method: "tools/call",
			params: {
				name: "execute",
				arguments: {
					service: MERCHANT,
					tool: "buy_label",
					parameters: SHIPMENT,
					quote_id: quoted.quote.quote_id,
				},
			},
		};
		for (const key of [undefined, stranger.key, account.ownerKey]) {
			const refused = await postMessage(session.endpoint, buy, key);
			expect(refused.status).toBe(401);
		}
		// The session's own key is accepted (a harmless ping), so the refusals above were about who sent them.
		const ping = await postMessage(
			session.endpoint,
			{ jsonrpc: "2.0", id: 8, method: "ping" },
			account.agentKey,
		);
		expect(ping.status).toBe(202);
		await session.close();
		expect(await snapshot(account.ownerKey)).toEqual(before);
	});

	it("an anonymous session stays anonymous: a message with a key is refused", async () => {
		const account = await createAccount(TRUSTING);
		const session = await openSse();
		const refused = await postMessage(
			session.endpoint,
			{ jsonrpc: "2.0", id: 1, method: "ping" },
			account.agentKey,
		);
		expect(refused.status).toBe(401);
		const anonymous = await postMessage(session.endpoint, { jsonrpc: "2.0", id: 2, method: "ping" });
		expect(anonymous.status).toBe(202);
		await session.close();
	});
});

describe("the owner confirms on the page the client opened", () => {
	it("URL elicitation gives the client the confirmation page; after the owner confirms there, execute buys exactly once", async () => {
		const owner = await emailOwner({ fundCents: 50_000, thresholdCents: 0 });
		const urls: string[] = [];
		const client = await connect({
			key: owner.agentKey,
			client: { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: "auto" } },
			prepare: (c) =>
				c.setRequestHandler("elicitation/create", async (request) => {
					const params = request.params as { mode?: string; url?: string };
					if (params.mode !== "url" || !params.url) return { action: "decline" };
					urls.push(params.url);
					return { action: "accept" };
				}),
		});
		const quoted = await quoteLabel(v2Caller(client));
		const before = await snapshot(owner.agentKey);

		const waiting = await buyLabel(v2Caller(client), quoted.quote.quote_id);
		expect(waiting.structuredContent).toMatchObject({ status: "awaiting_confirmation" });
		expect(urls).toEqual([confirmationUrl(env, quoted.quote.quote_id)]);
		expect(await snapshot(owner.agentKey)).toEqual(before);

		// The owner opens the page the client was given, signs in with their email code and confirms.
		const path = new URL(urls[0] ?? "").pathname;
		const browser = new Browser();
		const page = await signInByEmail(browser, path, await (await browser.fetch(path)).text(), owner.email);
		expect(page).toContain("<dt>From</dt><dd>ShipFast</dd>");
		expect(page).toContain("<dt>Balance after</dt>");
		expect(page).toContain('value="confirm"');
		const confirmed = await browser.post(path, page, { action: "confirm" });
		expect(confirmed.status).toBe(200);
		expect(await confirmed.text()).toMatch(/Confirmed\./);

		const bought = await buyLabel(v2Caller(client), quoted.quote.quote_id);
		expect(bought.isError, textOf(bought)).toBeFalsy();
		expect(bought.structuredContent).toMatchObject({
			status: "bought",
			receipt: { amount_cents: quoted.quote.amount_cents },
		});
		const after = await snapshot(owner.agentKey);
		expect(after.orders).toBe(before.orders + 1);
		expect(after.balance_cents).toBe(before.balance_cents - quoted.quote.amount_cents);
		expect(after.entries).toBeGreaterThan(before.entries);

		// Calling again replays the receipt: no second order, no second charge.
		const again = await buyLabel(v2Caller(client), quoted.quote.quote_id);
		expect(again.structuredContent).toMatchObject({ status: "already_bought" });
		expect(await snapshot(owner.agentKey)).toEqual(after);
		expect(urls).toHaveLength(1);
	});
});
