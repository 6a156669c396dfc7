import { env, exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type ChatEventData, type ChatEventType, mcpInternalRequest } from "@penumbra/core/contracts";
import type { CompiledService } from "@penumbra/core/registry";
import { buildRegistry } from "@penumbra/core/registry";
import { expect } from "vitest";
import { type FakeModelClient, fakeModel } from "../../../test/fake-anthropic/client.ts";
import { callTool, foodOrder, gatewayFetch, textOf } from "../../mcp/test/helpers.ts";

// Gateway calls and tool calls through an MCP client: the same as in the MCP tests (the chat project has the same
// GATEWAY_HTTP and TEST_ADMIN_TOKEN bindings).
export { callTool, gatewayFetch, textOf };

export interface CreateKeyOptions {
	/** Make the credential's key an owner key (it may confirm, change controls, manage keys); default: an agent key. */
	owner?: boolean;
}

/**
 * Creates a credential through the gateway's admin API and, unless `fundCents` is 0, credits it ($100 by default).
 * Its key is an agent's unless `owner` is set.
 */
export async function createKey(
	level: "identified" | "authenticated",
	fundCents = 10_000,
	email = "user@example.com",
	options: CreateKeyOptions = {},
): Promise<{ id: string; key: string; key_id: string }> {
	const headers = { authorization: `Bearer ${env.TEST_ADMIN_TOKEN}`, "content-type": "application/json" };
	const response = await gatewayFetch("/v1/admin/credentials", {
		method: "POST",
		headers,
		body: JSON.stringify({ email, level, owner_key: options.owner === true }),
	});
	expect(response.status, await response.clone().text()).toBe(201);
	const created = (await response.json()) as { id: string; key: string; key_id: string };
	if (fundCents > 0) await fund(created.id, fundCents);
	return created;
}

/** A gateway call with `key` (an owner key for controls, keys and quote decisions); fails the test unless 2xx. */
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

/** The chat Worker answers any host; this one only names it in test output. */
export const CHAT_ORIGIN = "http://chat.test";

/** The services built from providers/ by the global setup. */
export function providerServices(): CompiledService[] {
	return JSON.parse(env.TEST_REGISTRY);
}

/**
 * Writes services into the REGISTRY namespace exactly as `penumbra providers seed` does, every entry the registry
 * build emits. The gateway and the MCP Worker read it (same id, one Miniflare).
 */
export async function seedRegistry(services: CompiledService[]): Promise<void> {
	const { entries } = buildRegistry(services, new Date().toISOString());
	await Promise.all(entries.map((e) => env.TEST_REGISTRY_KV.put(e.key, e.value)));
}

/** Who a request is from: a site session (the cookie `signIn` returns) or a unified API key. */
export type Caller = { cookie: string } | { key: string };

export interface ChatInit extends RequestInit {
	as?: Caller;
	/** A JSON body (sets content-type); POST unless `method` says otherwise. */
	json?: unknown;
}

/**
 * A request to the chat Worker's real entry point. workerd's `new Request` has no Host header; this sets one, plus
 * the caller's cookie or Bearer key and a JSON body when given.
 */
export async function chatFetch(path: string, init: ChatInit = {}): Promise<Response> {
	const { as, json, ...rest } = init;
	const request = new Request(new URL(path, CHAT_ORIGIN), {
		...rest,
		...(json !== undefined ? { method: rest.method ?? "POST", body: JSON.stringify(json) } : {}),
	});
	request.headers.set("host", new URL(CHAT_ORIGIN).host);
	if (json !== undefined) request.headers.set("content-type", "application/json");
	if (as && "cookie" in as) request.headers.set("cookie", as.cookie);
	if (as && "key" in as) request.headers.set("authorization", `Bearer ${as.key}`);
	return exports.default.fetch(request);
}

export interface SignedIn {
	/** `name=value` of the session cookie, ready for a Cookie header. */
	cookie: string;
	credential_id: string;
	email: string;
	level: string;
}

/**
 * Signs in through the chat Worker's email routes, reading the code from the gateway's dev mailbox. The gateway
 * allows one code per address per minute: use a fresh address per sign-in.
 */
export async function signIn(email: string): Promise<SignedIn> {
	const started = await chatFetch("/api/auth/email/start", { json: { email } });
	expect(started.status, await started.clone().text()).toBe(200);
	const mailbox = await gatewayFetch(`/v1/dev/mailbox?email=${encodeURIComponent(email)}`);
	expect(mailbox.status, await mailbox.clone().text()).toBe(200);
	const { code } = (await mailbox.json()) as { code: string };
	const verified = await chatFetch("/api/auth/email/verify", { json: { email, code } });
	expect(verified.status, await verified.clone().text()).toBe(200);
	const setCookie = verified.headers.get("set-cookie");
	const cookie = setCookie?.split(";", 1)[0];
	if (!cookie) throw new Error("sign-in set no cookie");
	const identity = (await verified.json()) as Omit<SignedIn, "cookie">;
	return { cookie, ...identity };
}

/** Credits a credential through the gateway's admin API (a signed-in user starts at $0). */
export async function fund(credentialId: string, cents: number): Promise<void> {
	const response = await env.GATEWAY_HTTP.fetch(
		`http://gateway.test/v1/admin/credentials/${credentialId}/credit`,
		{
			method: "POST",
			headers: { authorization: `Bearer ${env.TEST_ADMIN_TOKEN}`, "content-type": "application/json" },
			body: JSON.stringify({
				amount_cents: cents,
				reference: `test-funding:${credentialId}:${crypto.randomUUID()}`,
			}),
		},
	);
	expect(response.status, await response.clone().text()).toBe(200);
}

