import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
