import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { CompiledService } from "@penumbra/core/registry";
import { beforeAll } from "vitest";
import { seedRegistry } from "./helpers.ts";

beforeAll(async () => {
	await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
	const services: CompiledService[] = JSON.parse(env.TEST_REGISTRY);
	await seedRegistry(services);
});