/**
 * The fake Anthropic API the chat Worker calls (ANTHROPIC_BASE_URL), scripted over plain fetch. It serves every
 * test file of the run: give scripts ids (and markers) unique to the test, and reset only your own.
 */
export function fake(): FakeModelClient {
	return fakeModel(env.ANTHROPIC_BASE_URL);
}

/** One parsed SSE event. `data` is parsed JSON (the raw string if it is not JSON), typed by event name, unchecked. */
export type StreamEvent = {
	[T in ChatEventType]: { id: string | null; event: T; data: ChatEventData[T] };
}[ChatEventType];

export interface ReadOptions {
	/** Cancel the stream (a dropped connection) after this many events, or after the first event that matches. */
	stopAfter?: number | ((event: StreamEvent) => boolean);
}

export interface ReadStream {
	events: StreamEvent[];
	/** The last `retry:` value sent, in milliseconds. */
	retry: number | null;
	/** Comment lines (`: …`), without the colon and one leading space. */
	comments: string[];
	/** True when `stopAfter` cut the stream before the server ended it. */
	cancelled: boolean;
}

/**
 * Reads an SSE body as EventSource does (HTML spec "event stream interpretation"): CRLF, CR or LF line ends, `data:`
 * lines joined with "\n", one optional space after the colon, an event without data is not dispatched, `event`
 * defaults to "message"; `id` is the last id seen (carried over, as `lastEventId` is). Throws unless the response is
 * a 2xx `text/event-stream`.
 */
export async function readStream(response: Response, options: ReadOptions = {}): Promise<ReadStream> {
	const type = response.headers.get("content-type") ?? "";
	// A problem answer instead of a stream would otherwise read as zero events.
	if (!response.ok || !type.startsWith("text/event-stream") || !response.body) {
		throw new Error(`expected an event stream, got ${response.status} ${type}: ${await response.text()}`);
	}
	const out: ReadStream = { events: [], retry: null, comments: [], cancelled: false };
	const { stopAfter } = options;
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = "";
	let lastId: string | null = null;
	let event = "";
	let data: string[] = [];

	/** Handles one line; true once the caller's stop condition is met. */
	const line = (text: string): boolean => {
		if (text === "") {
			const dispatched = data.length > 0;
			if (dispatched) {
				const raw = data.join("\n");
				let parsed: unknown = raw;
				try {
					parsed = JSON.parse(raw);
				} catch {}
				const next = { id: lastId, event: event || "message", data: parsed } as StreamEvent;
				out.events.push(next);
				if (typeof stopAfter === "number" ? out.events.length >= stopAfter : stopAfter?.(next)) return true;
			}
			event = "";
			data = [];
			return false;
		}
		if (text.startsWith(":")) {
			out.comments.push(text.slice(1).replace(/^ /, ""));
			return false;
		}
		const colon = text.indexOf(":");
		const field = colon === -1 ? text : text.slice(0, colon);
		const value = colon === -1 ? "" : text.slice(colon + 1).replace(/^ /, "");
		if (field === "data") data.push(value);
		else if (field === "event") event = value;
		else if (field === "id" && !value.includes("\0")) lastId = value;
		else if (field === "retry" && /^\d+$/.test(value)) out.retry = Number(value);
		return false;
	};

	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) break;
			buffer += value;
			// A trailing CR may be half of a CRLF split across chunks: keep it for the next read.
			const lines = buffer.split(/\r\n|\r(?!$)|\n/);
			buffer = lines.pop() ?? "";
			for (const text of lines) {
				if (line(text)) {
					out.cancelled = true;
					await reader.cancel();
					return out;
				}
			}
		}
		// At end of stream an incomplete event (no blank line) is discarded, as EventSource does.
		return out;
	} finally {
		reader.releaseLock();
	}
}

/** The events of an SSE body; see `readStream`. */
export async function readEvents(response: Response, options: ReadOptions = {}): Promise<StreamEvent[]> {
	return (await readStream(response, options)).events;
}

/**
 * An MCP client acting as `credentialId` over the chat Worker's MCP binding (the MCP Worker's McpInternal
 * entrypoint), as the chat's model loop connects.
 */
export async function mcpAs(credentialId: string): Promise<Client> {
	const transport = new StreamableHTTPClientTransport(new URL("https://mcp.internal/mcp"), {
		// An AbortSignal cannot cross RPC: the request goes without one.
		fetch: async (url, init) => env.MCP.handle(credentialId, await mcpInternalRequest(url, init)),
	});
	const client = new Client({ name: "penumbra-chat-tests", version: "0.0.0" });
	await client.connect(transport);
	return client;
}

let fooddashLookup: Promise<Record<string, unknown>> | undefined;

/**
 * Parameters of a FoodDash `place_order` a script can put in its tool_use input: the first Austin restaurant's first
 * dish, `quantity` times. Found once per test file through the tools (search and menu cost a few cents) by a
 * credential of its own, so no test's balance moves.
 */
export async function fooddashOrder(quantity = 3): Promise<Record<string, unknown>> {
	if (!Number.isInteger(quantity))
		throw new Error("fooddashOrder(quantity?): it takes no credential any more");
	fooddashLookup ??= (async () => {
		const { id } = await createKey("authenticated", 100, "fooddash-lookup@example.com");
		const client = await mcpAs(id);
		try {
			return await foodOrder(client, 1);
		} finally {
			await client.close();
		}
	})();
	fooddashLookup.catch(() => {
		fooddashLookup = undefined;
	});
	const order = await fooddashLookup;
	const [item] = order.items as { item_id: string }[];
	return { ...order, items: [{ ...item, quantity }] };
}
