import { lazy, Suspense, useCallback, useState } from "react";
import { Spinner } from "../../components/ui.tsx";
import { ApiError, describeError } from "../../lib/api.ts";
import { dateTime, dollars, pluralize } from "../../lib/format.ts";
import {
	type AlertsReport,
	alerts,
	gatewayHealth,
	type Health,
	type MetricsReport,
	metrics,
	type OperatorPurchases,
	purchases,
	type ServiceHealth,
	serviceHealth,
	serviceIds,
} from "./api.ts";
import { Panel, type PanelState, usePanel } from "./panel.tsx";

// The chart library comes with this chunk only, after the dashboard's own figures.
const Charts = lazy(() => import("./Charts.tsx"));

const RANGES = [
	{ id: "15m", label: "15 m", long: "the last 15 minutes", ms: 15 * 60_000 },
	{ id: "1h", label: "1 h", long: "the last hour", ms: 3600_000 },
	{ id: "24h", label: "24 h", long: "the last 24 hours", ms: 24 * 3600_000 },
	{ id: "7d", label: "7 d", long: "the last 7 days", ms: 7 * 24 * 3600_000 },
] as const;
type Range = (typeof RANGES)[number];

export function percent(rate: number | null): string {
	if (rate === null) return "—";
	const value = rate * 100;
	return `${value < 10 && value > 0 ? value.toFixed(1) : Math.round(value)}%`;
}

export function ms(value: number | null): string {
	return value === null ? "—" : `${Math.round(value)} ms`;
}

function RangePicker({ range, onChange }: { range: Range; onChange: (range: Range) => void }) {
	return (
		<fieldset className="op-range" data-testid="op-range">
			<legend className="visually-hidden">Time range</legend>
			{RANGES.map((r) => (
				<button
					key={r.id}
					type="button"
					className="btn btn-secondary btn-sm"
					data-testid="op-range-option"
					data-range={r.id}
					aria-pressed={r.id === range.id}
					onClick={() => onChange(r)}
				>
					{r.label}
				</button>
			))}
		</fieldset>
	);
}

function Totals({ report }: { report: MetricsReport }) {
	const t = report.totals;
	const bought = t.purchases.bought;
	const figures = [
		{ id: "requests", label: "Requests", value: t.requests.toLocaleString() },
		{ id: "error-rate", label: "Error rate", value: percent(t.error_rate) },
		{ id: "p50", label: "Latency p50", value: ms(t.p50_ms) },
		{ id: "p95", label: "Latency p95", value: ms(t.p95_ms) },
		{ id: "availability", label: "Upstream availability", value: percent(t.upstream_availability) },
		{ id: "purchases", label: "Purchases", value: bought.toLocaleString() },
		{ id: "revenue", label: "Revenue", value: dollars(t.revenue_cents) },
		{ id: "empty-searches", label: "Empty searches", value: `${t.empty_searches} of ${t.searches}` },
	];
	return (
		<dl className="op-totals" data-testid="op-totals">
			{figures.map((f) => (
				<div key={f.id} className="op-figure" data-testid={`op-total-${f.id}`}>
					<dt>{f.label}</dt>
					<dd>{f.value}</dd>
				</div>
			))}
		</dl>
	);
}

