import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { MetricsReport } from "./api.ts";

/**
 * The dashboard's time-series charts, drawn by uPlot on a canvas. This module is loaded only by the dashboard
 * (a lazy chunk of its own), so nobody else ever downloads the chart library. Each chart's figure lists its series
 * and point counts in data attributes and its accessible name, so a test (or a screen reader) can check it without
 * reading pixels.
 */

export type ChartMetric = "requests" | "errors" | "p50_ms" | "p95_ms" | "revenue_cents";

const CHARTS: { metric: ChartMetric; title: string; unit: string }[] = [
	{ metric: "requests", title: "Requests", unit: "requests" },
	{ metric: "errors", title: "Errors", unit: "errors" },
	{ metric: "p50_ms", title: "Latency p50", unit: "ms" },
	{ metric: "p95_ms", title: "Latency p95", unit: "ms" },
	{ metric: "revenue_cents", title: "Revenue", unit: "$" },
];

// Distinct in light and dark themes; services beyond the palette reuse it.
const COLORS = ["#5b4ff0", "#0f9d76", "#e0812b", "#d2386c", "#2c8fd6", "#8a5cd1", "#b8a020", "#5f7a8a"];

type Series = MetricsReport["series"];

interface Plotted {
	xs: number[];
	lines: { service: string; values: (number | null)[]; points: number }[];
}

/** One chart's data: x in seconds, one line per service; dollars for revenue; null where nothing was measured. */
function plotted(series: Series, metric: ChartMetric): Plotted {
	const xs = (series[0]?.buckets ?? []).map((b) => Date.parse(b.t) / 1000);
	const lines = series.map(({ service, buckets }) => {
		const values = buckets.map((b) => {
			const value = b[metric];
			if (value === null) return null;
			return metric === "revenue_cents" ? value / 100 : value;
		});
		return { service, values, points: values.filter((v) => v !== null).length };
	});
	return { xs, lines };
}

/** The sum of a line (requests, errors and revenue add up; for latencies it only says whether there were any). */
function total(values: (number | null)[]): number {
	return Math.round(values.reduce<number>((sum, v) => sum + (v ?? 0), 0) * 100) / 100;
}

function summary(title: string, data: Plotted): string {
	const parts = data.lines.map((l) => `${l.service} (${l.points} points)`);
	return `${title} over time, by service: ${parts.join(", ") || "no services"}.`;
}

function axisColor(): string {
	return getComputedStyle(document.documentElement).getPropertyValue("--text-2").trim() || "#5c5c6a";
}

function Chart({
	title,
	unit,
	metric,
	series,
}: {
	title: string;
	unit: string;
	metric: ChartMetric;
	series: Series;
}) {
	const box = useRef<HTMLDivElement>(null);
	// Recomputed only for a new report: the effect below redraws when it changes.
	const data = useMemo(() => plotted(series, metric), [series, metric]);

	useEffect(() => {
		const target = box.current;
		if (!target) return;
		const stroke = axisColor();
		const format = (v: number) =>
			unit === "$" ? `$${v.toFixed(2)}` : unit === "ms" ? `${Math.round(v)} ms` : `${v}`;
		const options: uPlot.Options = {
			width: Math.max(280, target.clientWidth),
			height: 200,
			legend: { show: true },
			cursor: { drag: { x: false, y: false } },
			scales: { x: { time: true } },
			axes: [
				{ stroke, grid: { stroke: "rgba(128,128,128,0.15)" } },
				{
					stroke,
					grid: { stroke: "rgba(128,128,128,0.15)" },
					values: (_u, ticks) => ticks.map(format),
					size: 64,
				},
			],
			series: [
				{},
				...data.lines.map((l, i) => ({
					label: l.service,
					stroke: COLORS[i % COLORS.length],
					width: 2,
					points: { show: data.xs.length < 40 },
					value: (_u: uPlot, v: number | null) => (v === null ? "—" : format(v)),
				})),
			],
		};
		const plot = new uPlot(
			options,
			[data.xs, ...data.lines.map((l) => l.values)] as uPlot.AlignedData,
			target,
		);
		const resize = new ResizeObserver(() =>
			plot.setSize({ width: Math.max(280, target.clientWidth), height: 200 }),
		);
		resize.observe(target);
		return () => {
			resize.disconnect();
			plot.destroy();
		};
	}, [data, unit]);

	return (
		<figure
			className="op-chart card"
			data-testid="op-chart"
			data-chart={metric}
			data-series={data.lines.map((l) => l.service).join(",")}
			data-points={data.lines.map((l) => l.points).join(",")}
			data-totals={data.lines.map((l) => total(l.values)).join(",")}
			data-buckets={data.xs.length}
			aria-label={summary(title, data)}
		>
			<figcaption>
				<h3>{title}</h3>
				<span className="muted">{unit === "$" ? "dollars" : unit}</span>
			</figcaption>
			<div ref={box} className="op-chart-plot" role="img" aria-label={summary(title, data)} />
		</figure>
	);
}

/** The five charts for one metrics report (`bucketS`: the seconds each point covers). */
export default function Charts({ series, bucketS }: { series: Series; bucketS: number }) {
	return (
		<div className="op-charts" data-testid="op-charts" data-bucket-s={bucketS}>
			{CHARTS.map((c) => (
				<Chart key={c.metric} {...c} series={series} />
			))}
		</div>
	);
}
