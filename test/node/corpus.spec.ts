import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type ScaffoldResult, scaffoldProvider } from "@penumbra/cli/scaffold";
import { type ContractReport, checkProviderContract } from "@penumbra/cli/scaffold-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CORPUS = path.resolve("test/fixtures/openapi-corpus");

/**
 * What scaffolding each real-world spec must give (SOURCES.md lists where each comes from and its quirks).
 * `tools` equals the operation count SOURCES.md gives: no operation of the corpus is lost.
 */
const EXPECTED: Record<
	string,
	{
		tools: number;
		auth: Record<string, unknown>;
		idChanges: [string | undefined, string][] | number;
		specChanges: number;
	}
> = {
	"amadeus-hotel-list.yaml": { tools: 3, auth: { scheme: "none" }, idChanges: [], specChanges: 0 },
	"amazon-sp-orders.json": { tools: 10, auth: { scheme: "none" }, idChanges: [], specChanges: 1 },
	"brightsky.yaml": { tools: 6, auth: { scheme: "none" }, idChanges: [], specChanges: 0 },
	"geoapify-places.yaml": {
		tools: 1,
		auth: { scheme: "apiKey", in: "query", name: "apiKey" },
		idChanges: [],
		specChanges: 1,
	},
	"graphhopper.yaml": {
		tools: 16,
		auth: { scheme: "apiKey", in: "query", name: "key" },
		idChanges: [[undefined, "get_route_info"]],
		specChanges: 1,
	},
	"grocy.json": {
		tools: 86,
		auth: { scheme: "apiKey", in: "header", name: "GROCY-API-KEY" },
		idChanges: 86,
		specChanges: 7,
	},
	"museum.yaml": {
		tools: 8,
		auth: { scheme: "basic", basic: { username: "USERNAME", password: "PASSWORD" } },
		idChanges: [],
		specChanges: 0,
	},
	"paystack.yaml": {
		tools: 119,
		auth: { scheme: "custom", in: "header", name: "Authorization", prefix: "Bearer " },
		idChanges: [
			[undefined, "put_transferrecipient_by_code"],
			[undefined, "delete_transferrecipient_by_code"],
		],
		specChanges: 0,
	},
	"petstore3.yaml": {
		tools: 19,
		auth: { scheme: "oauth2", in: "header", name: "Authorization", prefix: "Bearer " },
		idChanges: [],
		specChanges: 0,
	},
	"solidus.yaml": {
		tools: 171,
		auth: { scheme: "custom", in: "header", name: "Authorization", prefix: "Bearer " },
		idChanges: [],
		specChanges: 0,
	},
	"square-connect.json": {
		tools: 16,
		auth: { scheme: "custom", in: "header", name: "Authorization", prefix: "Bearer " },
		idChanges: [],
		specChanges: 17,
	},
	"tba-v3.json": {
		tools: 85,
		auth: { scheme: "apiKey", in: "header", name: "X-TBA-Auth-Key" },
		idChanges: [],
		specChanges: 0,
	},
	"ticketmaster-discovery.json": {
		tools: 13,
		auth: { scheme: "none" },
		idChanges: [
			["find", "find_attractions"],
			["get", "get_attraction_by_id"],
			["find", "find_classifications"],
			["get", "get_classification_by_id"],
			["find", "find_events"],
			["get", "get_event_by_id"],
			["find", "find_suggest"],
			["find", "find_venues"],
			["get", "get_venue_by_id"],
		],
		specChanges: 1,
	},
	"vipps-recurring.yaml": {
		tools: 24,
		// Every operation takes both: the subscription key and the bearer token, each its own Worker secret.
		auth: {
			scheme: "apiKey",
			credentials: [
				{ in: "header", name: "Ocp-Apim-Subscription-Key", secret: "API_KEY" },
				{ in: "header", name: "Authorization", prefix: "Bearer ", secret: "ACCESS_TOKEN" },
			],
		},
		idChanges: [],
		specChanges: 48,
	},
};

