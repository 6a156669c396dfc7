import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";
import { providerServices, seedRegistry } from "./helpers.ts";

// Storage is per test file: migrate the database the chat Worker shares with the gateway, and seed the registry the
// gateway and the MCP Worker read.
beforeAll(async () => {
	await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
	await seedRegistry(providerServices());
});
