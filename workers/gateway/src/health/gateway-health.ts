import type { Health } from "@penumbra/core/contracts";
import type { RegistryIndex } from "@penumbra/core/registry";
import { missingConfig } from "../middleware/config.ts";
import { registryOf } from "../registry.ts";
import { checkDependencies } from "./dependencies.ts";

/** What `GET /v1/health` answers, and its HTTP status: 503 when a dependency is down (monitors page on it). */
export interface GatewayHealth {
	health: Health;
	httpStatus: 200 | 503;
}

function listed(what: string, items: string[]): string[] {
	return items.length > 0 ? [`${what}: ${items.join(", ")}`] : [];
}

/**
 * The gateway's status: `down` when D1, KV or the Account DO fails its check, `degraded` when it works but needs the
 * operator (an unmigrated database, an empty registry, stale or refused remote specs, missing secrets), else `ok`.
 */
export async function gatewayHealth(env: GatewayEnv): Promise<GatewayHealth> {
	const [{ checks, warnings }, index] = await Promise.all([
		checkDependencies(env),
		// A broken KV is reported by its check; the registry part then shows nothing rather than failing the answer.
		registryOf(env)
			.index()
			.catch((): RegistryIndex | null => null),
	]);
	const stale = index?.services.filter((s) => s.stale).map((s) => s.id) ?? [];
	const refused = index?.policy_refused ?? [];
	const missing = missingConfig(env);
	const failed = Object.values(checks).flatMap((c) => (c.ok ? [] : [c.error ?? `${c.binding} failed`]));
	const reasons = [
		...failed,
		...warnings,
		...(index && index.services.length === 0 ? ["no services are registered (penumbra providers seed)"] : []),
		...listed("remote specs not refreshing", stale),
		...listed("refreshed specs refused by policy", refused),
		...listed("missing configuration", missing),
	];
	const status = failed.length > 0 ? "down" : reasons.length > 0 ? "degraded" : "ok";
	const builtAt = index?.built_at ?? new Date(0).toISOString();
	return {
		httpStatus: status === "down" ? 503 : 200,
		health: {
			status,
			reasons,
			checks,
			services: index?.services.length ?? 0,
			registry: {
				built_at: builtAt,
				refreshed_at: index?.refreshed_at ?? null,
				age_seconds: Math.max(0, Math.round((Date.now() - Date.parse(builtAt)) / 1000)),
				stale_services: stale,
				policy_refused: refused,
			},
			missing_config: missing,
			time: new Date().toISOString(),
		},
	};
}
