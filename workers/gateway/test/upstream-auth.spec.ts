import { PenumbraError } from "@penumbra/core/errors";
import {
	type CompiledService,
	compileProvider,
	manifestSchema,
	type UpstreamAuth,
} from "@penumbra/core/registry";
import { canonicalString, requiredSecrets, signRequest } from "@penumbra/core/upstream-auth";
import { buildUpstreamRequest } from "@penumbra/core/upstream-request";
import { describe, expect, it } from "vitest";

// How the gateway presents a provider's own credentials upstream (docs/upstream-auth.md): the manifest forms, the
// tool inputs they remove, the request they build, and the signatures they compute.

const authOf = (auth: unknown): UpstreamAuth => manifestSchema.shape.auth.parse(auth);

function authProblems(auth: unknown): string[] {
	const parsed = manifestSchema.shape.auth.safeParse(auth);
	return parsed.success
		? []
		: parsed.error.issues.map((issue) => `${issue.path.join("/")}: ${issue.message}`);
}

const SPEC = {
	openapi: "3.1.0",
	info: { title: "Acme", version: "1" },
	paths: {
		"/v1/{apiKey}/rates/{base}": {
			get: {
				operationId: "get_rates",
				summary: "Rates",
				parameters: [
					{ name: "apiKey", in: "path", required: true, schema: { type: "string" } },
					{ name: "base", in: "path", required: true, schema: { type: "string" } },
					{ name: "X-Acme-Key", in: "header", required: true, schema: { type: "string" } },
					{ name: "timestamp", in: "query", required: true, schema: { type: "integer" } },
					{ name: "signature", in: "query", required: true, schema: { type: "string" } },
					{ name: "limit", in: "query", schema: { type: "integer" } },
				],
				responses: { "200": { description: "ok" } },
			},
		},
	},
};

function compiled(auth: unknown): CompiledService {
	const result = compileProvider({
		manifest: {
			id: "acme-rates",
			name: "Acme",
			description: "Exchange rates.",
			category: "finance",
			auth,
			endpoints: "openapi.yaml",
			upstream: "https://api.acme.test/base",
		},
		manifestFile: "provider.yaml",
		spec: SPEC,
		specFile: "openapi.yaml",
	});
	if (!result.ok) throw new Error(JSON.stringify(result.problems));
	return result.service;
}

const MULTI = {
	scheme: "apiKey",
	credentials: [
		{ in: "path", name: "apiKey" },
		{ in: "header", name: "X-Acme-Key", secret: "HEADER_KEY" },
		{ in: "cookie", name: "session", secret: "SESSION" },
	],
	signature: { preset: "binance" },
};

const SECRETS: Record<string, string> = {
	PROVIDER_ACME_RATES_API_KEY: "path key/with slash",
	PROVIDER_ACME_RATES_HEADER_KEY: "header-key-0123456789",
	PROVIDER_ACME_RATES_SESSION: "session-cookie-0123456789",
	PROVIDER_ACME_RATES_API_SECRET: "signing-secret-0123456789",
	PROVIDER_ACME_RATES_USERNAME: "acme-user",
	PROVIDER_ACME_RATES_PASSWORD: "acme-password-0123456789",
};
const reader = (name: string) => SECRETS[name];

