import { Validator } from "@cfworker/json-schema";
import {
	buildRegistry,
	type CompiledService,
	type CompiledTool,
	type CompileProblem,
	type CompileResult,
	compileProvider,
	isRecord,
	pointerGet,
	pointerTokens,
	REGISTRY_INDEX_KEY,
	REGISTRY_REMOTE_KEY,
	REGISTRY_SEARCH_KEY,
	REGISTRY_SEARCH_VERSION_KEY,
	serviceKey,
	toIndexCard,
} from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const MANIFEST = `
id: shop
name: Demo Shop
description: Beauty products with a priced checkout
category: retail
tags: [beauty, shopping]
auth: { scheme: apiKey, in: header, name: X-API-Key }
endpoints: openapi.yaml
upstream: \${SANDBOX_ORIGIN}/shop
pricing: { usage_fee_cents: 2 }
service:
  pricing_model: item price + shipping
`;

const SPEC = `
openapi: 3.0.3
info: { title: Shop, version: "1" }
x-services:
  shop:
    flow: "1. Search → 2. Cart → 3. Quote → 4. Checkout"
    pricing_model: overridden by the manifest
    typical_response_time: "< 1 second"
paths:
  /products:
    get:
      operationId: search_products
      summary: Search the catalogue
      x-auth-level: anonymous
      x-usage-fee-cents: 0
      parameters:
        - { name: q, in: query, required: true, description: Words to search for, schema: { type: string, example: lipstick } }
        - $ref: "#/components/parameters/Limit"
        - { name: X-Request-Id, in: header, schema: { type: string } }
        - { name: Authorization, in: header, schema: { type: string } }
        - { name: session, in: cookie, schema: { type: string } }
  /products/{product_id}:
    parameters:
      - { name: product_id, in: path, required: true, schema: { type: string } }
    get:
      operationId: get_product
      description: ${"A very long description of a product lookup. ".repeat(12)}
  /products/{product_id}/reviews:
    put:
      operationId: put_review
      parameters:
        - { name: product_id, in: path, required: true, schema: { type: string } }
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                product_id: { type: string }
                stars: { type: integer, minimum: 1, maximum: 5 }
  /carts/{cart_id}/items:
    post:
      operationId: add_cart_item
      parameters:
        - { name: cart_id, in: path, required: true, schema: { type: string } }
      requestBody:
        required: true
        content:
          application/xml:
            schema: { type: string }
          application/json:
            schema: { $ref: "#/components/schemas/CartItem" }
  /categories:
    post:
      operationId: create_category
      requestBody:
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Category" }
  /checkout/quote:
    post:
      operationId: quote_checkout
      x-purchase-precheckout: true
      x-amount-path: $.pricing.total_cents
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Checkout" }
  /checkout:
    post:
      operationId: checkout
      x-purchase-endpoint: true
      x-purchase-precheck: /checkout/quote
      x-amount-path: $.totals.total_cents
      x-transaction-id-path: $.order_uuid
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Checkout" }
components:
  parameters:
    Limit: { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 50, default: 10 } }
  schemas:
    CartItem:
      type: object
      required: [id, sku]
      discriminator: { propertyName: sku }
      x-internal: true
      properties:
        id: { type: string, readOnly: true }
        sku: { type: string, example: SKU-1 }
        quantity: { type: integer, minimum: 1, default: 1 }
    Category:
      type: object
      properties:
        name: { type: string }
        children: { type: array, items: { $ref: "#/components/schemas/Category" } }
    Checkout:
      type: object
      required: [cart_id]
      properties:
        cart_id: { type: string }
        gift_note: { type: string, nullable: true }
`;

const NOW = "2026-05-01T12:00:00.000Z";

function compile(
	options: { manifest?: unknown; spec?: unknown; vars?: Record<string, string> } = {},
): CompileResult {
	return compileProvider({
		manifest: "manifest" in options ? options.manifest : parse(MANIFEST),
		manifestFile: "providers/shop/provider.yaml",
		spec: "spec" in options ? options.spec : parse(SPEC),
		specFile: "providers/shop/openapi.yaml",
		now: NOW,
		...(options.vars ? { vars: options.vars } : {}),
	});
}

