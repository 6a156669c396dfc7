import { WorkerEntrypoint } from "cloudflare:workers";
import {
	type EmailSignInStarted,
	failureOf,
	type GatewayAnswer,
	type GatewayCall,
	type Identity,
	type KeyIdentity,
	type OperatorCall,
	type Result,
	TraceparentSchema,
} from "@penumbra/core/contracts";
import { PenumbraError, toProblem } from "@penumbra/core/errors";
import { log } from "@penumbra/core/log";
import { app } from "./app.ts";
import { knownCredential, knownKey } from "./identity-cache.ts";
import { assertLive } from "./liveness.ts";
import { recordRefusedRpc, rpcCallers } from "./metrics/record.ts";
import { storePoints } from "./metrics/store.ts";
import { callerOf, confirmedLive, resolvedCallers } from "./middleware/auth.ts";
import { operatorCall } from "./operator.ts";
import { startEmailSignIn, verifyEmailSignIn } from "./signin.ts";

async function settle<T extends object>(what: string, fn: () => Promise<T>): Promise<Result<T>> {
	try {
		return { ok: true, ...(await fn()) };
	} catch (error) {
		if (!(error instanceof PenumbraError) || error.status >= 500) log("error", `${what} failed`, { error });
		return failureOf(
			error instanceof PenumbraError
				? error
				: new PenumbraError("INTERNAL", { detail: "An internal error occurred.", cause: error }),
		);
	}
}

// A host that cannot be reached from outside: these requests never leave this isolate.
const INTERNAL_ORIGIN = "https://gateway.internal";

/**
 * The URL an RPC call's path names, refused unless it is a public /v1 route. Checked after parsing: dot segments
 * ("/v1/services/../admin") and "//host" are resolved by the URL parser, not seen by a prefix test.
 */
export function internalUrl(path: string): URL {
	const url = new URL(path, INTERNAL_ORIGIN);
	if (
		url.origin !== INTERNAL_ORIGIN ||
		!url.pathname.startsWith("/v1/") ||
		url.pathname.startsWith("/v1/admin")
	) {
		throw new Error(`GatewayRpc.call: ${path} is not a public /v1 route`);
	}
	return url;
}

/**
 * Typed RPC for the MCP and chat Workers over a service binding: they authenticate a presented key once, then act
 * as that credential. Calls go through the same routes, validation, limits and money checks as HTTP callers; who a
 * key or credential is comes from a cache, whether it is still live from the Account DO on every call, so a
 * revoked key stops working mid-session (docs/auth.md).
 */
