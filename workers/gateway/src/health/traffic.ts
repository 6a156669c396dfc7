import type { ServiceHealth } from "@penumbra/core/contracts";
import { log } from "@penumbra/core/log";
import { metricsReaderOf } from "../metrics/reader.ts";
import { timed } from "./deadline.ts";

export type Traffic = NonNullable<ServiceHealth["traffic"]>;

/** The last minutes of real calls that say how a provider is doing now. */
export const TRAFFIC_WINDOW_S = 300;
/** Fewer upstream calls than this in the window say nothing either way: one failed call is not an outage. */
export const MIN_CALLS = 3;
/** Shares of failed upstream calls (5xx, timeouts, network) from which a provider is degraded, then down. */
const DEGRADED_FAILURES = 0.05;
const DOWN_FAILURES = 0.5;
/** The report is a D1 query or an Analytics Engine SQL API call: asked at most this often per service per isolate. */
const TRAFFIC_TTL_MS = 30_000;
/** In production the report is an HTTP call to the SQL API: a slow one must not hold the health answer. */
const TRAFFIC_TIMEOUT_MS = 3_000;

const recent = new Map<string, { traffic: Traffic; expires: number }>();

function statusOf(calls: number, failures: number): Traffic["status"] {
	if (calls < MIN_CALLS) return "unknown";
	const share = failures / calls;
	return share >= DOWN_FAILURES ? "down" : share >= DEGRADED_FAILURES ? "degraded" : "up";
}

/**
 * A service's upstream calls in the last {@link TRAFFIC_WINDOW_S} from the metrics store, or null when the store
 * cannot be read (health then rests on the probe). Failures are 5xx, timeouts and network errors: a 4xx is the
 * caller's mistake, not the provider's, and counts against neither `upstream_availability` nor the status.
 */
export async function trafficOf(env: GatewayEnv, service: string): Promise<Traffic | null> {
	const now = Date.now();
	const hit = recent.get(service);
	if (hit && hit.expires > now) return hit.traffic;
	const read = await timed(
		() =>
			metricsReaderOf(env).report({
				since_ms: now - TRAFFIC_WINDOW_S * 1000,
				until_ms: now,
				by: "service",
				bucket_s: TRAFFIC_WINDOW_S,
				service,
			}),
		TRAFFIC_TIMEOUT_MS,
	);
	const report = read.value;
	if (!report) {
		log("warn", "service health: metrics unreadable", { service, error: read.error });
		return null;
	}
	const group = report.groups.find((g) => g.service === service);
	const calls = group?.upstream_calls ?? 0;
	const failures = group?.upstream_failures ?? 0;
	const traffic: Traffic = {
		window_s: TRAFFIC_WINDOW_S,
		upstream_calls: calls,
		upstream_failures: failures,
		upstream_availability: group?.upstream_availability ?? null,
		status: statusOf(calls, failures),
	};
	recent.set(service, { traffic, expires: now + TRAFFIC_TTL_MS });
	return traffic;
}
