/**
 * A Durable Object's append-only event log, served as resumable server-sent events.
 *
 * Every event gets the next id (SQLite AUTOINCREMENT: never reused, even after deletes) and is sent as the SSE
 * `id:`, so a reader that reconnects with `Last-Event-ID: <n>` gets exactly the events after n. Live readers get
 * each event as it is appended until a terminal event; heartbeats carry the last real id, so resuming after one
 * loses nothing.
 *
 * Retention: `prune` deletes a prefix of the log, events older than the retention that the owner no longer needs
 * (it passes the first id to keep). The newest event always stays, so ids never restart. A reader asking for events
 * after an id that was pruned gets every kept event, oldest first, after an SSE comment `: pruned through <id>`
 * (ignored by EventSource): it cannot get what was deleted, and starting from what is left gives it the most that
 * can still be replayed (with the chat, always the whole latest turn).
 */

/** How long an event is kept once the owner no longer protects it: the window for reading an old turn back. */
export const EVENT_RETENTION_MS = 7 * 24 * 3600_000;

/** Sent first on every stream: how long a client waits before reconnecting. */
export const SSE_RETRY_MS = 3000;

/** How often an idle live stream gets a heartbeat, so proxies keep it open. */
export const HEARTBEAT_MS = 15_000;

/** One logged event of an event map `M` (event type → payload). */
export interface LoggedEvent<M, T extends keyof M & string = keyof M & string> {
	id: number;
	type: T;
	data: M[T];
}

export interface EventLogOptions<M> {
	/** Events after which live streams close (the end of what a reader follows, e.g. a turn). */
	terminal: ReadonlySet<keyof M & string>;
	retentionMs?: number;
	heartbeatMs?: number;
}

/** What `read` found after an id. */
export interface Replay<M> {
	events: LoggedEvent<M>[];
	/** Set when events after the id asked for were already pruned: the highest pruned id. */
	prunedThrough: number | null;
}

type Writer = WritableStreamDefaultWriter<Uint8Array>;

const encoder = new TextEncoder();

function frame(id: number, type: string, data: unknown): Uint8Array {
	return encoder.encode(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * The log over the Durable Object's SQLite storage (table `events`), and the live readers connected to this
 * instance. One instance per Durable Object instance: readers live in memory.
 */
export class EventLog<M extends object> {
	readonly #sql: SqlStorage;
	readonly #terminal: ReadonlySet<string>;
	readonly #retentionMs: number;
	readonly #heartbeatMs: number;
	readonly #readers = new Set<Writer>();

	constructor(sql: SqlStorage, options: EventLogOptions<M>) {
		this.#sql = sql;
		this.#terminal = options.terminal;
		this.#retentionMs = options.retentionMs ?? EVENT_RETENTION_MS;
		this.#heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
		this.#sql.exec(
			"CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, data TEXT NOT NULL, at INTEGER NOT NULL)",
		);
	}

	/** Appends an event and sends it to every live reader; a terminal event then ends their streams. */
	append<T extends keyof M & string>(type: T, data: M[T]): LoggedEvent<M, T> {
		const { seq } = this.#sql
			.exec<{ seq: number }>(
				"INSERT INTO events (type, data, at) VALUES (?, ?, ?) RETURNING seq",
				type,
				JSON.stringify(data),
				Date.now(),
			)
			.one();
		const bytes = frame(seq, type, data);
		for (const writer of this.#readers) {
			writer.write(bytes).catch(() => this.#readers.delete(writer));
			if (this.#terminal.has(type)) this.#close(writer);
		}
		return { id: seq, type, data };
	}

	/** The id of the newest event; 0 when nothing was ever logged. */
	lastId(): number {
		return this.#sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events").one().seq ?? 0;
	}

	/** The id of the newest event of `type`, or null when none is kept. */
	lastIdOf(type: keyof M & string): number | null {
		return this.#sql
			.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events WHERE type = ?", type)
			.one().seq;
	}

	/** The kept events after `after`, oldest first. */
	read(after: number): Replay<M> {
		const rows = this.#sql
			.exec<{ seq: number; type: keyof M & string; data: string }>(
				"SELECT seq, type, data FROM events WHERE seq > ? ORDER BY seq",
				after,
			)
			.toArray();
		// Only a prefix is ever deleted and ids are otherwise consecutive: a first kept id past after + 1 is a gap.
		const first = rows[0]?.seq;
		return {
			events: rows.map((row) => ({ id: row.seq, type: row.type, data: JSON.parse(row.data) })),
			prunedThrough: first !== undefined && first > after + 1 ? first - 1 : null,
		};
	}

	/**
	 * The events after `after` as an SSE response; with `follow`, the stream stays open for live events (and
	 * heartbeats) until a terminal event, `closeReaders` or the reader going away. Without it, it ends after the
	 * replay.
	 */
	stream(after: number, options: { follow: boolean }): Response {
		const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
		const writer = writable.getWriter();
		const send = (bytes: Uint8Array) => writer.write(bytes).catch(() => {});
		send(encoder.encode(`retry: ${SSE_RETRY_MS}\n\n`));
		// Replay and subscribe with no await between them: no event can fall in the gap.
		const replay = this.read(after);
		if (replay.prunedThrough !== null) send(encoder.encode(`: pruned through ${replay.prunedThrough}\n\n`));
		for (const event of replay.events) send(frame(event.id, event.type, event.data));
		if (options.follow) this.#subscribe(writer);
		else writer.close().catch(() => {});
		return new Response(readable, {
			headers: {
				"content-type": "text/event-stream; charset=utf-8",
				"cache-control": "no-cache, no-transform",
			},
		});
	}

	/** Ends every live stream (e.g. before the log is deleted). */
	closeReaders(): void {
		for (const writer of this.#readers) this.#close(writer);
	}

	/**
	 * Deletes the events older than the retention at `now`, but none from `keepFromId` on (what the owner still
	 * needs) and never the newest. Returns how many were deleted.
	 */
	prune(now: number, keepFromId: number | null = null): number {
		const newest = this.lastId();
		const firstRecent = this.#sql
			.exec<{ seq: number | null }>(
				"SELECT min(seq) AS seq FROM events WHERE at >= ?",
				now - this.#retentionMs,
			)
			.one().seq;
		// Everything below the bound goes: the log stays a suffix, which is what `read` relies on to see gaps.
		const bound = Math.min(newest, firstRecent ?? newest, keepFromId ?? newest);
		return this.#sql.exec("DELETE FROM events WHERE seq < ? RETURNING seq", bound).toArray().length;
	}

	/** When `prune` will next have something to delete (given the same `keepFromId`), or null if never. */
	nextPruneAt(keepFromId: number | null = null): number | null {
		const bound = Math.min(this.lastId(), keepFromId ?? Number.MAX_SAFE_INTEGER);
		const oldest = this.#sql
			.exec<{ at: number }>("SELECT at FROM events WHERE seq < ? ORDER BY seq LIMIT 1", bound)
			.toArray()[0];
		return oldest === undefined ? null : oldest.at + this.#retentionMs;
	}

	#subscribe(writer: Writer): void {
		this.#readers.add(writer);
		const heartbeat = setInterval(() => {
			if (!this.#readers.has(writer)) {
				clearInterval(heartbeat);
				return;
			}
			writer.write(frame(this.lastId(), "heartbeat", { at: new Date().toISOString() })).catch(() => {
				clearInterval(heartbeat);
				this.#readers.delete(writer);
			});
		}, this.#heartbeatMs);
	}

	#close(writer: Writer): void {
		this.#readers.delete(writer);
		writer.close().catch(() => {});
	}
}
