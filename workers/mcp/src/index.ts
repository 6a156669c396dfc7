import { env, WorkerEntrypoint } from "cloudflare:workers";
import { type McpInternalRequest, McpInternalRequestSchema } from "@penumbra/core/contracts";
import { answeringRequest } from "@penumbra/core/search";
import { noteCaller, withAccessLine } from "./access.ts";
import { keyProps, type SessionProps } from "./auth/props.ts";
import { oauthProviderFor, UNIFIED_KEY } from "./auth/provider.ts";
import { legacySse, sseSessionCaller } from "./legacy-sse.ts";
import { buildServer } from "./server.ts";
import { streamableHttp } from "./streamable-http.ts";

/**
 * The remote MCP server. `/mcp` (Streamable HTTP) serves anonymous callers (no Authorization header: browse and
 * search) and signed-in ones (an OAuth access token, or a unified API key as Bearer token); a presented token that
 * does not resolve gets 401 with the protected-resource challenge. `/mcp/signin` is the same server for clients
 * that only sign in when challenged (Claude Desktop connectors): without a token it answers 401, which starts
 * their OAuth flow. `/sse` is the legacy HTTP+SSE transport. OAuth endpoints, the sign-in and consent pages, and
 * the purchase confirmation page are served by the OAuth provider's default handler. Every MCP caller is an agent
 * of its account (docs/auth.md).
 */
const publicHost = new URL((env as McpEnv).PUBLIC_URL).hostname;
const mcp = streamableHttp((ctx) => buildServer(env as McpEnv, ctx), {
	route: "/mcp",
	allowedOriginHostnames: [...new Set([publicHost, "localhost", "127.0.0.1"])],
});

/** The execution context with the caller as its props (none: anonymous), which the MCP handlers read. */
function withProps(ctx: ExecutionContext, props: SessionProps | undefined): ExecutionContext {
	return {
		waitUntil: (promise: Promise<unknown>) => ctx.waitUntil(promise),
		passThroughOnException: () => ctx.passThroughOnException(),
		props,
	} as unknown as ExecutionContext;
}

/**
 * Our other Workers (the chat Worker's model loop) reach the MCP server here, over a service binding, acting for
 * their signed-in user by credential id (and the key their session was made with, if any): only Workers we deploy
 * hold this binding, and the credential is checked with the gateway on every request.
 */
export class McpInternal extends WorkerEntrypoint<McpEnv> {
	/** `request` is plain data (`mcpInternalRequest` of @penumbra/core/contracts), never a `Request`: see its schema. */
	handle(credentialId: string, request: McpInternalRequest, keyId?: string): Promise<Response> {
		return answeringRequest(() => this.#handle(credentialId, request, keyId));
	}

	async #handle(credentialId: string, input: unknown, keyId?: string): Promise<Response> {
		const parsed = McpInternalRequestSchema.safeParse(input);
		if (!parsed.success) return Response.json({ error: "invalid_request" }, { status: 400 });
		const request = parsed.data;
		const identity = await this.env.GATEWAY.identity(credentialId, keyId);
		if (!identity) return Response.json({ error: "invalid_credential" }, { status: 401 });
		const url = new URL(request.url);
		const target = new URL(`${url.pathname}${url.search}`, this.env.PUBLIC_URL);
		if (target.pathname !== "/mcp") return Response.json({ error: "not_found" }, { status: 404 });
		const headers = new Headers(request.headers);
		headers.set("host", target.host);
		headers.delete("authorization");
		const forwarded = new Request(target, {
			method: request.method,
			headers,
			...(request.body === undefined || request.method === "GET" ? {} : { body: request.body }),
		});
		const props: SessionProps = { ...identity, via: "session", ...(keyId ? { key_id: keyId } : {}) };
		return withAccessLine(
			forwarded,
			this.env,
			(tagged) => mcp(tagged, this.env, withProps(this.ctx, props)),
			{ caller: credentialId, built: true },
		);
	}
}

function unauthorized(description: string): Response {
	return Response.json(
		{ error: "invalid_token", error_description: description },
		{ status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } },
	);
}

/** The caller a legacy SSE request presents: anonymous (null), a live unified API key, or a 401. */
async function presented(request: Request, env: McpEnv): Promise<SessionProps | null | Response> {
	const authorization = request.headers.get("authorization");
	if (authorization === null) return null;
	const key = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
	const identity = key && UNIFIED_KEY.test(key) ? await env.GATEWAY.identify(key) : null;
	if (!identity) return unauthorized("Send a live unified API key as `Authorization: Bearer <key>`.");
	return keyProps(identity, "key");
}

function sameCaller(a: SessionProps | null, b: SessionProps | null): boolean {
	if (a === null || b === null) return a === b;
	return a.credential_id === b.credential_id && a.key_id === b.key_id;
}

/**
 * Legacy SSE clients are anonymous or send a unified API key (OAuth tokens are bound to `/mcp`). `GET /sse` always
 * opens a new session, whose Durable Object keeps the caller as its props; every message to it must present the
 * same caller (the same key, still live; or none for an anonymous session), and never changes who it acts for.
 */
async function sse(request: Request, env: McpEnv, ctx: ExecutionContext): Promise<Response> {
	const caller = await presented(request, env);
	if (caller instanceof Response) return caller;
	if (caller) noteCaller(caller.credential_id);
	const url = new URL(request.url);
	if (url.pathname === "/sse/message") {
		const sessionId = url.searchParams.get("sessionId");
		if (sessionId && !sameCaller(await sseSessionCaller(env, sessionId), caller)) {
			return unauthorized(
				"This session was opened with other credentials: send the same API key with every message (or open a new session).",
			);
		}
		return legacySse.fetch(request, env, withProps(ctx, undefined));
	}
	// A client never picks the session it joins: a new one each time.
	url.searchParams.delete("sessionId");
	return legacySse.fetch(new Request(url, request), env, withProps(ctx, caller ?? undefined));
}

export default {
	// Counted while it is answered: a background reload of the search index works between requests (core/search/quiet.ts).
	fetch: (request, env, ctx) =>
		answeringRequest(() => withAccessLine(request, env, (tagged) => route(tagged, env, ctx))),
} satisfies ExportedHandler<McpEnv>;

async function route(request: Request, env: McpEnv, ctx: ExecutionContext): Promise<Response> {
	const url = new URL(request.url);
	if (url.pathname === "/health") return Response.json({ status: "ok", service: "penumbra-mcp" });
	const anonymous = !request.headers.has("authorization");
	if (url.pathname === "/mcp" && anonymous) return mcp(request, env, ctx);
	if (url.pathname === "/sse" || url.pathname === "/sse/message") return sse(request, env, ctx);
	return oauthProviderFor(env, mcp).fetch(request, env, ctx);
}

export { LegacySseSession } from "./legacy-sse.ts";
