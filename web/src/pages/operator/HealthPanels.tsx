import { ApiError, describeError } from "../../lib/api.ts";
import { dateTime, pluralize } from "../../lib/format.ts";
import { type Health, type ServiceHealth, serviceHealth, serviceIds } from "./api.ts";
import { ms, percent, StatusBadge } from "./figures.tsx";

/** Gateway checks and one health row per provider. */

interface ProviderRow {
	id: string;
	health: ServiceHealth | null;
	error: string | null;
}

/** Every catalog service's health, four at a time; all 404 means the gateway has no such route. */
export async function providerHealth(signal: AbortSignal): Promise<ProviderRow[]> {
	const ids = await serviceIds(signal);
	const rows: ProviderRow[] = [];
	let missing = 0;
	for (let i = 0; i < ids.length; i += 4) {
		signal.throwIfAborted();
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

/** `GET /v1/health`: the status, why, and each dependency check. */
export function GatewayChecks({ health }: { health: Health }) {
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

/** One row per provider: its state, why, and the availability of its recent upstream calls. */
export function ProvidersTable({ rows }: { rows: ProviderRow[] }) {
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
