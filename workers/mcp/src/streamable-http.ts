import {
	type AuthInfo,
	createMcpHandler,
	hostHeaderValidationResponse,
	isJSONRPCRequest,
	isLegacyRequest,
	localhostAllowedHostnames,
	type McpHandlerRequestOptions,
	type McpRequestContext,
	type McpServer,
	originValidationResponse,
	WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { MCP_MAX_BODY_BYTES } from "@penumbra/core/contracts";
import { readBounded } from "@penumbra/core/http";
import { log } from "@penumbra/core/log";
import { noteCaller } from "./access.ts";
import { type SessionProps, SessionPropsSchema } from "./auth/props.ts";

const CORS = {
	"access-control-allow-origin": "*",
	"access-control-allow-headers":
		"Content-Type, Accept, Authorization, mcp-session-id, MCP-Protocol-Version, Mcp-Method, Mcp-Name",
	"access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
	"access-control-expose-headers": "mcp-session-id",
	"access-control-max-age": "86400",
} as const;

function withCors(response: Response): Response {
	const headers = new Headers(response.headers);
	for (const [name, value] of Object.entries(CORS)) headers.set(name, value);
	return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function rpcError(status: number, code: number, message: string): Response {
	return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });
}

/**
 * Who is calling, as the factory's `ctx.authInfo`: only the caller's props travel (`extra.props`), never the token
 * or key it presented.
 */
function authInfoOf(props: SessionProps): AuthInfo {
	return { token: "", clientId: props.via, scopes: [], extra: { props } };
}

/** Props objects `serve` has parsed already: `callerOf` takes them as they are instead of parsing them again. */
const parsedProps = new WeakSet<object>();

/** The caller one `/mcp` request acts for (from the factory's context), or null when it is anonymous. */
export function callerOf(ctx: McpRequestContext): SessionProps | null {
	const props = ctx.authInfo?.extra?.props;
	if (typeof props === "object" && props !== null && parsedProps.has(props)) return props as SessionProps;
	const parsed = SessionPropsSchema.safeParse(props);
	return parsed.success ? parsed.data : null;
}

/** The props object itself (live checks are keyed by it: `auth/live.ts`). */
export function callerPropsOf(ctx: McpRequestContext): object | undefined {
	const props = ctx.authInfo?.extra?.props;
	return typeof props === "object" && props !== null ? props : undefined;
}

type Body = { ok: true; parsed: unknown } | { ok: false; response: Response };

const tooLarge = (): Body => ({
	ok: false,
	response: rpcError(
		413,
		-32000,
		`Payload Too Large: Request body must not exceed ${MCP_MAX_BODY_BYTES} bytes`,
	),
});

/** A JSON POST body, read and parsed once (the SDK's classifier and transport are handed the parsed value). */
async function readJsonBody(request: Request): Promise<Body> {
	const declared = request.headers.get("content-length");
	if (declared !== null && Number(declared) > MCP_MAX_BODY_BYTES) return tooLarge();
	let text = "";
	if (request.body) {
		// A declared length is held to by the runtime; without one the body is read up to the bound.
		const bytes =
			declared !== null
				? new Uint8Array(await request.arrayBuffer())
				: await readBounded(request.body, MCP_MAX_BODY_BYTES);
		if (bytes === null) return tooLarge();
		text = new TextDecoder().decode(bytes);
	}
	try {
		return { ok: true, parsed: JSON.parse(text) };
	} catch {
		return { ok: false, response: rpcError(400, -32700, "Parse error: Invalid JSON") };
	}
}

export interface StreamableHttpOptions {
	route: string;
	/** Browsers may only reach the server from these hostnames (DNS rebinding); clients without Origin are fine. */
	allowedOriginHostnames: readonly string[];
}

export type McpFetch = (request: Request, env: unknown, ctx: ExecutionContext) => Promise<Response>;

/**
 * The stateless Streamable HTTP endpoint. A caller's props (`ctx.props`, set by the OAuth provider or by
 * `withProps`) reach the server factory as `ctx.authInfo.extra.props`. A POST body is read and parsed once. Requests
 * of the 2026-07-28 protocol go to the SDK's own handler; 2025-era ones get a fresh server on a stateless transport
 * that answers in one JSON body (nothing of ours streams: the tools send no notifications, and a stateless
 * 2025-era exchange cannot carry server-to-client requests, which fail at once instead of waiting for an answer).
 */
export function streamableHttp(
	factory: (ctx: McpRequestContext) => McpServer,
	options: StreamableHttpOptions,
): McpFetch {
	const modern = createMcpHandler(factory, { legacy: "reject" });

	async function legacy(request: Request, requestOptions: McpHandlerRequestOptions): Promise<Response> {
		if (request.method !== "POST") return rpcError(405, -32000, "Method not allowed.");
		const { authInfo } = requestOptions;
		const server = factory({ era: "legacy", ...(authInfo && { authInfo }), requestInfo: request });
		const transport = new WebStandardStreamableHTTPServerTransport({
			sessionIdGenerator: undefined,
			enableJsonResponse: true,
		});
		const send = transport.send.bind(transport);
		transport.send = async (message, sendOptions) => {
			if (isJSONRPCRequest(message)) {
				transport.onmessage?.({
					jsonrpc: "2.0",
					id: message.id,
					error: {
						code: -32603,
						message: "Server-to-client requests are unavailable on a stateless connection.",
					},
				});
				return;
			}
			await send(message, sendOptions);
		};
		try {
			await server.connect(transport);
			// The answer is whole (one JSON body) and nothing of the exchange outlives it, so the server and transport
			// are left to the garbage collector: closing them only built and dropped a "connection closed" error
			// (about 7 % of this Worker's CPU per call).
			return await transport.handleRequest(request, requestOptions);
		} catch (error) {
			await Promise.all([transport.close().catch(() => {}), server.close().catch(() => {})]);
			throw error;
		}
	}

	async function serve(request: Request, ctx: ExecutionContext): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname !== options.route) return new Response("Not Found", { status: 404 });
		if (localhostAllowedHostnames().includes(url.hostname)) {
			const rejected = hostHeaderValidationResponse(request, localhostAllowedHostnames());
			if (rejected) return rejected;
		}
		const originRejected = originValidationResponse(request, [...options.allowedOriginHostnames]);
		if (originRejected) return originRejected;
		if (request.method === "OPTIONS") return new Response(null, { headers: CORS });

		let parsedBody: unknown;
		if (
			request.method === "POST" &&
			/^application\/json\b/i.test(request.headers.get("content-type") ?? "")
		) {
			const body = await readJsonBody(request);
			if (!body.ok) return body.response;
			parsedBody = body.parsed;
		}
		const props = ctx.props as object | undefined;
		const authInfo =
			props && SessionPropsSchema.safeParse(props).success ? authInfoOf(props as SessionProps) : undefined;
		if (authInfo) {
			parsedProps.add(props as object);
			noteCaller((props as SessionProps).credential_id);
		}
		const requestOptions: McpHandlerRequestOptions = {
			...(authInfo && { authInfo }),
			...(parsedBody !== undefined && { parsedBody }),
		};
		if (await isLegacyRequest(request, parsedBody)) return legacy(request, requestOptions);
		return modern.fetch(request, requestOptions);
	}

	return async (request, _env, ctx) => {
		try {
			return withCors(await serve(request, ctx));
		} catch (error) {
			log("error", "mcp request failed", { error });
			return withCors(rpcError(500, -32603, "Internal server error"));
		}
	};
}
