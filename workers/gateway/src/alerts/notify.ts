import { log } from "@penumbra/core/log";
import { assessUpstreamUrl, parseAllowlist } from "@penumbra/core/ssrf";
import { type AlertRow, claim, release, ruleOf, undelivered } from "./incidents.ts";
import { SEVERITY } from "./rules.ts";

/** How long one webhook POST may take before it counts as failed (and is retried on the next run). */
export const ALERT_SEND_TIMEOUT_MS = 5_000;
/** A message still undelivered after this long is dropped: a webhook fixed today should not replay last week. */
const STALE_MS = 24 * 3600_000;

type NotifyEnv = Pick<GatewayEnv, "DB" | "ALERT_WEBHOOK_URL" | "UPSTREAM_ALLOWLIST">;

/** Slack's incoming-webhook body (also what Mattermost, Discord's /slack endpoint and most chat tools accept). */
export interface SlackMessage {
	text: string;
	blocks: Array<Record<string, unknown>>;
}

export type Webhook = { url: URL; refused: null } | { url: null; refused: string | null };

/**
 * ALERT_WEBHOOK_URL, checked like an upstream URL (https on a public host, or an UPSTREAM_ALLOWLIST origin), so a
 * mistyped or hostile value cannot make the gateway post into a private network. Unset: alerts are only logged.
 */
export function webhookOf(env: Pick<NotifyEnv, "ALERT_WEBHOOK_URL" | "UPSTREAM_ALLOWLIST">): Webhook {
	const raw = env.ALERT_WEBHOOK_URL?.trim();
	if (!raw) return { url: null, refused: null };
	const assessed = assessUpstreamUrl(raw, parseAllowlist(env.UPSTREAM_ALLOWLIST));
	return assessed.ok ? { url: assessed.url, refused: null } : { url: null, refused: assessed.reason };
}

/** Slack mrkdwn treats these three as markup. */
function mrkdwn(text: string): string {
	return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function utc(ms: number): string {
	return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function duration(ms: number): string {
	const minutes = Math.round(ms / 60_000);
	return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`;
}

/** The message for an incident's current state: the alert while open, "resolved" once it cleared. */
export function messageOf(row: AlertRow): SlackMessage {
	const key = `\`${mrkdwn(row.key)}\``;
	if (row.state === "open") {
		const icon = SEVERITY[ruleOf(row.key) ?? "error_rate"] === "error" ? ":rotating_light:" : ":warning:";
		return {
			text: `${icon} Penumbra alert ${row.key}: ${row.detail}`,
			blocks: [
				{
					type: "section",
					text: { type: "mrkdwn", text: `${icon} *Penumbra alert* ${key}\n${mrkdwn(row.detail)}` },
				},
				{ type: "context", elements: [{ type: "mrkdwn", text: `since ${utc(row.opened_at)}` }] },
			],
		};
	}
	const resolvedAt = row.resolved_at ?? row.last_seen_at;
	const span = `${utc(row.opened_at)} → ${utc(resolvedAt)}, ${duration(resolvedAt - row.opened_at)}`;
	return {
		text: `:white_check_mark: Penumbra resolved ${row.key} (${span}). Last seen: ${row.detail}`,
		blocks: [
			{ type: "section", text: { type: "mrkdwn", text: `:white_check_mark: *Resolved* ${key} (${span})` } },
			{ type: "context", elements: [{ type: "mrkdwn", text: `Last seen: ${mrkdwn(row.detail)}` }] },
		],
	};
}

/** One POST; never throws. A redirect counts as a failure: it could lead anywhere the URL check did not see. */
export async function send(
	url: URL,
	message: SlackMessage,
): Promise<{ ok: true } | { ok: false; reason: string }> {
	try {
		const response = await fetch(url, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify(message),
			redirect: "manual",
			signal: AbortSignal.timeout(ALERT_SEND_TIMEOUT_MS),
		});
		await response.body?.cancel();
		return response.ok ? { ok: true } : { ok: false, reason: `webhook answered ${response.status}` };
	} catch (error) {
		const timedOut = error instanceof Error && error.name === "TimeoutError";
		return {
			ok: false,
			reason: timedOut ? `no answer within ${ALERT_SEND_TIMEOUT_MS} ms` : "webhook unreachable",
		};
	}
}

/**
 * Sends every message still owed (each claimed first, so concurrent runs send it once); a failed send is given
 * back and retried on the next run. Without a usable webhook nothing is sent: the alerts were logged when they
 * opened and resolved.
 */
export async function deliver(env: NotifyEnv, now_ms: number): Promise<{ sent: number; failed: number }> {
	const webhook = webhookOf(env);
	if (webhook.refused)
		log("error", "ALERT_WEBHOOK_URL refused, alerts are only logged", { reason: webhook.refused });
	if (!webhook.url) return { sent: 0, failed: 0 };
	let sent = 0;
	let failed = 0;
	for (const row of await undelivered(env.DB, now_ms - STALE_MS)) {
		if (!(await claim(env.DB, row, now_ms))) continue;
		const result = await send(webhook.url, messageOf(row));
		if (result.ok) {
			sent++;
			log("info", "alert delivered", { alert: row.key, state: row.state });
			continue;
		}
		failed++;
		log("error", "alert not delivered, retried on the next run", { alert: row.key, reason: result.reason });
		await release(env.DB, row, now_ms);
		// The webhook is failing: the rest waits for the next run rather than each waiting out its own timeout.
		break;
	}
	return { sent, failed };
}
