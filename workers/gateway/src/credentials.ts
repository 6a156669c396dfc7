import type { ApiKey, Authority, CreatedApiKey } from "@penumbra/core/contracts";
import { apiKeys, credentials } from "@penumbra/core/db";
import { PenumbraError } from "@penumbra/core/errors";
import { generateApiKey, newId } from "@penumbra/core/keys";
import { and, count, desc, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";

export type CredentialLevel = "identified" | "authenticated";

export interface CredentialView {
	id: string;
	key_prefix: string;
	email: string | null;
	name: string | null;
	level: CredentialLevel;
	created_at: string;
	revoked_at: string | null;
}

function view(row: typeof credentials.$inferSelect): CredentialView {
	return {
		id: row.id,
		key_prefix: row.keyPrefix,
		email: row.email,
		name: row.name,
		level: row.level,
		created_at: new Date(row.createdAt).toISOString(),
		revoked_at: row.revokedAt === null ? null : new Date(row.revokedAt).toISOString(),
	};
}

/** A presented key's credential, and which key it is and what it may decide. */
export interface Authenticated {
	credential: CredentialView;
	key: { id: string; authority: Authority };
}

/** Live keys one account may hold: enough for every assistant and machine, few enough to review. */
export const MAX_LIVE_KEYS = 50;

function keyView(row: typeof apiKeys.$inferSelect): ApiKey {
	return {
		id: row.id,
		name: row.name,
		authority: row.authority,
		key_prefix: row.keyPrefix,
		created_at: new Date(row.createdAt).toISOString(),
		revoked_at: row.revokedAt === null ? null : new Date(row.revokedAt).toISOString(),
	};
}

function keyNotFound(id: string): PenumbraError {
	return new PenumbraError("NOT_FOUND", { detail: `No API key ${id} on this account.` });
}

/** Credential storage in D1. Keys exist in plaintext only in the response that creates them. */
export class CredentialStore {
	readonly #db;

	constructor(d1: D1Database) {
		this.#db = drizzle(d1);
	}

	/**
	 * A new credential and its first key. The key is listed and revocable on the account like any other (an agent key
	 * unless `key_authority` says owner); `listed: false` (email sign-in) keeps it off the account: nobody sees it.
	 */
	async create(input: {
		email?: string | undefined;
		name?: string | undefined;
		level: CredentialLevel;
		key_authority?: Authority;
		listed?: boolean;
	}): Promise<CredentialView & { key: string; key_id: string | null }> {
		const { key, prefix, hash } = await generateApiKey();
		const now = Date.now();
		const id = newId("cred_");
		const insertCredential = this.#db
			.insert(credentials)
			.values({
				id,
				keyHash: hash,
				keyPrefix: prefix,
				email: input.email ?? null,
				name: input.name ?? null,
				level: input.level,
				createdAt: now,
			})
			.returning();
		if (input.listed === false) {
			const [row] = await insertCredential;
			if (!row) throw new PenumbraError("INTERNAL", { detail: "Could not create the credential." });
			return { ...view(row), key, key_id: null };
		}
		const keyId = newId("key_");
		const [[row]] = await this.#db.batch([
			insertCredential,
			this.#db.insert(apiKeys).values({
				id: keyId,
				credentialId: id,
				keyHash: hash,
				keyPrefix: prefix,
				name: "First key",
				authority: input.key_authority ?? "agent",
				createdAt: now,
			}),
		]);
		if (!row) throw new PenumbraError("INTERNAL", { detail: "Could not create the credential." });
		return { ...view(row), key, key_id: keyId };
	}

	async list(): Promise<CredentialView[]> {
		const rows = await this.#db.select().from(credentials).orderBy(desc(credentials.createdAt));
		return rows.map(view);
	}

	async get(id: string): Promise<CredentialView> {
		const [row] = await this.#db.select().from(credentials).where(eq(credentials.id, id));
		if (!row) throw new PenumbraError("NOT_FOUND", { detail: `No credential ${id}.` });
		return view(row);
	}

	/**
	 * Revokes the credential. `first` runs once it is known to exist, before D1 changes: the Account DO's record,
	 * which decides liveness on every request (`revokeCredential` in `liveness.ts`).
	 */
	async revoke(id: string, first: () => Promise<unknown>): Promise<CredentialView> {
		const [row] = await this.#db.select().from(credentials).where(eq(credentials.id, id));
		if (!row) throw new PenumbraError("NOT_FOUND", { detail: `No credential ${id}.` });
		await first();
		if (row.revokedAt !== null) return view(row);
		const [updated] = await this.#db
			.update(credentials)
			.set({ revokedAt: Date.now() })
			.where(eq(credentials.id, id))
			.returning();
		return view(updated ?? row);
	}

	/** The live credential with this id, for callers another Worker already authenticated (RPC). */
	async live(id: string): Promise<CredentialView> {
		const [row] = await this.#db.select().from(credentials).where(eq(credentials.id, id));
		if (!row || row.revokedAt !== null) {
			throw new PenumbraError("AUTH_REQUIRED", { detail: "This credential is unknown or has been revoked." });
		}
		return view(row);
	}

	/**
	 * The live key with this hash or id and its live credential; AUTH_REQUIRED when unknown or revoked. Read only on
	 * a cache miss (`identity-cache.ts`); whether a cached key is still live is the Account DO's to say (docs/auth.md).
	 */
	async liveKey(by: { hash: string } | { id: string }): Promise<Authenticated> {
		const [row] = await this.#db
			.select({ credential: credentials, keyId: apiKeys.id, authority: apiKeys.authority })
			.from(apiKeys)
			.innerJoin(credentials, eq(credentials.id, apiKeys.credentialId))
			.where(
				and("hash" in by ? eq(apiKeys.keyHash, by.hash) : eq(apiKeys.id, by.id), isNull(apiKeys.revokedAt)),
			);
		if (!row || row.credential.revokedAt !== null) {
			throw new PenumbraError("AUTH_REQUIRED", { detail: "The API key is unknown or has been revoked." });
		}
		return { credential: view(row.credential), key: { id: row.keyId, authority: row.authority } };
	}

	/** The account's API keys, newest first, revoked ones included (never the keys themselves). */
	async listKeys(credentialId: string): Promise<ApiKey[]> {
		const rows = await this.#db
			.select()
			.from(apiKeys)
			.where(eq(apiKeys.credentialId, credentialId))
			.orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
		return rows.map(keyView);
	}

	/** A new API key for the account; `key` appears only in this answer. CONFLICT at MAX_LIVE_KEYS live keys. */
	async createKey(
		credentialId: string,
		name: string,
		authority: Authority = "agent",
	): Promise<CreatedApiKey> {
		const [live] = await this.#db
			.select({ n: count() })
			.from(apiKeys)
			.where(and(eq(apiKeys.credentialId, credentialId), isNull(apiKeys.revokedAt)));
		if ((live?.n ?? 0) >= MAX_LIVE_KEYS) {
			throw new PenumbraError("CONFLICT", {
				detail: `This account has ${MAX_LIVE_KEYS} live API keys, the most it may hold. Revoke one first.`,
				extras: { max_live_keys: MAX_LIVE_KEYS },
			});
		}
		const { key, prefix, hash } = await generateApiKey();
		const [row] = await this.#db
			.insert(apiKeys)
			.values({
				id: newId("key_"),
				credentialId,
				keyHash: hash,
				keyPrefix: prefix,
				name,
				authority,
				createdAt: Date.now(),
			})
			.returning();
		if (!row) throw new PenumbraError("INTERNAL", { detail: "Could not create the API key." });
		return { ...keyView(row), key };
	}

	/**
	 * Revokes one of the account's keys (again: no change). Another account's key is NOT_FOUND, as a missing one.
	 * `first` runs once the key is known to be the account's, before D1 changes (`revokeApiKey` in `liveness.ts`).
	 */
	async revokeKey(credentialId: string, id: string, first: () => Promise<unknown>): Promise<ApiKey> {
		const [row] = await this.#db
			.select()
			.from(apiKeys)
			.where(and(eq(apiKeys.id, id), eq(apiKeys.credentialId, credentialId)));
		if (!row) throw keyNotFound(id);
		await first();
		if (row.revokedAt !== null) return keyView(row);
		const [updated] = await this.#db
			.update(apiKeys)
			.set({ revokedAt: Date.now() })
			.where(and(eq(apiKeys.id, id), eq(apiKeys.credentialId, credentialId)))
			.returning();
		return keyView(updated ?? row);
	}
}
