import type { Authority, Identity } from "@penumbra/core/contracts";
import { chatSessions } from "@penumbra/core/db";
import { PenumbraError } from "@penumbra/core/errors";
import { hashApiKey, isWellFormedApiKey } from "@penumbra/core/keys";
import type { TraceContext } from "@penumbra/core/trace";
import { and, eq, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export type { Identity };

/**
 * Who is calling and what they may decide (docs/auth.md): the site's session cookie is the owner, signed in by email
 * code; a Bearer key is whatever that key is (an agent unless the owner made an owner key), and its id goes with every
 * gateway call so the call is refused once the key is revoked.
 */
export type Caller = Identity & { authority: Authority; key_id?: string };

export interface ChatVariables {
	requestId: string;
	/** This request's hop of its trace (the request id middleware): every gateway and MCP call carries a span of it. */
	trace: TraceContext;
	identity: Caller;
}

export type ChatApp = { Bindings: ChatEnv; Variables: ChatVariables };

/**
 * The site session cookie. Not `penumbra_session`: locally every Worker is on 127.0.0.1 and cookies ignore ports,
 * so that name would collide with the MCP Worker's sign-in cookie. `__Host-` (Secure, host-only) outside development.
 */
export const SESSION_COOKIE = "penumbra_chat_session";
export const SESSION_TTL_MS = 30 * 24 * 3600_000;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function isDevelopment(env: ChatEnv): boolean {
	return env.ENVIRONMENT === "development";
}

export function sessionCookieName(env: ChatEnv): string {
	return isDevelopment(env) ? SESSION_COOKIE : `__Host-${SESSION_COOKIE}`;
}

/** 256 random bits, base64url. */
function randomToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

function authRequired(detail: string): PenumbraError {
	return new PenumbraError("AUTH_REQUIRED", { detail });
}

/** Starts a site session for a verified identity: stores the token's hash and sets the cookie. */
export async function startSession(c: Context<ChatApp>, credentialId: string): Promise<void> {
	const token = randomToken();
	const now = Date.now();
	const db = drizzle(c.env.DB);
	await db.batch([
		db
			.delete(chatSessions)
			.where(and(eq(chatSessions.credentialId, credentialId), lt(chatSessions.expiresAt, now))),
		db.insert(chatSessions).values({
			// The same SHA-256 hex as API keys: a leaked table cannot be replayed as cookies.
			tokenHash: await hashApiKey(token),
			credentialId,
			createdAt: now,
			expiresAt: now + SESSION_TTL_MS,
		}),
	]);
	setCookie(c, sessionCookieName(c.env), token, {
		path: "/",
		httpOnly: true,
		sameSite: "Lax",
		secure: !isDevelopment(c.env),
		maxAge: SESSION_TTL_MS / 1000,
	});
}

/** Ends this browser's session (if any) and clears the cookie. */
export async function endSession(c: Context<ChatApp>): Promise<void> {
	const name = sessionCookieName(c.env);
	const token = getCookie(c, name);
	if (token && TOKEN_SHAPE.test(token)) {
		await drizzle(c.env.DB)
			.delete(chatSessions)
			.where(eq(chatSessions.tokenHash, await hashApiKey(token)));
	}
	deleteCookie(c, name, { path: "/", secure: !isDevelopment(c.env) });
}

async function sessionCredential(c: Context<ChatApp>, token: string): Promise<string | null> {
	if (!TOKEN_SHAPE.test(token)) return null;
	const row = await drizzle(c.env.DB)
		.select({ credentialId: chatSessions.credentialId, expiresAt: chatSessions.expiresAt })
		.from(chatSessions)
		.where(eq(chatSessions.tokenHash, await hashApiKey(token)))
		.get();
	return row && row.expiresAt > Date.now() ? row.credentialId : null;
}

/**
 * Who is calling: `Authorization: Bearer <unified key>` when present (never falling back to the cookie), else the
 * session cookie; null when neither is sent. A bad key is refused; a cookie that no longer works is refused only when
 * `strict` (browsing routes treat its holder as anonymous). The credential is re-read from the gateway every time, so
 * a revoked one stops at once. The cookie's holder signed in by email code: the owner. A key acts with its own
 * authority, never more.
 */
async function resolveIdentity(c: Context<ChatApp>, strict: boolean): Promise<Caller | null> {
	const authorization = c.req.header("authorization");
	if (authorization !== undefined) {
		const key = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
		if (!key || !isWellFormedApiKey(key)) {
			throw authRequired("Send a unified API key as `Authorization: Bearer <key>`, or sign in.");
		}
		const identity = await c.env.GATEWAY.identify(key);
		if (!identity) throw authRequired("This API key is unknown or revoked.");
		const { credential_id, level, email, authority, key_id } = identity;
		return { credential_id, level, email, authority, key_id };
	}
	const token = getCookie(c, sessionCookieName(c.env));
	if (token === undefined && !strict) return null;
	const credentialId = token ? await sessionCredential(c, token) : null;
	if (!credentialId) {
		if (!strict) return null;
		throw authRequired("Sign in with your email, or send a unified API key.");
	}
	const identity = await c.env.GATEWAY.identity(credentialId);
	if (!identity) {
		if (strict) throw authRequired("This account is no longer active. Sign in again.");
		return null;
	}
	return { ...identity, authority: "owner" };
}

/** Routes after this need a signed-in user or a key (`identity` is set). */
export function requireIdentity(): MiddlewareHandler<ChatApp> {
	return async function requireIdentityMiddleware(c, next) {
		const identity = await resolveIdentity(c, true);
		if (!identity) throw authRequired("Sign in with your email, or send a unified API key.");
		c.set("identity", identity);
		await next();
	};
}

/** The caller of a route anyone may use (browsing): their identity when they sent a working one, else null. */
export function optionalIdentity(c: Context<ChatApp>): Promise<Caller | null> {
	return resolveIdentity(c, false);
}

/**
 * Refuses an agent (an API key that is not an owner key) what only the account's owner may do, before anything is
 * touched; the same problem as the gateway's (docs/auth.md), naming where the owner does it.
 */
export function assertOwner(c: Context<ChatApp>, what: string): void {
	if (c.get("identity").authority === "owner") return;
	const accountUrl = `${c.env.WEB_URL.replace(/\/+$/, "")}/account`;
	throw new PenumbraError("FORBIDDEN", {
		detail: `Only the account's owner can ${what}: sign in at ${accountUrl} and do it there. An assistant's key, grant or chat turn cannot.`,
		extras: { owner_only: true, account_url: accountUrl },
	});
}
