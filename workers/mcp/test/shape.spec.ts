import { describe, expect, it } from "vitest";
import { capSize, project } from "../src/shape.ts";

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

describe("capSize", () => {
	it("leaves an answer under the limit alone", () => {
		const value = { items: [1, 2, 3] };
		expect(capSize(value, 1024)).toEqual({ value, bytes: bytes(value), truncated: false });
	});

	it("cuts the longest list to the most whole items that fit, and says so", () => {
		const items = Array.from({ length: 500 }, (_, i) => ({
			id: i,
			name: `item number ${i}`,
			tags: ["a", "b"],
		}));
		const value = { page: 1, data: { items }, meta: [1, 2] };
		const shaped = capSize(value, 4096);
		expect(shaped.truncated).toBe(true);
		expect(shaped.bytes).toBeLessThanOrEqual(4096);
		const kept = (shaped.value as { data: { items: unknown[] } }).data.items;
		expect(kept.length).toBeGreaterThan(10);
		expect(kept).toEqual(items.slice(0, kept.length));
		expect(shaped.note).toContain(`showing ${kept.length} of 500 items at data.items`);
		// One more item would not have fit.
		expect(bytes({ ...value, data: { items: items.slice(0, kept.length + 1) } })).toBeGreaterThan(4096);
	});

	it("falls back to a prefix of the text when no list can be cut", () => {
		const shaped = capSize({ blob: "x".repeat(10_000) }, 2048);
		expect(shaped.truncated).toBe(true);
		expect(typeof shaped.value).toBe("string");
		expect(shaped.bytes).toBeLessThanOrEqual(2048);
		expect(shaped.note).toContain("fields");
	});

	it("cuts multi-byte text on a character boundary", () => {
		const shaped = capSize({ text: "é".repeat(5_000) }, 1024);
		expect(shaped.bytes).toBeLessThanOrEqual(1024);
		expect(String(shaped.value)).not.toContain("\uFFFD");
	});
});

describe("project", () => {
	const answer = {
		city: "austin",
		restaurants: [
			{ name: "A", rating: 4.5, menu: { dishes: 10 } },
			{ name: "B", rating: 4.1, menu: { dishes: 3 } },
		],
	};

	it("keeps the named fields of every item of a list", () => {
		expect(project(answer, ["restaurants.name", "restaurants.menu.dishes"])).toEqual({
			value: {
				restaurants: [
					{ name: "A", menu: { dishes: 10 } },
					{ name: "B", menu: { dishes: 3 } },
				],
			},
			missing: [],
		});
	});

	it("keeps a whole subtree when its parent is named, and reports fields that are nowhere", () => {
		expect(project(answer, ["city", "restaurants", "nope.deeper"])).toEqual({
			value: { city: "austin", restaurants: answer.restaurants },
			missing: ["nope.deeper"],
		});
	});

	it("projects a list answer item by item", () => {
		expect(project(answer.restaurants, ["name"]).value).toEqual([{ name: "A" }, { name: "B" }]);
	});
});
