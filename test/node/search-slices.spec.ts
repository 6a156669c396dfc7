import { synthProviders } from "@penumbra/cli/synth";
import { buildSearchIndex, loadSearchIndex, loadSearchIndexInSlices } from "@penumbra/core/search";
import { describe, expect, it } from "vitest";

describe("an index loaded in slices (the background reload)", () => {
	it("answers every query exactly as the index loaded in one piece", async () => {
		const { services } = synthProviders({ count: 300, seed: 7 });
		const data = buildSearchIndex(services, "2026-01-01T00:00:00.000Z");
		// Service names, their first tool's summary, and a name with a typo (corrected against the vocabulary).
		const queries = services
			.filter((_, i) => i % 60 === 0)
			.flatMap((s) => [s.card.name, s.tools[0]?.summary ?? "", s.card.name.slice(1)]);
		const whole = loadSearchIndex(structuredClone(data));
		const sliced = await loadSearchIndexInSlices(structuredClone(data));
		expect(sliced.size).toBe(whole.size);
		expect(sliced.builtAt).toBe(whole.builtAt);
		for (const query of queries) {
			const answer = whole.search(query, { limit: 20 });
			expect(answer.results.length, query).toBeGreaterThan(0);
			expect(sliced.search(query, { limit: 20 }), query).toEqual(answer);
		}
	});
});
