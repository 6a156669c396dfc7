import { timingSafeEqual } from "@penumbra/core/keys";
import { z } from "zod";

/** Who signed in on this browser (authorize and confirm pages); kept in OAUTH_KV under the hash of the cookie. */
export const HumanSessionSchema = z.object({
	credential_id: z.string(),
	level: z.enum(["identified", "authenticated"]),
	email: z.string().nullable(),
	method: z.enum(["email", "key"]),
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

export async function sha256(value: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

async function sessionKey(id: string): Promise<string> {
	return `human-session:${await sha256(id)}`;
}

/** The signed-in human of this request, or null. */
export async function readSession(env: McpEnv, request: Request): Promise<HumanSession | null> {
	const id = readCookie(request, cookieName(env, "penumbra_session"));
	if (!id || !TOKEN_SHAPE.test(id)) return null;
	const parsed = HumanSessionSchema.safeParse(await env.OAUTH_KV.get(await sessionKey(id), "json"));
	return parsed.success ? parsed.data : null;
}

/** Signs the human in on this browser; returns the Set-Cookie header value. */
export async function startSession(
	env: McpEnv,
	identity: Pick<HumanSession, "credential_id" | "level" | "email">,
	method: HumanSession["method"],
): Promise<string> {
	const id = randomToken();
	const session: HumanSession = {
		credential_id: identity.credential_id,
		level: identity.level,
		email: identity.email,
		method,
		created_at: Date.now(),
	};
	await env.OAUTH_KV.put(await sessionKey(id), JSON.stringify(session), {
		expirationTtl: SESSION_TTL_SECONDS,
	});
	return setCookie(env, "penumbra_session", id, SESSION_TTL_SECONDS);
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
	return token && TOKEN_SHAPE.test(token) ? sha256(token) : null;
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
