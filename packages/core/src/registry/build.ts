import { PenumbraError } from "../errors.ts";
import {
	type CompiledService,
	REGISTRY_INDEX_KEY,
	REGISTRY_REMOTE_KEY,
	type RegistryIndex,
	serviceKey,
} from "./types.ts";

export interface RegistryBuild {
	index: RegistryIndex;
	/** KV entries: the index under {@link REGISTRY_INDEX_KEY} and one per service under {@link serviceKey}. */
	entries: { key: string; value: string }[];
}

/**
 * Lays compiled services out as KV entries: one compact index (cards only) for discovery, one entry per service,
 * and the list of remote-spec services for the refresh cron.
 */
export function buildRegistry(services: CompiledService[], builtAt: string): RegistryBuild {
	const sorted = [...services].sort((a, b) => a.card.id.localeCompare(b.card.id));
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i]?.card.id === sorted[i - 1]?.card.id) {
			throw new PenumbraError("CONFLICT", { detail: `Two providers share the id "${sorted[i]?.card.id}".` });
		}
	}
	const index: RegistryIndex = { version: 1, built_at: builtAt, services: sorted.map((s) => s.card) };
	return {
		index,
		entries: [
			{ key: REGISTRY_INDEX_KEY, value: JSON.stringify(index) },
			{
				key: REGISTRY_REMOTE_KEY,
				value: JSON.stringify({ ids: sorted.filter((s) => s.spec.kind === "url").map((s) => s.card.id) }),
			},
			...sorted.map((s) => ({ key: serviceKey(s.card.id), value: JSON.stringify(s) })),
		],
	};
}
