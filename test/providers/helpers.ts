import { env } from "cloudflare:workers";
import type { CompiledService } from "@penumbra/core/registry";

/** The fixture providers (test/fixtures/providers/), compiled with their upstreams at their mocks. */
export function fixtureServices(): CompiledService[] {
	return JSON.parse(env.TEST_FIXTURES);
}

/** One fixture provider by id; throws when the fixture folder is missing or did not compile. */
export function fixtureService(id: string): CompiledService {
	const found = fixtureServices().find((service) => service.card.id === id);
	if (!found) throw new Error(`no fixture provider "${id}" in test/fixtures/providers/`);
	return found;
}

/** Origin of the mock serving fixture `id` (Prism, or the fixture's own mock.ts). */
export function mockOrigin(id: string): string {
	const origins: Record<string, string> = JSON.parse(env.TEST_MOCK_ORIGINS);
	const origin = origins[id];
	if (!origin) throw new Error(`no mock running for fixture "${id}"`);
	return origin;
}
