import { log } from "@penumbra/core/log";
import {
	applyCeiling,
	type CompiledService,
	ceilingOf,
	compileProvider,
	fetchSpec,
	REGISTRY_INDEX_KEY,
	REGISTRY_REMOTE_KEY,
	REGISTRY_SEARCH_KEY,
	REGISTRY_SEARCH_VERSION_KEY,
	type RefusedChange,
	type RegistryIndex,
	type RemoteSpec,
	serviceKey,
	toIndexCard,
	toolTotals,
} from "@penumbra/core/registry";
import { updateSearchIndex } from "@penumbra/core/search";
import { parseAllowlist } from "@penumbra/core/ssrf";

export interface RefreshResult {
	id: string;
	outcome: "updated" | "unchanged" | "failed" | "skipped";
	detail?: string;
}

/** The hourly cron of wrangler.toml refetches specs; the other one only checks freshness. */
export const HOURLY = "0 * * * *";

/** A remote service counts as stale when it has had no usable answer for this long (two missed hourly refreshes). */
export const OVERDUE_MS = 3 * 3600 * 1000;

async function remoteIds(kv: KVNamespace): Promise<string[]> {
	const value = await kv.get<{ ids?: unknown }>(REGISTRY_REMOTE_KEY, "json");
	return Array.isArray(value?.ids) ? value.ids.filter((id): id is string => typeof id === "string") : [];
}

async function refreshOne(
	env: GatewayEnv,
	service: CompiledService,
	spec: RemoteSpec,
	now: string,
): Promise<{ next: CompiledService; result: RefreshResult }> {
	const id = service.card.id;
	const fetched = await fetchSpec(spec.url, {
		etag: spec.etag,
		lastModified: spec.last_modified,
		timeoutMs: service.timeout_ms,
		allowlist: parseAllowlist(env.UPSTREAM_ALLOWLIST),
	});
	const failed = (reason: string) => {
		const { last_error: _, ...rest } = spec;
		return {
			next: {
				...service,
				card: { ...service.card, stale: true },
				spec: { ...rest, checked_at: now, last_error: reason },
			},
			result: { id, outcome: "failed" as const, detail: reason },
		};
	};
	if (fetched.status === "failed") return failed(fetched.reason);
	if (fetched.status === "not-modified") {
		const { last_error: _, ...rest } = spec;
		return {
			next: {
				...service,
				card: { ...service.card, stale: false },
				spec: { ...rest, checked_at: now, refreshed_at: now },
			},
			result: { id, outcome: "unchanged" },
		};
	}
	const compiled = compileProvider({
		manifest: spec.manifest,
		manifestFile: spec.manifest_file,
		spec: fetched.spec,
		specFile: spec.url,
		now,
		...(fetched.etag ? { etag: fetched.etag } : {}),
		...(fetched.lastModified ? { lastModified: fetched.lastModified } : {}),
	});
	if (!compiled.ok) {
		const first = compiled.problems.slice(0, 3).map((p) => `${p.path || "/"}: ${p.message}`);
		return failed(
			`the new spec does not compile (${compiled.problems.length} problems): ${first.join("; ")}`,
		);
	}
	const next = heldToCeiling(compiled.service, spec, now);
	const refused = next.spec.kind === "url" ? (next.spec.refused?.length ?? 0) : 0;
	return {
		next,
		result: {
			id,
			outcome: "updated",
			detail: `${next.tools.length} tools${refused ? `; ${refused} changes above the operator's ceiling refused` : ""}`,
		},
	};
}

/**
 * The recompiled service, held to the ceiling of the seeded build: the operator decides what a tool may cost, who
 * may call it and whether it moves money; a remote spec may lower a fee, raise an auth level or drop a tool, nothing
 * more (new tools: `applyCeiling`). The ceiling is carried over, never recomputed from the new spec. Refusals not
 * already on record are logged once.
 */
function heldToCeiling(fresh: CompiledService, previous: RemoteSpec, now: string): CompiledService {
	const ceiling = previous.ceiling ?? [];
	const { tools, refused } = applyCeiling(fresh.tools, ceiling);
	const known = new Set((previous.refused ?? []).map(refusalKey));
	const newly = refused.filter((r) => !known.has(refusalKey(r)));
	if (newly.length > 0) {
		log("warn", "spec refresh refused changes above the operator's ceiling", {
			id: fresh.card.id,
			refused: newly,
		});
	}
	const base: RemoteSpec = fresh.spec.kind === "url" ? fresh.spec : previous;
	const { refused: _r, refused_at: _at, ...spec } = base;
	return {
		...fresh,
		card: { ...fresh.card, ...toolTotals(tools) },
		tools,
		spec: {
			...spec,
			ceiling,
			checked_at: now,
			...(refused.length > 0
				? { refused, refused_at: newly.length > 0 ? now : (previous.refused_at ?? now) }
				: {}),
		},
	};
}

function refusalKey(r: RefusedChange): string {
	return JSON.stringify([r.tool, r.field, r.wanted, r.kept]);
}

