import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ENTRY_KINDS } from "../contracts/money.ts";

/** Unified API credentials. The key itself is never stored: only its SHA-256 and a display prefix. */
export const credentials = sqliteTable(
	"credentials",
	{
		id: text("id").primaryKey(),
		keyHash: text("key_hash").notNull().unique(),
		keyPrefix: text("key_prefix").notNull(),
		email: text("email"),
		name: text("name"),
		level: text("level", { enum: ["identified", "authenticated"] }).notNull(),
		createdAt: integer("created_at", { mode: "number" }).notNull().default(sql`(unixepoch('subsec') * 1000)`),
		revokedAt: integer("revoked_at", { mode: "number" }),
	},
	(t) => [index("credentials_email_idx").on(t.email)],
);

export type Credential = typeof credentials.$inferSelect;

/**
 * The account's API keys, made and revoked by its owner; the first key of a credential made by the CLI or the admin
 * API is one of them (a credential made by email sign-in has none until its owner makes one). Only the SHA-256 is
 * stored; a key acts as its credential, so revoking the credential stops them all. `authority` is `agent` unless the
 * owner deliberately made an owner key (docs/auth.md).
 */
export const apiKeys = sqliteTable(
	"api_keys",
	{
		id: text("id").primaryKey(),
		credentialId: text("credential_id")
			.notNull()
			.references(() => credentials.id),
		keyHash: text("key_hash").notNull().unique(),
		keyPrefix: text("key_prefix").notNull(),
		name: text("name").notNull(),
		authority: text("authority", { enum: ["owner", "agent"] })
			.notNull()
			.default("agent"),
		createdAt: integer("created_at", { mode: "number" }).notNull(),
		revokedAt: integer("revoked_at", { mode: "number" }),
	},
	(t) => [index("api_keys_credential_created_idx").on(t.credentialId, t.createdAt)],
);

/**
 * The durable mirror of every money entry. Each credential's Account Durable Object is the source of truth and
 * drains its outbox here; inserts are keyed by entry id, so a retried drain never duplicates.
 */
export const ledgerEntries = sqliteTable(
	"ledger_entries",
	{
		id: text("id").primaryKey(),
		credentialId: text("credential_id").notNull(),
		seq: integer("seq").notNull(),
		kind: text("kind", { enum: ENTRY_KINDS }).notNull(),
		amountCents: integer("amount_cents").notNull(),
		balanceAfterCents: integer("balance_after_cents").notNull(),
		holdId: text("hold_id"),
		receiptId: text("receipt_id"),
		reference: text("reference"),
		createdAt: integer("created_at", { mode: "number" }).notNull(),
	},
	(t) => [
		index("ledger_credential_seq_idx").on(t.credentialId, t.seq),
		index("ledger_created_idx").on(t.createdAt),
	],
);

/** Purchase receipts, mirrored with their entry, for reporting and for finding a receipt's credential (refunds). */
export const receipts = sqliteTable(
	"receipts",
	{
		id: text("id").primaryKey(),
		credentialId: text("credential_id").notNull(),
		quoteId: text("quote_id").notNull(),
		service: text("service").notNull(),
		tool: text("tool").notNull(),
		amountCents: integer("amount_cents").notNull(),
		transactionId: text("transaction_id").notNull(),
		flagged: integer("flagged", { mode: "boolean" }).notNull(),
		createdAt: integer("created_at", { mode: "number" }).notNull(),
	},
	(t) => [index("receipts_credential_idx").on(t.credentialId)],
);

/**
 * People who signed in by email. Each has exactly one credential (created at first sign-in, level authenticated),
 * which is what their OAuth grants and web sessions act as; its key is never shown (they create API keys later).
 */
export const users = sqliteTable("users", {
	id: text("id").primaryKey(),
	/** Trimmed and lowercased, so one mailbox is one user. */
	email: text("email").notNull().unique(),
	credentialId: text("credential_id")
		.notNull()
		.unique()
		.references(() => credentials.id),
	createdAt: integer("created_at", { mode: "number" }).notNull(),
	lastSignInAt: integer("last_sign_in_at", { mode: "number" }),
});

/**
 * One-time sign-in codes. Only a salted SHA-256 of the code is kept; rows stay for an hour after creation so sends
 * can be counted per email (rate limit), and only the newest unconsumed row of an email can be used.
 */
export const emailCodes = sqliteTable(
	"email_codes",
	{
		id: text("id").primaryKey(),
		email: text("email").notNull(),
		codeHash: text("code_hash").notNull(),
		attempts: integer("attempts").notNull().default(0),
		createdAt: integer("created_at", { mode: "number" }).notNull(),
		expiresAt: integer("expires_at", { mode: "number" }).notNull(),
		consumedAt: integer("consumed_at", { mode: "number" }),
	},
	(t) => [index("email_codes_email_created_idx").on(t.email, t.createdAt)],
);

/**
 * Development only: the last sign-in message per address, readable at `GET /v1/dev/mailbox`, so a local run needs
 * no mail server. Never written outside ENVIRONMENT=development.
 */
export const devMailbox = sqliteTable("dev_mailbox", {
	email: text("email").primaryKey(),
	subject: text("subject").notNull(),
	text: text("text").notNull(),
	code: text("code").notNull(),
	createdAt: integer("created_at", { mode: "number" }).notNull(),
});

