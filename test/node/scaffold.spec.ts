import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type ScaffoldOptions, scaffoldProvider } from "@penumbra/cli/scaffold";
import { deriveOperationId } from "@penumbra/cli/scaffold-ids";
import { parseSpecText } from "@penumbra/cli/scaffold-parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";

const CORPUS = "test/fixtures/openapi-corpus";

function options(spec: ScaffoldOptions["spec"], extra: Partial<ScaffoldOptions> = {}): ScaffoldOptions {
	return {
		id: "acme",
		name: "Acme",
		spec,
		specUrl: "https://specs.example.com/acme/openapi.json",
		upstreamBase: "https://api.example.com",
		...extra,
	};
}

/** A small OpenAPI 3.1 document with the given paths. */
function spec(
	paths: Record<string, unknown>,
	components: Record<string, unknown> = {},
): Record<string, unknown> {
	return { openapi: "3.1.0", info: { title: "Acme", version: "1" }, paths, components };
}

const ok = (operationId?: string, extra: Record<string, unknown> = {}) => ({
	...(operationId ? { operationId } : {}),
	summary: "does a thing",
	responses: { "200": { description: "ok" } },
	...extra,
});

const jsonResponse = (properties: Record<string, unknown>) => ({
	"200": { description: "ok", content: { "application/json": { schema: { type: "object", properties } } } },
});

describe("operation ids", () => {
	it("derives stable snake_case ids from method and path", () => {
		expect(deriveOperationId("get", "/recipes/fulfillment")).toBe("get_recipes_fulfillment");
		expect(deriveOperationId("get", "/recipes/{recipeId}")).toBe("get_recipe_by_recipe_id");
		expect(deriveOperationId("get", "/recipes/{recipeId}/fulfillment")).toBe(
			"get_recipe_fulfillment_by_recipe_id",
		);
		expect(deriveOperationId("post", "/categories/{id}/entries")).toBe("post_category_entries_by_id");
		expect(deriveOperationId("get", "/")).toBe("get_root");
	});

	it("fills missing ids, shortens FastAPI ids and de-duplicates clashes by resource", async () => {
		const result = await scaffoldProvider(
			options(
				spec({
					"/api/v1/forecast": { get: ok("get_forecast_api_v1_forecast_get") },
					"/api/v1/events": { get: ok("find") },
					"/api/v1/venues": { get: ok("find") },
					"/api/v1/venues/{venueId}": { get: ok() },
					"/api/v1/bad id": { get: ok("list venues/all") },
				}),
			),
		);
		expect(result.problems).toEqual([]);
		expect(result.service?.tools.map((t) => t.name)).toEqual([
			"get_forecast",
			"find_events",
			"find_venues",
			"get_venue_by_venue_id",
			"list_venues_all",
		]);
		const renamed = result.changes.filter((c) => c.pointer.endsWith("/operationId"));
		expect(renamed.map((c) => [c.before, c.after])).toEqual([
			["get_forecast_api_v1_forecast_get", "get_forecast"],
			["find", "find_events"],
			["find", "find_venues"],
			[undefined, "get_venue_by_venue_id"],
			["list venues/all", "list_venues_all"],
		]);
		expect(renamed[1]?.reason).toContain('"find" was used by 2 operations');
		expect(renamed[3]?.pointer).toBe("/paths/~1api~1v1~1venues~1{venueId}/get/operationId");
	});

	it("resolves a clash with an id that is already taken with a numbered suffix, in spec order", async () => {
		const result = await scaffoldProvider(
			options(
				spec({
					"/items": { get: ok("get_items"), post: ok() },
					"/items/": { get: ok() },
				}),
			),
		);
		expect(result.service?.tools.map((t) => t.name)).toEqual(["get_items", "post_items", "get_items_2"]);
	});
});

