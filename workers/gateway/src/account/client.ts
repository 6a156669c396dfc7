import { PenumbraError } from "@penumbra/core/errors";
import type { Result } from "./account.do.ts";

/** The Account Durable Object of one credential. */
export function accountOf(env: GatewayEnv, credentialId: string) {
	return env.ACCOUNT.getByName(credentialId);
}

/** Turns a Durable Object failure result into the one error type (RPC carries results, not error classes). */
export function unwrap<T extends object>(result: Result<T>): { ok: true } & T {
	if (result.ok) return result;
	throw new PenumbraError(result.code, {
		detail: result.detail,
		...(result.extras ? { extras: result.extras } : {}),
	});
}
