import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { type ScaffoldResult, scaffoldProvider } from "@penumbra/cli/scaffold";
import { deriveOperationId, withoutRepeats } from "@penumbra/cli/scaffold-ids";
import {
	chooseCategory,
	describeFromSpec,
	type RegistryService,
	tagsFromSpec,
} from "@penumbra/cli/scaffold-manifest";
import { registryServices } from "@penumbra/cli/scaffold-registry";
import { buildRegistry, TOOL_NAME } from "@penumbra/core/registry";
import { buildSearchIndex, loadSearchIndex } from "@penumbra/core/search";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const CORPUS = path.resolve("test/fixtures/openapi-corpus");
/** The registry a new provider joins in these tests: the frozen catalog, not providers/ (its README says why). */
const CATALOG = "test/fixtures/catalog";
const NOW = "2026-01-01T00:00:00.000Z";

function doc(info: Record<string, unknown>, paths: Record<string, unknown> = {}, extra = {}) {
	return { openapi: "3.0.3", info: { version: "1", ...info }, paths, ...extra };
}

const op = (tags: string[], summary = "", more = {}) => ({
	tags,
	summary,
	responses: { "200": { description: "ok" } },
	...more,
});

describe("the scaffolded description", () => {
	it("skips instructions, self-description and auth notes for the first sentence that says what the service does", () => {
		const described = describeFromSpec(
			doc({
				title: "Hotel Search",
				description: [
					"# Overview",
					"Before using this API, we recommend you read our [Authorization Guide](https://example.com/auth).",
					"This is the Hotel Search API documentation.",
					"",
					"Authentication is done via API keys.<br>Find <b>hotels</b> near any **landmark** by distance and price. More later.",
				].join("\n"),
			}),
			"hotels",
			"Hotels",
		);
		expect(described.value).toBe("Find hotels near any landmark by distance and price.");
		expect(described.reason).toMatch(
			/first sentence of info\.description .*\(3 sentences of boilerplate skipped\)/,
		);
	});

	it("keeps a sentence that only starts like an instruction ('Read and write…')", () => {
		const description = "Read and write events in shared calendars. See the guide.";
		expect(describeFromSpec(doc({ title: "Cal", description }), "cal", "Cal").value).toBe(
			"Read and write events in shared calendars.",
		);
	});

	it("prefers a summary the spec gives: info.summary, then x-summary, then its x-services entry", () => {
		const description = "Weather for every town, by the hour.";
		expect(
			describeFromSpec(doc({ title: "W", summary: "Forecasts by the hour.", description }), "w", "W"),
		).toEqual({
			value: "Forecasts by the hour.",
			reason: "from the spec's info.summary",
		});
		const x = doc(
			{ title: "W", description },
			{},
			{ "x-services": { w: { description: "Rain radar and alerts." } } },
		);
		expect(describeFromSpec(x, "w", "W").value).toBe("Rain radar and alerts.");
	});

	it("composes one from the title and the operations when the description is boilerplate or says only 'API'", () => {
		const paths = {
			"/a": { get: op(["Stock"]) },
			"/b": { get: op(["Stock"]) },
			"/c": { get: op(["Recipes"]) },
			"/d": { get: op(["Chores"]) },
		};
		const composed = describeFromSpec(
			doc({ title: "Grocy REST API", description: "The standard Grocy API." }, paths),
			"grocy",
			"Grocy",
		);
		expect(composed.value).toBe("Grocy REST API: stock, recipes, chores.");
		expect(composed.reason).toMatch(/composed from the title and the operations' tags/);
		const few = describeFromSpec(
			doc(
				{ title: "Hotel List - OpenAPI 3.0" },
				{ "/h": { get: op(["Hotels"], "Search hotels in a city") } },
			),
			"h",
			"H",
		);
		expect(few.value).toBe("Hotel List: search hotels in a city.");
	});
});

describe("scaffolded tags", () => {
	it("come from the operations' tags, most used first, normalized, deprecated operations left out, eight at most", () => {
		const paths: Record<string, unknown> = {
			"/agreements": { get: op(["Agreement v3 endpoints"]), post: op(["Agreement v3 endpoints"]) },
			"/charges": { get: op(["Charge v2 endpoints (deprecated)", "regional_advancement"]) },
			"/old": { get: op(["Legacy"], "", { deprecated: true }) },
			"/transfers": { get: op(["TransferRecipient", "default"]) },
		};
		for (let i = 0; i < 10; i++) paths[`/t${i}`] = { get: op([`topic ${i}`]) };
		const tags = tagsFromSpec(doc({ title: "T" }, paths, { tags: [{ name: "TransferRecipient" }] }));
		expect(tags).toEqual([
			"agreement",
			"transfer recipient",
			"charge",
			"regional advancement",
			"topic 0",
			"topic 1",
			"topic 2",
			"topic 3",
		]);
	});

	it("drop the API versions generated SDK tags carry", () => {
		const paths = { "/m": { get: op(["Api20100401Message"]) }, "/a": { get: op(["Api20100401Account"]) } };
		expect(tagsFromSpec(doc({ title: "T" }, paths))).toEqual(["message", "account"]);
	});

	it("fall back to the spec's own tag list when no operation is tagged", () => {
		expect(
			tagsFromSpec(doc({ title: "T" }, { "/a": { get: op([]) } }, { tags: [{ name: "Pets" }] })),
		).toEqual(["pets"]);
	});
});

describe("the scaffolded category", () => {
	const registry: RegistryService[] = [
		{ category: "lodging", tags: ["hotel", "accommodation", "travel", "booking"] },
		{ category: "beauty-retail", tags: ["beauty", "makeup", "shopping"] },
	];

	it("is an existing category of the registry when one fits", () => {
		const chosen = chooseCategory(
			doc({ title: "Hotel List", description: "Find hotels in a city." }),
			registry,
		);
		expect(chosen.value).toBe("lodging");
		expect(chosen.reason).toMatch(/^the registry's existing category that fits/);
		// Without the registry the same spec gets the keyword guess, a category no provider has.
		expect(chooseCategory(doc({ title: "Hotel List", description: "Find hotels in a city." })).value).toBe(
			"travel",
		);
	});

	it("is a new keyword guess when no existing category fits, and says which categories it passed over", () => {
		const chosen = chooseCategory(
			doc({ title: "Pet Store", description: "Sell pets: order and cart." }),
			registry,
		);
		expect(chosen).toEqual({
			value: "retail",
			reason:
				"no existing category fits (beauty-retail, lodging); a new category guessed from the spec's title, description and tags",
		});
		expect(chooseCategory(doc({ title: "Zzz" }), registry).value).toBe("general");
	});

	it("counts a checkout in the title for payments as well as for retail", () => {
		const adyen = doc({
			title: "Adyen Checkout API",
			description: "Initiate and authorise online payments.",
		});
		expect(chooseCategory(adyen).value).toBe("payments");
	});

	it("matches words at their start, not inside others ('provide' is not a ride)", () => {
		expect(chooseCategory(doc({ title: "Override", description: "We provide overrides." })).value).toBe(
			"general",
		);
	});

	it("learns the registry from the providers folder and the built registry file", async () => {
		const dir = await mkdtemp(path.join(tmpdir(), "scaffold-registry-"));
		try {
			await mkdir(path.join(dir, "providers", "inn"), { recursive: true });
			await writeFile(
				path.join(dir, "providers", "inn", "provider.yaml"),
				"category: lodging\ntags: [hotel]\n",
			);
			await mkdir(path.join(dir, "providers", "broken"));
			await writeFile(path.join(dir, "providers", "broken", "provider.yaml"), ": not yaml [");
			const built = await buildRegistryFromDir(CATALOG, { vars: { SANDBOX_ORIGIN: "http://127.0.0.1:1" } });
			const file = path.join(dir, "registry.json");
			await writeFile(file, JSON.stringify(buildRegistry(built.services, NOW).entries));
			const services = await registryServices(path.join(dir, "providers"), file);
			expect(services[0]).toEqual({ category: "lodging", tags: ["hotel"] });
			const byId = [...built.services].sort((a, b) => a.card.id.localeCompare(b.card.id));
			expect(services.slice(1).map((s) => s.category)).toEqual(byId.map((s) => s.card.category));
			expect(await registryServices(path.join(dir, "none"), path.join(dir, "none.json"))).toEqual([]);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});

describe("generated tool names", () => {
	it("never double a word", () => {
		expect(withoutRepeats("get_user_followed_by_by_user_id")).toBe("get_user_followed_by_user_id");
		expect(deriveOperationId("get", "/users/{user_id}/followed_by")).toBe("get_user_followed_by_user_id");
		expect(deriveOperationId("get", "/stock/products/by-barcode/{barcode}")).toBe(
			"get_stock_product_by_barcode",
		);
		expect(deriveOperationId("post", "/stock/products/by-barcode/{barcode}/add")).toBe(
			"post_stock_product_add_by_barcode",
		);
	});

	it("stay within 64 characters by shortening the words, keeping the parameters and no dangling 'by'", () => {
		const long = deriveOperationId(
			"post",
			"/recipes/{recipeId}/add-not-fulfilled-products-to-shoppinglist-and-more-words-here",
		);
		expect(long.length).toBeLessThanOrEqual(64);
		expect(long).toMatch(/^post_recipe_add_not_fulfilled.*_by_recipe_id$/);
		expect(deriveOperationId("get", `/${"word-".repeat(20)}by/x`)).not.toMatch(/_by$/);
	});
});

describe("scaffolding the OpenAPI corpus into the frozen catalog", () => {
	const results = new Map<string, ScaffoldResult>();
	let registry: RegistryService[];

	beforeAll(async () => {
		registry = await registryServices(CATALOG, path.join(CATALOG, "no-built-registry.json"));
		for (const file of (await readdir(CORPUS)).filter((f) => /\.(ya?ml|json)$/.test(f))) {
			const full = path.join(CORPUS, file);
			const id = file.replace(/\..*$/, "");
			results.set(
				file,
				await scaffoldProvider({
					id,
					name: id,
					spec: await readFile(full, "utf8"),
					specUrl: pathToFileURL(full).href,
					loadRef: async (ref) => readFile(new URL(ref), "utf8"),
					upstreamBase: "https://api.example.com",
					registry,
				}),
			);
		}
	});

	const manifest = (file: string) =>
		parse(results.get(file)?.files.find((f) => f.path.endsWith("provider.yaml"))?.content ?? "{}");

	it("describes each service by what it does, never by how to read or authenticate", () => {
		expect(results.size).toBe(14);
		for (const file of results.keys()) {
			const { description } = manifest(file);
			expect(description, file).not.toMatch(
				/before using|we recommend|authenticat|documentation|openapi|\]\(|<\w|#/i,
			);
			expect(description.length, file).toBeLessThanOrEqual(280);
		}
		expect(manifest("amadeus-hotel-list.yaml").description).toBe(
			"Hotel List: search hotels using its unique id, search hotels in a city, search hotels using geocode.",
		);
		expect(manifest("tba-v3.json").description).toBe(
			"Information and statistics about FIRST Robotics Competition teams and events.",
		);
		expect(manifest("petstore3.yaml").description).toBe("Swagger Petstore: pet, user, store.");
	});

	it("tags every service whose operations are tagged, and picks existing categories where they fit", () => {
		expect(manifest("paystack.yaml").tags.slice(0, 3)).toEqual([
			"transaction",
			"transfer",
			"payment request",
		]);
		expect(manifest("vipps-recurring.yaml").tags).toEqual(["charge", "agreement"]);
		const categories = Object.fromEntries([...results.keys()].map((f) => [f, manifest(f).category]));
		expect(categories).toMatchObject({
			"amadeus-hotel-list.yaml": "lodging",
			"brightsky.yaml": "weather",
			"ticketmaster-discovery.json": "event-tickets",
			"tba-v3.json": "sports",
			"grocy.json": "groceries",
			"paystack.yaml": "payments",
			"petstore3.yaml": "retail",
		});
		for (const result of results.values()) {
			const guesses = result.changes.filter((c) =>
				["/category", "/description", "/tags"].includes(c.pointer),
			);
			expect(guesses.length).toBeGreaterThanOrEqual(2);
			for (const guess of guesses) expect(guess.check).toBe(true);
		}
	});

	it("names every tool readably: valid, unique per service, at most 64 characters, no doubled word", () => {
		for (const [file, result] of results) {
			const names = result.service?.tools.map((t) => t.name) ?? [];
			expect(names.length, file).toBeGreaterThan(0);
			expect(new Set(names).size, file).toBe(names.length);
			for (const name of names) {
				expect(name, file).toMatch(TOOL_NAME);
				expect(name.length, file).toBeLessThanOrEqual(64);
				expect(name, file).not.toMatch(/(?:^|_)([a-z0-9]+)_\1(?:_|$)/);
			}
		}
	});

	describe("and searching for them in plain words", () => {
		let dir: string;
		let search: ReturnType<typeof loadSearchIndex>;

		beforeAll(async () => {
			dir = await mkdtemp(path.join(tmpdir(), "scaffold-search-"));
			await cp(CATALOG, dir, { recursive: true });
			for (const [file, result] of results) {
				const folder = path.join(dir, file.replace(/\..*$/, ""));
				await mkdir(folder, { recursive: true });
				for (const f of result.files) await writeFile(path.join(folder, path.basename(f.path)), f.content);
			}
			const built = await buildRegistryFromDir(dir, { vars: { SANDBOX_ORIGIN: "http://127.0.0.1:1" } });
			expect(built.problems).toEqual([]);
			search = loadSearchIndex(buildSearchIndex(built.services, NOW));
		});
		afterAll(async () => {
			await rm(dir, { recursive: true, force: true });
		});

		it("finds each new service for a natural query, beside the catalog's own service of the kind", () => {
			const rank = (query: string, id: string) =>
				search.search(query, { limit: 20 }).results.findIndex((r) => r.id === id) + 1;
			expect(rank("robotics competition teams", "tba-v3")).toBe(1);
			expect(rank("recurring subscription payments", "vipps-recurring")).toBe(1);
			expect(rank("take a card payment", "square-connect")).toBe(1);
			// The catalog's StayWell, TixHub (and the museum's tickets) are as good an answer.
			expect(rank("hotels in paris", "amadeus-hotel-list")).toBe(2);
			expect(rank("concert tickets near me", "ticketmaster-discovery")).toBe(3);
		});
	});
});
