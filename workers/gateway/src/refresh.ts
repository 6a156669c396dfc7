import { log } from "@penumbra/core/log";
import {
	type CompiledService,
	compileProvider,
	fetchSpec,
	REGISTRY_INDEX_KEY,
	REGISTRY_REMOTE_KEY,
	REGISTRY_SEARCH_KEY,
	REGISTRY_SEARCH_VERSION_KEY,
	type RegistryIndex,
	type RemoteSpec,
	serviceKey,
	toIndexCard,
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
	const fresh = compiled.service;
	return {
		next: { ...fresh, spec: fresh.spec.kind === "url" ? { ...fresh.spec, checked_at: now } : fresh.spec },
		result: { id, outcome: "updated", detail: `${fresh.tools.length} tools` },
	};
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
		const { next, result } = await refreshOne(env, service, service.spec, now);
		await env.REGISTRY.put(serviceKey(id), JSON.stringify(next));
		changedCards.set(id, next.card);
		if (result.outcome === "updated") recompiled.push(next);
		results.push(result);
		log(result.outcome === "failed" ? "warn" : "info", "spec refresh", { ...result });
	}
	if (changedCards.size > 0) await updateIndexCards(env.REGISTRY, changedCards, now);
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

async function updateIndexCards(
	kv: KVNamespace,
	cards: ReadonlyMap<string, CompiledService["card"]>,
	now: string,
): Promise<void> {
	const index = await kv.get<RegistryIndex>(REGISTRY_INDEX_KEY, "json");
	if (!index) return;
	const next: RegistryIndex = {
		...index,
		refreshed_at: now,
		services: index.services.map((card) => {
			const changed = cards.get(card.id);
			return changed ? toIndexCard(changed) : card;
		}),
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
