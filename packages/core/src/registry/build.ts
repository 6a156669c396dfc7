import { PenumbraError } from "../errors.ts";
import { buildSearchIndex, serializeSearchIndex } from "../search/index.ts";
import {
	type CompiledService,
	REGISTRY_INDEX_KEY,
	REGISTRY_REMOTE_KEY,
	REGISTRY_SEARCH_KEY,
	REGISTRY_SEARCH_VERSION_KEY,
	type RegistryIndex,
	type ServiceCard,
	serviceKey,
} from "./types.ts";

export interface RegistryBuild {
	index: RegistryIndex;
	/**
	 * KV entries: the index under {@link REGISTRY_INDEX_KEY}, the remote-spec ids, the search index under
	 * {@link REGISTRY_SEARCH_KEY}, and one per service under {@link serviceKey}.
	 */
	entries: { key: string; value: string }[];
}

const INDEX_DESCRIPTION_LIMIT = 160;

/**
 * The card as the index carries it: what listing and search need, no more, so 10,000 services stay one small
 * KV value (flow, pricing model and response time are in the service's own entry).
 */
export function toIndexCard(card: ServiceCard): ServiceCard {
	const { flow: _flow, pricing_model: _pricing, typical_response_time: _time, ...rest } = card;
	const description =
		rest.description.length > INDEX_DESCRIPTION_LIMIT
			? `${rest.description.slice(0, INDEX_DESCRIPTION_LIMIT - 1).trimEnd()}…`
			: rest.description;
	return { ...rest, description, tags: rest.tags.slice(0, 12) };
}

/**
 * Lays compiled services out as KV entries: one compact index (cards only) for discovery, the prebuilt search
 * index, one entry per service, and the list of remote-spec services for the refresh cron.
 */
export function buildRegistry(services: CompiledService[], builtAt: string): RegistryBuild {
	const sorted = [...services].sort((a, b) => a.card.id.localeCompare(b.card.id));
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i]?.card.id === sorted[i - 1]?.card.id) {
			throw new PenumbraError("CONFLICT", { detail: `Two providers share the id "${sorted[i]?.card.id}".` });
		}
	}
	const index: RegistryIndex = {
		version: 1,
		built_at: builtAt,
		services: sorted.map((s) => toIndexCard(s.card)),
	};
	return {
		index,
		entries: [
			{ key: REGISTRY_INDEX_KEY, value: JSON.stringify(index) },
			{
				key: REGISTRY_REMOTE_KEY,
				value: JSON.stringify({ ids: sorted.filter((s) => s.spec.kind === "url").map((s) => s.card.id) }),
			},
			{ key: REGISTRY_SEARCH_KEY, value: serializeSearchIndex(buildSearchIndex(sorted, builtAt)) },
			{ key: REGISTRY_SEARCH_VERSION_KEY, value: builtAt },
			...sorted.map((s) => ({ key: serviceKey(s.card.id), value: JSON.stringify(s) })),
		],
	};
}
