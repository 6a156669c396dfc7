import { generateApiKey, hashApiKey, isWellFormedApiKey, newId, timingSafeEqual } from "@penumbra/core/keys";
import { describe, expect, it } from "vitest";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("generateApiKey", () => {
	it("makes unified- + 40 random + 6 checksum base62 characters, with a display prefix and its hash", async () => {
		const { key, prefix, hash } = await generateApiKey();
		expect(key).toMatch(/^unified-[0-9A-Za-z]{46}$/);
		expect(prefix).toBe(key.slice(0, "unified-".length + 6));
		expect(hash).toBe(await hashApiKey(key));
		expect(isWellFormedApiKey(key)).toBe(true);
	});

	it("never repeats a key", async () => {
		const keys = await Promise.all(Array.from({ length: 500 }, () => generateApiKey()));
		expect(new Set(keys.map((k) => k.key)).size).toBe(500);
		expect(new Set(keys.map((k) => k.hash)).size).toBe(500);
	});

	it("draws random characters uniformly over base62 (no modulo bias)", async () => {
		const counts = new Map<string, number>();
		const keys = await Promise.all(Array.from({ length: 2000 }, () => generateApiKey()));
		for (const { key } of keys) {
			for (const c of key.slice(8, 48)) counts.set(c, (counts.get(c) ?? 0) + 1);
		}
		expect(counts.size).toBe(62);
		// 80,000 draws, 61 degrees of freedom: chi² above 130 has p < 1e-6 for a uniform source,
		// while `byte % 62` over all 256 byte values lands near 450.
		const expected = 80_000 / 62;
		const chi2 = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
		expect(chi2).toBeLessThan(130);
	});
});

describe("isWellFormedApiKey", () => {
	it("rejects every single-character change of sample keys", async () => {
		const keys = await Promise.all(Array.from({ length: 20 }, () => generateApiKey()));
		let variants = 0;
		for (const { key } of keys) {
			for (let i = "unified-".length; i < key.length; i++) {
				for (const c of BASE62) {
					if (c === key[i]) continue;
					const typo = key.slice(0, i) + c + key.slice(i + 1);
					if (isWellFormedApiKey(typo)) throw new Error(`checksum missed ${typo} (from ${key})`);
					variants++;
				}
			}
		}
		expect(variants).toBe(20 * 46 * 61);
	});

	it("rejects swapped adjacent characters", async () => {
		const { key } = await generateApiKey();
		for (let i = 8; i < key.length - 1; i++) {
			if (key[i] === key[i + 1]) continue;
			const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
			expect(isWellFormedApiKey(swapped)).toBe(false);
		}
	});

	it.each([
		"",
		"unified-",
		"unified-xxx",
		"Unified-0123456789012345678901234567890123456789abcdef",
		"sk-0123456789012345678901234567890123456789abcdef",
	])("rejects malformed %j", (s) => {
		expect(isWellFormedApiKey(s)).toBe(false);
	});

	it("rejects a key with extra or missing characters and surrounding whitespace", async () => {
		const { key } = await generateApiKey();
		expect(isWellFormedApiKey(`${key}A`)).toBe(false);
		expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
		expect(isWellFormedApiKey(` ${key}`)).toBe(false);
		expect(isWellFormedApiKey(`${key}\n`)).toBe(false);
	});
});

describe("hashApiKey", () => {
	it("is SHA-256 hex, stable across calls", async () => {
		// Known answer: SHA-256("abc").
		expect(await hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		const { key } = await generateApiKey();
		expect(await hashApiKey(key)).toBe(await hashApiKey(key));
		expect(await hashApiKey(key)).not.toBe(await hashApiKey(`${key.slice(0, -1)}x`));
	});
});

describe("newId", () => {
	it("is the prefix followed by 20 base62 characters", () => {
		expect(newId("cred_")).toMatch(/^cred_[0-9A-Za-z]{20}$/);
		expect(newId("")).toMatch(/^[0-9A-Za-z]{20}$/);
	});

	it("does not collide over many draws", () => {
		const ids = new Set(Array.from({ length: 10_000 }, () => newId("q_")));
		expect(ids.size).toBe(10_000);
	});
});

describe("timingSafeEqual", () => {
	it.each([
		["secret-token", "secret-token", true],
		["", "", true],
		["é", "é", true],
		["secret-token", "secret-tokeN", false],
		["secret-token", "secret-token ", false],
		["secret", "secret-token", false],
		["", "x", false],
		["a\u0000", "a", false],
		["é", "e\u0301", false],
	])("(%j, %j) is %s", (a, b, equal) => {
		expect(timingSafeEqual(a, b)).toBe(equal);
		expect(timingSafeEqual(b, a)).toBe(equal);
	});
});
