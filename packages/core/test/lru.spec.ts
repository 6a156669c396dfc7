import { describe, expect, it } from "vitest";
import { Lru } from "../src/lru.ts";

describe("Lru", () => {
	it("forgets the least recently used entry first, a get counting as a use", () => {
		const lru = new Lru<number>(2);
		lru.set("a", 1);
		lru.set("b", 2);
		expect(lru.get("a")).toBe(1);
		lru.set("c", 3);
		expect(lru.get("b")).toBeUndefined();
		expect(lru.get("a")).toBe(1);
		expect(lru.get("c")).toBe(3);
		lru.delete("a");
		expect(lru.get("a")).toBeUndefined();
	});
});
