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

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	/** Revokes one key (again: no change, the first time is kept). */
	revokeKey(keyId: string, now: number): void {
		this.#sql.exec("INSERT OR IGNORE INTO revoked_keys (key_id, revoked_at) VALUES (?, ?)", keyId, now);
	}

	/** Revokes the credential: every key of it, and every session or grant acting as it. */
	revokeCredential(now: number): void {
		this.#sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", CREDENTIAL_REVOKED, String(now));
	}

	/** AUTH_REQUIRED when the credential, or the key the caller presented (or made its session with), is revoked. */
	refusal(keyId: string | undefined): Failure | null {
		const credential = this.#sql
			.exec<{ n: number }>("SELECT COUNT(*) AS n FROM meta WHERE key = ?", CREDENTIAL_REVOKED)
			.one().n;
		if (credential > 0) return fail("AUTH_REQUIRED", "This account's credential has been revoked.");
		if (keyId === undefined) return null;
		const key = this.#sql
			.exec<{ n: number }>("SELECT COUNT(*) AS n FROM revoked_keys WHERE key_id = ?", keyId)
			.one().n;
		return key > 0 ? fail("AUTH_REQUIRED", "The API key is unknown or has been revoked.") : null;
	}
}