/**
 * Refetches remote specs (conditionally, with their ETag), recompiles what changed and writes KV. A failure keeps
 * the last good version and marks the service stale; the next success clears it. `only` limits it to some ids.
 */
export async function refreshRemoteSpecs(
	env: GatewayEnv,
	options: { only?: readonly string[]; now?: Date } = {},
): Promise<{ checked_at: string; results: RefreshResult[] }> {
	const now = (options.now ?? new Date()).toISOString();
	const ids = options.only ?? (await remoteIds(env.REGISTRY));
	const results: RefreshResult[] = [];
	const changedCards = new Map<string, CompiledService["card"]>();
	const recompiled: CompiledService[] = [];
	const refusedIds = new Map<string, boolean>();
	for (const id of ids) {
		const service = await env.REGISTRY.get<CompiledService>(serviceKey(id), "json");
		if (!service) {
			results.push({ id, outcome: "skipped", detail: "not in the registry" });
			continue;
		}
		if (service.spec.kind !== "url") {
			results.push({ id, outcome: "skipped", detail: "its spec is a local file; reseed to change it" });
			continue;
		}
		// An entry seeded before ceilings were recorded gets its current tools as the ceiling, pinned from now on.
		const spec = service.spec.ceiling ? service.spec : { ...service.spec, ceiling: ceilingOf(service.tools) };
		const { next, result } = await refreshOne(env, service, spec, now);
		await env.REGISTRY.put(serviceKey(id), JSON.stringify(next));
		changedCards.set(id, next.card);
		refusedIds.set(id, next.spec.kind === "url" && (next.spec.refused?.length ?? 0) > 0);
		if (result.outcome === "updated") recompiled.push(next);
		results.push(result);
		log(result.outcome === "failed" ? "warn" : "info", "spec refresh", { ...result });
	}
	if (changedCards.size > 0) await updateIndexCards(env.REGISTRY, changedCards, now, refusedIds);
	if (recompiled.length > 0) await updateSearch(env.REGISTRY, recompiled, now);
	return { checked_at: now, results };
}

/** Marks remote services stale when they have gone too long without a usable answer (e.g. refreshes stopped). */
export async function markOverdue(env: GatewayEnv, now = new Date()): Promise<string[]> {
	const overdue = new Map<string, CompiledService["card"]>();
	for (const id of await remoteIds(env.REGISTRY)) {
		const service = await env.REGISTRY.get<CompiledService>(serviceKey(id), "json");
		if (service?.spec.kind !== "url" || service.card.stale) continue;
		const last = Date.parse(service.spec.refreshed_at ?? service.built_at);
		if (now.getTime() - last <= OVERDUE_MS) continue;
		const next = { ...service, card: { ...service.card, stale: true } };
		await env.REGISTRY.put(serviceKey(id), JSON.stringify(next));
		overdue.set(id, next.card);
	}
	if (overdue.size > 0) await updateIndexCards(env.REGISTRY, overdue, now.toISOString());
	return [...overdue.keys()];
}

/**
 * Rewrites the changed cards in the index and, given `refused`, which of those services are flagged for a refused
 * change (`/v1/health` reads the list from the index, so health stays one KV read).
 */
async function updateIndexCards(
	kv: KVNamespace,
	cards: ReadonlyMap<string, CompiledService["card"]>,
	now: string,
	refused: ReadonlyMap<string, boolean> = new Map(),
): Promise<void> {
	const index = await kv.get<RegistryIndex>(REGISTRY_INDEX_KEY, "json");
	if (!index) return;
	const { policy_refused: before = [], ...rest } = index;
	const flagged = new Set(before);
	for (const [id, isRefused] of refused) {
		if (isRefused) flagged.add(id);
		else flagged.delete(id);
	}
	const next: RegistryIndex = {
		...rest,
		refreshed_at: now,
		services: index.services.map((card) => {
			const changed = cards.get(card.id);
			return changed ? toIndexCard(changed) : card;
		}),
		...(flagged.size > 0 ? { policy_refused: [...flagged].sort() } : {}),
	};
	await kv.put(REGISTRY_INDEX_KEY, JSON.stringify(next));
}

/**
 * Replaces the recompiled services' documents in the stored search index. Search does not show staleness, so only
 * a new spec (new tools, new description) touches it. Rewriting in place costs one read and one write of the index;
 * rebuilding would read every service entry.
 */
async function updateSearch(kv: KVNamespace, services: CompiledService[], now: string): Promise<void> {
	const json = await kv.get(REGISTRY_SEARCH_KEY, "text");
	if (json === null) {
		log("warn", "search index missing; reseed the registry to rebuild it", { services: services.length });
		return;
	}
	try {
		await kv.put(REGISTRY_SEARCH_KEY, await updateSearchIndex(json, services, now));
		await kv.put(REGISTRY_SEARCH_VERSION_KEY, now);
	} catch (error) {
		// The services themselves are refreshed; search keeps their previous text until the next reseed.
		log("error", "search index update failed", { error });
	}
}