describe("provider.yaml auth", () => {
	it("keeps the single-credential form exactly as before", () => {
		expect(authOf({ scheme: "apiKey", in: "header", name: "X-API-Key" })).toEqual({
			scheme: "apiKey",
			in: "header",
			name: "X-API-Key",
		});
		expect(authOf({ scheme: "oauth2" })).toEqual({
			scheme: "oauth2",
			in: "header",
			name: "Authorization",
			prefix: "Bearer ",
		});
	});

	it("fills defaults: API_KEY for a credential, USERNAME/PASSWORD for basic, the Bearer header for OAuth2", () => {
		expect(authOf({ scheme: "apiKey", credentials: [{ in: "query", name: "key" }] }).credentials).toEqual([
			{ in: "query", name: "key", secret: "API_KEY" },
		]);
		expect(authOf({ scheme: "basic" })).toEqual({
			scheme: "basic",
			basic: { username: "USERNAME", password: "PASSWORD" },
		});
		expect(authOf({ scheme: "oauth2", oauth2: { token_url: "https://auth.acme.test/token" } })).toEqual({
			scheme: "oauth2",
			in: "header",
			name: "Authorization",
			prefix: "Bearer ",
			oauth2: {
				token_url: "https://auth.acme.test/token",
				scopes: [],
				client_auth: "header",
				client_id: "CLIENT_ID",
				client_secret: "CLIENT_SECRET",
			},
		});
	});

	it("spells out a signature preset, and lets the manifest override any part of it", () => {
		expect(
			authOf({ scheme: "apiKey", in: "header", name: "CB-ACCESS-KEY", signature: { preset: "coinbase" } }),
		).toMatchObject({
			signature: {
				algorithm: "hmac-sha256",
				secret: "API_SECRET",
				payload: "{timestamp}{method}{path}{body}",
				encoding: "hex",
				in: "header",
				name: "CB-ACCESS-SIGN",
				timestamp: { in: "header", name: "CB-ACCESS-TIMESTAMP", format: "seconds" },
			},
		});
		const own = authOf({
			scheme: "apiKey",
			in: "header",
			name: "K",
			signature: { preset: "coinbase", encoding: "base64", algorithm: "hmac-sha512" },
		});
		expect(own.signature).toMatchObject({
			encoding: "base64",
			algorithm: "hmac-sha512",
			name: "CB-ACCESS-SIGN",
		});
	});

	it("refuses what cannot work, saying why", () => {
		expect(
			authProblems({ scheme: "apiKey", in: "header", name: "K", credentials: [{ in: "query", name: "k" }] }),
		).toEqual(["credentials: give either `in`/`name` (one credential) or `credentials` (several), not both"]);
		expect(authProblems({ scheme: "apiKey", in: "header", name: "K", signature: { name: "Sig" } })).toEqual([
			"signature: a signature needs `payload` and `name`, or a `preset` (coinbase, binance)",
		]);
		expect(
			authProblems({ scheme: "apiKey", credentials: [{ in: "header", name: "K", secret: "api-key" }] }),
		).toHaveLength(1);
		expect(authProblems({ scheme: "apiKey", in: "header", name: "K", basic: {} })).toEqual([
			"basic: `basic` needs `scheme: basic`",
		]);
		expect(authProblems({ scheme: "oauth2", oauth2: { token_url: "not a url" } })).toHaveLength(1);
		expect(authProblems({ scheme: "apiKey", credentials: [{ in: "header", name: "bad header" }] })).toEqual([
			'credentials/0/name: "bad header" is not a valid header name',
		]);
	});

	it("names every Worker secret the gateway will read", () => {
		expect(requiredSecrets("acme-rates", authOf(MULTI))).toEqual([
			"PROVIDER_ACME_RATES_API_KEY",
			"PROVIDER_ACME_RATES_HEADER_KEY",
			"PROVIDER_ACME_RATES_SESSION",
			"PROVIDER_ACME_RATES_API_SECRET",
		]);
		expect(
			requiredSecrets("acme-rates", authOf({ scheme: "oauth2", oauth2: { token_url: "https://a.test/t" } })),
		).toEqual(["PROVIDER_ACME_RATES_CLIENT_ID", "PROVIDER_ACME_RATES_CLIENT_SECRET"]);
		expect(requiredSecrets("acme-rates", authOf({ scheme: "none" }))).toEqual([]);
	});
});

describe("compiled tools never take a credential", () => {
	it("drops the parameters the credentials, signature and timestamp fill", () => {
		const tool = compiled(MULTI).tools[0];
		expect(Object.keys(tool?.input_schema.properties ?? {})).toEqual(["base", "limit"]);
		expect(tool?.params.map((p) => p.name)).toEqual(["base", "limit"]);
		expect(tool?.path).toBe("/v1/{apiKey}/rates/{base}");
	});

	it("keeps a parameter no credential fills (a spec without auth keeps its key as input)", () => {
		const tool = compileProvider({
			manifest: { ...compiledManifest(), auth: { scheme: "none" } },
			manifestFile: "provider.yaml",
			spec: SPEC,
			specFile: "openapi.yaml",
		});
		expect(tool.ok && Object.keys(tool.service.tools[0]?.input_schema.properties ?? {})).toContain("apiKey");
	});
});

function compiledManifest() {
	return {
		id: "acme-rates",
		name: "Acme",
		description: "Exchange rates.",
		category: "finance",
		endpoints: "openapi.yaml",
		upstream: "https://api.acme.test/base",
	};
}

