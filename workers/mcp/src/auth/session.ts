import { AuthoritySchema, type GatewayAnswer, type GatewayCall } from "@penumbra/core/contracts";
import { sha256Hex, timingSafeEqual } from "@penumbra/core/keys";
import { z } from "zod";
import { KeyIdSchema } from "./props.ts";

/**
 * Who signed in on this browser (authorize and confirm pages) and how; kept in OAUTH_KV under the hash of the cookie.
 * Only a person who signed in by email code, or with an owner key, is the account's owner (docs/auth.md): they may
 * confirm and decline purchases. A session made by pasting an agent key may connect an assistant (its grant is an
 * agent too) but never decide. `key_id` names the pasted key: the gateway refuses the session's calls once it is
 * revoked.
 */
export const HumanSessionSchema = z.object({
	credential_id: z.string(),
	level: z.enum(["identified", "authenticated"]),
	email: z.string().nullable(),
	method: z.enum(["email", "key"]),
	authority: AuthoritySchema,
	key_id: KeyIdSchema.optional(),
	created_at: z.number(),
});

export type HumanSession = z.infer<typeof HumanSessionSchema>;

const SESSION_TTL_SECONDS = 12 * 3600;
const CSRF_TTL_SECONDS = 24 * 3600;

function isHttps(env: McpEnv): boolean {
	return new URL(env.PUBLIC_URL).protocol === "https:";
}

/** `__Host-` (Secure, host-only, Path=/) wherever the site is https; plain http exists only on loopback. */
function cookieName(env: McpEnv, base: string): string {
	return isHttps(env) ? `__Host-${base}` : base;
}

function setCookie(env: McpEnv, base: string, value: string, maxAge: number): string {
	return [
		`${cookieName(env, base)}=${value}`,
		"Path=/",
		"HttpOnly",
		"SameSite=Lax",
		`Max-Age=${maxAge}`,
		...(isHttps(env) ? ["Secure"] : []),
	].join("; ");
}

export function readCookie(request: Request, name: string): string | null {
	for (const part of (request.headers.get("cookie") ?? "").split(";")) {
		const index = part.indexOf("=");
		if (index < 0) continue;
		if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
	}
	return null;
}

/** 256 random bits, base64url. */
export function randomToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

async function sessionKey(id: string): Promise<string> {
	return `human-session:${await sha256Hex(id)}`;
}

/** The signed-in human of this request, or null. */
export async function readSession(env: McpEnv, request: Request): Promise<HumanSession | null> {
	const id = readCookie(request, cookieName(env, "penumbra_session"));
	if (!id || !TOKEN_SHAPE.test(id)) return null;
	const parsed = HumanSessionSchema.safeParse(await env.OAUTH_KV.get(await sessionKey(id), "json"));
	return parsed.success ? parsed.data : null;
}

/** How the human signed in: an email code (the owner), or a pasted key with its own authority and id. */
export type SignInMethod =
	| { method: "email" }
	| { method: "key"; authority: HumanSession["authority"]; key_id: string };

/** The session a sign-in makes: the owner by email code; by key, whatever that key may decide. */
export function humanSession(
	identity: Pick<HumanSession, "credential_id" | "level" | "email">,
	how: SignInMethod,
): HumanSession {
	return {
		credential_id: identity.credential_id,
		level: identity.level,
		email: identity.email,
		...(how.method === "email"
			? { method: "email", authority: "owner" }
			: { method: "key", authority: how.authority, key_id: how.key_id }),
		created_at: Date.now(),
	};
}

/** Signs the human in on this browser; returns the Set-Cookie header value. */
export async function startSession(env: McpEnv, session: HumanSession): Promise<string> {
	const id = randomToken();
	await env.OAUTH_KV.put(await sessionKey(id), JSON.stringify(session), {
		expirationTtl: SESSION_TTL_SECONDS,
	});
	return setCookie(env, "penumbra_session", id, SESSION_TTL_SECONDS);
}

/**
 * One gateway call for the signed-in human, with the pasted key's id (a revoked key stops the session at once). It
 * reads as an agent; only a decision (`decide`) by someone who is the owner (an email sign-in or an owner key) is
 * sent with the owner's authority.
 */
export function callAs(
	env: McpEnv,
	session: HumanSession,
	call: Omit<GatewayCall, "authority" | "key_id">,
	decide = false,
): Promise<GatewayAnswer> {
	return env.GATEWAY.call(session.credential_id, {
		...call,
		authority: decide && session.authority === "owner" ? "owner" : "agent",
		...(session.key_id ? { key_id: session.key_id } : {}),
	});
}

/** Signs the human out; returns the Set-Cookie header value that clears the cookie. */
export async function endSession(env: McpEnv, request: Request): Promise<string> {
	const id = readCookie(request, cookieName(env, "penumbra_session"));
	if (id && TOKEN_SHAPE.test(id)) await env.OAUTH_KV.delete(await sessionKey(id));
	return setCookie(env, "penumbra_session", "", 0);
}

/**
 * The browser's anti-forgery token (double-submit: an HttpOnly cookie that every form repeats). Returns the token
 * and, when the browser had none, the cookie to set.
 */
export function csrfToken(env: McpEnv, request: Request): { token: string; setCookie: string | null } {
	const existing = readCookie(request, cookieName(env, "penumbra_csrf"));
	if (existing && TOKEN_SHAPE.test(existing)) return { token: existing, setCookie: null };
	const token = randomToken();
	return { token, setCookie: setCookie(env, "penumbra_csrf", token, CSRF_TTL_SECONDS) };
}

/** The browser binding of server-side state (a pending authorization): the hash of its anti-forgery cookie. */
export async function browserBinding(env: McpEnv, request: Request): Promise<string | null> {
	const token = readCookie(request, cookieName(env, "penumbra_csrf"));
	return token && TOKEN_SHAPE.test(token) ? sha256Hex(token) : null;
}

/**
 * Why a form post must be refused, or null when it may proceed: it must come from a page of this origin (Origin,
 * or Referer when a browser sends no Origin) and repeat this browser's anti-forgery token.
 */
export function formRejection(env: McpEnv, request: Request, form: FormData): string | null {
	const own = new URL(request.url).origin;
	const origin = request.headers.get("origin");
	if (origin !== null) {
		if (origin !== own) return "This form was sent from another site.";
	} else {
		const referer = URL.parse(request.headers.get("referer") ?? "");
		if (referer?.origin !== own) return "This form was sent from another site.";
	}
	const cookie = readCookie(request, cookieName(env, "penumbra_csrf"));
	const field = form.get("csrf");
	if (!cookie || typeof field !== "string" || !timingSafeEqual(cookie, field)) {
		return "This page expired or was opened in another browser. Reload it and try again.";
	}
	return null;
}
