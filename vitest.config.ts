import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { chatDevVars, gatewayDevVars, mcpDevVars } from "./scripts/lib/dev-vars.ts";
import { fakeStripeVars } from "./test/fake-stripe/server.ts";

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

/**
 * What the gateway runs with in tests, wherever it runs: its own project, or behind the MCP and chat Workers. The
 * committed wrangler.toml is production; the Worker projects run in development mode, like `npm start` (the
 * production project runs the committed configuration).
 */
function gatewayTestBindings(sandboxOrigin: string, mocks?: FixtureMocks): Record<string, string> {
	return {
		...gatewayDevVars(),
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
		...mocks?.secrets,
		UPSTREAM_ALLOWLIST: [sandboxOrigin, ...Object.values(mocks?.origins ?? {})].join(","),
	};
}

/** The fixture providers' mocks (test/node/providers-global-setup.ts): their origins and test-only secrets. */
interface FixtureMocks {
	origins: Record<string, string>;
	secrets: Record<string, string>;
}

/**
 * A Worker as an auxiliary in another project's Miniflare. Auxiliaries cannot be TypeScript or a wrangler config, so
 * the script is the bundle a global setup built, and the bindings (D1, KV, Durable Objects, service bindings, rate
 * limits, vars) are read from the same wrangler.toml the Worker deploys with, so the two cannot drift; `bindings`
 * adds or overrides vars and secrets. Storage with the same id is shared between the Workers of one Miniflare: this
 * is how the MCP and chat Workers read the gateway's registry and database.
 */
function auxiliaryWorker(configPath: string, scriptPath: string, bindings: Record<string, string>) {
	const config = unstable_readConfig({ config: configPath });
	// wrangler's declarations resolve these to `any`: pin the shape this file relies on.
	const name: string = config.name;
	const {
		modulesRules: _rules,
		rootPath: _root,
		...options
	}: Record<string, unknown> = unstable_getMiniflareWorkerOptions(config).workerOptions;
	const vars = options.bindings as Record<string, string>;
	const d1Databases = options.d1Databases as Record<string, { id: string }>;
	const kvNamespaces = options.kvNamespaces as Record<string, { id: string }>;
	return {
		...options,
		name,
		modules: true,
		scriptPath,
		bindings: { ...vars, ...bindings },
		d1Databases,
		kvNamespaces,
	};
}

/** The gateway behind another Worker's service binding, as its own project runs it. */
function gatewayWorker(scriptPath: string, sandboxOrigin: string, mocks?: FixtureMocks) {
	return auxiliaryWorker("wrangler.toml", scriptPath, gatewayTestBindings(sandboxOrigin, mocks));
}

/** The MCP Worker behind the chat Worker's MCP binding; its GATEWAY binding reaches the gateway auxiliary by name. */
function mcpWorker(scriptPath: string) {
	return auxiliaryWorker("workers/mcp/wrangler.toml", scriptPath, {
		...mcpDevVars(),
		REGISTRY_CACHE_SECONDS: "0",
		LOG_LEVEL: "warn",
	});
}

/**
 * Test-only bindings of a project that runs the gateway as an auxiliary: its admin token, the migrations and
 * registry the setup file applies, and its HTTP API (GATEWAY_HTTP) for admin calls (credentials, credit). No
 * access lines: a spec that checks them passes the Worker an env with LOG_LEVEL "info".
 */
