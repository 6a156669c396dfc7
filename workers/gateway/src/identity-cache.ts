import { AuthoritySchema } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { hashApiKey, isWellFormedApiKey } from "@penumbra/core/keys";
import { log } from "@penumbra/core/log";
import { Lru } from "@penumbra/core/lru";
import { z } from "zod";
import { type Authenticated, CredentialStore, type CredentialView } from "./credentials.ts";

/**
 * Who a key (or a key id, or a credential id) is: never changes once made, so it is cached in this isolate, then
 * in KV, and read from D1 only on a miss. Only live answers from D1 are cached; whether the key is STILL live is
 * the Account DO's to say on every request (`liveness.ts`, docs/auth.md). Raw keys are never cached: the lookup key
 * is the key's SHA-256, as in D1.
 */
const KnownSchema = z.object({
	credential_id: z.string(),
	level: z.enum(["identified", "authenticated"]),
	email: z.string().nullable(),
	/** null: a credential looked up by id, acting without a key (a session or an OAuth grant). */
	key_id: z.string().nullable(),
	authority: AuthoritySchema,
});
export type KnownIdentity = z.infer<typeof KnownSchema>;

/** Enough for every active key of a busy isolate; the oldest used is dropped first. */
const ISOLATE_ENTRIES = 10_000;
/** KV keeps an entry this long after its last write: housekeeping only, the mapping itself never goes stale. */
const KV_TTL_S = 30 * 24 * 3600;

const isolate = new Lru<KnownIdentity>(ISOLATE_ENTRIES);

async function cached(
	env: GatewayEnv,
	cacheKey: string,
	load: () => Promise<KnownIdentity>,
): Promise<KnownIdentity> {
	const held = isolate.get(cacheKey);
	if (held) return held;
	const stored = KnownSchema.safeParse(await env.REGISTRY.get(cacheKey, "json"));
	if (stored.success) {
		isolate.set(cacheKey, stored.data);
		return stored.data;
	}
	const known = await load();
	isolate.set(cacheKey, known);
	// A failed write costs the next isolate one D1 read, nothing more.
	await env.REGISTRY.put(cacheKey, JSON.stringify(known), { expirationTtl: KV_TTL_S }).catch(
		(error: unknown) => log("warn", "identity cache write failed", { error }),
	);
	return known;
}

function fromKey({ credential, key }: Authenticated): KnownIdentity {
	return {
		credential_id: credential.id,
		level: credential.level,
		email: credential.email,
		key_id: key.id,
		authority: key.authority,
	};
}

function fromCredential(credential: CredentialView): KnownIdentity {
	return {
		credential_id: credential.id,
		level: credential.level,
		email: credential.email,
		key_id: null,
		authority: "agent",
	};
}

/** The presented key's credential, key id and authority; AUTH_REQUIRED when malformed, or unknown to D1 on a miss. */
export async function knownKey(env: GatewayEnv, key: string): Promise<KnownIdentity & { key_id: string }> {
	if (!isWellFormedApiKey(key)) {
		throw new PenumbraError("AUTH_REQUIRED", {
			detail: "The API key is malformed (check for a typo). Keys look like unified-… .",
		});
	}
	const hash = await hashApiKey(key);
	const known = await cached(env, `auth:key:${hash}`, async () =>
		fromKey(await new CredentialStore(env.DB).liveKey({ hash })),
	);
	if (known.key_id === null)
		throw new PenumbraError("INTERNAL", { detail: "A key's identity lost its key id." });
	return { ...known, key_id: known.key_id };
}

/**
 * The credential a session or grant acts as, and with `keyId` the key it was made with, which must be that
 * credential's (another Worker holds these ids; AUTH_REQUIRED otherwise).
 */
export async function knownCredential(
	env: GatewayEnv,
	credentialId: string,
	keyId: string | undefined,
): Promise<KnownIdentity> {
	if (keyId === undefined) {
		return cached(env, `auth:credential:${credentialId}`, async () =>
			fromCredential(await new CredentialStore(env.DB).live(credentialId)),
		);
	}
	const known = await cached(env, `auth:key-id:${keyId}`, async () =>
		fromKey(await new CredentialStore(env.DB).liveKey({ id: keyId })),
	);
	if (known.credential_id !== credentialId) {
		throw new PenumbraError("AUTH_REQUIRED", {
			detail: "The API key this session was made with has been revoked. Connect again.",
		});
	}
	return known;
}
