import { type Failure, fail } from "@penumbra/core/contracts";

/**
 * Which of this credential's keys are revoked, and whether the credential itself is: the Account DO is the authority
 * on a key's liveness (docs/auth.md). The gateway caches the key → credential mapping, which never changes, and asks
 * here on every request; D1 records the same revocations for listing and for cache misses.
 */
export const REVOKED_KEYS_TABLE =
	"CREATE TABLE IF NOT EXISTS revoked_keys (key_id TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL)";

const CREDENTIAL_REVOKED = "credential_revoked_at";

export class Revocations {
	readonly #sql: SqlStorage;
	/**
	 * What the tables say, read once per object instance: this object is their only writer, so every call after the
	 * first answers from memory (a tool call asks on every request).
	 */
	#known: { credentialRevoked: boolean; keys: Set<string> } | undefined;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	/** Revokes one key (again: no change, the first time is kept). */
	revokeKey(keyId: string, now: number): void {
		this.#sql.exec("INSERT OR IGNORE INTO revoked_keys (key_id, revoked_at) VALUES (?, ?)", keyId, now);
		this.#known?.keys.add(keyId);
	}

	/** Revokes the credential: every key of it, and every session or grant acting as it. */
	revokeCredential(now: number): void {
		this.#sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", CREDENTIAL_REVOKED, String(now));
		if (this.#known) this.#known.credentialRevoked = true;
	}

	/** AUTH_REQUIRED when the credential, or the key the caller presented (or made its session with), is revoked. */
	refusal(keyId: string | undefined): Failure | null {
		const known = this.#load();
		if (known.credentialRevoked) return fail("AUTH_REQUIRED", "This account's credential has been revoked.");
		if (keyId === undefined) return null;
		return known.keys.has(keyId)
			? fail("AUTH_REQUIRED", "The API key is unknown or has been revoked.")
			: null;
	}

	#load(): { credentialRevoked: boolean; keys: Set<string> } {
		if (!this.#known) {
			const credentialRevoked =
				this.#sql
					.exec<{ n: number }>("SELECT COUNT(*) AS n FROM meta WHERE key = ?", CREDENTIAL_REVOKED)
					.one().n > 0;
			const keys = new Set(
				this.#sql
					.exec<{ key_id: string }>("SELECT key_id FROM revoked_keys")
					.toArray()
					.map((row) => row.key_id),
			);
			this.#known = { credentialRevoked, keys };
		}
		return this.#known;
	}
}