/** The parsed spec with values set (or, for `undefined`, removed) at JSON pointers: each problem test breaks one thing. */
function specWith(changes: Record<string, unknown>): unknown {
	const spec: unknown = parse(SPEC);
	for (const [pointer, value] of Object.entries(changes)) {
		const tokens = pointerTokens(pointer) ?? [];
		const last = tokens.pop() ?? "";
		const parent = pointerGet(
			spec,
			tokens.map((t) => `/${t.replaceAll("~", "~0").replaceAll("/", "~1")}`).join(""),
		);
		if (!isRecord(parent)) throw new Error(`nothing at ${pointer}`);
		if (value === undefined) delete parent[last];
		else parent[last] = value;
	}
	return spec;
}

function compiled(result: CompileResult): CompiledService {
	if (!result.ok)
		throw new Error(
			`expected success, got:\n${result.problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`,
		);
	return result.service;
}

function tool(service: CompiledService, name: string): CompiledTool {
	const found = service.tools.find((t) => t.name === name);
	if (!found) throw new Error(`no tool ${name}`);
	return found;
}

function problemsOf(result: CompileResult): CompileProblem[] {
	if (result.ok) throw new Error("expected problems, but the provider compiled");
	return result.problems;
}

function expectProblem(
	result: CompileResult,
	file: "provider.yaml" | "openapi.yaml",
	path: string,
	message: RegExp,
) {
	const problems = problemsOf(result);
	const match = problems.find((p) => p.file === `providers/shop/${file}` && p.path === path);
	expect(match, `no problem at ${file}#${path}; got ${JSON.stringify(problems, null, 1)}`).toBeDefined();
	expect(match?.message).toMatch(message);
}

