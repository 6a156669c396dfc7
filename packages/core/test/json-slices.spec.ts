import { describe, expect, it } from "vitest";
import { decodeUtf8InSlices, parseJsonInSlices } from "../src/search/json-slices.ts";

const SAMPLES: unknown[] = [
	{},
	[],
	{ a: [] },
	[[], {}, [[]]],
	'a string with "quotes", [brackets], {braces}, commas, colons: and a \\ backslash',
	123.5,
	null,
	{
		version: 1,
		rows: Array.from({ length: 300 }, (_, i) => [
			i,
			`name ${i} says "hi", {ok}: [${i}]`,
			i % 2 === 0,
			null,
			{ nested: [i, -i] },
		]),
		index: {
			documentIds: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [String(i), `doc-${i}`])),
			index: Array.from({ length: 400 }, (_, i) => [`térm-${i}\u0000\n"\\`, { "0": { [String(i)]: i } }]),
		},
		"": "empty key",
		emoji: "🍕 ünïcödé \u2028 \\",
	},
];

describe("parseJsonInSlices", () => {
	it("equals JSON.parse for any slice size, containers split at their members", async () => {
		for (const sample of SAMPLES) {
			const text = JSON.stringify(sample);
			for (const slice of [16, 100, 1_000, 1_000_000]) {
				expect(await parseJsonInSlices(text, slice)).toEqual(JSON.parse(text));
			}
			// Whitespace between tokens, as a pretty-printed value has.
			const pretty = JSON.stringify(sample, null, 2);
			expect(await parseJsonInSlices(pretty, 16)).toEqual(JSON.parse(pretty));
		}
	});

	it("keeps a parsed __proto__ key as data", async () => {
		const out = (await parseJsonInSlices(
			'{"__proto__": {"polluted": [1, 2, 3, 4, 5, 6, 7, 8]}, "x": [1, 2, 3, 4, 5, 6, 7]}',
			16,
		)) as Record<string, unknown>;
		expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
		expect(Object.keys(out)).toEqual(["__proto__", "x"]);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it("throws a SyntaxError on malformed text", async () => {
		for (const bad of [
			'{"a": 1,}',
			"[1, 2,]",
			"[,1, 2, 3, 4, 5, 6, 7, 8, 9]",
			'{"a" 1, "b": [1, 2, 3, 4, 5, 6]}',
			"[1, 2, 3, 4, 5, 6, 7, 8, 9",
			"{nope}",
		]) {
			await expect(parseJsonInSlices(bad, 16)).rejects.toBeInstanceOf(SyntaxError);
		}
	});

	it("yields to the event loop while it parses a large value", async () => {
		const text = JSON.stringify({
			rows: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `service ${i}` })),
		});
		let ticks = 0;
		const timer = setInterval(() => ticks++, 0);
		const parsed = await parseJsonInSlices(text, 4_096);
		clearInterval(timer);
		expect(parsed).toEqual(JSON.parse(text));
		expect(ticks).toBeGreaterThan(5);
	});
});

/** `bytes` as a stream of chunks of `chunk` bytes (a KV value read as "stream"). */
function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
	let at = 0;
	return new ReadableStream({
		pull(controller) {
			if (at >= bytes.length) return controller.close();
			controller.enqueue(bytes.slice(at, at + chunk));
			at += chunk;
		},
	});
}

describe("decodeUtf8InSlices", () => {
	it("equals the whole value decoded, characters cut by a chunk or a slice included", async () => {
		const text = Array.from({ length: 300 }, (_, i) => `row ${i}: ünïcödé – 🍕 ${"x".repeat(i % 7)}`).join(
			"\n",
		);
		const bytes = new TextEncoder().encode(text);
		for (const [chunk, slice] of [
			[1, 100],
			[7, 101],
			[1_000, 333],
			[4_096, 1_000],
			[bytes.length, 1_000_000],
		] as const) {
			expect(await decodeUtf8InSlices(streamOf(bytes, chunk), slice)).toBe(text);
		}
		expect(await decodeUtf8InSlices(streamOf(new Uint8Array(0), 10), 10)).toBe("");
	});
});
