import { DurableObject } from "cloudflare:workers";

/** A priced request a merchant promised to honour until `expires_at`. */
export type StoredQuote = {
	quote_id: string;
	total_cents: number;
	created_at: number;
	expires_at: number;
	/** Set once an order consumed the quote. */
	order_uuid: string | null;
	/** The merchant's quote response, as JSON. */
	document: string;
};

export type StoredOrder = {
	order_uuid: string;
	quote_id: string;
	idempotency_key: string;
	request_hash: string;
	total_cents: number;
	created_at: number;
	/** The merchant's order document, as JSON. */
	document: string;
};

export interface PlaceOrderInput {
	idempotency_key: string;
	/** Hash of the purchase request, so a key reused for a different request is refused. */
	request_hash: string;
	quote_id: string;
	/** What the purchase request prices to now; must equal the quoted total. */
	expected_total_cents: number;
	now: number;
	/** The order to create if nothing stands in the way; discarded on a replay. */
	order: { order_uuid: string; total_cents: number; document: string };
}

export type PlaceOrderOutcome =
	| { outcome: "created"; order: StoredOrder }
	| { outcome: "replayed"; order: StoredOrder }
	| { outcome: "idempotency_key_reused"; order_uuid: string }
	| { outcome: "quote_not_found" }
	| { outcome: "quote_expired"; expires_at: number }
	| { outcome: "quote_already_used"; order_uuid: string }
	| { outcome: "total_mismatch"; quoted_total_cents: number };

/**
 * A merchant's per-owner state that is not a purchase (saved searches, favourites, address books): one JSON
 * document per `(kind, owner, record_id)`. `unique_key`, when set, is unique per kind and owner (e.g. a name).
 */
export type StoredRecord = {
	kind: string;
	owner: string;
	record_id: string;
	unique_key: string | null;
	created_at: number;
	document: string;
};

export type AddRecordOutcome =
	| { outcome: "created"; record: StoredRecord }
	| { outcome: "limit_reached"; limit: number }
	| { outcome: "duplicate"; record_id: string };

// Unused quotes that expired this long ago (by the real clock, so a `clock` fault in one test cannot sweep away
// another test's quotes) are dropped when new ones are written; nothing can redeem them anyway.
const QUOTE_RETENTION_MS = 24 * 3600 * 1000;

/**
 * One merchant's quotes and orders (one instance per merchant id), in the Durable Object's SQLite.
 * Every check-then-write runs inside one synchronous transaction, so two checkouts racing on the same
 * quote or idempotency key cannot both create an order.
 */
