import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Sandbox merchants; each gets an upstream key binding whether or not its manifest needs one (plus the ids tests give
 * to copies of them pointed at faulty upstreams).
 */
const MERCHANTS = [
	"fooddash",
	"ridenow",
	"tablebook",
	"glowbeauty",
	"sportsline",
	"skycast",
	"careerlink",
	"flyaway",
	"staywell",
	"tixhub",
	"freshcart",
	"shipfast",
	"newswire",
];

export default defineConfig({
	test: {
		projects: [
			{
				plugins: [
					cloudflareTest(async ({ inject }) => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: {
								ADMIN_TOKEN: "test-admin-token",
								QUOTE_SIGNING_KEY: "test-quote-signing-key-0123456789",
								// Tests reseed the registry between cases; an isolate cache would hide that.
								REGISTRY_CACHE_SECONDS: "0",
								LOG_LEVEL: "warn",
								...Object.fromEntries(
									[...MERCHANTS, "echo", "greedydash", "refusedash", "lostdash", "foodfeed"].map((id) => [
										`PROVIDER_${id.toUpperCase()}_API_KEY`,
										`test-${id}-key`,
									]),
								),
								UPSTREAM_ALLOWLIST: inject<string>("sandboxOrigin"),
								TEST_MIGRATIONS: await readD1Migrations("migrations"),
								TEST_REGISTRY: inject<string>("registry"),
							},
						},
					})),
				],
				test: {
					name: "gateway",
					include: ["workers/gateway/test/**/*.spec.ts"],
					setupFiles: ["workers/gateway/test/setup.ts"],
					globalSetup: ["test/node/global-setup.ts"],
				},
			},
			{
				plugins: [cloudflareTest({ wrangler: { configPath: "./workers/sandbox/wrangler.toml" } })],
				test: { name: "sandbox", include: ["workers/sandbox/test/**/*.spec.ts"] },
			},
			{
				// CLI and provider contract tests: plain Node, they read provider folders and fixtures from disk.
				test: {
					name: "node",
					environment: "node",
					include: ["test/node/**/*.spec.ts", "providers/*/contract.spec.ts"],
				},
			},
		],
	},
});
