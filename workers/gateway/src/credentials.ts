import { apiKeys, credentials } from "@penumbra/core/db";
import { PenumbraError } from "@penumbra/core/errors";
import { generateApiKey, hashApiKey, isWellFormedApiKey, newId } from "@penumbra/core/keys";
import { and, count, desc, eq, inArray, isNull } from "drizzle-orm";
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

/** A key the owner made for their account; the key itself only in the answer that creates it. */
export interface ApiKeyView {
	id: string;
	name: string;
	key_prefix: string;
	created_at: string;
	revoked_at: string | null;
}

/** Live keys one account may hold: enough for every assistant and machine, few enough to review. */
export const MAX_LIVE_KEYS = 50;

function keyView(row: typeof apiKeys.$inferSelect): ApiKeyView {
	return {
		id: row.id,
		name: row.name,
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

	async create(input: {
		email?: string | undefined;
		name?: string | undefined;
		level: CredentialLevel;
	}): Promise<CredentialView & { key: string }> {
		const { key, prefix, hash } = await generateApiKey();
		const [row] = await this.#db
			.insert(credentials)
			.values({
				id: newId("cred_"),
				keyHash: hash,
				keyPrefix: prefix,
				email: input.email ?? null,
				name: input.name ?? null,
				level: input.level,
				createdAt: Date.now(),
			})
			.returning();
		if (!row) throw new PenumbraError("INTERNAL", { detail: "Could not create the credential." });
		return { ...view(row), key };
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

	async revoke(id: string): Promise<CredentialView> {
		const [row] = await this.#db.select().from(credentials).where(eq(credentials.id, id));
		if (!row) throw new PenumbraError("NOT_FOUND", { detail: `No credential ${id}.` });
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
	 * Resolves a presented key to its live credential: the credential's own key or one of its owner's API keys.
	 * Malformed keys are refused before any lookup; revoked keys (or keys of a revoked credential) fail at once (no
	 * cache sits between revocation and this query).
	 */
	async authenticate(key: string): Promise<CredentialView> {
		if (!isWellFormedApiKey(key)) {
			throw new PenumbraError("AUTH_REQUIRED", {
				detail: "The API key is malformed (check for a typo). Keys look like unified-… .",
			});
		}
		const hash = await hashApiKey(key);
		// Both tables in one round trip: the credential whose own key this is, or whose live API key it is.
		const [[own], [owner]] = await this.#db.batch([
			this.#db.select().from(credentials).where(eq(credentials.keyHash, hash)),
			this.#db
				.select()
				.from(credentials)
				.where(
					inArray(
						credentials.id,
						this.#db
							.select({ id: apiKeys.credentialId })
							.from(apiKeys)
							.where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt))),
					),
				),
		]);
		const row = own ?? owner;
		if (!row || row.revokedAt !== null) {
			throw new PenumbraError("AUTH_REQUIRED", { detail: "The API key is unknown or has been revoked." });
		}
		return view(row);
	}

	/** The account's API keys, newest first, revoked ones included (never the keys themselves). */
	async listKeys(credentialId: string): Promise<ApiKeyView[]> {
		const rows = await this.#db
			.select()
			.from(apiKeys)
			.where(eq(apiKeys.credentialId, credentialId))
			.orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
		return rows.map(keyView);
	}

	/** A new API key for the account; `key` appears only in this answer. CONFLICT at MAX_LIVE_KEYS live keys. */
	async createKey(credentialId: string, name: string): Promise<ApiKeyView & { key: string }> {
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
				createdAt: Date.now(),
			})
			.returning();
		if (!row) throw new PenumbraError("INTERNAL", { detail: "Could not create the API key." });
		return { ...keyView(row), key };
	}

	/** Revokes one of the account's keys (again: no change). Another account's key is NOT_FOUND, as a missing one. */
	async revokeKey(credentialId: string, id: string): Promise<ApiKeyView> {
		const [row] = await this.#db
			.select()
			.from(apiKeys)
			.where(and(eq(apiKeys.id, id), eq(apiKeys.credentialId, credentialId)));
		if (!row) throw keyNotFound(id);
		if (row.revokedAt !== null) return keyView(row);
		const [updated] = await this.#db
			.update(apiKeys)
			.set({ revokedAt: Date.now() })
			.where(and(eq(apiKeys.id, id), eq(apiKeys.credentialId, credentialId)))
			.returning();
		return keyView(updated ?? row);
	}
}