export class GatewayRpc extends WorkerEntrypoint<GatewayEnv> {
	/**
	 * The credential a presented key belongs to, which key it is and what it may decide; null when it is malformed,
	 * unknown or revoked. A session made with it keeps `key_id` and ends when the key is revoked.
	 */
	async identify(key: string): Promise<KeyIdentity | null> {
		return this.#ifLive(async () => {
			const known = await knownKey(this.env, key);
			await assertLive(this.env, { ...callerOf(known), pending_live_check: true });
			return {
				credential_id: known.credential_id,
				level: known.level,
				email: known.email,
				key_id: known.key_id,
				authority: known.authority,
			};
		});
	}

	/** `fn`'s answer, or null when it finds the key or credential unknown or revoked. */
	async #ifLive<T>(fn: () => Promise<T>): Promise<T | null> {
		try {
			return await fn();
		} catch (error) {
			if (error instanceof PenumbraError && error.code === "AUTH_REQUIRED") return null;
			throw error;
		}
	}

	/**
	 * Emails a one-time sign-in code. `expires_at` is ISO 8601; in development `dev_mailbox` is the gateway path
	 * (relative to its public origin) where the code can be read. Fails with VALIDATION_FAILED or RATE_LIMITED.
	 */
	async startEmailSignIn(email: string, clientIp?: string): Promise<Result<EmailSignInStarted>> {
		return settle("startEmailSignIn", () => startEmailSignIn(this.env, email, clientIp ?? null));
	}

	/**
	 * Checks a sign-in code and returns the person's credential (created on first sign-in). Fails with
	 * VALIDATION_FAILED, AUTH_REQUIRED (`attempts_left`), or FORBIDDEN (account disabled).
	 */
	async verifyEmailSignIn(email: string, code: string): Promise<Result<Identity>> {
		return settle("verifyEmailSignIn", () => verifyEmailSignIn(this.env, email, code));
	}

	/**
	 * The live credential with this id (another Worker's session holds the id), or null when revoked or unknown, or
	 * when the session was made with a key (`keyId`) that has been revoked since.
	 */
	async identity(credentialId: string, keyId?: string): Promise<Identity | null> {
		return this.#ifLive(async () => {
			const known = await knownCredential(this.env, credentialId, keyId);
			await assertLive(this.env, { ...callerOf(known), pending_live_check: true });
			return { credential_id: known.credential_id, level: known.level, email: known.email };
		});
	}

	/**
	 * One call of the site's operator dashboard with `token`: the ADMIN_TOKEN for `POST /v1/admin/sessions`, else an
	 * operator session's token for the few reads a session may make (`operator.ts`); anything else throws.
	 */
	async operator(token: string, call: OperatorCall): Promise<GatewayAnswer> {
		return operatorCall(this.env, this.ctx, app.fetch, token, call);
	}

	/**
	 * Stores metric points a Worker without D1 recorded (the MCP Worker's `forward` for `metricsOf`): each parsed
	 * with `MetricPointSchema`, invalid ones dropped and counted, the rest written to this gateway's store.
	 */
	async recordMetrics(points: unknown[]): Promise<Result<{ recorded: number; dropped: number }>> {
		return settle("recordMetrics", () => storePoints(this.env, this.ctx, points));
	}

	/**
	 * Runs one REST call as `credentialId` (null: anonymous): as an agent unless `call.authority` is "owner" (only our
	 * sign-in pages and the site's own session routes say so), and refused once `call.key_id` is revoked. `live` in
	 * the answer: the route had the Account DO confirm the credential (and `call.key_id`) live.
	 */
	async call(credentialId: string | null, call: GatewayCall): Promise<GatewayAnswer> {
		const url = internalUrl(call.path);
		const headers = new Headers({ accept: "application/json" });
		if (call.body !== undefined) headers.set("content-type", "application/json");
		if (call.client_ip) headers.set("cf-connecting-ip", call.client_ip);
		if (call.request_id) headers.set("x-request-id", call.request_id);
		// A malformed one is dropped here (the request id middleware would drop it too): the gateway starts a trace.
		const traceparent = TraceparentSchema.safeParse(call.traceparent);
		if (traceparent.success) headers.set("traceparent", traceparent.data);
		if (call.idempotency_key) headers.set("idempotency-key", call.idempotency_key);
		const request = new Request(url, {
			method: call.method,
			headers,
			...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
		});
		// The request point names the Worker the call came through (docs/operating.md).
		if (call.via === "mcp" || call.via === "chat") rpcCallers.set(request, call.via);
		if (credentialId !== null) {
			// Who the ids are comes from the cache; whether they are still live, the routes ask the Account DO.
			const known = await knownCredential(this.env, credentialId, call.key_id).catch((error: unknown) => {
				if (error instanceof PenumbraError) return error;
				throw error;
			});
			if (known instanceof PenumbraError) {
				recordRefusedRpc(this.env, this.ctx, call, known.status);
				return { status: known.status, body: JSON.stringify(toProblem(known)), request_id: null };
			}
			resolvedCallers.set(request, callerOf(known, call.authority ?? "agent"));
		}
		const response = await app.fetch(request, this.env, this.ctx);
		const body = await response.text();
		return {
			status: response.status,
			body,
			request_id: response.headers.get("x-request-id"),
			...(confirmedLive.has(request) ? { live: true as const } : {}),
		};
	}
}