describe("compiling a good provider", () => {
	const service = compiled(compile());

	it("builds the service card from the manifest and x-services", () => {
		expect(service.card).toEqual({
			id: "shop",
			name: "Demo Shop",
			description: "Beauty products with a priced checkout",
			category: "retail",
			tags: ["beauty", "shopping"],
			flow: "1. Search → 2. Cart → 3. Quote → 4. Checkout",
			pricing_model: "item price + shipping",
			typical_response_time: "< 1 second",
			requires_auth: true,
			has_purchases: true,
			tool_count: 7,
			fees: { min_cents: 0, max_cents: 2 },
			stale: false,
			updated_at: NOW,
		});
		expect(service.upstream).toBe("http://127.0.0.1:8791/shop");
		expect(service.auth).toEqual({ scheme: "apiKey", in: "header", name: "X-API-Key" });
		expect(service.rate_limits).toEqual({ default_per_minute: 120, burst: 30 });
		expect(service.timeout_ms).toBe(10_000);
		expect(service.max_response_bytes).toBe(1024 * 1024);
		expect(service.spec).toEqual({ kind: "file", path: "providers/shop/openapi.yaml" });
	});

	it("substitutes the SANDBOX_ORIGIN placeholder from the vars it is given", () => {
		const other = compiled(compile({ vars: { SANDBOX_ORIGIN: "http://127.0.0.1:9999" } }));
		expect(other.upstream).toBe("http://127.0.0.1:9999/shop");
	});

	it("maps path, query and header parameters, resolving parameter refs and skipping cookies and Authorization", () => {
		const search = tool(service, "search_products");
		expect(search.params.map((p) => [p.name, p.in, p.required])).toEqual([
			["q", "query", true],
			["limit", "query", false],
			["X-Request-Id", "header", false],
		]);
		expect(search.input_schema).toEqual({
			type: "object",
			properties: {
				q: { type: "string", description: "Words to search for" },
				limit: { type: "integer", minimum: 1, maximum: 50, default: 10 },
				"X-Request-Id": { type: "string" },
			},
			required: ["q"],
			additionalProperties: false,
		});
		const product = tool(service, "get_product");
		expect(product.params).toEqual([
			{ name: "product_id", in: "path", required: true, schema: { type: "string" } },
		]);
		expect(product.description.length).toBeLessThanOrEqual(600);
	});

	it("flattens an object body beside the parameters, dropping readOnly fields and OpenAPI-only keywords", () => {
		const add = tool(service, "add_cart_item");
		expect(add.body).toMatchObject({ mode: "flatten", required: true, contentType: "application/json" });
		expect(add.body?.properties).toEqual(["sku", "quantity"]);
		expect(add.input_schema).toEqual({
			type: "object",
			properties: {
				cart_id: { type: "string" },
				sku: { type: "string" },
				quantity: { type: "integer", minimum: 1, default: 1 },
			},
			required: ["cart_id", "sku"],
			additionalProperties: false,
		});

		const validator = new Validator(add.input_schema as never, "2020-12");
		expect(validator.validate({ cart_id: "c1", sku: "SKU-1", quantity: 2 }).valid).toBe(true);
		expect(validator.validate({ cart_id: "c1" }).valid).toBe(false);
		expect(validator.validate({ cart_id: "c1", sku: "SKU-1", colour: "red" }).valid).toBe(false);
	});

	it("keeps the body under `body` when its fields collide with parameter names", () => {
		const review = tool(service, "put_review");
		expect(review.body?.mode).toBe("property");
		expect(review.input_schema.required).toEqual(["product_id", "body"]);
		expect(review.input_schema.properties).toMatchObject({
			product_id: { type: "string" },
			body: { type: "object", properties: { product_id: { type: "string" }, stars: { type: "integer" } } },
		});
	});

	it("cuts a recursive $ref instead of looping", () => {
		const category = tool(service, "create_category");
		expect(category.input_schema.properties).toEqual({
			name: { type: "string" },
			children: { type: "array", items: { type: "object", description: "(recursive Category)" } },
		});
		expect(category.input_schema.required).toBeUndefined();
	});

	it("turns OpenAPI 3.0 nullable into a JSON Schema type array", () => {
		expect(tool(service, "checkout").input_schema.properties).toMatchObject({
			gift_note: { type: ["string", "null"] },
		});
	});

	it("sets fees and auth levels from the defaults and per-operation overrides", () => {
		const levels = Object.fromEntries(service.tools.map((t) => [t.name, [t.auth_level, t.fee_cents]]));
		expect(levels).toEqual({
			search_products: ["anonymous", 0],
			get_product: ["identified", 2],
			put_review: ["identified", 2],
			add_cart_item: ["identified", 2],
			create_category: ["identified", 2],
			quote_checkout: ["authenticated", 2],
			checkout: ["authenticated", 2],
		});
	});

	it("records purchase metadata linking the purchase to its precheck", () => {
		expect(tool(service, "quote_checkout").purchase).toEqual({
			kind: "precheck",
			amount_path: "$.pricing.total_cents",
		});
		expect(tool(service, "checkout").purchase).toEqual({
			kind: "purchase",
			precheck: "quote_checkout",
			amount_path: "$.totals.total_cents",
			transaction_id_path: "$.order_uuid",
		});
		expect(tool(service, "search_products").purchase).toBeUndefined();
	});

	it("emits input schemas that are plain JSON (no $ref, example, discriminator or x- keys)", () => {
		const text = JSON.stringify(service.tools.map((t) => t.input_schema));
		for (const word of [
			'"$ref"',
			'"example"',
			'"discriminator"',
			'"x-internal"',
			'"nullable"',
			'"readOnly"',
		]) {
			expect(text).not.toContain(word);
		}
		for (const t of service.tools)
			expect(() => new Validator(t.input_schema as never, "2020-12").validate({})).not.toThrow();
	});

	it("lays the registry out as one compact index plus one KV entry per service", () => {
		const weather = compiled(
			compileProvider({
				manifest: {
					id: "weather",
					name: "Weather",
					description: "Forecasts",
					category: "weather",
					endpoints: "openapi.yaml",
					upstream: "https://weather.example/v1/",
				},
				manifestFile: "providers/weather/provider.yaml",
				spec: {
					openapi: "3.1.0",
					info: { title: "w", version: "1" },
					paths: { "/forecast": { get: { operationId: "forecast", "x-auth-level": "anonymous" } } },
				},
				specFile: "providers/weather/openapi.yaml",
				now: NOW,
			}),
		);
		expect(weather.upstream).toBe("https://weather.example/v1");
		expect(weather.card).toMatchObject({
			requires_auth: false,
			has_purchases: false,
			fees: { min_cents: 0, max_cents: 0 },
		});

		const { index, entries } = buildRegistry([weather, service], NOW);
		expect(entries.map((e) => e.key)).toEqual([
			REGISTRY_INDEX_KEY,
			REGISTRY_REMOTE_KEY,
			REGISTRY_SEARCH_KEY,
			REGISTRY_SEARCH_VERSION_KEY,
			serviceKey("shop"),
			serviceKey("weather"),
		]);
		expect(index).toEqual({
			version: 1,
			built_at: NOW,
			services: [toIndexCard(service.card), toIndexCard(weather.card)],
		});
		expect(entries[0]?.value).not.toContain("input_schema");
		expect(JSON.parse(entries[1]?.value ?? "null")).toEqual({ ids: [] });
		expect(entries[3]?.value).toBe(NOW);
		expect(JSON.parse(entries[4]?.value ?? "null")).toEqual(service);
	});
});

