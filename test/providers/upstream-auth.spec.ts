import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callTool, connect, createAccount, gatewayFetch } from "../../workers/mcp/test/helpers.ts";
import binanceSecrets from "../fixtures/providers/binance-spot/secrets.json";
import primeSecrets from "../fixtures/providers/coinbase-prime/secrets.json";
import paypalSecrets from "../fixtures/providers/paypal-invoicing/secrets.json";
import pirateSecrets from "../fixtures/providers/pirate-weather/secrets.json";
import twilioSecrets from "../fixtures/providers/twilio-messaging/secrets.json";
import { fixtureService, mockOrigin } from "./helpers.ts";

// Real providers whose credentials are not one static header (docs/upstream-auth.md), each called through the
// gateway's REST route and through MCP `execute` against a mock that refuses anything but the right credential.

interface Answers {
	rest: { status: number; text: string };
	mcp: { isError: boolean; text: string };
}

/** One tool call as an agent makes it over REST, and the same as a model makes it over MCP. */
async function callBoth(
	service: string,
	tool: string,
	parameters: Record<string, unknown>,
): Promise<Answers> {
	const account = await createAccount();
	const rest = await gatewayFetch(`/v1/services/${service}/tools/${tool}`, {
		method: "POST",
		headers: { authorization: `Bearer ${account.agentKey}`, "content-type": "application/json" },
		body: JSON.stringify({ parameters }),
	});
	const client = await connect({ key: account.agentKey });
	const viaMcp = await callTool(client, "execute", { service, tool, parameters });
	await client.close();
	return {
		rest: { status: rest.status, text: await rest.text() },
		mcp: { isError: viaMcp.isError === true, text: JSON.stringify(viaMcp) },
	};
}

function expectSucceeded(answers: Answers): void {
	expect(answers.rest.status, answers.rest.text).toBe(200);
	expect(answers.mcp.isError, answers.mcp.text).toBe(false);
}

/** Nothing the caller or the model gets back contains a credential, token or signature. */
function expectNoneOf(answers: Answers, values: readonly string[]): void {
	for (const value of values) {
		expect(value.length).toBeGreaterThan(8);
		expect(answers.rest.text).not.toContain(value);
		expect(answers.mcp.text).not.toContain(value);
	}
}

function inputNames(service: string): string[] {
	return fixtureService(service).tools.flatMap((tool) => Object.keys(tool.input_schema.properties ?? {}));
}

async function mockJson<T>(id: string, path: string, init?: RequestInit): Promise<T> {
	const response = await fetch(`${mockOrigin(id)}${path}`, init);
	return (await response.json()) as T;
}

describe("a key in the URL path (Pirate Weather)", () => {
	it("fills {api_key} from the Worker secret; no tool asks for it", () => {
		const tool = fixtureService("pirate-weather").tools[0];
		expect(tool?.path).toBe("/forecast/{api_key}/{lat_and_long_or_time}");
		expect(inputNames("pirate-weather")).not.toContain("api_key");
		expect(tool?.input_schema.required).toEqual(["lat_and_long_or_time"]);
	});

	it("the mock refuses any other key", async () => {
		const refused = await fetch(`${mockOrigin("pirate-weather")}/forecast/not-the-key/45.42,-75.69`);
		expect(refused.status).toBe(401);
	});

	it("calls the forecast through the gateway and MCP, and the key never comes back", async () => {
		const answers = await callBoth("pirate-weather", "Weather", { lat_and_long_or_time: "45.42,-75.69" });
		expectSucceeded(answers);
		expectNoneOf(answers, Object.values(pirateSecrets));
	});

	it("fills the key's path segment on the transparent proxy too, whatever the caller put there", async () => {
		const account = await createAccount();
		const proxied = await gatewayFetch("/pirate-weather/forecast/placeholder/45.42%2C-75.69", {
			headers: { authorization: `Bearer ${account.agentKey}` },
		});
		const text = await proxied.text();
		expect(proxied.status, text).toBe(200);
		expect(text).not.toContain(pirateSecrets.PROVIDER_PIRATE_WEATHER_API_KEY);
	});
});

describe("two header credentials and a per-request signature (Coinbase Prime)", () => {
	it("takes none of the key, passphrase, signature or timestamp headers as input", () => {
		expect(inputNames("coinbase-prime").filter((name) => /cb-access/i.test(name))).toEqual([]);
	});

	it("the mock refuses a request without a valid signature", async () => {
		const unsigned = await fetch(`${mockOrigin("coinbase-prime")}/v1/portfolios`, {
			headers: {
				"x-cb-access-key": primeSecrets.PROVIDER_COINBASE_PRIME_API_KEY,
				"x-cb-access-passphrase": primeSecrets.PROVIDER_COINBASE_PRIME_CB_ACCESS_PASSPHRASE,
				"x-cb-access-timestamp": String(Math.floor(Date.now() / 1000)),
				"x-cb-access-signature": "not-a-signature",
			},
		});
		expect(unsigned.status).toBe(401);
	});

	it("signs each call (the mock verifies the HMAC), and no secret or signature comes back", async () => {
		const before = await mockJson<{ verified: number }>("coinbase-prime", "/__mock/signatures");
		const list = await callBoth("coinbase-prime", "PrimeRESTAPI_GetPortfolios", {});
		expectSucceeded(list);
		const one = await callBoth("coinbase-prime", "PrimeRESTAPI_GetPortfolio", {
			portfolio_id: "e8bbed13-fa33-41de-86d5-4335d8f08166",
		});
		expectSucceeded(one);
		const after = await mockJson<{ verified: number; signatures: string[] }>(
			"coinbase-prime",
			"/__mock/signatures",
		);
		expect(after.verified - before.verified).toBe(4);
		for (const answers of [list, one])
			expectNoneOf(answers, [...Object.values(primeSecrets), ...after.signatures]);
	});
});

