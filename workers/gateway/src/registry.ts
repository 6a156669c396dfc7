import { PenumbraError } from "@penumbra/core/errors";
import {
	type CompiledService,
	type CompiledTool,
	REGISTRY_INDEX_KEY,
	type RegistryIndex,
	serviceKey,
} from "@penumbra/core/registry";
import { closest } from "./suggest.ts";

interface Cached<T> {
	value: T;
	expires: number;
}

// Per-isolate cache: discovery costs one KV read per isolate per TTL, and a newly seeded
// registry is served within the TTL without a redeploy.
const indexCache = new Map<KVNamespace, Cached<RegistryIndex | null>>();
const serviceCache = new Map<string, Cached<CompiledService | null>>();

const EMPTY_INDEX: RegistryIndex = { version: 1, built_at: new Date(0).toISOString(), services: [] };

/** Reads the compiled registry from KV (written by `penumbra providers seed`). */
export class Registry {
	readonly #kv: KVNamespace;
	readonly #ttlMs: number;

	constructor(kv: KVNamespace, cacheSeconds: string | undefined) {
		this.#kv = kv;
		const seconds = Number(cacheSeconds ?? "5");
		this.#ttlMs = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 5000;
	}

	async #cached<K, T>(cache: Map<K, Cached<T>>, key: K, load: () => Promise<T>): Promise<T> {
		const now = Date.now();
		const hit = cache.get(key);
		if (hit && hit.expires > now) return hit.value;
		const value = await load();
		if (this.#ttlMs > 0) cache.set(key, { value, expires: now + this.#ttlMs });
		return value;
	}

	/** The registry index; empty (not an error) when nothing has been seeded yet. */
	async index(): Promise<RegistryIndex> {
		const value = await this.#cached(indexCache, this.#kv, () =>
			this.#kv.get<RegistryIndex>(REGISTRY_INDEX_KEY, "json"),
		);
		return value ?? EMPTY_INDEX;
	}

	async service(id: string): Promise<CompiledService> {
		const value = await this.#cached(serviceCache, id, () =>
			this.#kv.get<CompiledService>(serviceKey(id), "json"),
		);
		if (value) return value;
		const index = await this.index();
		const suggestions = closest(
			id,
			index.services.map((s) => s.id),
		);
		throw new PenumbraError("NOT_FOUND", {
			detail: `Unknown service "${id}".${suggestions.length ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?` : ""}`,
			extras: { suggestions },
		});
	}

	async tool(serviceId: string, toolName: string): Promise<{ service: CompiledService; tool: CompiledTool }> {
		const service = await this.service(serviceId);
		const tool = service.tools.find((t) => t.name === toolName);
		if (tool) return { service, tool };
		const suggestions = closest(
			toolName,
			service.tools.map((t) => t.name),
		);
		throw new PenumbraError("NOT_FOUND", {
			detail: `Service "${serviceId}" has no tool "${toolName}".${suggestions.length ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(", ")}?` : ""} List them at /v1/services/${serviceId}/tools.`,
			extras: { suggestions },
		});
	}
}

/** The registry as this Worker is configured to read it. */
export function registryOf(env: GatewayEnv): Registry {
	return new Registry(env.REGISTRY, env.REGISTRY_CACHE_SECONDS);
}
