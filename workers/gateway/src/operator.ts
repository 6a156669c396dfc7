import type { GatewayAnswer, OperatorCall } from "@penumbra/core/contracts";
import { operatorSessions } from "@penumbra/core/db";
import { PenumbraError, toProblem } from "@penumbra/core/errors";
import { hashApiKey } from "@penumbra/core/keys";
import { and, eq, gt, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { resolvedCallers } from "./middleware/auth.ts";

/**
 * Operator sessions: what the site's operator dashboard signs in with instead of holding the ADMIN_TOKEN. A session
 * token may only read (OPERATOR_READS); it never mints credentials, credits, refunds or changes anything.
 */

export const OPERATOR_TOKEN_PREFIX = "ops_";
const TOKEN_SHAPE = /^ops_[A-Za-z0-9_-]{43}$/;
export const OPERATOR_SESSION_TTL_S = 12 * 3600;

/** The admin routes a session may call, and only with GET: what the dashboard reads. */
const OPERATOR_READS = [
	/^\/v1\/admin\/metrics\/?$/,
	/^\/v1\/admin\/alerts\/?$/,
	/^\/v1\/admin\/purchases\/?$/,
];
/** The session itself: GET says until when it lasts; DELETE (signing out, the one non-GET a session may send) ends it. */
export const CURRENT_SESSION_PATH = "/v1/admin/sessions/current";

export function looksLikeOperatorToken(token: string): boolean {
	return TOKEN_SHAPE.test(token);
}

/** The routes a session may call (the gateway's own check is `assertOperatorMay`; this one guards the RPC). */
export function operatorMay(method: string, path: string): boolean {
	if (path === CURRENT_SESSION_PATH) return method === "GET" || method === "DELETE";
	return method === "GET" && OPERATOR_READS.some((pattern) => pattern.test(path));
}

function randomToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	const text = btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
	return `${OPERATOR_TOKEN_PREFIX}${text}`;
}

/**
 * A new session: the token (shown once) and when it ends. D1 keeps only the token's SHA-256 (a dump cannot be
 * replayed); sessions that have ended are deleted in the same batch.
 */
export async function startOperatorSession(env: GatewayEnv): Promise<{ token: string; expires_at: string }> {
	const token = randomToken();
	const now = Date.now();
	const expiresAt = now + OPERATOR_SESSION_TTL_S * 1000;
	const db = drizzle(env.DB);
	await db.batch([
		db.delete(operatorSessions).where(lte(operatorSessions.expiresAt, now)),
		db
			.insert(operatorSessions)
			.values({ tokenHash: await hashApiKey(token), createdAt: now, expiresAt: expiresAt }),
	]);
	return { token, expires_at: new Date(expiresAt).toISOString() };
}

/** Signing out: the session is refused from the next request on, wherever it comes from. */
export async function endOperatorSession(env: GatewayEnv, token: string): Promise<void> {
	if (!looksLikeOperatorToken(token)) return;
	await drizzle(env.DB)
		.delete(operatorSessions)
		.where(eq(operatorSessions.tokenHash, await hashApiKey(token)));
}

/** When the live session ends; null once it has (signed out, or past its 12 hours). */
export async function operatorSessionEnd(env: GatewayEnv, token: string): Promise<number | null> {
	if (!looksLikeOperatorToken(token)) return null;
	const row = await drizzle(env.DB)
		.select({ expiresAt: operatorSessions.expiresAt })
		.from(operatorSessions)
		.where(
			and(
				eq(operatorSessions.tokenHash, await hashApiKey(token)),
				gt(operatorSessions.expiresAt, Date.now()),
			),
		)
		.get();
	return row?.expiresAt ?? null;
}

async function operatorSessionLive(env: GatewayEnv, token: string): Promise<boolean> {
	return (await operatorSessionEnd(env, token)) !== null;
}

/** AUTH_REQUIRED for an ended session, FORBIDDEN for a route it may not call. */
export async function assertOperatorMay(env: GatewayEnv, token: string, method: string, path: string) {
	if (!(await operatorSessionLive(env, token))) {
		throw new PenumbraError("AUTH_REQUIRED", {
			detail: "This operator session has ended. Sign in again with the admin token.",
		});
	}
	if (!operatorMay(method, path)) {
		throw new PenumbraError("FORBIDDEN", {
			detail:
				"An operator session may only read metrics, alerts and purchases. Use the ADMIN_TOKEN itself (the CLI) for anything else.",
		});
	}
}

// A host that cannot be reached from outside: these requests never leave this isolate.
const INTERNAL_ORIGIN = "https://gateway.internal";

/** Public routes the dashboard reads besides the admin ones: gateway and provider health. */
const PUBLIC_READS = [/^\/v1\/health\/?$/, /^\/v1\/services\/[a-z][a-z0-9-]{1,62}\/health\/?$/];

/**
 * One call of the site's operator dashboard (`GatewayRpc.operator`): `POST /v1/admin/sessions` with the admin
 * token, otherwise a live session's read of an admin route (the admin middleware checks the session again) or of a
 * public health route (asked as a caller without a key, which no per-address limit counts: the session vouches).
 */
export async function operatorCall(
	env: GatewayEnv,
	ctx: ExecutionContext,
	fetchApp: (request: Request, env: GatewayEnv, ctx: ExecutionContext) => Response | Promise<Response>,
	token: string,
	call: OperatorCall,
): Promise<GatewayAnswer> {
	const url = new URL(call.path, INTERNAL_ORIGIN);
	const signIn = call.method === "POST" && url.pathname === "/v1/admin/sessions";
	const publicRead = call.method === "GET" && PUBLIC_READS.some((p) => p.test(url.pathname));
	if (url.origin !== INTERNAL_ORIGIN || !(signIn || publicRead || operatorMay(call.method, url.pathname))) {
		throw new Error(`GatewayRpc.operator: ${call.method} ${call.path} is not an operator route`);
	}
	const headers = new Headers({ accept: "application/json" });
	if (call.request_id) headers.set("x-request-id", call.request_id);
	if (!publicRead) headers.set("authorization", `Bearer ${token}`);
	const request = new Request(url, { method: call.method, headers });
	if (publicRead) {
		if (!(await operatorSessionLive(env, token))) {
			const ended = new PenumbraError("AUTH_REQUIRED", { detail: "This operator session has ended." });
			return { status: 401, body: JSON.stringify(toProblem(ended)), request_id: null };
		}
		resolvedCallers.set(request, { level: "anonymous", authority: "agent" });
	}
	const response = await fetchApp(request, env, ctx);
	return {
		status: response.status,
		body: await response.text(),
		request_id: response.headers.get("x-request-id"),
	};
}
