import { PenumbraError, toErrorMessage } from "@penumbra/core/errors";
import { toHex } from "@penumbra/core/keys";
import { type CompiledService, upstreamTokenKey } from "@penumbra/core/registry";
import { assertUpstreamUrl } from "@penumbra/core/ssrf";
import { basicAuthorization, needSecret, type SecretReader } from "@penumbra/core/upstream-auth";
import { z } from "zod";

/** A token is dropped this long before the provider says it expires, so no call goes out with one about to lapse. */
const EXPIRY_MARGIN_S = 60;
/** How long a token is kept when the provider does not say (`expires_in` is only recommended by RFC 6749). */
const DEFAULT_LIFETIME_S = 600;
/** KV refuses shorter TTLs. */
const KV_MIN_TTL_S = 60;

const tokenAnswerSchema = z.looseObject({
	access_token: z.string().min(1),
	token_type: z.string().optional(),
	expires_in: z.coerce.number().positive().optional(),
});

interface CachedToken {
	access_token: string;
	expires_at_ms: number;
}
const cachedTokenSchema = z.object({ access_token: z.string().min(1), expires_at_ms: z.number() });

/** Per-isolate cache in front of KV, by KV key. */
const isolateTokens = new Map<string, CachedToken>();

export interface TokenContext {
	service: CompiledService;
	kv: KVNamespace;
	secrets: SecretReader;
	allowlist: readonly string[];
	now?: () => number;
}

async function clientKey(service: CompiledService, clientId: string): Promise<string> {
	const oauth2 = service.auth.oauth2;
	const text = new TextEncoder().encode(`${clientId}\n${oauth2?.token_url ?? ""}`);
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", text));
	return upstreamTokenKey(service.card.id, toHex(digest.slice(0, 8)));
}

/**
 * The provider's OAuth2 client-credentials access token (docs/upstream-auth.md): from this isolate, else KV, else
 * the token endpoint. `fresh` skips both caches (the upstream answered 401 to the cached token).
 */
export async function upstreamToken(ctx: TokenContext, fresh: boolean): Promise<string> {
	const oauth2 = ctx.service.auth.oauth2;
	if (!oauth2) throw new Error("unreachable: the service uses OAuth2 client credentials");
	const now = ctx.now ?? Date.now;
	const clientId = needSecret(ctx.service, ctx.secrets, oauth2.client_id);
	const key = await clientKey(ctx.service, clientId);
	if (!fresh) {
		const held = isolateTokens.get(key);
		if (held && held.expires_at_ms > now()) return held.access_token;
		const stored = cachedTokenSchema.safeParse(await ctx.kv.get(key, "json"));
		if (stored.success && stored.data.expires_at_ms > now()) {
			isolateTokens.set(key, stored.data);
			return stored.data.access_token;
		}
	}
	const answer = await requestToken(ctx, clientId);
	const lifetime_s = Math.max(answer.expires_in ?? DEFAULT_LIFETIME_S, EXPIRY_MARGIN_S + 1);
	const cached: CachedToken = {
		access_token: answer.access_token,
		expires_at_ms: now() + (lifetime_s - EXPIRY_MARGIN_S) * 1000,
	};
	isolateTokens.set(key, cached);
	await ctx.kv.put(key, JSON.stringify(cached), {
		expirationTtl: Math.max(lifetime_s - EXPIRY_MARGIN_S, KV_MIN_TTL_S),
	});
	return cached.access_token;
}

function refused(service: CompiledService, internal: string, cause?: unknown): PenumbraError {
	return new PenumbraError("UPSTREAM_ERROR", {
		detail: `The service "${service.card.id}" did not grant the gateway an access token.`,
		internal,
		...(cause ? { cause } : {}),
	});
}

async function requestToken(
	ctx: TokenContext,
	clientId: string,
): Promise<z.output<typeof tokenAnswerSchema>> {
	const { service } = ctx;
	const oauth2 = service.auth.oauth2;
	if (!oauth2) throw new Error("unreachable: the service uses OAuth2 client credentials");
	const clientSecret = needSecret(service, ctx.secrets, oauth2.client_secret);
	const url = assertUpstreamUrl(oauth2.token_url, ctx.allowlist);
	const form = new URLSearchParams({ grant_type: "client_credentials" });
	if (oauth2.scopes.length > 0) form.set("scope", oauth2.scopes.join(" "));
	if (oauth2.audience) form.set("audience", oauth2.audience);
	const headers = new Headers({
		"content-type": "application/x-www-form-urlencoded",
		accept: "application/json",
		"user-agent": "Penumbra-Gateway/0.1",
	});
	if (oauth2.client_auth === "header") {
		// RFC 6749 §2.3.1: both parts form-encoded before Basic.
		const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
		headers.set("authorization", basicAuthorization(encode(clientId), encode(clientSecret)));
	} else {
		form.set("client_id", clientId);
		form.set("client_secret", clientSecret);
	}
	let response: Response;
	try {
		response = await fetch(url, {
			method: "POST",
			headers,
			body: form.toString(),
			redirect: "manual",
			signal: AbortSignal.timeout(service.timeout_ms),
		});
	} catch (cause) {
		throw refused(service, `token endpoint unreachable: ${toErrorMessage(cause)}`, cause);
	}
	// The answer holds the token: never logged, never echoed, only its status.
	const text = await response.text();
	if (!response.ok) throw refused(service, `token endpoint answered HTTP ${response.status}`);
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw refused(service, "token endpoint answered something other than JSON");
	}
	const parsed = tokenAnswerSchema.safeParse(json);
	if (!parsed.success) throw refused(service, "token endpoint answer has no access_token");
	return parsed.data;
}
