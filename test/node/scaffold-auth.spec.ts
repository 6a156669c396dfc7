import { type ScaffoldOptions, type ScaffoldResult, scaffoldProvider } from "@penumbra/cli/scaffold";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// Scaffold derives how the gateway presents the provider's credentials (packages/cli/src/scaffold-auth.ts): from the
// security requirement the spec applies, or what its operations and ReadMe headers show; never as a tool input,
// always marked CHECK.

function options(spec: ScaffoldOptions["spec"]): ScaffoldOptions {
	return {
		id: "acme",
		name: "Acme",
		spec,
		specUrl: "https://specs.example.com/acme/openapi.json",
		upstreamBase: "https://api.example.com/v2",
		category: "general",
		tags: ["test"],
		description: "Acme's API.",
	};
}

const ok = (operationId: string, extra: Record<string, unknown> = {}) => ({
	operationId,
	summary: "does a thing",
	responses: { "200": { description: "ok" } },
	...extra,
});

function spec(
	paths: Record<string, unknown>,
	securitySchemes: Record<string, unknown> = {},
	security?: unknown[],
): Record<string, unknown> {
	return {
		openapi: "3.1.0",
		info: { title: "Acme", version: "1" },
		...(security ? { security } : {}),
		paths,
		components: { securitySchemes },
	};
}

const ORDERS = { "/orders": { get: ok("list_orders") } };

async function scaffold(doc: Record<string, unknown>): Promise<ScaffoldResult> {
	const result = await scaffoldProvider(options(doc));
	expect(result.problems).toEqual([]);
	return result;
}

/** The auth written into provider.yaml, and that it is the one CHECK item about auth. */
function writtenAuth(result: ScaffoldResult): unknown {
	const authChanges = result.changes.filter((c) => c.pointer.startsWith("/auth"));
	expect(authChanges.length).toBeGreaterThan(0);
	for (const change of authChanges) expect(change.check).toBe(true);
	const manifest = parse(result.files.find((f) => f.path.endsWith("provider.yaml"))?.content ?? "");
	return manifest.auth;
}

const inputs = (result: ScaffoldResult, tool = 0) =>
	Object.keys(result.service?.tools[tool]?.input_schema.properties ?? {});

