import { desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { credentials } from "../../../packages/core/src/db/schema.ts";
import { PenumbraError } from "../../../packages/core/src/errors.ts";
import { generateApiKey, hashApiKey, isWellFormedApiKey, newId } from "../../../packages/core/src/keys.ts";

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
	 * Resolves a presented key to its live credential. Malformed keys are refused before any lookup;
	 * revoked keys fail at once (no cache sits between revocation and this query).
	 */
	async authenticate(key: string): Promise<CredentialView> {
		if (!isWellFormedApiKey(key)) {
			throw new PenumbraError("AUTH_REQUIRED", {
				detail: "The API key is malformed (check for a typo). Keys look like unified-… .",
			});
		}
		const hash = await hashApiKey(key);
		const [row] = await this.#db.select().from(credentials).where(eq(credentials.keyHash, hash));
		if (!row || row.revokedAt !== null) {
			throw new PenumbraError("AUTH_REQUIRED", { detail: "The API key is unknown or has been revoked." });
		}
		return view(row);
	}
}