describe("OpenAPI corpus: scaffold + compile + JSON Schema 2020-12", () => {
	let out: string;
	const results = new Map<string, { scaffold: ScaffoldResult; contract: ContractReport }>();

	beforeAll(async () => {
		out = await mkdtemp(path.join(tmpdir(), "corpus-"));
		for (const file of Object.keys(EXPECTED)) {
			const id = file.replace(/\..*$/, "");
			const full = path.join(CORPUS, file);
			const scaffold = await scaffoldProvider({
				id,
				name: id,
				spec: await readFile(full, "utf8"),
				specUrl: pathToFileURL(full).href,
				specLabel: file,
				loadRef: (url) => readFile(new URL(url), "utf8"),
				upstreamBase: "https://api.example.com",
				dir: out,
			});
			if (scaffold.ok) {
				await mkdir(path.join(out, id), { recursive: true });
				for (const f of scaffold.files) await writeFile(f.path, f.content);
			}
			const contract = scaffold.ok
				? await checkProviderContract(path.join(out, id))
				: ({
						id,
						tools: [],
						problems: scaffold.problems,
						warnings: [],
						invalidSchemas: [],
						purchases: [],
					} as ContractReport);
			results.set(file, { scaffold, contract });
		}
	}, 60_000);

	afterAll(async () => {
		await rm(out, { recursive: true, force: true });
	});

	it("covers every file of the corpus", async () => {
		const files = (await readdir(CORPUS)).filter((f) => f !== "SOURCES.md").sort();
		expect(Object.keys(EXPECTED).sort()).toEqual(files);
	});

	for (const [file, expected] of Object.entries(EXPECTED)) {
		it(`${file}: compiles from the written folder into ${expected.tools} tools with valid input schemas`, () => {
			const result = results.get(file);
			expect(result?.scaffold.problems).toEqual([]);
			expect(result?.contract.problems).toEqual([]);
			expect(result?.contract.tools).toHaveLength(expected.tools);
			expect(result?.contract.invalidSchemas).toEqual([]);
			expect(result?.contract.service?.auth).toEqual(expected.auth);
			const changes = result?.scaffold.changes ?? [];
			const ids = changes.filter((c) => c.pointer.endsWith("/operationId"));
			if (typeof expected.idChanges === "number") expect(ids).toHaveLength(expected.idChanges);
			else expect(ids.map((c) => [c.before, c.after])).toEqual(expected.idChanges);
			const other = changes.filter((c) => c.file === "openapi.yaml" && !c.pointer.endsWith("/operationId"));
			expect(other).toHaveLength(expected.specChanges);
		});
	}

	it("grocy.json: dangling schema refs become 'any value', each change says so and suggests the near name", () => {
		const changes =
			results
				.get("grocy.json")
				?.scaffold.changes.filter((c) => c.reason.startsWith("the spec has no schema")) ?? [];
		expect(changes.map((c) => c.pointer)).toEqual([
			"/paths/~1objects~1{entity}/get/parameters/0/schema",
			"/paths/~1objects~1{entity}/post/parameters/0/schema",
			"/paths/~1objects~1{entity}~1{objectId}/get/parameters/0/schema",
			"/paths/~1objects~1{entity}~1{objectId}/put/parameters/0/schema",
			"/paths/~1objects~1{entity}~1{objectId}/delete/parameters/0/schema",
			"/paths/~1userfields~1{entity}~1{objectId}/get/parameters/0/schema",
			"/paths/~1userfields~1{entity}~1{objectId}/put/parameters/0/schema",
		]);
		expect(changes[0]).toMatchObject({
			before: { $ref: "#/components/schemas/ExposedEntity_NotIncludingNotListable" },
			after: { "x-scaffold-missing-ref": "#/components/schemas/ExposedEntity_NotIncludingNotListable" },
			check: true,
		});
		expect(changes[0]?.reason).toContain('did you mean "#/components/schemas/ExposedEntityNoListing"?');
		const tool = results
			.get("grocy.json")
			?.contract.service?.tools.find((t) => t.name === "get_object_by_entity");
		expect(tool?.input_schema.properties).toMatchObject({ entity: { description: "A valid entity name" } });
		expect(tool?.input_schema.required).toEqual(["entity"]);
	});

	it("grocy.json: operations without ids get names from method and path", () => {
		const tools = results.get("grocy.json")?.contract.tools ?? [];
		expect(tools).toContain("get_recipes_fulfillment");
		expect(tools).toContain("get_recipe_fulfillment_by_recipe_id");
		expect(tools).toContain("post_stock_product_add_by_product_id");
		expect(new Set(tools).size).toBe(86);
	});

	it("graphhopper.yaml: loads despite invalid YAML 1.2, and leaves $refs inside examples as data", () => {
		const result = results.get("graphhopper.yaml")?.scaffold;
		expect(result?.changes[0]?.before).toMatch(
			/^YAML that strict YAML 1\.2 parsers refuse \(line 1510, column \d+/,
		);
		expect(result?.warnings[0]?.message).toBe(
			'7 $refs inside example or default values (first: "examples/geocodingResponse.json") point to nothing in the spec; OpenAPI treats them as literal data, so they were left as they are',
		);
	});

	it("Swagger 2.0 files are converted, and their body parameters become tool inputs", () => {
		for (const file of ["amazon-sp-orders.json", "square-connect.json", "ticketmaster-discovery.json"]) {
			expect(results.get(file)?.scaffold.changes[0]).toMatchObject({
				pointer: "/openapi",
				before: "swagger: 2.0",
			});
		}
		const refund = results
			.get("square-connect.json")
			?.contract.service?.tools.find((t) => t.name === "CreateRefund");
		expect(refund?.body?.required).toBe(true);
		expect(refund?.input_schema.required).toEqual(expect.arrayContaining(["location_id", "transaction_id"]));
		// Square's explicit Authorization header is now the manifest's auth, not a tool input.
		expect(Object.keys(refund?.input_schema.properties as object)).not.toContain("Authorization");
	});
});
