import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";
import { providerServices, seedRegistry } from "../../workers/mcp/test/helpers.ts";
import { fixtureServices } from "./helpers.ts";

// Storage is per test file: migrate the gateway's database and seed the catalog plus the fixture providers.
beforeAll(async () => {
	await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
	await seedRegistry([...providerServices(), ...fixtureServices()]);
});