function ServicesTable({ report }: { report: MetricsReport }) {
	const rows = [...report.groups].sort(
		(a, b) => b.requests - a.requests || a.service.localeCompare(b.service),
	);
	return (
		<div className="table-wrap">
			<table className="table op-table" data-testid="op-services-table">
				<thead>
					<tr>
						<th scope="col">Service</th>
						<th scope="col" className="num">
							Requests
						</th>
						<th scope="col" className="num">
							Errors
						</th>
						<th scope="col" className="num">
							Error rate
						</th>
						<th scope="col" className="num">
							p50
						</th>
						<th scope="col" className="num">
							p95
						</th>
						<th scope="col" className="num">
							Upstream availability
						</th>
						<th scope="col" className="num">
							Purchases
						</th>
						<th scope="col" className="num">
							Revenue
						</th>
					</tr>
				</thead>
				<tbody>
					{rows.map((g) => (
						<tr key={g.service} data-testid="op-service-row" data-service={g.service}>
							<th scope="row">{g.service || "(no service)"}</th>
							<td className="num" data-testid="op-cell-requests">
								{g.requests}
							</td>
							<td className="num" data-testid="op-cell-errors">
								{g.errors + g.faults}
							</td>
							<td className="num" data-testid="op-cell-error-rate">
								{percent(g.error_rate)}
							</td>
							<td className="num">{ms(g.p50_ms)}</td>
							<td className="num">{ms(g.p95_ms)}</td>
							<td className="num" data-testid="op-cell-availability">
								{percent(g.upstream_availability)}
								{g.upstream_failures > 0 ? (
									<span className="muted op-sub"> {pluralize(g.upstream_failures, "failure")}</span>
								) : null}
							</td>
							<td className="num" data-testid="op-cell-purchases">
								{g.purchases.bought}
							</td>
							<td className="num" data-testid="op-cell-revenue">
								{dollars(g.revenue_cents)}
							</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}

function MetricsPanels({ state, range }: { state: PanelState<MetricsReport>; range: Range }) {
	const unavailable = "request metrics (GET /v1/admin/metrics).";
	const empty = (report: MetricsReport) => report.groups.length === 0 && report.totals.searches === 0;
	const nothing = (
		<p className="muted empty-state" data-testid="op-empty">
			No requests in {range.long}. Figures appear here as soon as agents call services.
		</p>
	);
	return (
		<>
			<Panel title="Overview" testId="op-overview" state={state} unavailable={unavailable}>
				{(report) => (empty(report) ? nothing : <Totals report={report} />)}
			</Panel>
			<Panel title="Over time" testId="op-charts-panel" state={state} unavailable={unavailable}>
				{(report) =>
					report.series.length === 0 ? (
						nothing
					) : (
						<Suspense fallback={<Spinner label="Loading charts" />}>
							<Charts series={report.series} />
						</Suspense>
					)
				}
			</Panel>
			<Panel title="Services" testId="op-services" state={state} unavailable={unavailable}>
				{(report) => (report.groups.length === 0 ? nothing : <ServicesTable report={report} />)}
			</Panel>
			<Panel title="Searches and chat" testId="op-searches" state={state} unavailable={unavailable}>
				{(report) => <SearchesAndChat report={report} />}
			</Panel>
		</>
	);
}

function SearchesAndChat({ report }: { report: MetricsReport }) {
	const { chat } = report;
	return (
		<div className="op-split">
			<div>
				<h3>Searches that found nothing</h3>
				{report.top_empty_searches.length === 0 ? (
					<p className="muted">Every search found something.</p>
				) : (
					<ol className="op-list" data-testid="op-empty-searches">
						{report.top_empty_searches.map((s) => (
							<li key={s.query} data-testid="op-empty-search" data-query={s.query}>
								<q>{s.query}</q> <span className="muted">× {s.count}</span>
							</li>
						))}
					</ol>
				)}
			</div>
			<div data-testid="op-chat">
				<h3>Chat</h3>
				{chat.turns === 0 ? (
					<p className="muted">No chat turns.</p>
				) : (
					<p>
						{pluralize(chat.turns, "turn")} ({chat.failed} failed),{" "}
						{pluralize(chat.model_calls, "model call")}, {chat.tokens_in.toLocaleString()} tokens in,{" "}
						{chat.tokens_out.toLocaleString()} out; p50 {ms(chat.p50_ms)}, p95 {ms(chat.p95_ms)}.
					</p>
				)}
			</div>
		</div>
	);
}

interface ProviderRow {
	id: string;
	health: ServiceHealth | null;
	error: string | null;
}

/** Every catalog service's health, four at a time; all 404 means the gateway has no such route. */
async function providerHealth(signal: AbortSignal): Promise<ProviderRow[]> {
	const ids = await serviceIds(signal);
	const rows: ProviderRow[] = [];
	let missing = 0;
	for (let i = 0; i < ids.length; i += 4) {
		const slice = ids.slice(i, i + 4);
		const answers = await Promise.allSettled(slice.map((id) => serviceHealth(id, signal)));
		for (const [j, answer] of answers.entries()) {
			const id = slice[j] ?? "";
			if (answer.status === "fulfilled") {
				rows.push({ id, health: answer.value, error: null });
				continue;
			}
			if (answer.reason instanceof ApiError && answer.reason.status === 401) throw answer.reason;
			if (answer.reason instanceof ApiError && answer.reason.status === 404) missing++;
			rows.push({ id, health: null, error: describeError(answer.reason) });
		}
	}
	if (ids.length > 0 && missing === ids.length) throw answer404();
	return rows;
}

function answer404(): ApiError {
	return new ApiError({ status: 404, code: "NOT_FOUND", detail: "No such route." });
}

function GatewayChecks({ health }: { health: Health }) {
	const checks = health.checks ? Object.entries(health.checks) : [];
	return (
		<div className="op-gateway-health" data-testid="op-gateway-health" data-status={health.status}>
			<p>
				<StatusBadge status={health.status} /> · {pluralize(health.services, "service")}, registry built{" "}
				{dateTime(health.registry.built_at)}
			</p>
			{health.reasons && health.reasons.length > 0 ? (
				<ul className="op-list">
					{health.reasons.map((r) => (
						<li key={r}>{r}</li>
					))}
				</ul>
			) : null}
			{checks.length > 0 ? (
				<ul className="op-checks">
					{checks.map(([name, check]) => (
						<li key={name} data-testid="op-check" data-check={name} data-ok={check.ok}>
							<StatusBadge status={check.ok ? "ok" : "down"} /> {check.binding} ({ms(check.latency_ms)})
							{check.error ? <span className="muted"> — {check.error}</span> : null}
						</li>
					))}
				</ul>
			) : null}
		</div>
	);
}

function StatusBadge({ status }: { status: string }) {
	const tone =
		status === "ok" || status === "up"
			? "ok"
			: status === "degraded" || status === "unknown"
				? "warn"
				: "bad";
	return (
		<span className={`op-status op-status-${tone}`} data-testid="op-status">
			{status}
		</span>
	);
}

function ProvidersTable({ rows }: { rows: ProviderRow[] }) {
	if (rows.length === 0) return <p className="muted">The catalog has no services.</p>;
	return (
		<div className="table-wrap">
			<table className="table op-table" data-testid="op-providers-table">
				<thead>
					<tr>
						<th scope="col">Provider</th>
						<th scope="col">Status</th>
						<th scope="col">Why</th>
						<th scope="col" className="num">
							Recent availability
						</th>
					</tr>
				</thead>
				<tbody>
					{rows.map((row) => (
						<tr
							key={row.id}
							data-testid="op-provider-row"
							data-service={row.id}
							data-status={row.health?.status ?? "error"}
						>
							<th scope="row">{row.id}</th>
							<td>{row.health ? <StatusBadge status={row.health.status} /> : "—"}</td>
							<td>{row.health ? row.health.reason : <span className="muted">{row.error}</span>}</td>
							<td className="num">{percent(row.health?.traffic?.upstream_availability ?? null)}</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}

function AlertsBody({ report }: { report: AlertsReport }) {
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

function PurchasesBody({ data }: { data: OperatorPurchases }) {
	return (
		<div className="op-purchases">
			<h3>Unresolved</h3>
			{data.unresolved.length === 0 ? (
				<p className="muted" data-testid="op-no-unresolved">
					No purchase is waiting for its merchant's answer
					{data.accounts_checked < data.accounts_total
						? ` (in the ${data.accounts_checked} most recently active of ${data.accounts_total} accounts)`
						: ""}
					.
				</p>
			) : (
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

export function Dashboard({
	onSessionEnded,
	onSignOut,
}: {
	onSessionEnded: () => void;
	onSignOut: () => void;
}) {
	const [range, setRange] = useState<Range>(RANGES[1]);
	const [round, setRound] = useState(0);
	const [updated, setUpdated] = useState(() => new Date());
	const key = `${range.id}:${round}`;
	const metricsState = usePanel(
		useCallback((signal) => metrics(new Date(Date.now() - range.ms).toISOString(), signal), [range]),
		key,
		onSessionEnded,
	);
	const healthState = usePanel(gatewayHealth, key, onSessionEnded);
	const providersState = usePanel(providerHealth, key, onSessionEnded);
	const alertsState = usePanel(alerts, key, onSessionEnded);
	const purchasesState = usePanel(purchases, key, onSessionEnded);
	const refresh = () => {
		setRound((n) => n + 1);
		setUpdated(new Date());
	};

	return (
		<div className="page op-page" data-testid="op-dashboard">
			<header className="page-header page-header-row op-header">
				<div>
					<h1>Operator dashboard</h1>
					<p className="muted" data-testid="op-updated">
						{range.long[0]?.toUpperCase()}
						{range.long.slice(1)}, as of {updated.toLocaleTimeString()}.
					</p>
				</div>
				<div className="op-actions">
					<RangePicker
						range={range}
						onChange={(r) => {
							setRange(r);
							setUpdated(new Date());
						}}
					/>
					<button
						type="button"
						className="btn btn-secondary btn-sm"
						data-testid="op-refresh"
						onClick={refresh}
					>
						Refresh
					</button>
					<button type="button" className="btn btn-ghost btn-sm" data-testid="op-signout" onClick={onSignOut}>
						Sign out
					</button>
				</div>
			</header>
			<MetricsPanels state={metricsState} range={range} />
			<Panel title="Gateway health" testId="op-gateway" state={healthState} unavailable="GET /v1/health.">
				{(health) => <GatewayChecks health={health} />}
			</Panel>
			<Panel
				title="Provider health"
				testId="op-health"
				state={providersState}
				unavailable="per-provider health (GET /v1/services/{id}/health)."
			>
				{(rows) => <ProvidersTable rows={rows} />}
			</Panel>
			<Panel
				title="Alerts and reconcile"
				testId="op-alerts"
				state={alertsState}
				unavailable="alerts (GET /v1/admin/alerts)."
			>
				{(report) => <AlertsBody report={report} />}
			</Panel>
			<Panel
				title="Purchases"
				testId="op-purchases"
				state={purchasesState}
				unavailable="purchases (GET /v1/admin/purchases)."
			>
				{(data) => <PurchasesBody data={data} />}
			</Panel>
		</div>
	);
}
