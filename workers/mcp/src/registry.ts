import type { AuthLevel } from "@penumbra/core/auth-levels";
import { AuthLevelSchema } from "@penumbra/core/contracts";
import { serviceKey } from "@penumbra/core/registry";
import { z } from "zod";

/**
 * What `execute` needs of a tool to choose its flow: the level it asks for and whether it is bought with a quote.
 * Only a hint for shaping the answer: the gateway checks both again on the call itself, so a stale copy can send a
 * call the wrong way (and have it refused), never let one through.
 */
export interface ToolFlow {
	auth_level: AuthLevel;
	purchase: boolean;
}

// Only these fields of the compiled service (`registry:service:<id>`, written by the seed); the rest is dropped.
const FlowFieldsSchema = z.object({
	tools: z.array(
		z.object({
			name: z.string(),
			auth_level: AuthLevelSchema,
			purchase: z.object({ kind: z.string() }).optional(),
		}),
	),
});

interface Cached {
	/** By tool name; null when the service is unknown (or unreadable), so the gateway's answer decides. */
	flows: Map<string, ToolFlow> | null;
	expires: number;
}

// Per isolate, like the gateway's own registry cache: one KV read per service per REGISTRY_CACHE_SECONDS.
const cache = new Map<string, Cached>();

function ttlMs(cacheSeconds: string | undefined): number {
	const seconds = Number(cacheSeconds ?? "5");
	return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 5000;
}

async function readFlows(kv: KVNamespace, serviceId: string): Promise<Map<string, ToolFlow> | null> {
	const parsed = FlowFieldsSchema.safeParse(await kv.get(serviceKey(serviceId), "json"));
	if (!parsed.success) return null;
	return new Map(
		parsed.data.tools.map((t) => [
			t.name,
			{ auth_level: t.auth_level, purchase: t.purchase?.kind === "purchase" },
		]),
	);
}

/**
 * A tool's flow as the registry in REGISTRY KV describes it (cached per isolate), or undefined when the registry has
 * no such service or tool: then the call goes to the gateway as is, and its answer (not found, with suggestions)
 * is the one shown.
 */
export async function toolFlow(
	env: McpEnv,
	serviceId: string,
	toolName: string,
): Promise<ToolFlow | undefined> {
	const now = Date.now();
	let hit = cache.get(serviceId);
	if (!hit || hit.expires <= now) {
		hit = {
			flows: await readFlows(env.REGISTRY, serviceId),
			expires: now + ttlMs(env.REGISTRY_CACHE_SECONDS),
		};
		if (hit.expires > now) cache.set(serviceId, hit);
	}
	return hit.flows?.get(toolName);
}