describe("a header key and a query signature with its timestamp (Binance Spot)", () => {
	it("takes neither the signature nor the timestamp as input", () => {
		const names = inputNames("binance-spot");
		expect(names).toContain("recvWindow");
		expect(names).not.toContain("signature");
		expect(names).not.toContain("timestamp");
	});

	it("the mock refuses an unsigned call", async () => {
		const unsigned = await fetch(`${mockOrigin("binance-spot")}/api/v3/account?timestamp=${Date.now()}`, {
			headers: { "x-mbx-apikey": binanceSecrets.PROVIDER_BINANCE_SPOT_API_KEY },
		});
		expect(unsigned.status).toBe(401);
	});

	it("signs the query string (the mock verifies it), and no key or signature comes back", async () => {
		const before = await mockJson<{ verified: number }>("binance-spot", "/__mock/signatures");
		const account = await callBoth("binance-spot", "get_account", { recvWindow: 5000 });
		expectSucceeded(account);
		const trades = await callBoth("binance-spot", "get_my_trades", { symbol: "BNBUSDT", limit: 5 });
		expectSucceeded(trades);
		const after = await mockJson<{ verified: number; signatures: string[] }>(
			"binance-spot",
			"/__mock/signatures",
		);
		expect(after.verified - before.verified).toBe(4);
		for (const answers of [account, trades])
			expectNoneOf(answers, [...Object.values(binanceSecrets), ...after.signatures]);
	});
});

describe("OAuth2 client credentials (PayPal Invoicing)", () => {
	interface OAuthStats {
		token_requests: number;
		last_scope: string;
		issued: string[];
	}
	const stats = () => mockJson<OAuthStats>("paypal-invoicing", "/__mock/oauth");

	it("the mock refuses calls without a token it issued, and token requests from another client", async () => {
		const origin = mockOrigin("paypal-invoicing");
		expect((await fetch(`${origin}/v2/invoicing/invoices`)).status).toBe(401);
		const wrongClient = await fetch(`${origin}/v1/oauth2/token`, {
			method: "POST",
			headers: {
				authorization: `Basic ${btoa("someone:else")}`,
				"content-type": "application/x-www-form-urlencoded",
			},
			body: "grant_type=client_credentials",
		});
		expect(wrongClient.status).toBe(401);
	});

	it("fetches one token, reuses it from cache and KV, and never shows it", async () => {
		const before = await stats();
		const first = await callBoth("paypal-invoicing", "invoices.list", { page_size: 5 });
		expectSucceeded(first);
		const second = await callBoth("paypal-invoicing", "invoices.get", {
			invoice_id: "INV2-Z56S-5LLA-Q52L-CPZ5",
		});
		expectSucceeded(second);
		const after = await stats();
		// Four calls, at most one token request: a token cached by an earlier test in this isolate needs none.
		expect(after.token_requests - before.token_requests).toBeLessThanOrEqual(1);
		expect(after.issued.length).toBeGreaterThan(0);
		expect(after.last_scope.split(" ").sort()).toEqual([
			"https://uri.paypal.com/services/invoicing/invoices/read",
			"https://uri.paypal.com/services/invoicing/invoices/readwrite",
		]);
		const stored = await env.REGISTRY.list({ prefix: "upstream:token:paypal-invoicing:" });
		expect(stored.keys).toHaveLength(1);
		const cached = await env.REGISTRY.get<{ access_token: string; expires_at_ms: number }>(
			stored.keys[0]?.name ?? "",
			"json",
		);
		expect(after.issued).toContain(cached?.access_token);
		expect(cached?.expires_at_ms).toBeGreaterThan(Date.now());
		for (const answers of [first, second])
			expectNoneOf(answers, [...Object.values(paypalSecrets), ...after.issued]);
	});

	it("asks for a new token once when the provider answers 401 to the cached one", async () => {
		await callBoth("paypal-invoicing", "invoices.list", {});
		const before = await stats();
		await fetch(`${mockOrigin("paypal-invoicing")}/__mock/oauth/revoke`, { method: "POST" });
		const answers = await callBoth("paypal-invoicing", "invoices.list", {});
		expectSucceeded(answers);
		const after = await stats();
		expect(after.token_requests - before.token_requests).toBe(1);
		expectNoneOf(answers, after.issued);
	});
});

describe("HTTP basic (Twilio)", () => {
	it("the mock refuses a call without the account's credentials", async () => {
		const url = `${mockOrigin("twilio-messaging")}/2010-04-01/Accounts/${twilioSecrets.PROVIDER_TWILIO_MESSAGING_USERNAME}.json`;
		expect((await fetch(url)).status).toBe(401);
		expect((await fetch(url, { headers: { authorization: `Basic ${btoa("AC00:wrong")}` } })).status).toBe(
			401,
		);
	});

	it("sends Authorization: Basic from the user and password secrets; neither comes back", async () => {
		const answers = await callBoth("twilio-messaging", "FetchAccount", {
			Sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		});
		expectSucceeded(answers);
		const { PROVIDER_TWILIO_MESSAGING_USERNAME: user, PROVIDER_TWILIO_MESSAGING_PASSWORD: password } =
			twilioSecrets;
		expectNoneOf(answers, [user, password, btoa(`${user}:${password}`)]);
	});
});
