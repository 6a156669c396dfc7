import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, FOODDASH_KEY, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

interface Summary {
	restaurant_id: string;
	name: string;
	city: string;
	cuisine: string;
	rating: number;
	delivery_fee_cents: number;
	matched_items?: string[];
}
interface SearchResult {
	restaurants: Summary[];
	total: number;
	limit: number;
	offset: number;
}
interface Menu {
	restaurant_id: string;
	sections: { name: string; items: { item_id: string; price_cents: number; dietary: string[] }[] }[];
	item_count: number;
}

const get = (path: string) => call(`/fooddash${path}`, { headers: FOODDASH_KEY });

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/fooddash/openapi.json"));
});

describe("fooddash catalog", () => {
	it("lists five delivery cities with their restaurants and cuisines", async () => {
		const body = await json<{ cities: { city: string; restaurant_count: number; cuisines: string[] }[] }>(
			await get("/cities"),
		);
		expectSchema(spec, "CityList", body);
		expect(body.cities.map((c) => c.city)).toEqual([
			"san-francisco",
			"new-york",
			"chicago",
			"austin",
			"seattle",
		]);
		for (const city of body.cities) expect(city.restaurant_count).toBeGreaterThanOrEqual(4);
		const all = await json<SearchResult>(await get("/restaurants?limit=50"));
		expect(all.total).toBe(body.cities.reduce((sum, c) => sum + c.restaurant_count, 0));
	});

	it("searches by city (slug or name) and cuisine, best rated first", async () => {
		const sf = await json<SearchResult>(await get("/restaurants?city=San%20Francisco"));
		expectSchema(spec, "RestaurantSearchResult", sf);
		expect(sf.total).toBeGreaterThanOrEqual(4);
		expect(sf.restaurants.every((r) => r.city === "san-francisco")).toBe(true);
		const ratings = sf.restaurants.map((r) => r.rating);
		expect(ratings).toEqual([...ratings].sort((a, b) => b - a));

		const mexican = await json<SearchResult>(await get("/restaurants?cuisine=Mexican"));
		expect(mexican.total).toBeGreaterThanOrEqual(3);
		expect(mexican.restaurants.every((r) => r.cuisine === "mexican")).toBe(true);
	});

	it("matches free text against dishes and reports the matching dishes", async () => {
		const ramen = await json<SearchResult>(await get("/restaurants?city=san-francisco&query=ramen"));
		expect(ramen.restaurants.map((r) => r.restaurant_id)).toEqual(["sakura-ramen-sf"]);
		expect(ramen.restaurants[0]?.matched_items).toContain("Tonkotsu Ramen");

		const burgers = await json<SearchResult>(await get("/restaurants?query=burgers"));
		expect(burgers.restaurants.map((r) => r.restaurant_id)).toContain("brooklyn-burger-nyc");
		const nothing = await json<SearchResult>(await get("/restaurants?query=zzzz"));
		expect(nothing).toMatchObject({ restaurants: [], total: 0 });
	});

	it("filters by dietary need and sorts by delivery fee", async () => {
		const vegan = await json<SearchResult>(
			await get("/restaurants?dietary=vegan&sort=delivery_fee&limit=50"),
		);
		const fees = vegan.restaurants.map((r) => r.delivery_fee_cents);
		expect(fees).toEqual([...fees].sort((a, b) => a - b));
		for (const r of vegan.restaurants) {
			const menu = await json<Menu>(await get(`/restaurants/${r.restaurant_id}/menu?dietary=vegan`));
			expect(menu.sections.find((s) => s.name === "Mains")?.items.length ?? 0).toBeGreaterThan(0);
		}
	});

	it("pages results with limit and offset", async () => {
		const all = await json<SearchResult>(await get("/restaurants?limit=50"));
		const page = await json<SearchResult>(await get("/restaurants?limit=3&offset=3"));
		expect(page).toMatchObject({ total: all.total, limit: 3, offset: 3 });
		expect(page.restaurants).toEqual(all.restaurants.slice(3, 6));
		await expectError(await get("/restaurants?limit=51"), 400, "invalid_request");
	});

	it("refuses an unserved city with the supported list, and an unknown cuisine", async () => {
		const error = await expectError(await get("/restaurants?city=boston"), 404, "city_not_served");
		expect(error.supported_cities).toContain("seattle");
		await expectError(await get("/restaurants?cuisine=martian"), 400, "invalid_request");
	});

	it("describes a restaurant and serves its menu in cents, the same every time", async () => {
		const detail = await json(await get("/restaurants/trattoria-lucia-sf"));
		expectSchema(spec, "RestaurantDetail", detail);
		expect(detail).toMatchObject({ name: "Trattoria Lucia", cuisine: "italian", city: "san-francisco" });

		const menu = await json<Menu>(await get("/restaurants/trattoria-lucia-sf/menu"));
		expectSchema(spec, "Menu", menu);
		const items = menu.sections.flatMap((s) => s.items);
		expect(items.length).toBe(menu.item_count);
		expect(items.map((i) => i.item_id)).toContain("margherita");
		for (const item of items) {
			expect(Number.isInteger(item.price_cents)).toBe(true);
			expect(item.price_cents % 50).toBe(49);
		}
		expect(await json(await get("/restaurants/trattoria-lucia-sf/menu"))).toEqual(menu);
	});

	it("has dozens of menu items across its restaurants", async () => {
		const all = await json<SearchResult>(await get("/restaurants?limit=50"));
		let count = 0;
		for (const r of all.restaurants)
			count += (await json<Menu>(await get(`/restaurants/${r.restaurant_id}/menu`))).item_count;
		expect(count).toBeGreaterThan(150);
	});

	it("filters a menu by dietary tag", async () => {
		const menu = await json<Menu>(await get("/restaurants/curry-hill-kitchen-nyc/menu?dietary=vegan"));
		const items = menu.sections.flatMap((s) => s.items);
		expect(items.length).toBeGreaterThan(0);
		expect(items.every((i) => i.dietary.includes("vegan"))).toBe(true);
	});

	it("answers 404 for an unknown restaurant", async () => {
		await expectError(await get("/restaurants/nope"), 404, "restaurant_not_found");
		await expectError(await get("/restaurants/nope/menu"), 404, "restaurant_not_found");
	});
});
