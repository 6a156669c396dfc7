import {
	type GatewayAnswer,
	type OperatorCall,
	OperatorSessionSchema,
	ProblemSchema,
} from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { ChatApp } from "../auth.ts";
import { jsonBody, parse } from "../request.ts";

/**
 * The site's operator dashboard (`/operator`): sign-in with the ADMIN_TOKEN, which the gateway trades for a 12-hour
 * read-only session; the browser keeps only that session, in its own cookie, sent only to /api/operator. These routes
 * never read the owner's session cookie or a key, and the owner's routes never read this cookie: neither can act as
 * the other. What a session may read is decided by the gateway (its admin middleware), this list only narrows it.
 */
export const operatorRoutes = new Hono<ChatApp>();

const COOKIE = "penumbra_operator";
const COOKIE_PATH = "/api/operator";
const TOKEN_SHAPE = /^ops_[A-Za-z0-9_-]{43}$/;
const SERVICE_ID = /^[a-z][a-z0-9-]{1,62}$/;

function isDevelopment(env: ChatEnv): boolean {
	return env.ENVIRONMENT === "development";
}

/** `__Secure-` outside development (`__Host-` would need Path=/, and this cookie goes to /api/operator only). */
function cookieName(env: ChatEnv): string {
	return isDevelopment(env) ? COOKIE : `__Secure-${COOKIE}`;
}

function signedOut(): PenumbraError {
	return new PenumbraError("AUTH_REQUIRED", { detail: "Sign in as the operator with the admin token." });
}

/**
 * The gateway's answer as this Worker's, status and body as they are. Not every failure status carries a problem:
 * a health answer says `down` with 503 and its usual body.
 */
function parsedJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

function answer(result: GatewayAnswer): Response {
	if (result.status === 204) return new Response(null, { status: 204 });
	const problem = result.status >= 400 && ProblemSchema.safeParse(parsedJson(result.body)).success;
	const type = problem ? "application/problem+json" : "application/json";
	return new Response(result.body, { status: result.status, headers: { "content-type": type } });
}

function call(c: Context<ChatApp>, token: string, method: OperatorCall["method"], path: string) {
	return c.env.GATEWAY.operator(token, { method, path, request_id: c.get("requestId") });
}

function sessionToken(c: Context<ChatApp>): string {
	const token = getCookie(c, cookieName(c.env));
	if (!token || !TOKEN_SHAPE.test(token)) throw signedOut();
	return token;
}

function clearCookie(c: Context<ChatApp>): void {
	deleteCookie(c, cookieName(c.env), { path: COOKIE_PATH, secure: !isDevelopment(c.env) });
}

/** One read through the session, as the gateway answered; an ended session also clears the cookie. */
async function read(c: Context<ChatApp>, path: string): Promise<Response> {
	const result = await call(c, sessionToken(c), "GET", path);
	if (result.status === 401) clearCookie(c);
	const response = answer(result);
	// Operator figures are not for shared caches.
	response.headers.set("cache-control", "no-store");
	return response;
}

const SignInSchema = z.object({ admin_token: z.string().trim().min(1).max(512) });

operatorRoutes.post("/api/operator/session", async (c) => {
	const ip = c.req.header("cf-connecting-ip") ?? "unknown";
	if (!(await c.env.OPERATOR_SIGNIN_LIMITER.limit({ key: ip })).success) {
		throw new PenumbraError("RATE_LIMITED", {
			detail: "Too many operator sign-ins from this address. Wait a minute.",
			extras: { retry_after_seconds: 60 },
		});
	}
	const { admin_token } = parse(SignInSchema, await jsonBody(c), "/body");
	const result = await call(c, admin_token, "POST", "/v1/admin/sessions");
	if (result.status !== 201) return answer(result);
	const session = OperatorSessionSchema.parse(JSON.parse(result.body));
	const seconds = Math.floor((Date.parse(session.expires_at) - Date.now()) / 1000);
	setCookie(c, cookieName(c.env), session.token, {
		path: COOKIE_PATH,
		httpOnly: true,
		sameSite: "Strict",
		secure: !isDevelopment(c.env),
		maxAge: Math.max(0, seconds),
	});
	// The session's token stays in the cookie: the page never sees it, nor the admin token again.
	return c.json({ signed_in: true, expires_at: session.expires_at }, 200);
});

// Asked on every visit of /operator: signed out is an answer here, not an error (no 401 in the console).
operatorRoutes.get("/api/operator/session", async (c) => {
	const token = getCookie(c, cookieName(c.env));
	if (!token || !TOKEN_SHAPE.test(token)) return c.json({ signed_in: false }, 200);
	const result = await call(c, token, "GET", "/v1/admin/sessions/current");
	if (result.status === 401) {
		clearCookie(c);
		return c.json({ signed_in: false }, 200);
	}
	if (result.status !== 200) return answer(result);
	const { expires_at } = OperatorSessionSchema.pick({ expires_at: true }).parse(JSON.parse(result.body));
	return c.json({ signed_in: true, expires_at }, 200);
});

operatorRoutes.delete("/api/operator/session", async (c) => {
	const token = getCookie(c, cookieName(c.env));
	if (token && TOKEN_SHAPE.test(token)) await call(c, token, "DELETE", "/v1/admin/sessions/current");
	clearCookie(c);
	return c.body(null, 204);
});

// The reads, each to one fixed gateway route; the query string goes as it came (the gateway validates it).
const query = (c: Context<ChatApp>) => new URL(c.req.url).search;
operatorRoutes.get("/api/operator/metrics", (c) => read(c, `/v1/admin/metrics${query(c)}`));
operatorRoutes.get("/api/operator/alerts", (c) => read(c, `/v1/admin/alerts${query(c)}`));
operatorRoutes.get("/api/operator/purchases", (c) => read(c, `/v1/admin/purchases${query(c)}`));
operatorRoutes.get("/api/operator/health", (c) => read(c, "/v1/health"));
operatorRoutes.get("/api/operator/services/:id/health", (c) => {
	const id = c.req.param("id");
	if (!SERVICE_ID.test(id)) throw new PenumbraError("NOT_FOUND", { detail: `No service ${id}.` });
	return read(c, `/v1/services/${id}/health${query(c)}`);
});

// Anything else under /api/operator is not a route, whoever asks (never the owner's routes' 401).
operatorRoutes.all("/api/operator/*", () => {
	throw new PenumbraError("NOT_FOUND", { detail: "No such operator route." });
});