describe("provider problems, each with its file and JSON pointer", () => {
	it("refuses an operation without an operationId and suggests one", () => {
		const result = compile({ spec: specWith({ "/paths/~1products/get/operationId": undefined }) });
		expectProblem(
			result,
			"openapi.yaml",
			"/paths/~1products/get/operationId",
			/no operationId.*"get_products"/,
		);
	});

	it("refuses an auto-generated-looking operationId and says what to name it", () => {
		const result = compile({
			spec: specWith({
				"/paths/~1products~1{product_id}/get/operationId": "get_product_products__product_id__get",
			}),
		});
		expectProblem(
			result,
			"openapi.yaml",
			"/paths/~1products~1{product_id}/get/operationId",
			/looks auto-generated.*"get_product"/,
		);
	});

	it("refuses a duplicate operationId at the second use", () => {
		const result = compile({
			spec: specWith({ "/paths/~1products~1{product_id}/get/operationId": "search_products" }),
		});
		expectProblem(
			result,
			"openapi.yaml",
			"/paths/~1products~1{product_id}/get/operationId",
			/duplicate operationId "search_products": GET \/products already uses it/,
		);
		expect(problemsOf(result)).toHaveLength(1);
	});

	it("refuses a purchase endpoint without a price (no precheck, no request amount)", () => {
		const result = compile({ spec: specWith({ "/paths/~1checkout/post/x-purchase-precheck": undefined }) });
		expectProblem(
			result,
			"openapi.yaml",
			"/paths/~1checkout/post/x-purchase-precheck",
			/needs a price: set x-purchase-precheck .* or x-request-amount-path/,
		);
	});

	it("refuses a precheck reference that points nowhere or at no precheck operation", () => {
		const missing = compile({
			spec: specWith({ "/paths/~1checkout/post/x-purchase-precheck": "/checkout/quotes" }),
		});
		expectProblem(
			missing,
			"openapi.yaml",
			"/paths/~1checkout/post/x-purchase-precheck",
			/"\/checkout\/quotes", which is not a path/,
		);

		const notPrecheck = compile({
			spec: specWith({ "/paths/~1checkout/post/x-purchase-precheck": "/products" }),
		});
		expectProblem(
			notPrecheck,
			"openapi.yaml",
			"/paths/~1checkout/post/x-purchase-precheck",
			/no operation marked x-purchase-precheckout/,
		);
	});

	it("links x-purchase-status to the GET that looks the order up by idempotency key, and refuses one that cannot", () => {
		const byKey = {
			get: {
				operationId: "order_by_key",
				summary: "The order placed with an Idempotency-Key",
				parameters: [{ name: "idempotency_key", in: "path", required: true, schema: { type: "string" } }],
			},
		};
		const linked = compile({
			spec: specWith({
				"/paths/~1orders~1by-key~1{idempotency_key}": byKey,
				"/paths/~1checkout/post/x-purchase-status": "/orders/by-key/{idempotency_key}",
			}),
		});
		expect(tool(compiled(linked), "checkout").purchase).toMatchObject({ status: "order_by_key" });

		const nowhere = compile({ spec: specWith({ "/paths/~1checkout/post/x-purchase-status": "/orders" }) });
		expectProblem(
			nowhere,
			"openapi.yaml",
			"/paths/~1checkout/post/x-purchase-status",
			/"\/orders", which has no GET operation/,
		);
		const noKey = compile({
			spec: specWith({ "/paths/~1checkout/post/x-purchase-status": "/products/{product_id}" }),
		});
		expectProblem(
			noKey,
			"openapi.yaml",
			"/paths/~1checkout/post/x-purchase-status",
			/get_product needs a parameter named idempotency_key/,
		);
	});

	it("refuses invalid JSONPaths", () => {
		const result = compile({
			spec: specWith({
				"/paths/~1checkout/post/x-amount-path": "$.[[",
				"/paths/~1checkout/post/x-transaction-id-path": "order.id",
				"/paths/~1checkout~1quote/post/x-amount-path": "$.items[?(@.price > 1)]",
			}),
		});
		expectProblem(
			result,
			"openapi.yaml",
			"/paths/~1checkout/post/x-amount-path",
			/invalid JSONPath "\$\.\[\["/,
		);
		expectProblem(
			result,
			"openapi.yaml",
			"/paths/~1checkout/post/x-transaction-id-path",
			/must start with `\$`/,
		);
		expectProblem(result, "openapi.yaml", "/paths/~1checkout~1quote/post/x-amount-path", /filter/);
	});

	it("refuses an unknown auth scheme, naming the allowed ones", () => {
		const result = compile({ manifest: { ...parse(MANIFEST), auth: { scheme: "digest" } } });
		expectProblem(
			result,
			"provider.yaml",
			"/auth/scheme",
			/unknown auth scheme "digest".*none, apiKey, oauth2, jwt, basic, custom/,
		);
	});

	it("refuses apiKey auth without where to put the key, and unknown placeholders", () => {
		const manifest = { ...parse(MANIFEST), auth: { scheme: "apiKey" }, upstream: `\${MISSING_ORIGIN}/shop` };
		const result = compile({ manifest });
		expectProblem(result, "provider.yaml", "/auth/in", /needs `in: header` or `in: query`/);
		expectProblem(result, "provider.yaml", "/auth/name", /needs the header or query parameter `name`/);
		expectProblem(result, "provider.yaml", "/upstream", /unknown variable \$\{MISSING_ORIGIN\}/);
		expect(problemsOf(result).filter((p) => p.path === "/upstream")).toHaveLength(1);
	});

	it("refuses an unresolvable $ref at the place it is written", () => {
		const result = compile({
			spec: specWith({ "/components/schemas/CartItem/properties/sku": { $ref: "#/components/schemas/Sku" } }),
		});
		expectProblem(
			result,
			"openapi.yaml",
			"/components/schemas/CartItem/properties/sku/$ref",
			/unresolvable \$ref "#\/components\/schemas\/Sku"/,
		);
	});

	it("refuses Swagger 2.0 and says how to convert it", () => {
		const result = compile({ spec: { swagger: "2.0", info: { title: "old", version: "1" }, paths: {} } });
		expectProblem(
			result,
			"openapi.yaml",
			"/swagger",
			/Swagger 2\.0 is not supported.*penumbra providers scaffold/,
		);
	});

	it("collects every problem of both files in one run", () => {
		const result = compile({
			manifest: { ...parse(MANIFEST), category: "Not A Slug" },
			spec: specWith({
				"/paths/~1products/get/operationId": undefined,
				"/paths/~1checkout/post/x-amount-path": "total",
			}),
		});
		expect(problemsOf(result).map((p) => `${p.file}#${p.path}`)).toEqual([
			"providers/shop/provider.yaml#/category",
			"providers/shop/openapi.yaml#/paths/~1products/get/operationId",
			"providers/shop/openapi.yaml#/paths/~1checkout/post/x-amount-path",
		]);
	});

	it("returns problems instead of throwing on input that is not a spec at all", () => {
		for (const spec of [null, "openapi: 3.1.0", [], { openapi: "3.1.0", paths: { "/a": { get: "nope" } } }]) {
			expect(problemsOf(compile({ spec })).length).toBeGreaterThan(0);
		}
		expect(problemsOf(compile({ manifest: 42 }))[0]).toMatchObject({
			file: "providers/shop/provider.yaml",
			path: "",
		});
	});
});