describe("parsing", () => {
	it("reads YAML that YAML 1.2 refuses (graphhopper's under-indented continuation lines) and says so", async () => {
		const text = await readFile(path.join(CORPUS, "graphhopper.yaml"), "utf8");
		expect(parseDocument(text).errors.length).toBeGreaterThan(0);
		const result = await scaffoldProvider(options(text, { specLabel: "graphhopper.yaml" }));
		expect(result.ok).toBe(true);
		const lenient = result.changes.find((c) => c.pointer === "" && c.file === "openapi.yaml");
		expect(lenient?.before).toMatch(
			/^YAML that strict YAML 1\.2 parsers refuse \(line 1510, column \d+: Missing closing 'quote/,
		);
		const written = result.files.find((f) => f.path.endsWith("/openapi.yaml"))?.content ?? "";
		expect(parseDocument(written).errors).toEqual([]);
		const doc = parse(written);
		const point = doc.paths["/geocode"].get.parameters.find((p: { name: string }) => p.name === "point");
		expect(point.description).toBe(
			"_Forward geocoding_: The location bias in the format 'latitude,longitude' e.g. point=45.93272,11.58803. _Reverse geocoding_: The location to find amenities, cities.",
		);
	});

	it("refuses YAML no parser can read with line, column and a fix", () => {
		const result = parseSpecText(
			"openapi: 3.1.0\npaths:\n  /a:\n    get: {summary: 'x'\n  /b: {}\n",
			"broken.yaml",
		);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.problems[0]?.file).toBe("broken.yaml");
		expect(result.problems[0]?.message).toMatch(/^invalid YAML at line \d+, column \d+: /);
	});

	it("refuses duplicate keys instead of silently picking one", () => {
		const result = parseSpecText("openapi: 3.1.0\ninfo: {}\ninfo: {}\n", "dup.yaml");
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.problems[0]?.message).toMatch(/line 3, column 1: .*fix: the same key appears twice/);
	});

	it("refuses documents that are not OpenAPI 3.0/3.1 or Swagger 2.0, precisely", async () => {
		const v32 = await scaffoldProvider(options({ openapi: "3.2.0", info: {}, paths: {} }));
		expect(v32.problems).toEqual([
			{
				file: "https://specs.example.com/acme/openapi.json",
				path: "/openapi",
				message:
					'OpenAPI "3.2.0" is not supported; the compiler reads 3.0.x and 3.1.x (and scaffold converts Swagger 2.0)',
			},
		]);
		const none = await scaffoldProvider(options("{}", { specLabel: "x.json" }));
		expect(none.problems[0]?.message).toMatch(/no `openapi` \(3\.x\) or `swagger` \(2\.0\) field/);
		const badJson = await scaffoldProvider(options('{"openapi": ', { specLabel: "x.json" }));
		expect(badJson.problems[0]?.message).toMatch(/^invalid JSON: /);
		expect(badJson.files).toEqual([]);
	});
});

describe("$refs", () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(path.join(tmpdir(), "scaffold-refs-"));
		await mkdir(path.join(dir, "schemas"));
		await writeFile(
			path.join(dir, "schemas", "pet.yaml"),
			"Pet:\n  type: object\n  required: [name]\n  properties:\n    name: {type: string}\n    owner: {$ref: '#/Owner'}\nOwner:\n  type: object\n  properties:\n    email: {type: string}\n",
		);
		await writeFile(
			path.join(dir, "common.yaml"),
			"components:\n  parameters:\n    Limit: {name: limit, in: query, schema: {type: integer, maximum: 50}}\n",
		);
		await writeFile(
			path.join(dir, "api.yaml"),
			[
				"openapi: 3.0.3",
				"info: {title: Pets, version: '1'}",
				"paths:",
				"  /pets:",
				"    get:",
				"      operationId: list_pets",
				"      summary: List pets",
				"      parameters: [{$ref: 'common.yaml#/components/parameters/Limit'}]",
				"      responses: {'200': {description: ok}}",
				"    post:",
				"      operationId: add_pet",
				"      summary: Add a pet",
				"      requestBody:",
				"        required: true",
				"        content: {application/json: {schema: {$ref: './schemas/pet.yaml#/Pet'}}}",
				"      responses: {'200': {description: ok}}",
				"  /self:",
				"    get:",
				"      operationId: self",
				"      summary: Self",
				"      parameters: [{name: q, in: query, schema: {$ref: 'api.yaml#/components/schemas/Q'}}]",
				"      responses: {'200': {description: ok}}",
				"components:",
				"  schemas:",
				"    Q: {type: string, maxLength: 9}",
				"",
			].join("\n"),
		);
		await writeFile(
			path.join(dir, "outside.yaml"),
			"openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: x\n      parameters: [{$ref: '../elsewhere.yaml#/P'}]\n      responses: {'200': {description: ok}}\n",
		);
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	const fromDir = async (file: string) =>
		scaffoldProvider(
			options(await readFile(path.join(dir, file), "utf8"), {
				specUrl: pathToFileURL(path.join(dir, file)).href,
				specLabel: file,
				loadRef: (url) => readFile(new URL(url), "utf8"),
			}),
		);

	it("bundles refs to sibling files into components and makes self-references local", async () => {
		const result = await fromDir("api.yaml");
		expect(result.problems).toEqual([]);
		const tools = Object.fromEntries((result.service?.tools ?? []).map((t) => [t.name, t.input_schema]));
		expect(tools.list_pets).toEqual({
			type: "object",
			properties: { limit: { type: "integer", maximum: 50 } },
			additionalProperties: false,
		});
		expect(tools.add_pet?.properties).toEqual({
			name: { type: "string" },
			owner: { type: "object", properties: { email: { type: "string" } } },
		});
		expect(tools.self?.properties).toEqual({ q: { type: "string", maxLength: 9 } });
		const doc = parse(result.files.find((f) => f.path.endsWith("openapi.yaml"))?.content ?? "");
		expect(Object.keys(doc.components.schemas)).toEqual(["Q", "Pet", "Owner"]);
		expect(doc.components.schemas.Pet.properties.owner).toEqual({ $ref: "#/components/schemas/Owner" });
		expect(result.changes.filter((c) => c.pointer.endsWith("$ref")).map((c) => [c.before, c.after])).toEqual([
			["common.yaml#/components/parameters/Limit", "#/components/parameters/Limit"],
			["./schemas/pet.yaml#/Pet", "#/components/schemas/Pet"],
			["api.yaml#/components/schemas/Q", "#/components/schemas/Q"],
			["#/Owner", "#/components/schemas/Owner"],
		]);
	});

	it("refuses a ref that leaves the spec's folder", async () => {
		const result = await fromDir("outside.yaml");
		expect(result.ok).toBe(false);
		expect(result.problems).toEqual([
			{
				file: "outside.yaml",
				path: "/paths/~1x/get/parameters/0/$ref",
				message:
					'$ref "../elsewhere.yaml#/P" points outside the spec\'s folder; copy that file next to the spec or bundle the spec into one file',
			},
		]);
	});

	it("refuses a spec fetched by URL whose refs point to other documents", async () => {
		const result = await scaffoldProvider(
			options(
				spec(
					{
						"/a": {
							get: ok("a", { parameters: [{ $ref: "https://specs.example.com/acme/common.json#/P" }] }),
						},
						"/b": {
							get: ok("b", {
								parameters: [
									{ $ref: "https://specs.example.com/acme/openapi.json#/components/parameters/Q" },
								],
							}),
						},
					},
					{ parameters: { Q: { name: "q", in: "query", schema: { type: "string" } } } },
				),
			),
		);
		expect(result.problems.map((p) => p.path)).toEqual(["/paths/~1a/get/parameters/0/$ref"]);
		expect(result.problems[0]?.message).toContain("only refs into the spec itself are followed");
	});

	it("refuses a dangling parameter ref, naming the closest existing component", async () => {
		const result = await scaffoldProvider(
			options(
				spec(
					{ "/a": { get: ok("a", { parameters: [{ $ref: "#/components/parameters/Limt" }] }) } },
					{ parameters: { Limit: { name: "limit", in: "query" } } },
				),
			),
		);
		expect(result.problems).toEqual([
			{
				file: "https://specs.example.com/acme/openapi.json",
				path: "/paths/~1a/get/parameters/0/$ref",
				message:
					'$ref "#/components/parameters/Limt" points to nothing (did you mean "#/components/parameters/Limit"?); a parameter cannot be guessed: fix the reference in the spec',
			},
		]);
	});
});

