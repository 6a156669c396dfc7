import { conversations, messages } from "@penumbra/core/db";
import { PenumbraError } from "@penumbra/core/errors";
import { newId } from "@penumbra/core/keys";
import { and, asc, desc, eq, lt, ne, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";

export type ConversationStatus = "idle" | "running" | "awaiting_confirmation";

export interface Conversation {
	id: string;
	credential_id: string;
	title: string;
	status: ConversationStatus;
	created_at: string;
	updated_at: string;
}

export interface Message {
	id: string;
	role: "user" | "assistant";
	text: string;
	turn_id: string;
	tool_calls: unknown;
	usage: unknown;
	created_at: string;
}

export interface NewMessage {
	role: "user" | "assistant";
	text: string;
	turn_id: string;
	tool_calls?: unknown;
	usage?: unknown;
}

/**
 * A turn still marked running after this long stops counting against the user's limit (and the conversation can
 * start a new one): its Durable Object was evicted or failed before it could report the end.
 */
export const STALE_TURN_MS = 15 * 60_000;

export const CONVERSATION_ID = /^conv_[0-9A-Za-z]{20}$/;

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

function conversationView(row: ConversationRow): Conversation {
	return {
		id: row.id,
		credential_id: row.credentialId,
		title: row.title,
		status: row.status,
		created_at: new Date(row.createdAt).toISOString(),
		updated_at: new Date(row.updatedAt).toISOString(),
	};
}

function messageView(row: MessageRow): Message {
	return {
		id: row.id,
		role: row.role,
		text: row.text,
		turn_id: row.turnId,
		tool_calls: row.toolCalls ?? null,
		usage: row.usage ?? null,
		created_at: new Date(row.createdAt).toISOString(),
	};
}

function encodeCursor(updatedAt: number, id: string): string {
	return btoa(`${updatedAt}:${id}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): { updatedAt: number; id: string } {
	let decoded = "";
	try {
		decoded = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
	} catch {
		// falls through to the shape check
	}
	const match = /^(\d{1,16}):(conv_[0-9A-Za-z]{20})$/.exec(decoded);
	if (!match?.[1] || !match[2]) {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: "Invalid request: /query/cursor is not a cursor this API returned.",
			extras: { errors: [{ pointer: "/query/cursor", message: "Unknown cursor." }] },
		});
	}
	return { updatedAt: Number(match[1]), id: match[2] };
}

/** A new conversation's id, also its session Durable Object's name. */
export function newConversationId(): string {
	return newId("conv_");
}

/** Conversations and their messages in D1, per credential. Callers check ownership (`get` returns any owner's). */
export class ConversationStore {
	readonly #db;

	constructor(db: D1Database) {
		this.#db = drizzle(db);
	}

	async create(credentialId: string, title: string): Promise<Conversation> {
		const now = Date.now();
		const row: ConversationRow = {
			id: newConversationId(),
			credentialId,
			title,
			status: "idle",
			turnStartedAt: null,
			createdAt: now,
			updatedAt: now,
		};
		await this.#db.insert(conversations).values(row);
		return conversationView(row);
	}

	async get(id: string): Promise<Conversation | null> {
		const row = await this.#db.select().from(conversations).where(eq(conversations.id, id)).get();
		return row ? conversationView(row) : null;
	}

	/** Newest activity first. */
	async list(
		credentialId: string,
		opts: { limit: number; cursor?: string },
	): Promise<{ conversations: Conversation[]; next_cursor: string | null }> {
		const after = opts.cursor === undefined ? null : decodeCursor(opts.cursor);
		const rows = await this.#db
			.select()
			.from(conversations)
			.where(
				and(
					eq(conversations.credentialId, credentialId),
					after
						? or(
								lt(conversations.updatedAt, after.updatedAt),
								and(eq(conversations.updatedAt, after.updatedAt), lt(conversations.id, after.id)),
							)
						: undefined,
				),
			)
			.orderBy(desc(conversations.updatedAt), desc(conversations.id))
			.limit(opts.limit + 1)
			.all();
		const page = rows.slice(0, opts.limit);
		const last = page.at(-1);
		return {
			conversations: page.map(conversationView),
			next_cursor: rows.length > opts.limit && last ? encodeCursor(last.updatedAt, last.id) : null,
		};
	}

	async rename(id: string, title: string): Promise<Conversation> {
		const row = await this.#db
			.update(conversations)
			.set({ title, updatedAt: Date.now() })
			.where(eq(conversations.id, id))
			.returning()
			.get();
		if (!row) throw new PenumbraError("NOT_FOUND", { detail: `No conversation ${id}.` });
		return conversationView(row);
	}

	/** Its messages go with it (foreign key cascade). */
	async delete(id: string): Promise<void> {
		await this.#db.delete(conversations).where(eq(conversations.id, id));
	}

	async addMessage(conversationId: string, m: NewMessage): Promise<void> {
		const now = Date.now();
		await this.#db.batch([
			this.#db.insert(messages).values({
				id: newId("msg_"),
				conversationId,
				role: m.role,
				text: m.text,
				turnId: m.turn_id,
				toolCalls: m.tool_calls ?? null,
				usage: m.usage ?? null,
				createdAt: now,
			}),
			this.#db.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, conversationId)),
		]);
	}

	/** Oldest first. */
	async messages(conversationId: string): Promise<Message[]> {
		const rows = await this.#db
			.select()
			.from(messages)
			.where(eq(messages.conversationId, conversationId))
			.orderBy(asc(messages.createdAt), asc(sql`rowid`))
			.all();
		return rows.map(messageView);
	}

	/** The credential's turns that count against its limit: running, and not stale (a subquery). */
	#runningTurns(credentialId: string, now: number) {
		return this.#db
			.select({ n: sql<number>`count(*)` })
			.from(conversations)
			.where(
				and(
					eq(conversations.credentialId, credentialId),
					eq(conversations.status, "running"),
					sql`${conversations.turnStartedAt} > ${now - STALE_TURN_MS}`,
				),
			);
	}

	/**
	 * A new conversation with its first turn running, if its owner runs fewer than `maxConcurrent` turns (else null,
	 * and nothing is created). One statement, as `create` then `beginTurn` would be two round trips to D1.
	 */
	async createRunning(
		credentialId: string,
		title: string,
		maxConcurrent: number,
		id = newConversationId(),
	): Promise<Conversation | null> {
		const now = Date.now();
		const row: ConversationRow = {
			id,
			credentialId,
			title,
			status: "running",
			turnStartedAt: now,
			createdAt: now,
			updatedAt: now,
		};
		const result = await this.#db.run(
			sql`INSERT INTO ${conversations} (id, credential_id, title, status, turn_started_at, created_at, updated_at)
				SELECT ${row.id}, ${credentialId}, ${title}, ${row.status}, ${now}, ${now}, ${now}
				WHERE (${this.#runningTurns(credentialId, now)}) < ${maxConcurrent}`,
		);
		return result.meta.changes === 1 ? conversationView(row) : null;
	}

	/**
	 * Marks the conversation running if it is not already and its owner runs fewer than `maxConcurrent` turns. One
	 * statement, so two requests racing for the last slot cannot both win.
	 */
	async beginTurn(conversationId: string, credentialId: string, maxConcurrent: number): Promise<boolean> {
		const now = Date.now();
		const fresh = now - STALE_TURN_MS;
		const running = this.#runningTurns(credentialId, now);
		const result = await this.#db
			.update(conversations)
			.set({ status: "running", turnStartedAt: now, updatedAt: now })
			.where(
				and(
					eq(conversations.id, conversationId),
					eq(conversations.credentialId, credentialId),
					or(ne(conversations.status, "running"), sql`${conversations.turnStartedAt} <= ${fresh}`),
					sql`(${running}) < ${maxConcurrent}`,
				),
			)
			.run();
		return result.meta.changes === 1;
	}

	async endTurn(conversationId: string, status: "idle" | "awaiting_confirmation"): Promise<void> {
		await this.#db
			.update(conversations)
			.set({ status, turnStartedAt: null, updatedAt: Date.now() })
			.where(eq(conversations.id, conversationId));
	}
}
