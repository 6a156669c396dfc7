import { lazy, Suspense } from "react";
import { Spinner } from "../../components/ui.tsx";
import { dollars, pluralize } from "../../lib/format.ts";
import type { MetricsReport } from "./api.ts";
import { ms, percent } from "./figures.tsx";
import { Panel, type PanelState } from "./panel.tsx";

// The chart library comes with this chunk only, after the dashboard's own figures.
const Charts = lazy(() => import("./Charts.tsx"));

/** The panels drawn from one metrics report: overview, charts, the per-service table, searches and chat. */

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

/** Overview, charts, services table, searches and chat, all from one report (`rangeText` names its range). */
export function MetricsPanels({ state, rangeText }: { state: PanelState<MetricsReport>; rangeText: string }) {
	const unavailable = "request metrics (GET /v1/admin/metrics).";
	const empty = (report: MetricsReport) => report.groups.length === 0 && report.totals.searches === 0;
	const nothing = (
		<p className="muted empty-state" data-testid="op-empty">
			No requests in {rangeText}. Figures appear here as soon as agents call services.
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
							<Charts series={report.series} bucketS={report.bucket_s} />
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
