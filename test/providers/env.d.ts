/** Bindings the providers project adds for tests only (vitest.config.ts), beside the MCP project's. */
declare namespace Cloudflare {
	interface Env {
		DB: D1Database;
		GATEWAY_HTTP: Fetcher;
		TEST_ADMIN_TOKEN: string;
		TEST_MIGRATIONS: import("@cloudflare/vitest-pool-workers").D1Migration[];
		/** JSON array of the CompiledService entries built from providers/ by the global setup. */
		TEST_REGISTRY: string;
		/** JSON array of the CompiledService entries built from test/fixtures/providers/ against their mocks. */
		TEST_FIXTURES: string;
		/** JSON object: fixture id → origin of its running mock. */
		TEST_MOCK_ORIGINS: string;
	}
}