describe("purchases", () => {
	const rides = () =>
		spec({
			"/estimates": {
				get: ok("estimate_ride", {
					responses: jsonResponse({
						fare: {
							type: "object",
							properties: { total_cents: { type: "integer" }, currency: { type: "string" } },
						},
					}),
				}),
			},
			"/requests": {
				post: ok("request_ride", {
					responses: jsonResponse({
						request_id: { type: "string" },
						amount_cents: { type: "integer" },
						status: { type: "string" },
					}),
				}),
			},
			"/requests/{id}/cancel": { post: ok("cancel_ride") },
			"/orders/history": { post: ok("history") },
		});

	it("pairs /estimates with /requests and guesses the JSONPaths, flagged for checking", async () => {
		const result = await scaffoldProvider(
			options(rides(), { hasPurchases: true, precheckPattern: "/estimates" }),
		);
		expect(result.problems).toEqual([]);
		const purchase = result.service?.tools.find((t) => t.name === "request_ride")?.purchase;
		expect(purchase).toEqual({
			kind: "purchase",
			precheck: "estimate_ride",
			amount_path: "$.amount_cents",
			transaction_id_path: "$.request_id",
		});
		expect(result.service?.tools.find((t) => t.name === "estimate_ride")?.purchase).toEqual({
			kind: "precheck",
			amount_path: "$.fare.total_cents",
		});
		const guessed = result.changes.filter((c) => c.check && c.file === "openapi.yaml").map((c) => c.pointer);
		expect(guessed).toEqual([
			// The spec forgot to declare {id}; scaffold declares it as a string and asks to check.
			"/paths/~1requests~1{id}~1cancel/post/parameters/0",
			"/paths/~1estimates/get/x-amount-path",
			"/paths/~1requests/post/x-amount-path",
			"/paths/~1requests/post/x-transaction-id-path",
		]);
		expect(result.files.find((f) => f.path.endsWith("provider.yaml"))?.content).toContain(
			"#   openapi.yaml#/paths/~1estimates/get/x-amount-path: guessed from the response field",
		);
	});

	it("finds the pair without a pattern, and the POST parent of a /quote path", async () => {
		const result = await scaffoldProvider(
			options(
				spec({
					"/checkout/quote": {
						post: ok("quote", { responses: jsonResponse({ total: { type: "integer" } }) }),
					},
					"/checkout": {
						post: ok("checkout", {
							responses: jsonResponse({ order_id: { type: "string" }, total: { type: "number" } }),
						}),
					},
				}),
				{ hasPurchases: true },
			),
		);
		expect(result.problems).toEqual([]);
		expect(result.service?.tools.find((t) => t.name === "checkout")?.purchase).toMatchObject({
			precheck: "quote",
		});
		const amount = result.changes.find((c) => c.pointer === "/paths/~1checkout/post/x-amount-path");
		expect(amount?.reason).toContain("check this field is not in dollars (type number)");
	});

	it("links the one GET that takes an idempotency key as the purchase's status lookup (x-purchase-status)", async () => {
		const withStatus = rides();
		const paths = withStatus.paths as Record<string, unknown>;
		paths["/requests/by-key/{idempotency_key}"] = {
			get: ok("ride_by_key", {
				parameters: [{ name: "idempotency_key", in: "path", required: true, schema: { type: "string" } }],
			}),
		};
		const result = await scaffoldProvider(
			options(withStatus, { hasPurchases: true, precheckPattern: "/estimates" }),
		);
		expect(result.problems).toEqual([]);
		expect(result.service?.tools.find((t) => t.name === "request_ride")?.purchase).toMatchObject({
			kind: "purchase",
			status: "ride_by_key",
		});
		const change = result.changes.find((c) => c.pointer === "/paths/~1requests/post/x-purchase-status");
		expect(change).toMatchObject({ after: "/requests/by-key/{idempotency_key}", check: true });

		// A GET without an idempotency key parameter is no status lookup: the purchase keeps none.
		const without = await scaffoldProvider(
			options(rides(), { hasPurchases: true, precheckPattern: "/estimates" }),
		);
		const plain = without.service?.tools.find((t) => t.name === "request_ride")?.purchase;
		expect(plain && "status" in plain).toBe(false);
	});

	it("refuses what it cannot decide instead of guessing money", async () => {
		const noMatch = await scaffoldProvider(options(rides(), { precheckPattern: "/quotes" }));
		expect(noMatch.problems[0]?.message).toMatch(/^--precheck-pattern "\/quotes" matches no path/);
		const noFields = await scaffoldProvider(
			options(spec({ "/quote": { post: ok("quote") }, "/order": { post: ok("order") } }), {
				precheckPattern: "/quote",
			}),
		);
		expect(noFields.problems[0]?.message).toMatch(
			/^cannot find the price in the response of POST \/quote \(x-amount-path\)/,
		);
		expect(noFields.files).toEqual([]);
	});
});