describe("the upstream request", () => {
	it("fills the path key (encoded), the header and the cookie, and lists every value sent as a secret", () => {
		const service = compiled(MULTI);
		const tool = service.tools[0];
		if (!tool) throw new Error("no tool");
		const request = buildUpstreamRequest(service, tool, { base: "EUR", limit: 5 }, reader);
		expect(request.url.pathname).toBe("/base/v1/path%20key%2Fwith%20slash/rates/EUR");
		expect(request.url.searchParams.get("limit")).toBe("5");
		expect(request.headers.get("x-acme-key")).toBe(SECRETS.PROVIDER_ACME_RATES_HEADER_KEY);
		expect(request.headers.get("cookie")).toBe(`session=${SECRETS.PROVIDER_ACME_RATES_SESSION}`);
		expect(request.secrets).toEqual([
			SECRETS.PROVIDER_ACME_RATES_API_KEY,
			SECRETS.PROVIDER_ACME_RATES_HEADER_KEY,
			SECRETS.PROVIDER_ACME_RATES_SESSION,
		]);
	});

	it("sends HTTP basic from the user and password secrets", () => {
		const service = compiled({ scheme: "basic" });
		const tool = service.tools[0];
		if (!tool) throw new Error("no tool");
		const request = buildUpstreamRequest(
			service,
			tool,
			{ apiKey: "k", base: "EUR", "X-Acme-Key": "h" },
			reader,
		);
		const encoded = btoa("acme-user:acme-password-0123456789");
		expect(request.headers.get("authorization")).toBe(`Basic ${encoded}`);
		expect(request.secrets).toEqual([SECRETS.PROVIDER_ACME_RATES_PASSWORD, encoded]);
	});

	it("refuses with 503 before anything is sent when any secret is missing, naming it only internally", () => {
		const service = compiled(MULTI);
		const tool = service.tools[0];
		if (!tool) throw new Error("no tool");
		const without = (name: string) => (secret: string) => (secret === name ? undefined : SECRETS[secret]);
		for (const missing of ["PROVIDER_ACME_RATES_SESSION", "PROVIDER_ACME_RATES_API_SECRET"]) {
			const error = (() => {
				try {
					buildUpstreamRequest(service, tool, { base: "EUR" }, without(missing));
				} catch (caught) {
					return caught;
				}
			})();
			expect(error).toBeInstanceOf(PenumbraError);
			expect(error).toMatchObject({
				status: 503,
				code: "UPSTREAM_ERROR",
				message: `missing Worker secret ${missing}`,
			});
			expect((error as PenumbraError).detail).not.toContain("PROVIDER_");
		}
	});
});

describe("request signatures (Web Crypto HMAC)", () => {
	const parts = (url: string, body?: string) => ({
		method: "post",
		url: new URL(url),
		headers: new Headers(),
		...(body !== undefined ? { body } : {}),
	});

	it("matches the RFC 4231 HMAC test vectors (SHA-256 and SHA-512, hex)", async () => {
		const sign = (algorithm: "hmac-sha256" | "hmac-sha512") =>
			signRequest(
				parts("https://x.test/", "what do ya want for nothing?"),
				{
					algorithm,
					secret: "API_SECRET",
					key_encoding: "utf8",
					payload: "{body}",
					encoding: "hex",
					in: "header",
					name: "X-Sig",
				},
				"Jefe",
			);
		expect(await sign("hmac-sha256")).toBe(
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		);
		expect(await sign("hmac-sha512")).toBe(
			"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
		);
	});

	it("the binance preset reproduces Binance's documented example signature", async () => {
		const signature = authOf({
			scheme: "apiKey",
			in: "header",
			name: "X-MBX-APIKEY",
			signature: { preset: "binance" },
		}).signature;
		if (!signature) throw new Error("no signature");
		const request = parts(
			"https://api.binance.test/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000",
		);
		const value = await signRequest(
			request,
			signature,
			"NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
			new Date(1499827319559),
		);
		expect(value).toBe("c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
		expect(request.url.searchParams.get("timestamp")).toBe("1499827319559");
		expect(request.url.search.endsWith(`&signature=${value}`)).toBe(true);
	});

	it("builds the coinbase canonical string from timestamp, METHOD, path with query and body", async () => {
		const request = parts("https://api.coinbase.test/v2/orders?limit=2", '{"size":"1"}');
		expect(canonicalString("{timestamp}{method}{path}{body}", request, "1700000000")).toBe(
			'1700000000POST/v2/orders?limit=2{"size":"1"}',
		);
		const signature = authOf({
			scheme: "apiKey",
			in: "header",
			name: "CB-ACCESS-KEY",
			signature: { preset: "coinbase" },
		}).signature;
		if (!signature) throw new Error("no signature");
		const value = await signRequest(request, signature, "secret", new Date(1_700_000_000_000));
		expect(request.headers.get("cb-access-timestamp")).toBe("1700000000");
		expect(request.headers.get("cb-access-sign")).toBe(value);
		expect(value).toMatch(/^[0-9a-f]{64}$/);
	});

	it("decodes a base64 key and encodes base64 when told to", async () => {
		const key = btoa("Jefe");
		const value = await signRequest(
			parts("https://x.test/", "what do ya want for nothing?"),
			{
				algorithm: "hmac-sha256",
				secret: "API_SECRET",
				key_encoding: "base64",
				payload: "{body}",
				encoding: "base64",
				in: "header",
				name: "X-Sig",
			},
			key,
		);
		expect(value).toBe("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
	});
});
