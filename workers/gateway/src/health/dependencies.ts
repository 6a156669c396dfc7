import type { DependencyCheck } from "@penumbra/core/contracts";
import { REGISTRY_SEARCH_VERSION_KEY } from "@penumbra/core/registry";
import { timed } from "./deadline.ts";

export interface DependencyChecks {
	d1: DependencyCheck;
	kv: DependencyCheck;
	durable_object: DependencyCheck;
}

/**
 * The Account DO instance health pings: a name no credential id can take (those are `cred_…`), so the probe never
 * wakes anyone's account. `ping()` touches no storage; the object holds no money and no ledger.
 */
export const HEALTH_PROBE_OBJECT = "__health__";

/** D1 reports "D1_ERROR: no such table: credentials: SQLITE_ERROR"; the middle is the part a person needs. */
function plainD1(message: string): string {
	return message.replace(/^D1_ERROR:\s*/, "").replace(/:\s*SQLITE_[A-Z_]+$/, "");
}

interface Checked {
	check: DependencyCheck;
	value?: unknown;
}

async function check(
	label: string,
	binding: string,
	bound: unknown,
	fn: () => Promise<unknown>,
	plain: (message: string) => string = (m) => m,
): Promise<Checked> {
	if (bound === undefined || bound === null) {
		return {
			check: {
				ok: false,
				binding,
				latency_ms: 0,
				error: `binding ${binding} is missing (see wrangler.toml)`,
			},
		};
	}
	const result = await timed(fn);
	if (result.error === undefined) {
		return { check: { ok: true, binding, latency_ms: result.latency_ms }, value: result.value };
	}
	const error = `${label} ${binding}: ${plain(result.error)}`;
	return { check: { ok: false, binding, latency_ms: result.latency_ms, error } };
}

/** The table every keyed request reads: a database without it was never migrated. */
const MIGRATED_TABLE = "credentials";

async function tablesOf(db: D1Database): Promise<number> {
	const row = await db
		.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?")
		.bind(MIGRATED_TABLE)
		.first<{ n: number }>();
	return row?.n ?? 0;
}

export interface Dependencies {
	checks: DependencyChecks;
	/** Things that answer but are not ready, in plain words (a database that was never migrated). */
	warnings: string[];
}

/**
 * Checks the gateway's own dependencies at once, each with a short deadline: D1 answers a query (and has the
 * gateway's tables), KV reads a few bytes of the registry namespace, and the Account DO namespace answers a round
 * trip. A failed check means requests fail now (down); an unmigrated database is a setup step left, reported like
 * missing configuration (degraded), so a fresh deployment still starts.
 */
export function checkDependencies(env: GatewayEnv): Promise<Dependencies> {
	const now = Date.now();
	const hit = recent.get(env);
	if (hit && hit.expires > now) return hit.value;
	const value = runChecks(env);
	recent.set(env, { value, expires: now + CHECKS_TTL_MS });
	return value;
}

/**
 * `GET /v1/health` needs no key and no rate limit (monitors), so its checks are shared for a few seconds per
 * isolate: however often it is asked, an isolate queries D1, KV and the Durable Object at most once per TTL.
 * Keyed by the environment object, which is one per isolate (a test handing in a copy gets its own checks).
 */
const CHECKS_TTL_MS = 5_000;
const recent = new WeakMap<object, { value: Promise<Dependencies>; expires: number }>();

async function runChecks(env: GatewayEnv): Promise<Dependencies> {
	const [d1, kv, durable_object] = await Promise.all([
		check("D1 binding", "DB", env.DB, () => tablesOf(env.DB), plainD1),
		check("KV binding", "REGISTRY", env.REGISTRY, () => env.REGISTRY.get(REGISTRY_SEARCH_VERSION_KEY)),
		check("Durable Object binding", "ACCOUNT", env.ACCOUNT, () =>
			env.ACCOUNT.getByName(HEALTH_PROBE_OBJECT).ping(),
		),
	]);
	const unmigrated = d1.check.ok && d1.value === 0;
	return {
		checks: { d1: d1.check, kv: kv.check, durable_object: durable_object.check },
		warnings: unmigrated
			? [
					`D1 binding DB: the database has no ${MIGRATED_TABLE} table (migrations not applied: npx wrangler d1 migrations apply DB --remote)`,
				]
			: [],
	};
}
