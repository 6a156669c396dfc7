declare namespace Cloudflare {
	interface Env {
		TEST_MIGRATIONS: import("@cloudflare/vitest-pool-workers").D1Migration[];
		/** JSON array of the CompiledService entries built from providers/ by the global setup. */
		TEST_REGISTRY: string;
	}
}