async function besideGateway(gateway: ReturnType<typeof gatewayWorker>, registry: string) {
	return {
		bindings: {
			LOG_LEVEL: "warn",
			TEST_ADMIN_TOKEN: ADMIN_TOKEN,
			TEST_MIGRATIONS: await readD1Migrations("migrations"),
			TEST_REGISTRY: registry,
		},
		serviceBindings: { GATEWAY_HTTP: gateway.name },
	};
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
								// Top-ups against the fake Stripe API (test/node/stripe-global-setup.ts).
								...fakeStripeVars(inject("fakeStripeUrl")),
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
					globalSetup: [
						"test/node/global-setup.ts",
						"test/node/stripe-global-setup.ts",
						"workers/gateway/test/alerts/webhook-global-setup.ts",
					],
				},
			},
			{
				plugins: [
					cloudflareTest(async ({ inject }) => {
						const gateway = gatewayWorker(inject("gatewayScript"), inject("sandboxOrigin"));
						const test = await besideGateway(gateway, inject("registry"));
						return {
							wrangler: { configPath: "./workers/mcp/wrangler.toml" },
							miniflare: {
								bindings: { ...mcpDevVars(), ...test.bindings, REGISTRY_CACHE_SECONDS: "0" },
								// The gateway's own database (same id, so same storage): the setup file migrates it.
								d1Databases: gateway.d1Databases,
								serviceBindings: test.serviceBindings,
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
				// Real providers' specs (test/fixtures/providers/) against mocks of those specs, called through the gateway
				// and through MCP `execute`: the MCP project's Workers, plus one mock per fixture.
				plugins: [
					cloudflareTest(async ({ inject }) => {
						const mocks: FixtureMocks = {
							origins: JSON.parse(inject("mockOrigins")),
							secrets: JSON.parse(inject("fixtureSecrets")),
						};
						const gateway = gatewayWorker(inject("gatewayScript"), inject("sandboxOrigin"), mocks);
						const test = await besideGateway(gateway, inject("registry"));
						return {
							wrangler: { configPath: "./workers/mcp/wrangler.toml" },
							miniflare: {
								bindings: {
									...mcpDevVars(),
									...test.bindings,
									REGISTRY_CACHE_SECONDS: "0",
									TEST_FIXTURES: inject("fixtureRegistry"),
									TEST_MOCK_ORIGINS: inject("mockOrigins"),
								},
								d1Databases: gateway.d1Databases,
								serviceBindings: test.serviceBindings,
								workers: [gateway],
							},
						};
					}),
				],
				test: {
					name: "providers",
					include: ["test/providers/**/*.spec.ts"],
					setupFiles: ["test/providers/setup.ts"],
					globalSetup: [
						"test/node/global-setup.ts",
						"test/node/mcp-global-setup.ts",
						"test/node/providers-global-setup.ts",
					],
				},
			},
			{
				plugins: [
					cloudflareTest(async ({ inject }) => {
						const gateway = gatewayWorker(inject("gatewayScript"), inject("sandboxOrigin"));
						// The site's top-ups go through the gateway to the fake Stripe API.
						Object.assign(gateway.bindings, fakeStripeVars(inject("fakeStripeUrl")));
						const test = await besideGateway(gateway, inject("registry"));
						const registry = gateway.kvNamespaces.REGISTRY;
						if (!registry) throw new Error("wrangler.toml: the gateway has no REGISTRY namespace");
						// Wrangler's vars (TOKEN_BUDGET, MAX_CONCURRENT_TURNS, …) stay as configured; DB is the gateway's by id.
						return {
							wrangler: { configPath: "./workers/chat/wrangler.toml" },
							miniflare: {
								bindings: {
									...chatDevVars(),
									...test.bindings,
									ANTHROPIC_BASE_URL: inject("fakeAnthropicUrl"),
									ANTHROPIC_API_KEY: inject("fakeAnthropicKey"),
									TEST_FAKE_STRIPE_URL: inject("fakeStripeUrl"),
								},
								// Test-only: the registry namespace the gateway and MCP Worker read, for seeding.
								kvNamespaces: { TEST_REGISTRY_KV: registry },
								serviceBindings: test.serviceBindings,
								workers: [gateway, mcpWorker(inject("mcpScript"))],
							},
						};
					}),
				],
				test: {
					name: "chat",
					include: ["workers/chat/test/**/*.spec.ts"],
					setupFiles: ["workers/chat/test/setup.ts"],
					globalSetup: [
						"test/node/global-setup.ts",
						"test/node/chat-global-setup.ts",
						"test/node/stripe-global-setup.ts",
					],
				},
			},
			{
				plugins: [cloudflareTest({ wrangler: { configPath: "./workers/sandbox/wrangler.toml" } })],
				test: { name: "sandbox", include: ["workers/sandbox/test/**/*.spec.ts"] },
			},
			{
				// The chat site in real headless Chromium against the whole stack, started once for the project; the
				// scenarios share that stack (and one fake model), so they run one file at a time in one process.
				test: {
					name: "browser",
					environment: "node",
					include: ["test/browser/**/*.spec.ts"],
					// Chromium first: installed when missing (root or sudo), else one line saying what to run.
					globalSetup: ["test/browser/chromium.setup.ts", "test/browser/global-setup.ts"],
					pool: "forks",
					maxWorkers: 1,
					fileParallelism: false,
					testTimeout: 60_000,
					hookTimeout: 60_000,
				},
			},
			{
				// Production mode: the Workers under `wrangler dev` with the configuration `npm run deploy` generates
				// from the committed wrangler.toml files (no development vars) and test secrets.
				test: {
					name: "production",
					environment: "node",
					include: ["test/production/**/*.spec.ts"],
					pool: "forks",
					testTimeout: 30_000,
					hookTimeout: 180_000,
				},
			},
			{
				// CLI and provider contract tests: plain Node, they read provider folders and fixtures from disk.
				test: {
					name: "node",
					environment: "node",
					include: [
						"test/node/**/*.spec.ts",
						"providers/*/contract.spec.ts",
						"packages/core/test/**/*.spec.ts",
					],
				},
			},
		],
	},
});
