import { env, WorkerEntrypoint } from "cloudflare:workers";
import { createMcpHandler } from "agents/mcp/server";
import type { SessionProps } from "./auth/props.ts";
import { oauthProviderFor, UNIFIED_KEY } from "./auth/provider.ts";
import { legacySse } from "./legacy-sse.ts";
import { buildServer } from "./server.ts";

/**
 * The remote MCP server. `/mcp` (Streamable HTTP) serves anonymous callers (no Authorization header: browse and
 * search) and signed-in ones (an OAuth access token, or a unified API key as Bearer token); a presented token that
 * does not resolve gets 401 with the protected-resource challenge. `/mcp/signin` is the same server for clients
 * that only sign in when challenged (Claude Desktop connectors): without a token it answers 401, which starts
 * their OAuth flow. `/sse` is the legacy HTTP+SSE transport. OAuth endpoints, the sign-in and consent pages, and
 * the purchase confirmation page are served by the OAuth provider's default handler.
 */
const publicHost = new URL((env as McpEnv).PUBLIC_URL).hostname;
const mcp = createMcpHandler((ctx) => buildServer(env as McpEnv, ctx), {
	route: "/mcp",
	// Browsers may only reach the server from its own origin (DNS rebinding); clients without Origin are fine.
	allowedOriginHostnames: [...new Set([publicHost, "localhost", "127.0.0.1"])],
});

/** The execution context with the caller as its props, which the MCP handlers read. */
function withProps(ctx: ExecutionContext, props: SessionProps): ExecutionContext {
	return {
		waitUntil: (promise: Promise<unknown>) => ctx.waitUntil(promise),
		passThroughOnException: () => ctx.passThroughOnException(),
		props,
	} as unknown as ExecutionContext;
}

/**
 * Our other Workers (the chat Worker's model loop) reach the MCP server here, over a service binding, acting for
 * their signed-in user by credential id: only Workers we deploy hold this binding, and the credential is checked
 * with the gateway on every request.
 */
export class McpInternal extends WorkerEntrypoint<McpEnv> {
	async handle(credentialId: string, request: Request): Promise<Response> {
		const identity = await this.env.GATEWAY.identity(credentialId);
		if (!identity) return Response.json({ error: "invalid_credential" }, { status: 401 });
		const url = new URL(request.url);
		const target = new URL(`${url.pathname}${url.search}`, this.env.PUBLIC_URL);
		if (target.pathname !== "/mcp") return Response.json({ error: "not_found" }, { status: 404 });
		const forwarded = new Request(target, request);
		forwarded.headers.set("host", target.host);
		forwarded.headers.delete("authorization");
		return mcp(forwarded, this.env, withProps(this.ctx, { ...identity, via: "session" }));
	}
}

/**
 * Legacy SSE clients are anonymous or send a unified API key (OAuth tokens are bound to `/mcp`). The session's
 * Durable Object receives the caller as its props.
 */
async function sse(request: Request, env: McpEnv, ctx: ExecutionContext): Promise<Response> {
	const authorization = request.headers.get("authorization");
	if (authorization === null) return legacySse.fetch(request, env, ctx);
	const key = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
	const identity = key && UNIFIED_KEY.test(key) ? await env.GATEWAY.identify(key) : null;
	if (!identity) {
		return Response.json(
			{
				error: "invalid_token",
				error_description: "Send a live unified API key as `Authorization: Bearer <key>`.",
			},
			{ status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } },
		);
	}
	return legacySse.fetch(request, env, withProps(ctx, { ...identity, via: "key" }));
}

export default {
	async fetch(request, env, ctx): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname === "/health") return Response.json({ status: "ok", service: "penumbra-mcp" });
		const anonymous = !request.headers.has("authorization");
		if (url.pathname === "/mcp" && anonymous) return mcp(request, env, ctx);
		if (url.pathname === "/sse" || url.pathname === "/sse/message") return sse(request, env, ctx);
		return oauthProviderFor(env, mcp).fetch(request, env, ctx);
	},
} satisfies ExportedHandler<McpEnv>;

export { LegacySseSession } from "./legacy-sse.ts";
