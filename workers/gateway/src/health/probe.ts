import { PenumbraError, toErrorMessage } from "@penumbra/core/errors";
import { log } from "@penumbra/core/log";
import type { CompiledService, HealthProbe } from "@penumbra/core/registry";
import { healthProbeKey } from "@penumbra/core/registry";
import { buildUpstreamRequest } from "@penumbra/core/upstream-request";
import { secretReader, sendUnobserved } from "../execute.ts";

/** How long a probe's result is served before the provider is asked again (per isolate, and across them by KV). */
export const PROBE_TTL_MS = 30_000;
/** KV keeps entries at least 60 s; a reader checks `checked_at` against {@link PROBE_TTL_MS} itself. */
const KV_TTL_S = 60;
/** A probe that takes more than this share of the service's timeout answers, but slowly: degraded. */
const SLOW_SHARE = 0.5;

export interface ProbeResult {
	tool: string;
	status: "up" | "degraded" | "down";
	latency_ms: number;
	upstream_status: number | null;
	error?: string;
	checked_at: string;
}

const recent = new Map<string, ProbeResult>();
const running = new Map<string, Promise<ProbeResult>>();

function fresh(result: ProbeResult | null | undefined, now: number): result is ProbeResult {
	return result != null && now - Date.parse(result.checked_at) < PROBE_TTL_MS;
}

/**
 * The provider's declared health probe, at most once per {@link PROBE_TTL_MS} for a service: a recent result from
 * this isolate or from KV is served (`cached`), and callers arriving while a probe runs share it. Anyone may ask
 * for a service's health, so this is what keeps the endpoint from becoming a way to hammer a provider.
 */
export async function probeService(
	env: GatewayEnv,
	service: CompiledService,
	probe: HealthProbe,
	waitUntil: (promise: Promise<unknown>) => void,
): Promise<ProbeResult & { cached: boolean }> {
	const id = service.card.id;
	const now = Date.now();
	const mine = recent.get(id);
	if (fresh(mine, now)) return { ...mine, cached: true };
	const shared = await env.REGISTRY.get<ProbeResult>(healthProbeKey(id), "json").catch(() => null);
	if (fresh(shared, now)) {
		recent.set(id, shared);
		return { ...shared, cached: true };
	}
	let pending = running.get(id);
	if (!pending) {
		pending = runProbe(env, service, probe).finally(() => running.delete(id));
		running.set(id, pending);
		const result = await pending;
		recent.set(id, result);
		waitUntil(
			env.REGISTRY.put(healthProbeKey(id), JSON.stringify(result), { expirationTtl: KV_TTL_S }).catch(
				(error: unknown) => log("warn", "health probe result not cached in KV", { service: id, error }),
			),
		);
		return { ...result, cached: false };
	}
	return { ...(await pending), cached: true };
}

/** Calls the probe once, straight at the upstream with the provider's credentials: no caller, no fee, no retry. */
async function runProbe(env: GatewayEnv, service: CompiledService, probe: HealthProbe): Promise<ProbeResult> {
	const started = Date.now();
	const checked_at = new Date(started).toISOString();
	const base = { tool: probe.tool, checked_at };
	const tool = service.tools.find((t) => t.name === probe.tool);
	if (!tool) {
		const error = `the declared probe ${probe.tool} is not one of its tools`;
		return { ...base, status: "down", latency_ms: 0, upstream_status: null, error };
	}
	try {
		const request = buildUpstreamRequest(service, tool, probe.parameters, secretReader(env));
		// No retries: a probe of a struggling provider should not triple its load.
		const answer = await sendUnobserved(env, service, request, 0);
		const slow = answer.durationMs > service.timeout_ms * SLOW_SHARE;
		return {
			...base,
			status: slow ? "degraded" : "up",
			latency_ms: answer.durationMs,
			upstream_status: answer.status,
			...(slow
				? { error: `slow: answered in ${answer.durationMs} ms (timeout ${service.timeout_ms} ms)` }
				: {}),
		};
	} catch (error) {
		const known = error instanceof PenumbraError ? error : undefined;
		const status = known?.extras.upstream_status;
		return {
			...base,
			// A provider that throttles us still answers: degraded. Anything else means its calls fail now.
			status: known?.code === "RATE_LIMITED" ? "degraded" : "down",
			latency_ms: Date.now() - started,
			upstream_status: typeof status === "number" ? status : null,
			error: known?.detail ?? toErrorMessage(error),
		};
	}
}