/**
 * Chat conversations (chat Worker). `status` is `running` while a turn's model loop runs; counting those rows per
 * credential is how concurrent turns are limited. `turn_started_at` lets a turn whose Durable Object never reported
 * its end stop counting after a while.
 */
export const conversations = sqliteTable(
	"conversations",
	{
		id: text("id").primaryKey(),
		credentialId: text("credential_id").notNull(),
		title: text("title").notNull(),
		status: text("status", { enum: ["idle", "running", "awaiting_confirmation"] })
			.notNull()
			.default("idle"),
		turnStartedAt: integer("turn_started_at", { mode: "number" }),
		createdAt: integer("created_at", { mode: "number" }).notNull(),
		updatedAt: integer("updated_at", { mode: "number" }).notNull(),
	},
	(t) => [
		index("conversations_credential_updated_idx").on(t.credentialId, t.updatedAt),
		index("conversations_credential_status_idx").on(t.credentialId, t.status),
	],
);

/** The final messages of a conversation (user and assistant text); the stream's events live in its Durable Object. */
export const messages = sqliteTable(
	"messages",
	{
		id: text("id").primaryKey(),
		conversationId: text("conversation_id")
			.notNull()
			.references(() => conversations.id, { onDelete: "cascade" }),
		role: text("role", { enum: ["user", "assistant"] }).notNull(),
		text: text("text").notNull(),
		turnId: text("turn_id").notNull(),
		/** JSON: the tool calls the assistant made in this turn. */
		toolCalls: text("tool_calls", { mode: "json" }),
		/** JSON: the turn's token usage. */
		usage: text("usage", { mode: "json" }),
		createdAt: integer("created_at", { mode: "number" }).notNull(),
	},
	(t) => [index("messages_conversation_created_idx").on(t.conversationId, t.createdAt)],
);

/** Chat site sign-ins. The cookie's token is never stored: only its SHA-256. */
export const chatSessions = sqliteTable(
	"chat_sessions",
	{
		tokenHash: text("token_hash").primaryKey(),
		credentialId: text("credential_id").notNull(),
		createdAt: integer("created_at", { mode: "number" }).notNull(),
		expiresAt: integer("expires_at", { mode: "number" }).notNull(),
	},
	(t) => [index("chat_sessions_credential_idx").on(t.credentialId)],
);

/**
 * The operator dashboard's read-only sessions (`workers/gateway/src/operator.ts`), by the token's SHA-256 (never the
 * token). In D1, not KV: signing out ends the session everywhere at once. Expired rows go when the next one starts.
 */
export const operatorSessions = sqliteTable("operator_sessions", {
	tokenHash: text("token_hash").primaryKey(),
	createdAt: integer("created_at", { mode: "number" }).notNull(),
	expiresAt: integer("expires_at", { mode: "number" }).notNull(),
});

/**
 * The accounts with a purchase in flight or of unknown outcome, one row each, kept by that account's Durable Object
 * (`AccountDO.flush`: its alarm, and reconciliation) so the operators' list asks those accounts and no others. The DO stays the truth:
 * the row only says where to ask, and goes once nothing is pending there.
 */
export const purchaseWatch = sqliteTable(
	"purchase_watch",
	{
		credentialId: text("credential_id").primaryKey(),
		/** When the account was first seen with a purchase pending (epoch ms): the list asks the longest waiting first. */
		since: integer("since", { mode: "number" }).notNull(),
	},
	(t) => [index("purchase_watch_since_idx").on(t.since)],
);

/**
 * Metric points when the store is D1 (`METRICS_STORE=d1`: `npm start`, tests); production writes them to Analytics
 * Engine instead. One row per point of `MetricPointSchema`; the cron deletes rows older than 7 days.
 */
export const metricPoints = sqliteTable(
	"metric_points",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		kind: text("kind").notNull(),
		atMs: integer("at_ms", { mode: "number" }).notNull(),
		service: text("service").notNull(),
		tool: text("tool").notNull(),
		status: integer("status").notNull(),
		outcome: text("outcome").notNull(),
		caller: text("caller").notNull(),
		latencyMs: real("latency_ms").notNull(),
		amountCents: integer("amount_cents").notNull(),
		tokensIn: integer("tokens_in").notNull(),
		tokensOut: integer("tokens_out").notNull(),
		modelCalls: integer("model_calls").notNull(),
		text: text("text").notNull(),
		requestId: text("request_id").notNull(),
	},
	(t) => [index("metric_points_at_idx").on(t.atMs), index("metric_points_kind_at_idx").on(t.kind, t.atMs)],
);

/**
 * Operator alerts (cron): one row per open or closed incident, keyed by what it is about (`upstream_down:skycast`),
 * so a sustained failure sends one alert and its recovery one more.
 */
export const alerts = sqliteTable("alerts", {
	key: text("key").primaryKey(),
	state: text("state", { enum: ["open", "resolved"] }).notNull(),
	detail: text("detail").notNull(),
	openedAt: integer("opened_at", { mode: "number" }).notNull(),
	lastSeenAt: integer("last_seen_at", { mode: "number" }).notNull(),
	resolvedAt: integer("resolved_at", { mode: "number" }),
	notifiedAt: integer("notified_at", { mode: "number" }),
});
