import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";

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

const ADMIN_TOKEN = "test-admin-token";

/** What the gateway runs with in tests, wherever it runs: its own project, or behind the MCP Worker. */
function gatewayTestBindings(sandboxOrigin: string): Record<string, string> {
	return {
		ADMIN_TOKEN,
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
		UPSTREAM_ALLOWLIST: sandboxOrigin,
	};
}

/**
 * The gateway as an auxiliary Worker in another project's Miniflare. Auxiliaries cannot be TypeScript or a wrangler
 * config, so the script is the bundle the global setup built, and the bindings are read from the same wrangler.toml
 * the gateway project uses (D1, KV, Durable Objects, rate limits, vars), so the two cannot drift. Storage with the
 * same id is shared between Workers of one Miniflare: this is how the MCP Worker reads the gateway's registry.
 */
function gatewayWorker(scriptPath: string, bindings: Record<string, string>) {
	const config = unstable_readConfig({ config: "wrangler.toml" });
	// wrangler's declarations resolve these to `any`: pin the shape this file relies on.
	const name: string = config.name;
	const {
		modulesRules: _rules,
		rootPath: _root,
		...options
	}: Record<string, unknown> = unstable_getMiniflareWorkerOptions(config).workerOptions;
	const vars = options.bindings as Record<string, string>;
	const d1Databases = options.d1Databases as Record<string, { id: string }>;
	return { ...options, name, modules: true, scriptPath, bindings: { ...vars, ...bindings }, d1Databases };
}

export default defineConfig({
	test: {
		projects: [
			{
				plugins: [
					cloudflareTest(async ({ inject }) => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: {
								...gatewayTestBindings(inject("sandboxOrigin")),
								TEST_MIGRATIONS: await readD1Migrations("migrations"),
								TEST_REGISTRY: inject("registry"),
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
				plugins: [
					cloudflareTest(async ({ inject }) => {
						const gateway = gatewayWorker(
							inject("gatewayScript"),
							gatewayTestBindings(inject("sandboxOrigin")),
						);
						return {
							wrangler: { configPath: "./workers/mcp/wrangler.toml" },
							miniflare: {
								bindings: {
									REGISTRY_CACHE_SECONDS: "0",
									TEST_ADMIN_TOKEN: ADMIN_TOKEN,
									TEST_MIGRATIONS: await readD1Migrations("migrations"),
									TEST_REGISTRY: inject("registry"),
								},
								// The gateway's own database (same id, so same storage): the setup file migrates it.
								d1Databases: gateway.d1Databases,
								// Test-only: the gateway's HTTP API, for admin calls (credentials, credit).
								serviceBindings: { GATEWAY_HTTP: gateway.name },
								workers: [gateway],
							},
						};
					}),
				],
				test: {
					name: "mcp",
					include: ["workers/mcp/test/**/*.spec.ts"],
					setupFiles: ["workers/mcp/test/setup.ts"],
					globalSetup: ["test/node/global-setup.ts", "test/node/mcp-global-setup.ts"],
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