describe("manifest", () => {
	it("turns a credential passed as a parameter into manifest auth and removes it from the tool", async () => {
		const result = await scaffoldProvider(
			options(
				spec({
					"/places": {
						get: ok("places", {
							parameters: [
								{ name: "apiKey", in: "query", required: true, schema: { type: "string" } },
								{ name: "near", in: "query", schema: { type: "string" } },
							],
						}),
					},
				}),
				{ category: "maps", tags: ["poi"] },
			),
		);
		expect(result.service?.auth).toEqual({ scheme: "apiKey", in: "query", name: "apiKey" });
		expect(result.service?.tools[0]?.input_schema.properties).toEqual({ near: { type: "string" } });
		expect(result.service?.card).toMatchObject({ category: "maps", tags: ["poi"] });
		const manifest = parse(
			result.files.find((f) => f.path === "providers/acme/provider.yaml")?.content ?? "",
		);
		expect(manifest).toMatchObject({
			id: "acme",
			endpoints: "openapi.yaml",
			upstream: "https://api.example.com",
		});
	});

	it("warns when the upstream would repeat the base path every path already carries", async () => {
		const result = await scaffoldProvider(
			options(
				spec({
					"/discovery/v2/events": { get: ok("events") },
					"/discovery/v2/venues": { get: ok("venues") },
				}),
				{
					upstreamBase: "https://app.example.com/discovery/v2",
				},
			),
		);
		expect(result.warnings.map((w) => w.message)).toContain(
			"every path starts with /discovery/v2 and --upstream-base ends with it too, so calls would go to …/discovery/v2/discovery/v2/…; drop it from --upstream-base",
		);
	});

	it("refuses bad options before reading the spec", async () => {
		const result = await scaffoldProvider(
			options("not even parsed", { id: "Bad_ID", upstreamBase: "ftp://x" }),
		);
		expect(result.problems.map((p) => p.path)).toEqual(["/id", "/upstream"]);
	});
});
