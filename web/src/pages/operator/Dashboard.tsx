import { useCallback, useEffect, useState } from "react";
import { AlertsBody, PurchasesBody } from "./ActivityPanels.tsx";
import { alerts, gatewayHealth, metrics, purchases } from "./api.ts";
import { GatewayChecks, ProvidersTable, providerHealth } from "./HealthPanels.tsx";
import { MetricsPanels } from "./MetricsPanels.tsx";
import { Panel, usePanel } from "./panel.tsx";

/**
 * The dashboard: a time range, then one panel per question an operator asks (how much traffic, how it fails, how
 * fast, what it earns; are the gateway and each provider up; what alerted; which purchases are stuck). Every panel
 * asks again each minute while the page is visible, and on Refresh.
 */

const AUTO_REFRESH_MS = 60_000;

const RANGES = [
	{ id: "15m", label: "15 m", long: "the last 15 minutes", ms: 15 * 60_000 },
	{ id: "1h", label: "1 h", long: "the last hour", ms: 3600_000 },
	{ id: "24h", label: "24 h", long: "the last 24 hours", ms: 24 * 3600_000 },
	{ id: "7d", label: "7 d", long: "the last 7 days", ms: 7 * 24 * 3600_000 },
] as const;
type Range = (typeof RANGES)[number];

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
	const refresh = useCallback(() => {
		setRound((n) => n + 1);
		setUpdated(new Date());
	}, []);
	useEffect(() => {
		const id = window.setInterval(() => {
			if (document.visibilityState === "visible") refresh();
		}, AUTO_REFRESH_MS);
		return () => window.clearInterval(id);
	}, [refresh]);

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
			<MetricsPanels state={metricsState} rangeText={range.long} />
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