export class MerchantStore extends DurableObject<SandboxEnv> {
	constructor(ctx: DurableObjectState, env: SandboxEnv) {
		super(ctx, env);
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS quotes (
			quote_id TEXT PRIMARY KEY,
			total_cents INTEGER NOT NULL,
			created_at INTEGER NOT NULL,
			expires_at INTEGER NOT NULL,
			order_uuid TEXT,
			document TEXT NOT NULL
		)`);
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS orders (
			order_uuid TEXT PRIMARY KEY,
			quote_id TEXT NOT NULL,
			idempotency_key TEXT NOT NULL UNIQUE,
			request_hash TEXT NOT NULL,
			total_cents INTEGER NOT NULL,
			created_at INTEGER NOT NULL,
			document TEXT NOT NULL
		)`);
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS records (
			kind TEXT NOT NULL,
			owner TEXT NOT NULL,
			record_id TEXT NOT NULL,
			unique_key TEXT,
			created_at INTEGER NOT NULL,
			document TEXT NOT NULL,
			PRIMARY KEY (kind, owner, record_id),
			UNIQUE (kind, owner, unique_key)
		)`);
	}

	/** Sandbox switches (e.g. a merchant's spec withdrawn), kept in this object's key-value storage. */
	getFlag(name: string): boolean {
		return this.ctx.storage.kv.get<boolean>(`flag:${name}`) ?? false;
	}

	setFlag(name: string, value: boolean): void {
		if (value) this.ctx.storage.kv.put(`flag:${name}`, true);
		else this.ctx.storage.kv.delete(`flag:${name}`);
	}

	/** Orders this merchant has taken: what tests compare with the receipts the gateway wrote. */
	orderCount(idempotencyKeys?: readonly string[]): number {
		const sql = this.ctx.storage.sql;
		if (!idempotencyKeys) return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM orders").one().n;
		if (idempotencyKeys.length === 0) return 0;
		return sql
			.exec<{ n: number }>(
				`SELECT COUNT(*) AS n FROM orders WHERE idempotency_key IN (${idempotencyKeys.map(() => "?").join(",")})`,
				...idempotencyKeys,
			)
			.one().n;
	}

	saveQuote(quote: Omit<StoredQuote, "order_uuid">): void {
		const sql = this.ctx.storage.sql;
		sql.exec(
			"DELETE FROM quotes WHERE order_uuid IS NULL AND expires_at < ?",
			Date.now() - QUOTE_RETENTION_MS,
		);
		sql.exec(
			"INSERT INTO quotes (quote_id, total_cents, created_at, expires_at, order_uuid, document) VALUES (?, ?, ?, ?, NULL, ?)",
			quote.quote_id,
			quote.total_cents,
			quote.created_at,
			quote.expires_at,
			quote.document,
		);
	}

	getQuote(quoteId: string): StoredQuote | null {
		return (
			this.ctx.storage.sql
				.exec<StoredQuote>("SELECT * FROM quotes WHERE quote_id = ?", quoteId)
				.toArray()[0] ?? null
		);
	}

	getOrder(orderUuid: string): StoredOrder | null {
		return (
			this.ctx.storage.sql
				.exec<StoredOrder>("SELECT * FROM orders WHERE order_uuid = ?", orderUuid)
				.toArray()[0] ?? null
		);
	}

	/** The order placed under an idempotency key, if any: what a purchase status lookup answers. */
	orderByKey(idempotencyKey: string): StoredOrder | null {
		return (
			this.ctx.storage.sql
				.exec<StoredOrder>("SELECT * FROM orders WHERE idempotency_key = ?", idempotencyKey)
				.toArray()[0] ?? null
		);
	}

	/**
	 * Turns a quote into an order exactly once per idempotency key: a repeated key with the same request
	 * returns the first order, anything else that disagrees with the quote is refused.
	 */
	placeOrder(input: PlaceOrderInput): PlaceOrderOutcome {
		const sql = this.ctx.storage.sql;
		return this.ctx.storage.transactionSync((): PlaceOrderOutcome => {
			const previous = sql
				.exec<StoredOrder>("SELECT * FROM orders WHERE idempotency_key = ?", input.idempotency_key)
				.toArray()[0];
			if (previous) {
				return previous.request_hash === input.request_hash
					? { outcome: "replayed", order: previous }
					: { outcome: "idempotency_key_reused", order_uuid: previous.order_uuid };
			}
			const quote = this.getQuote(input.quote_id);
			if (!quote) return { outcome: "quote_not_found" };
			if (quote.order_uuid) return { outcome: "quote_already_used", order_uuid: quote.order_uuid };
			if (input.now >= quote.expires_at) return { outcome: "quote_expired", expires_at: quote.expires_at };
			if (quote.total_cents !== input.expected_total_cents) {
				return { outcome: "total_mismatch", quoted_total_cents: quote.total_cents };
			}
			const order: StoredOrder = {
				order_uuid: input.order.order_uuid,
				quote_id: quote.quote_id,
				idempotency_key: input.idempotency_key,
				request_hash: input.request_hash,
				total_cents: input.order.total_cents,
				created_at: input.now,
				document: input.order.document,
			};
			sql.exec(
				"INSERT INTO orders (order_uuid, quote_id, idempotency_key, request_hash, total_cents, created_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
				order.order_uuid,
				order.quote_id,
				order.idempotency_key,
				order.request_hash,
				order.total_cents,
				order.created_at,
				order.document,
			);
			sql.exec("UPDATE quotes SET order_uuid = ? WHERE quote_id = ?", order.order_uuid, quote.quote_id);
			return { outcome: "created", order };
		});
	}

	/**
	 * Stores a new record unless its owner already has `maxPerOwner` of this kind or one with the same
	 * `unique_key`; the checks and the insert run in one transaction.
	 */
	addRecord(record: StoredRecord, maxPerOwner: number): AddRecordOutcome {
		const sql = this.ctx.storage.sql;
		return this.ctx.storage.transactionSync((): AddRecordOutcome => {
			if (record.unique_key !== null) {
				const same = sql
					.exec<{ record_id: string }>(
						"SELECT record_id FROM records WHERE kind = ? AND owner = ? AND unique_key = ?",
						record.kind,
						record.owner,
						record.unique_key,
					)
					.toArray()[0];
				if (same) return { outcome: "duplicate", record_id: same.record_id };
			}
			const count =
				sql
					.exec<{ n: number }>(
						"SELECT COUNT(*) AS n FROM records WHERE kind = ? AND owner = ?",
						record.kind,
						record.owner,
					)
					.toArray()[0]?.n ?? 0;
			if (count >= maxPerOwner) return { outcome: "limit_reached", limit: maxPerOwner };
			sql.exec(
				"INSERT INTO records (kind, owner, record_id, unique_key, created_at, document) VALUES (?, ?, ?, ?, ?, ?)",
				record.kind,
				record.owner,
				record.record_id,
				record.unique_key,
				record.created_at,
				record.document,
			);
			return { outcome: "created", record };
		});
	}

	/** An owner's records of one kind, oldest first. */
	listRecords(kind: string, owner: string): StoredRecord[] {
		return this.ctx.storage.sql
			.exec<StoredRecord>(
				"SELECT * FROM records WHERE kind = ? AND owner = ? ORDER BY created_at, record_id",
				kind,
				owner,
			)
			.toArray();
	}

	/** Deletes one of an owner's records; false if the owner has no such record. */
	deleteRecord(kind: string, owner: string, recordId: string): boolean {
		const cursor = this.ctx.storage.sql.exec(
			"DELETE FROM records WHERE kind = ? AND owner = ? AND record_id = ?",
			kind,
			owner,
			recordId,
		);
		return cursor.rowsWritten > 0;
	}
}
