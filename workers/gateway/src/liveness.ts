import { type ApiKey, unwrap } from "@penumbra/core/contracts";
import { accountOf } from "./account/client.ts";
import { CredentialStore, type CredentialView } from "./credentials.ts";
import type { Caller } from "./types.ts";

/**
 * Whether a cached identity may still act is the Account DO's to say (docs/auth.md): every revocation goes through
 * it before D1, and every request with a credential asks it once — folded into `beginCall` for a metered call,
 * else `checkLive` here.
 */

/** AUTH_REQUIRED once the caller's credential, or the key it came with, is revoked; one Account DO call at most. */
export async function assertLive(env: GatewayEnv, caller: Caller): Promise<void> {
	if (!caller.credential || !caller.pending_live_check) return;
	unwrap(
		await accountOf(env, caller.credential.id).checkLive(caller.key_id ? { key_id: caller.key_id } : {}),
	);
	delete caller.pending_live_check;
}

/** Revokes one of the account's keys: the Account DO first (refused from the next request on), then D1. */
export function revokeApiKey(env: GatewayEnv, credentialId: string, keyId: string): Promise<ApiKey> {
	return new CredentialStore(env.DB).revokeKey(credentialId, keyId, () =>
		accountOf(env, credentialId).revokeKey({ key_id: keyId }),
	);
}

/** Revokes a credential and so every key, session and grant of it: the Account DO first, then D1. */
export function revokeCredential(env: GatewayEnv, credentialId: string): Promise<CredentialView> {
	return new CredentialStore(env.DB).revoke(credentialId, () =>
		accountOf(env, credentialId).revokeCredential(),
	);
}
