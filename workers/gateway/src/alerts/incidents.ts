import { ALERT_RULES, type AlertIncident, type AlertRule } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import type { Evaluation } from "./rules.ts";

/**
 * Incidents in D1 `alerts` (docs/operating.md), one row per key: a condition that starts opens the row (and owes one
 * message), one that persists only moves `last_seen_at`, one that clears resolves it (and owes one more), a later
 * failure reopens it as a new incident. Every change is a conditional statement whose changed-row count says who
 * made it, so two cron runs at once cannot both open, resolve or send.
 */

export interface AlertRow {
	key: string;
	state: "open" | "resolved";
	detail: string;
	opened_at: number;
	last_seen_at: number;
	resolved_at: number | null;
	notified_at: number | null;
}

/** What this run changed: the keys it opened (or reopened) and resolved. */
export interface Transitions {
	opened: string[];
	resolved: string[];
}

const OPEN = `INSERT INTO alerts (key, state, detail, opened_at, last_seen_at, resolved_at, notified_at)
VALUES (?1, 'open', ?2, ?3, ?3, NULL, NULL)
ON CONFLICT (key) DO UPDATE SET state = 'open', detail = excluded.detail, opened_at = excluded.opened_at,
  last_seen_at = excluded.last_seen_at, resolved_at = NULL, notified_at = NULL
WHERE alerts.state = 'resolved'`;
const SEEN =
	"UPDATE alerts SET detail = ?2, last_seen_at = MAX(last_seen_at, ?3) WHERE key = ?1 AND state = 'open'";
const RESOLVE = `UPDATE alerts SET state = 'resolved', resolved_at = ?2, notified_at = NULL
WHERE key = ?1 AND state = 'open' AND last_seen_at <= ?2`;

/** Records one evaluation at `now_ms`: opens what started, refreshes what persists, resolves what cleared. */
export async function applyEvaluation(
	db: D1Database,
	evaluation: Evaluation,
	now_ms: number,
): Promise<Transitions> {
	const opened: string[] = [];
	if (evaluation.conditions.length > 0) {
		const results = await db.batch(
			evaluation.conditions.flatMap((c) => [
				db.prepare(OPEN).bind(c.key, c.detail, now_ms),
				db.prepare(SEEN).bind(c.key, c.detail, now_ms),
			]),
		);
		evaluation.conditions.forEach((c, i) => {
			if ((results[2 * i]?.meta.changes ?? 0) === 0) return;
			opened.push(c.key);
			log(c.severity, "alert opened", { alert: c.key, detail: c.detail });
		});
	}
	const holding = new Set(evaluation.conditions.map((c) => c.key));
	const { results: open } = await db
		.prepare("SELECT key FROM alerts WHERE state = 'open'")
		.all<{ key: string }>();
	const cleared = open
		.map((row) => row.key)
		.filter((key) => !holding.has(key) && evaluation.scope.some((prefix) => key.startsWith(prefix)));
	const resolved: string[] = [];
	if (cleared.length > 0) {
		const results = await db.batch(cleared.map((key) => db.prepare(RESOLVE).bind(key, now_ms)));
		cleared.forEach((key, i) => {
			if ((results[i]?.meta.changes ?? 0) === 0) return;
			resolved.push(key);
			log("warn", "alert resolved", { alert: key });
		});
	}
	return { opened, resolved };
}

/** Messages not yet delivered: open incidents, and incidents resolved since `recent_ms` (older news is dropped). */
export async function undelivered(db: D1Database, recent_ms: number, limit = 20): Promise<AlertRow[]> {
	const { results } = await db
		.prepare(
			"SELECT * FROM alerts WHERE notified_at IS NULL AND (state = 'open' OR resolved_at >= ?) ORDER BY last_seen_at LIMIT ?",
		)
		.bind(recent_ms, limit)
		.all<AlertRow>();
	return results;
}

/**
 * Takes the sending of `row`'s message for this run: true for exactly one of any runs that try with the same row.
 * Claimed before sending, so a run that dies mid-send loses that message rather than two runs sending it twice.
 */
export async function claim(db: D1Database, row: AlertRow, now_ms: number): Promise<boolean> {
	const result = await db
		.prepare(
			"UPDATE alerts SET notified_at = ? WHERE key = ? AND state = ? AND opened_at = ? AND notified_at IS NULL",
		)
		.bind(now_ms, row.key, row.state, row.opened_at)
		.run();
	return result.meta.changes > 0;
}

/** Gives a claimed message back after a failed send: the next run tries again. */
export async function release(db: D1Database, row: AlertRow, claimed_ms: number): Promise<void> {
	await db
		.prepare("UPDATE alerts SET notified_at = NULL WHERE key = ? AND state = ? AND notified_at = ?")
		.bind(row.key, row.state, claimed_ms)
		.run();
}

function iso(ms: number | null): string | null {
	return ms === null ? null : new Date(ms).toISOString();
}

/** The rule of a key (`upstream_down:skycast` → `upstream_down`); null for a key no rule of ours wrote. */
export function ruleOf(key: string): AlertRule | null {
	const rule = key.slice(0, key.indexOf(":"));
	return (ALERT_RULES as readonly string[]).includes(rule) ? (rule as AlertRule) : null;
}

/** A row as the admin API shows it (null for a key no rule of ours wrote). */
export function incidentOf(row: AlertRow): AlertIncident | null {
	const rule = ruleOf(row.key);
	if (rule === null) return null;
	return {
		key: row.key,
		rule,
		subject: row.key.slice(row.key.indexOf(":") + 1),
		state: row.state,
		detail: row.detail,
		opened_at: new Date(row.opened_at).toISOString(),
		last_seen_at: new Date(row.last_seen_at).toISOString(),
		resolved_at: iso(row.resolved_at),
		notified_at: iso(row.notified_at),
	};
}

/** Open incidents, and those resolved since `recent_ms` (newest first, at most `limit`). */
export async function listIncidents(
	db: D1Database,
	recent_ms: number,
	limit = 50,
): Promise<{ open: AlertIncident[]; recent: AlertIncident[] }> {
	const [open, recent] = await db.batch<AlertRow>([
		db.prepare("SELECT * FROM alerts WHERE state = 'open' ORDER BY opened_at DESC"),
		db
			.prepare(
				"SELECT * FROM alerts WHERE state = 'resolved' AND resolved_at >= ? ORDER BY resolved_at DESC LIMIT ?",
			)
			.bind(recent_ms, limit),
	]);
	const incidents = (rows: AlertRow[] = []) => rows.flatMap((row) => incidentOf(row) ?? []);
	return { open: incidents(open?.results), recent: incidents(recent?.results) };
}
