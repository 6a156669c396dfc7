import type { ServiceHealth } from "@penumbra/core/contracts";
import type { CompiledService } from "@penumbra/core/registry";
import { type ProbeResult, probeService } from "./probe.ts";
import { type Traffic, trafficOf } from "./traffic.ts";

type Status = ServiceHealth["status"];

export interface ServiceHealthAnswer {
	health: ServiceHealth;
	/** 503 when the service is down, like `GET /v1/health` for the gateway: a monitor pages on it. */
	httpStatus: 200 | 503;
}

function probeWords(probe: ProbeResult): string {
	if (probe.status === "up") return `its health probe ${probe.tool} answered in ${probe.latency_ms} ms`;
	return `its health probe ${probe.tool} ${probe.status === "down" ? "failed" : "is degraded"}: ${probe.error}`;
}

function trafficWords(traffic: Traffic): string {
	const minutes = Math.round(traffic.window_s / 60);
	return `${traffic.upstream_failures} of ${traffic.upstream_calls} upstream calls failed in the last ${minutes} minutes`;
}

/**
 * Combines the two sources. The probe is direct evidence: if it fails the service is down. Failing real traffic
 * with a probe that answers is degraded (some calls work); without a probe, traffic alone decides. With neither a
 * probe nor enough recent calls the state is unknown.
 */
export function verdict(probe: ProbeResult | null, traffic: Traffic | null): { status: Status; why: string } {
	const seen = traffic && traffic.status !== "unknown" ? traffic : null;
	if (probe?.status === "down") return { status: "down", why: probeWords(probe) };
	if (seen?.status === "down") {
		return probe
			? { status: "degraded", why: `${probeWords(probe)}, but ${trafficWords(seen)}` }
			: { status: "down", why: trafficWords(seen) };
	}
	if (probe?.status === "degraded") return { status: "degraded", why: probeWords(probe) };
	if (seen?.status === "degraded") return { status: "degraded", why: trafficWords(seen) };
	if (probe) return { status: "up", why: probeWords(probe) };
	if (seen) return { status: "up", why: trafficWords(seen) };
	const calls = traffic ? `${traffic.upstream_calls} upstream calls` : "no readable traffic";
	return { status: "unknown", why: `it declares no health probe and had ${calls} recently` };
}

/** A provider's health: its declared probe (cached 30 s) and its last minutes of upstream calls, in parallel. */
export async function serviceHealth(
	env: GatewayEnv,
	service: CompiledService,
	waitUntil: (promise: Promise<unknown>) => void,
): Promise<ServiceHealthAnswer> {
	const [probe, traffic] = await Promise.all([
		service.health ? probeService(env, service, service.health, waitUntil) : null,
		trafficOf(env, service.card.id),
	]);
	const { status, why } = verdict(probe, traffic);
	const id = service.card.id;
	return {
		httpStatus: status === "down" ? 503 : 200,
		health: {
			service: id,
			status,
			reason: `${service.card.name} (${id}) is ${status === "unknown" ? "in an unknown state" : status}: ${why}.`,
			checked_at: new Date().toISOString(),
			probe,
			traffic,
		},
	};
}
