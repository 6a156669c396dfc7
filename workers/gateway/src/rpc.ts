import { WorkerEntrypoint } from "cloudflare:workers";
import {
	type EmailSignInStarted,
	failureOf,
	type GatewayAnswer,
	type GatewayCall,
	type Identity,
	type KeyIdentity,
	type Result,
} from "@penumbra/core/contracts";
import { PenumbraError, toProblem } from "@penumbra/core/errors";
import { log } from "@penumbra/core/log";
import { app } from "./app.ts";
import { CredentialStore } from "./credentials.ts";
import { resolvedCallers } from "./middleware/auth.ts";
import { startEmailSignIn, verifyEmailSignIn } from "./signin.ts";
import type { Caller } from "./types.ts";

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
 * as that credential. Calls go through the same routes, validation, limits and money checks as HTTP callers; the
 * credential is re-read on every call, so a revoked key stops working mid-session.
 */
export class GatewayRpc extends WorkerEntrypoint<GatewayEnv> {
	/**
	 * The credential a presented key belongs to, which key it is and what it may decide; null when it is malformed,
	 * unknown or revoked. A session made with it keeps `key_id` and ends when the key is revoked.
	 */
	async identify(key: string): Promise<KeyIdentity | null> {
		try {
			const { credential, key: presented } = await new CredentialStore(this.env.DB).authenticate(key);
			return {
				credential_id: credential.id,
				level: credential.level,
				email: credential.email,
				key_id: presented.id,
				authority: presented.authority,
			};
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
		try {
			const credential = await new CredentialStore(this.env.DB).liveWithKey(credentialId, keyId);
			return { credential_id: credential.id, level: credential.level, email: credential.email };
		} catch (error) {
			if (error instanceof PenumbraError && error.code === "AUTH_REQUIRED") return null;
			throw error;
		}
	}

	/**
	 * Runs one REST call as `credentialId` (null: anonymous): as an agent unless `call.authority` is "owner" (only our
	 * sign-in pages and the site's own session routes say so), and refused once `call.key_id` is revoked.
	 */
	async call(credentialId: string | null, call: GatewayCall): Promise<GatewayAnswer> {
		const url = internalUrl(call.path);
		const headers = new Headers({ accept: "application/json" });
		if (call.body !== undefined) headers.set("content-type", "application/json");
		if (call.client_ip) headers.set("cf-connecting-ip", call.client_ip);
		if (call.request_id) headers.set("x-request-id", call.request_id);
		if (call.idempotency_key) headers.set("idempotency-key", call.idempotency_key);
		const request = new Request(url, {
			method: call.method,
			headers,
			...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
		});
		if (credentialId !== null) {
			const store = new CredentialStore(this.env.DB);
			const credential = await store.liveWithKey(credentialId, call.key_id).catch((error: unknown) => {
				if (error instanceof PenumbraError) return error;
				throw error;
			});
			if (credential instanceof PenumbraError) {
				return { status: credential.status, body: JSON.stringify(toProblem(credential)), request_id: null };
			}
			const caller: Caller = {
				level: credential.level,
				credential: { id: credential.id, level: credential.level, email: credential.email },
				authority: call.authority ?? "agent",
				...(call.key_id ? { key_id: call.key_id } : {}),
			};
			resolvedCallers.set(request, caller);
		}
		const response = await app.fetch(request, this.env, this.ctx);
		return {
			status: response.status,
			body: await response.text(),
			request_id: response.headers.get("x-request-id"),
		};
	}
}
