/** Bindings the MCP project adds for tests only (vitest.config.ts); not in workers/mcp/wrangler.toml. */
declare namespace Cloudflare {
	interface Env {
		/** The gateway's own D1 database (same id as its binding), so the setup file can migrate it. */
		DB: D1Database;
		/** The gateway's HTTP API (the auxiliary Worker's default entrypoint), for admin calls. */
		GATEWAY_HTTP: Fetcher;
		TEST_ADMIN_TOKEN: string;
		TEST_MIGRATIONS: import("@cloudflare/vitest-pool-workers").D1Migration[];
		/** JSON array of the CompiledService entries built from providers/ by the global setup. */
		TEST_REGISTRY: string;
	}
}
