import { type AuthLevel, meetsLevel } from "@penumbra/core/auth-levels";
import { PenumbraError } from "@penumbra/core/errors";
import type { Context, MiddlewareHandler } from "hono";
import { type KnownIdentity, knownKey } from "../identity-cache.ts";
import { assertLive } from "../liveness.ts";
import type { AppEnv, Caller } from "../types.ts";

function presentedKey(
	authorization: string | undefined,
	apiKeyHeader: string | undefined,
): string | undefined {
	if (apiKeyHeader) return apiKeyHeader.trim();
	if (!authorization) return undefined;
	const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
	if (!match?.[1]) {
		throw new PenumbraError("AUTH_REQUIRED", {
			detail: "Use `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
		});
	}
	return match[1];
}

/**
 * Callers already resolved by the RPC entrypoint, keyed by the request object it built. Only code in this Worker
 * can put a request here, so no header from the internet can claim an identity.
 */
export const resolvedCallers = new WeakMap<Request, Caller>();

/**
 * Requests during which the Account DO said their caller's credential (and the key named) is live: `GatewayRpc.call`
 * tells the calling Worker, which then need not ask again for the same request (docs/auth.md).
 */
export const confirmedLive = new WeakSet<Request>();

/** The caller a known identity makes, as an agent unless its key is an owner key (or `authority` says so). */
export function callerOf(known: KnownIdentity, authority = known.authority): Caller {
	return {
		level: known.level,
		credential: { id: known.credential_id, level: known.level, email: known.email },
		authority,
		...(known.key_id ? { key_id: known.key_id } : {}),
	};
}

/**
 * Metered calls (a tool run, the path proxy) ask the Account DO whether the key is live in the same round trip as
 * the rate limit and the fee (`withUsage`); every other route asks before it runs.
 */
function isMetered(method: string, path: string): boolean {
	if (!path.startsWith("/v1/")) return true;
	return method === "POST" && /^\/v1\/services\/[^/]+\/tools\/[^/]+\/?$/.test(path);
}

/**
 * Resolves the caller from the request's key (cached: `identity-cache.ts`); no key means anonymous (rate-limited
 * per client IP), a bad key is refused, and so is a revoked one, by the Account DO (docs/auth.md).
 */
export function identifyCaller(): MiddlewareHandler<AppEnv> {
	return async function identifyCallerMiddleware(c, next) {
		let caller = resolvedCallers.get(c.req.raw);
		if (!caller) {
			const key = presentedKey(c.req.header("authorization"), c.req.header("x-api-key"));
			caller = key === undefined ? await anonymous(c) : callerOf(await knownKey(c.env, key));
		}
		if (caller.credential) {
			caller = { ...caller, pending_live_check: true };
			if (!isMetered(c.req.method, c.req.path)) await assertLive(c.env, caller);
		}
		c.set("caller", caller);
		await next();
		// `assertLive` and `beginCall` clear the flag only once the Account DO answered that the caller is live.
		if (caller.credential && !caller.pending_live_check) confirmedLive.add(c.req.raw);
	};
}

async function anonymous(c: Context<AppEnv>): Promise<Caller> {
	const ip = c.req.header("cf-connecting-ip") ?? "unknown";
	const { success } = await c.env.ANON_LIMITER.limit({ key: ip });
	if (!success) {
		throw new PenumbraError("RATE_LIMITED", {
			detail: "Too many requests without an API key from this address. Wait a minute, or send a key.",
			extras: { retry_after_seconds: 60 },
		});
	}
	return { level: "anonymous", authority: "agent" };
}

/** 401 when the caller has no key but needs one, 403 when the key's level is too low. */
export function assertLevel(caller: Caller, need: AuthLevel, what: string): void {
	if (meetsLevel(caller.level, need)) return;
	if (caller.level === "anonymous") {
		throw new PenumbraError("AUTH_REQUIRED", {
			detail: `${what} needs an API key (${need} level). Send \`Authorization: Bearer <key>\`.`,
			extras: { required_level: need },
		});
	}
	throw new PenumbraError("FORBIDDEN", {
		detail: `${what} needs the ${need} level; this key is ${caller.level}.`,
		extras: { required_level: need, current_level: caller.level },
	});
}

/**
 * Refuses an agent what only the account's owner may do (docs/auth.md): confirm or decline a quote, change the
 * controls other than freezing, manage keys. The detail says where the owner does it.
 */
export function assertOwner(c: Context<AppEnv>, what: string): void {
	if (c.get("caller").authority === "owner") return;
	const accountUrl = `${c.env.WEB_URL}/account`;
	throw new PenumbraError("FORBIDDEN", {
		detail: `Only the account's owner can ${what}: sign in at ${accountUrl} and do it there. An assistant's key, grant or chat turn cannot.`,
		extras: { owner_only: true, account_url: accountUrl },
	});
}
