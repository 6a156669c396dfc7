/** Bindings the chat project adds for tests only (vitest.config.ts); not in workers/chat/wrangler.toml. */
declare namespace Cloudflare {
	interface Env {
		/** Secret: the key the fake Anthropic API accepts. */
		ANTHROPIC_API_KEY: string;
		/** The gateway's HTTP API (the auxiliary Worker's default entrypoint), for admin calls and the dev mailbox. */
		GATEWAY_HTTP: Fetcher;
		TEST_ADMIN_TOKEN: string;
		/** The fake Stripe API the gateway auxiliary's top-ups go to (test/fake-stripe). */
		TEST_FAKE_STRIPE_URL: string;
		TEST_MIGRATIONS: import("@cloudflare/vitest-pool-workers").D1Migration[];
		/** JSON array of the CompiledService entries built from providers/ by the global setup. */
		TEST_REGISTRY: string;
		/** The REGISTRY namespace of the gateway and MCP Worker (same id), for seeding. */
		TEST_REGISTRY_KV: KVNamespace;
	}
}
