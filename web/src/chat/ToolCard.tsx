import { useId, useState } from "react";
import { IconAlert, IconCheck, IconChevron, IconLock, IconTool, IconX } from "../components/icons.tsx";
import { Spinner } from "../components/ui.tsx";
import { dollars } from "../lib/format.ts";
import { inlineDetails } from "../lib/humanize.ts";
import type { ToolCall } from "./model.ts";

const LABELS: Record<string, string> = {
	get_started: "Getting started",
	search_services: "Searching services",
	list_tools: "Reading a service’s tools",
	execute: "Using a service",
	health: "Checking status",
};

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What the card is called: for `execute`, the service it uses (and whether it buys). */
export function titleOf(name: string, input: unknown): { label: string; tool: string } {
	if (name === "execute" && isRecord(input) && typeof input.service === "string") {
		const tool = typeof input.tool === "string" ? input.tool : name;
		return {
			label: `${typeof input.quote_id === "string" ? "Buying from" : "Using"} ${input.service}`,
			tool,
		};
	}
	return { label: LABELS[name] ?? "Using a tool", tool: name };
}

/** One line of what the call was asked: the parameters of `execute`, the query of a search. */
export function describeInput(name: string, input: unknown): string | null {
	if (!isRecord(input)) return null;
	if (name === "execute") return isRecord(input.parameters) ? inlineDetails(input.parameters) || null : null;
	if (typeof input.query === "string") return `“${input.query}”`;
	if (typeof input.service === "string" && Object.keys(input).length === 1) return input.service;
	return inlineDetails(input) || null;
}

/** The money in a result, when there is some: nicer than the server's one-word summary. */
function summaryOf(call: ToolCall): string | null {
	const r = call.result;
	if (isRecord(r)) {
		if (r.status === "quoted" && isRecord(r.quote) && typeof r.quote.amount_cents === "number") {
			return `Quoted ${dollars(r.quote.amount_cents)}`;
		}
		if (
			(r.status === "bought" || r.status === "already_bought") &&
			isRecord(r.receipt) &&
			typeof r.receipt.amount_cents === "number"
		) {
			return `Bought · ${dollars(r.receipt.amount_cents)}`;
		}
	}
	return call.summary;
}

function pretty(value: unknown): string {
	if (value === null || value === undefined) return "—";
	try {
		return JSON.stringify(value, null, 2);
	} catch {
		return String(value);
	}
}

function Status({ call }: { call: ToolCall }) {
	switch (call.status) {
		case "running":
			return (
				<span className="tool-status tool-status-running">
					<Spinner size={14} />
					<span>Running…</span>
				</span>
			);
		case "awaiting":
			return (
				<span className="tool-status tool-status-awaiting">
					<IconLock size={14} />
					<span>Needs your confirmation</span>
				</span>
			);
		case "error":
			return (
				<span className="tool-status tool-status-error">
					<IconAlert size={14} />
					<span>{call.summary ?? "Failed"}</span>
				</span>
			);
		case "done":
			if (isRecord(call.result) && call.result.status === "declined") {
				return (
					<span className="tool-status">
						<IconX size={14} />
						<span>Declined by you</span>
					</span>
				);
			}
			return (
				<span className="tool-status tool-status-done">
					<IconCheck size={14} />
					<span>{summaryOf(call) ?? "Done"}</span>
				</span>
			);
	}
}

export function ToolCard({ call }: { call: ToolCall }) {
	const [open, setOpen] = useState(false);
	const detailsId = useId();
	const inputLine = describeInput(call.name, call.input);
	const { label, tool } = titleOf(call.name, call.input);
	const hasDetails = call.input !== null || call.result !== null;
	return (
		<div
			className={`tool-card tool-card-${call.status}`}
			data-testid="tool-card"
			data-tool-name={call.name}
			data-status={call.status}
		>
			<div className="tool-card-head">
				<span className="tool-card-icon" aria-hidden="true">
					<IconTool size={16} />
				</span>
				<div className="tool-card-title">
					<span className="tool-card-label">{label}</span>
					<code className="tool-card-name">{tool}</code>
				</div>
				<Status call={call} />
				{hasDetails ? (
					<button
						type="button"
						className="icon-btn tool-card-toggle"
						aria-expanded={open}
						aria-controls={detailsId}
						onClick={() => setOpen((v) => !v)}
						data-testid="tool-card-toggle"
					>
						<IconChevron size={16} className={open ? "rotated" : undefined} />
						<span className="visually-hidden">
							{open ? "Hide details" : "Show details"} of {call.name}
						</span>
					</button>
				) : null}
			</div>
			{inputLine ? <p className="tool-card-input">{inputLine}</p> : null}
			<div id={detailsId} className="tool-card-details" hidden={!open} data-testid="tool-card-details">
				{open ? (
					<>
						<h4>Input</h4>
						<pre>{pretty(call.input)}</pre>
						<h4>Result</h4>
						<pre>{pretty(call.result)}</pre>
					</>
				) : null}
			</div>
		</div>
	);
}
