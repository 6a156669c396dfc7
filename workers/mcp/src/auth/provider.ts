import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import { log } from "@penumbra/core/log";
import { type PagesEnv, SCOPE, showAuthorize, submitAuthorize } from "./authorize.ts";
import { showConfirm, submitConfirm } from "./confirm.ts";
import { html, pageResponse } from "./html.ts";
import { keyCaller } from "./known-keys.ts";
import { liveCheckOf, onceLive } from "./live.ts";
import { SessionPropsSchema } from "./props.ts";

type McpFetch = (request: Request, env: unknown, ctx: ExecutionContext) => Promise<Response>;

/** Our API keys as the bearer token: the provider's own tokens look like `a:b:c` and never reach this check. */
export const UNIFIED_KEY = /^unified-[0-9A-Za-z]{46}$/;

function methodNotAllowed(allow: string): Response {
	return new Response(null, { status: 405, headers: { allow } });
}

function pageError(): Response {
	return pageResponse(
		"Something went wrong",
		html`<h1>Something went wrong</h1>
<p>Penumbra could not finish this request. Try again in a minute.</p>`,
		{ status: 500 },
	);
}

/** Everything the provider itself does not answer: the sign-in and consent page, and purchase confirmations. */
async function pages(request: Request, env: PagesEnv): Promise<Response> {
	const { pathname } = new URL(request.url);
	try {
		if (pathname === "/authorize") {
			if (request.method === "GET") return await showAuthorize(request, env);
			if (request.method === "POST") return await submitAuthorize(request, env);
			return methodNotAllowed("GET, POST");
		}
		const confirm = /^\/confirm\/([^/]+)$/.exec(pathname);
		if (confirm?.[1]) {
			let quoteId: string;
			try {
				quoteId = decodeURIComponent(confirm[1]);
			} catch {
				quoteId = "";
			}
			if (request.method === "GET") return await showConfirm(request, env, quoteId);
			if (request.method === "POST") return await submitConfirm(request, env, quoteId);
			return methodNotAllowed("GET, POST");
		}
	} catch (error) {
		log("error", "auth page failed", { path: pathname, error });
		return pageError();
	}
	return Response.json({ error: "not_found", path: pathname }, { status: 404 });
}

/** 401 with the protected-resource challenge: the client signs in again. */
function invalidToken(resource: string, description: string): Response {
	const metadata = `${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp`;
	const challenge = `Bearer error="invalid_token", error_description="${description}", resource_metadata="${metadata}"`;
	return Response.json(
		{ error: "invalid_token", error_description: description },
		{ status: 401, headers: { "www-authenticate": challenge } },
	);
}

/**
 * A grant whose credential, or the key it was made with, has been revoked since: the grant is revoked too and the
 * client gets 401 with the challenge, so it signs in again. Null when the grant is live (or this is not a grant).
 */
async function endedGrant(env: PagesEnv, ctx: ExecutionContext, resource: string): Promise<Response | null> {
	// A key's caller (the common case) is not parsed twice per request: the MCP handler parses it (callerOf).
	if ((ctx.props as { via?: unknown } | undefined)?.via !== "oauth") return null;
	const props = SessionPropsSchema.safeParse(ctx.props);
	if (!props.success || props.data.via !== "oauth") return null;
	if (await env.GATEWAY.identity(props.data.credential_id, props.data.key_id)) return null;
	const auth = (ctx as ExecutionContext & { auth?: { token?: string; userId?: string } }).auth;
	const grantId = auth?.token?.split(":")[1];
	if (grantId && auth?.userId) await env.OAUTH_PROVIDER.revokeGrant(grantId, auth.userId);
	return invalidToken(resource, "The account or the API key this connection was made with has been revoked.");
}

const providers = new Map<string, OAuthProvider<McpEnv>>();

/**
 * The OAuth 2.1 provider in front of `/mcp` (one per public origin: tokens are bound to `${PUBLIC_URL}/mcp`). It
 * serves discovery metadata, dynamic registration and the token endpoint, passes requests with a valid access token
 * or a unified API key to the MCP handler with SessionProps as `ctx.props`, answers any other token with 401 and the
 * protected-resource challenge, and hands everything else to the pages.
 */
export function oauthProviderFor(env: McpEnv, mcp: McpFetch): OAuthProvider<McpEnv> {
	const cached = providers.get(env.PUBLIC_URL);
	if (cached) return cached;
	const resource = `${new URL(env.PUBLIC_URL).origin}/mcp`;
	const provider = new OAuthProvider<McpEnv>({
		apiRoute: "/mcp",
		apiHandler: {
			async fetch(request, handlerEnv, ctx) {
				const ended = await endedGrant(handlerEnv as PagesEnv, ctx, resource);
				if (ended) return ended;
				const url = new URL(request.url);
				// `/mcp/signin` is `/mcp` for clients that must be asked to sign in (see index.ts).
				let target = request;
				if (url.pathname !== "/mcp") {
					url.pathname = "/mcp";
					target = new Request(url, request);
				}
				const response = await mcp(target, handlerEnv, ctx);
				// A key remembered by this isolate: answered only once the gateway has said it is still live.
				const check = liveCheckOf(ctx.props);
				if (!check) return response;
				return (await onceLive(response, check)) ?? invalidToken(resource, "This API key has been revoked.");
			},
		},
		defaultHandler: { fetch: (request, handlerEnv) => pages(request, handlerEnv as PagesEnv) },
		authorizeEndpoint: "/authorize",
		tokenEndpoint: "/token",
		clientRegistrationEndpoint: "/register",
		scopesSupported: [SCOPE],
		requiredScopes: [SCOPE],
		resourceMetadata: { resource, resource_name: "Penumbra" },
		// Clients may name themselves by a metadata URL instead of registering (MCP's Client ID Metadata Documents);
		// global_fetch_strictly_public (wrangler.toml) keeps those fetches on the public internet.
		clientIdMetadataDocumentEnabled: true,
		// Every client's discovery starts with a 401: an info line, not the library's console.warn.
		onError({ status, code, description }) {
			log(status >= 500 ? "error" : "info", "oauth error response", { status, code, description });
		},
		async resolveExternalToken({ token, env: tokenEnv }) {
			if (!UNIFIED_KEY.test(token)) return null;
			const props = await keyCaller(tokenEnv, token);
			return props ? { props, audience: resource } : null;
		},
	});
	providers.set(env.PUBLIC_URL, provider);
	return provider;
}