describe("scaffolded auth", () => {
	it("turns every scheme of one requirement (AND) into its own credential and secret", async () => {
		const result = await scaffold(
			spec(
				ORDERS,
				{
					key: { type: "apiKey", in: "header", name: "X-Acme-Key" },
					tenant: { type: "apiKey", in: "header", name: "X-Acme-Tenant" },
					session: { type: "apiKey", in: "cookie", name: "acme_session" },
				},
				[{ key: [], tenant: [], session: [] }],
			),
		);
		expect(writtenAuth(result)).toEqual({
			scheme: "apiKey",
			credentials: [
				{ in: "header", name: "X-Acme-Key" },
				{ in: "header", name: "X-Acme-Tenant", secret: "ACME_TENANT" },
				{ in: "cookie", name: "acme_session", secret: "ACME_SESSION" },
			],
		});
		expect(result.files.find((f) => f.path.endsWith("provider.yaml"))?.content).toContain(
			"PROVIDER_ACME_API_KEY, PROVIDER_ACME_ACME_TENANT, PROVIDER_ACME_ACME_SESSION",
		);
	});

	it("keeps one apiKey scheme in the single-credential form", async () => {
		const result = await scaffold(
			spec(ORDERS, { key: { type: "apiKey", in: "query", name: "api_key" } }, [{ key: [] }]),
		);
		expect(writtenAuth(result)).toEqual({ scheme: "apiKey", in: "query", name: "api_key" });
	});

	it("reads HTTP basic as basic, with the user and password secrets", async () => {
		const result = await scaffold(
			spec(ORDERS, { basic: { type: "http", scheme: "basic" } }, [{ basic: [] }]),
		);
		expect(writtenAuth(result)).toEqual({ scheme: "basic" });
		expect(result.service?.auth).toEqual({
			scheme: "basic",
			basic: { username: "USERNAME", password: "PASSWORD" },
		});
	});

	it("reads an OAuth2 client-credentials flow: its token URL made absolute, every scope the operations ask", async () => {
		const result = await scaffold(
			spec(
				{
					"/orders": {
						get: ok("list_orders", { security: [{ oauth: ["orders:read"] }] }),
						post: ok("create_order", { security: [{ oauth: ["orders:write"] }] }),
					},
				},
				{
					oauth: {
						type: "oauth2",
						flows: {
							clientCredentials: {
								tokenUrl: "/oauth/token",
								scopes: { "orders:read": "read", "orders:write": "write" },
							},
						},
					},
				},
			),
		);
		expect(writtenAuth(result)).toEqual({
			scheme: "oauth2",
			oauth2: { token_url: "https://api.example.com/oauth/token", scopes: ["orders:read", "orders:write"] },
		});
	});

	it("makes a key in the path a path credential that no tool takes", async () => {
		const pathKey = { name: "apiKey", in: "path", required: true, schema: { type: "string" } };
		const city = { name: "city", in: "path", required: true, schema: { type: "string" } };
		const result = await scaffold(
			spec({ "/{apiKey}/weather/{city}": { get: ok("get_weather", { parameters: [pathKey, city] }) } }),
		);
		expect(writtenAuth(result)).toEqual({ scheme: "apiKey", in: "path", name: "apiKey" });
		expect(inputs(result)).toEqual(["city"]);
	});

	it("takes a bare {key} for a credential only when its description says so", async () => {
		const key = (description: string) => ({
			name: "key",
			in: "path",
			required: true,
			description,
			schema: { type: "string" },
		});
		const credential = await scaffold(
			spec({ "/{key}/rates": { get: ok("get_rates", { parameters: [key("Your API key")] }) } }),
		);
		expect(writtenAuth(credential)).toEqual({ scheme: "apiKey", in: "path", name: "key" });
		const setting = await scaffold(
			spec({ "/settings/{key}": { get: ok("get_setting", { parameters: [key("The setting's name")] }) } }),
		);
		expect(writtenAuth(setting)).toEqual({ scheme: "none" });
		expect(inputs(setting)).toEqual(["key"]);
	});

	it("adds a path credential beside a header one, each with its own secret", async () => {
		const pathKey = { name: "api_key", in: "path", required: true, schema: { type: "string" } };
		const result = await scaffold(
			spec(
				{ "/v1/{api_key}/orders": { get: ok("list_orders", { parameters: [pathKey] }) } },
				{ account: { type: "apiKey", in: "header", name: "X-Account" } },
				[{ account: [] }],
			),
		);
		expect(writtenAuth(result)).toEqual({
			scheme: "apiKey",
			credentials: [
				{ in: "header", name: "X-Account" },
				{ in: "path", name: "api_key", secret: "API_KEY_2" },
			],
		});
	});

	it("finds Binance's query signature and timestamp parameters and guesses the signature (no tool takes them)", async () => {
		const param = (name: string) => ({ name, in: "query", required: true, schema: { type: "string" } });
		const result = await scaffold(
			spec(
				{
					"/api/v3/account": {
						get: ok("get_account", {
							parameters: [param("recvWindow"), param("timestamp"), param("signature")],
						}),
					},
				},
				{ ApiKeyAuth: { type: "apiKey", in: "header", name: "X-MBX-APIKEY" } },
				[{ ApiKeyAuth: [] }],
			),
		);
		expect(writtenAuth(result)).toEqual({
			scheme: "apiKey",
			credentials: [{ in: "header", name: "X-MBX-APIKEY" }],
			signature: {
				algorithm: "hmac-sha256",
				payload: "{query}{body}",
				encoding: "hex",
				in: "query",
				name: "signature",
				timestamp: { in: "query", name: "timestamp", format: "milliseconds" },
			},
		});
		expect(inputs(result)).toEqual(["recvWindow"]);
	});

	it("reads the headers a ReadMe-published spec lists (key, passphrase, signature, timestamp)", async () => {
		const doc = {
			...spec(ORDERS),
			"x-readme": {
				headers: [
					{ key: "X-CB-ACCESS-KEY", value: "$ACCESS_KEY" },
					{ key: "X-CB-ACCESS-PASSPHRASE", value: "$PASSPHRASE" },
					{ key: "X-CB-ACCESS-SIGNATURE", value: "$SIGNATURE" },
					{ key: "X-CB-ACCESS-TIMESTAMP", value: "$TIMESTAMP" },
				],
			},
		};
		expect(writtenAuth(await scaffold(doc))).toMatchObject({
			scheme: "apiKey",
			credentials: [
				{ in: "header", name: "X-CB-ACCESS-KEY" },
				{ in: "header", name: "X-CB-ACCESS-PASSPHRASE", secret: "CB_ACCESS_PASSPHRASE" },
			],
			signature: {
				name: "X-CB-ACCESS-SIGNATURE",
				timestamp: { in: "header", name: "X-CB-ACCESS-TIMESTAMP", format: "seconds" },
			},
		});
	});

	it("reads Swagger 2 securityDefinitions (basic plus an apiKey)", async () => {
		const result = await scaffold({
			swagger: "2.0",
			info: { title: "Acme", version: "1" },
			host: "api.example.com",
			securityDefinitions: {
				basic: { type: "basic" },
				app: { type: "apiKey", in: "header", name: "X-App-Id" },
			},
			security: [{ basic: [], app: [] }],
			paths: {
				"/orders": { get: { operationId: "list_orders", responses: { "200": { description: "ok" } } } },
			},
		});
		expect(writtenAuth(result)).toEqual({
			scheme: "basic",
			credentials: [{ in: "header", name: "X-App-Id", secret: "APP_ID" }],
		});
	});

	it("reads a Swagger 2 OAuth2 `application` flow as client credentials", async () => {
		const result = await scaffold({
			swagger: "2.0",
			info: { title: "Acme", version: "1" },
			host: "api.example.com",
			securityDefinitions: {
				oauth: {
					type: "oauth2",
					flow: "application",
					tokenUrl: "https://auth.example.com/token",
					scopes: { read: "read" },
				},
			},
			security: [{ oauth: ["read"] }],
			paths: {
				"/orders": { get: { operationId: "list_orders", responses: { "200": { description: "ok" } } } },
			},
		});
		expect(writtenAuth(result)).toEqual({
			scheme: "oauth2",
			oauth2: { token_url: "https://auth.example.com/token", scopes: ["read"] },
		});
	});

	it("turns several credential parameters of a spec without security into credentials, none left as input", async () => {
		const header = (name: string, description = "") => ({
			name,
			in: "header",
			required: true,
			description,
			schema: { type: "string" },
		});
		const result = await scaffold(
			spec({
				"/orders": {
					get: ok("list_orders", {
						parameters: [header("Authorization", "Bearer token"), header("Ocp-Apim-Subscription-Key")],
					}),
				},
			}),
		);
		expect(writtenAuth(result)).toEqual({
			scheme: "apiKey",
			credentials: [
				{ in: "header", name: "Ocp-Apim-Subscription-Key" },
				{ in: "header", name: "Authorization", prefix: "Bearer ", secret: "ACCESS_TOKEN" },
			],
		});
		expect(inputs(result)).toEqual([]);
	});
});
