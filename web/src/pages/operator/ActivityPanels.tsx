import { dateTime, dollars, pluralize } from "../../lib/format.ts";
import type { AlertsReport, OperatorPurchases } from "./api.ts";
import { StatusBadge } from "./figures.tsx";

/** Alerts with the last reconcile, and purchases (unresolved first, then the latest receipts). */

/** Open incidents, where alerts go, and the last daily reconcile. */
export function AlertsBody({ report }: { report: AlertsReport }) {
	const r = report.reconcile;
	return (
		<div className="op-alerts">
			{report.open.length === 0 ? (
				<p data-testid="op-no-alerts">
					<StatusBadge status="ok" /> No open alerts.
				</p>
			) : (
				<ul className="op-list" data-testid="op-open-alerts">
					{report.open.map((a) => (
						<li key={a.key} data-testid="op-alert" data-key={a.key} data-rule={a.rule}>
							<StatusBadge status="down" /> <strong>{a.subject}</strong>: {a.detail}{" "}
							<span className="muted">since {dateTime(a.opened_at)}</span>
						</li>
					))}
				</ul>
			)}
			<p className="muted">
				{report.webhook.configured
					? "Alerts are sent to the webhook."
					: report.webhook.refused
						? `Alerts are only logged: the webhook was refused (${report.webhook.refused}).`
						: "Alerts are only logged: no webhook is set (ALERT_WEBHOOK_URL)."}
				{report.recent.length > 0
					? ` ${pluralize(report.recent.length, "incident")} resolved in the last 7 days.`
					: ""}
			</p>
			<h3>Reconcile</h3>
			<p data-testid="op-reconcile" data-ok={r ? r.ok : "never"}>
				{r === null
					? "The daily reconcile has not run yet."
					: r.ok
						? `Last run ${dateTime(r.at)}: ${pluralize(r.ledger?.checked ?? 0, "account")} checked, everything matches.`
						: `Last run ${dateTime(r.at)}: ${r.ledger ? pluralize(r.ledger.mismatches, "mismatch", "mismatches") : "the ledger check did not run"}${
								r.top_ups && !r.top_ups.ok
									? `; top-ups: ${r.top_ups.missing_credits} missing credits, ${r.top_ups.unmatched_refunds} unmatched refunds`
									: ""
							}${r.errors.length > 0 ? `; ${r.errors.join("; ")}` : ""}. Run \`penumbra reconcile\` for details.`}
			</p>
		</div>
	);
}

/** Purchases still waiting for their merchant, then the latest receipts. */
export function PurchasesBody({ data }: { data: OperatorPurchases }) {
	return (
		<div className="op-purchases">
			<h3>Unresolved</h3>
			{data.unresolved.length === 0 ? (
				<p className="muted" data-testid="op-no-unresolved">
					No purchase is waiting for its merchant's answer
					{data.accounts_checked < data.accounts_total
						? ` (in the ${data.accounts_checked} longest waiting of the ${data.accounts_total} accounts listed with one)`
						: ""}
					.
				</p>
			) : (
				<>
					<ul className="op-list" data-testid="op-unresolved">
						{data.unresolved.map((p) => (
							<li key={p.hold_id} data-testid="op-unresolved-row" data-service={p.service}>
								<strong>
									{p.service} · {p.tool}
								</strong>{" "}
								{dollars(p.amount_cents)} held since {dateTime(p.since)} (
								{p.status === "in_flight" ? "in flight" : "outcome unknown"}, {pluralize(p.calls, "call")}).{" "}
								<span className="muted">{p.next}</span>
							</li>
						))}
					</ul>
					{data.accounts_checked < data.accounts_total ? (
						<p className="muted">
							From the {data.accounts_checked} longest waiting of the {data.accounts_total} accounts listed
							with one.
						</p>
					) : null}
				</>
			)}
			<h3>Recent</h3>
			{data.recent.length === 0 ? (
				<p className="muted" data-testid="op-no-recent">
					No purchases yet.
				</p>
			) : (
				<div className="table-wrap">
					<table className="table op-table" data-testid="op-recent-purchases">
						<thead>
							<tr>
								<th scope="col">When</th>
								<th scope="col">Service</th>
								<th scope="col">Account</th>
								<th scope="col" className="num">
									Amount
								</th>
							</tr>
						</thead>
						<tbody>
							{data.recent.map((p) => (
								<tr key={p.receipt_id} data-testid="op-recent-row" data-service={p.service}>
									<td>{dateTime(p.created_at)}</td>
									<td>
										{p.service} · {p.tool}
										{p.flagged ? <span className="op-status op-status-warn">flagged</span> : null}
									</td>
									<td className="op-mono">{p.credential_id}</td>
									<td className="num">{dollars(p.amount_cents)}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			)}
		</div>
	);
}
