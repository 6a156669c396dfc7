import { beforeAll, describe, expect, it } from "vitest";
import {
	callTool,
	connect,
	createAccount,
	gatewayFetch,
	providerServices,
	seedRegistry,
} from "../../workers/mcp/test/helpers.ts";
import { fixtureService, fixtureServices, mockOrigin } from "./helpers.ts";

// A JSON:API storefront (Spree's Storefront API v2): every answer is `application/vnd.api+json`, and its mock, like a
// strict server, answers 406 to `Accept: application/json`. Tool calls must send the media type the operation
// declares and read the `+json` answer as JSON.

const SERVICE = "spree-storefront";
const JSON_API = "application/vnd.api+json";
/** The same service as a registry compiled before media types were recorded: no `response_types`. */
const LEGACY = "spree-storefront-legacy";

interface JsonApi {
	data: { id: string; type: string; attributes: Record<string, unknown> } | { type: string }[];
}

async function viaGateway(key: string, tool: string, parameters: Record<string, unknown>, service = SERVICE) {
	const response = await gatewayFetch(`/v1/services/${service}/tools/${tool}`, {
		method: "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: JSON.stringify({ parameters }),
	});
	return {
		status: response.status,
		body: (await response.json()) as { result?: JsonApi; upstream_status?: number },
	};
}

describe("vendor +json media types against a mock that negotiates them", () => {
	beforeAll(async () => {
		const current = fixtureService(SERVICE);
		const legacy = {
			...current,
			card: { ...current.card, id: LEGACY, name: "Spree Storefront (legacy registry)" },
			tools: current.tools.map(({ response_types: _, ...tool }) => tool),
		};
		await seedRegistry([...providerServices(), ...fixtureServices(), legacy]);
	});

	it("compiles each operation's declared response and request media types", () => {
		const tools = Object.fromEntries(fixtureService(SERVICE).tools.map((t) => [t.name, t]));
		expect(tools["products-list"]?.response_types).toEqual([JSON_API]);
		expect(tools["create-cart"]?.response_types).toEqual([JSON_API]);
		expect(tools["create-cart"]?.body?.contentType).toBe(JSON_API);
	});

	it("the mock refuses what the gateway used to send (Accept: application/json) and serves the declared type", async () => {
		const url = `${mockOrigin(SERVICE)}/api/v2/storefront/products`;
		expect((await fetch(url, { headers: { accept: "application/json" } })).status).toBe(406);
		const served = await fetch(url, { headers: { accept: JSON_API } });
		expect(served.status).toBe(200);
		expect(served.headers.get("content-type")).toBe(JSON_API);
		await served.body?.cancel();
	});

	it("lists products through the gateway: the declared Accept, the +json answer parsed as JSON", async () => {
		const account = await createAccount();
		const { status, body } = await viaGateway(account.agentKey, "products-list", { "filter[name]": "shirt" });
		expect(status, JSON.stringify(body)).toBe(200);
		const products = body.result?.data;
		expect(Array.isArray(products) ? products[0]?.type : products).toBe("product");
	});

	it("shows a product and creates a cart (a vnd.api+json request body) through MCP execute", async () => {
		const account = await createAccount();
		const client = await connect({ key: account.agentKey });
		const product = await callTool<{ result: JsonApi }>(client, "execute", {
			service: SERVICE,
			tool: "show-product",
			parameters: { product_slug: "denim-shirt", include: "variants" },
		});
		expect(product.isError, JSON.stringify(product.content)).toBeFalsy();
		expect(product.structuredContent?.result.data).toMatchObject({ type: "product" });

		const cart = await callTool<{ result: JsonApi; status: number }>(client, "execute", {
			service: SERVICE,
			tool: "create-cart",
			parameters: { public_metadata: { channel: "assistant" } },
		});
		expect(cart.isError, JSON.stringify(cart.content)).toBeFalsy();
		expect(cart.structuredContent?.result.data).toMatchObject({ type: "cart" });
		await client.close();
	});

	it("a registry compiled before media types were recorded still sends application/json (and this mock refuses it)", async () => {
		const account = await createAccount();
		const { status, body } = await viaGateway(account.agentKey, "products-list", {}, LEGACY);
		expect(status).toBe(502);
		expect(body.upstream_status).toBe(406);
	});
});
