/**
 * `JSON.parse` of a large text in slices that yield to the event loop between them, for a Worker that loads a
 * multi-megabyte value (the search index at 10,000 services is ~9 MiB) in the background while it keeps answering:
 * one `JSON.parse` of it holds the isolate for ~100 ms. Containers larger than a slice are scanned for their
 * members' boundaries (strings and escapes respected), and runs of members are handed to the native `JSON.parse`
 * a slice at a time. The result equals `JSON.parse(text)`; malformed text throws a SyntaxError.
 */

import { yieldToEventLoop } from "./quiet.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

interface Work {
	readonly text: string;
	readonly sliceChars: number;
	/** Characters scanned or parsed since the last yield. */
	done: number;
}

async function progress(work: Work, chars: number): Promise<void> {
	work.done += chars;
	if (work.done >= work.sliceChars) {
		work.done = 0;
		await yieldToEventLoop();
	}
}

function isSpace(code: number): boolean {
	return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** The members of the container at [start, end) (its brackets included), as [from, to) ranges; keys of an object. */
async function membersOf(
	work: Work,
	start: number,
	end: number,
): Promise<{ key?: [number, number]; value: [number, number] }[]> {
	const { text } = work;
	const members: { key?: [number, number]; value: [number, number] }[] = [];
	const isObject = text.charCodeAt(start) === OPEN_BRACE;
	let depth = 0;
	let inString = false;
	let memberStart = start + 1;
	let colon = -1;
	const close = (at: number) => {
		if (colon === -1 && text.slice(memberStart, at).trim() === "") {
			// Only an empty container has no member; anywhere else an empty one is a stray comma.
			if (members.length === 0 && at === end - 1) return;
			throw new SyntaxError("Unexpected ',' in JSON");
		}
		if (!isObject) members.push({ value: [memberStart, at] });
		else if (colon === -1) throw new SyntaxError("Expected ':' after a property name in JSON");
		else members.push({ key: [memberStart, colon], value: [colon + 1, at] });
	};
	const step = 65_536;
	for (let i = start + 1; i < end - 1; i++) {
		if ((i & (step - 1)) === 0) await progress(work, step);
		const code = text.charCodeAt(i);
		if (inString) {
			if (code === BACKSLASH) i++;
			else if (code === QUOTE) inString = false;
		} else if (code === QUOTE) {
			inString = true;
		} else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
			depth++;
		} else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
			depth--;
		} else if (depth === 0 && code === COLON && isObject && colon === -1) {
			colon = i;
		} else if (depth === 0 && code === COMMA) {
			close(i);
			memberStart = i + 1;
			colon = -1;
		}
	}
	close(end - 1);
	return members;
}

async function parseRange(work: Work, from: number, to: number): Promise<unknown> {
	const { text, sliceChars } = work;
	let start = from;
	let end = to;
	while (start < end && isSpace(text.charCodeAt(start))) start++;
	while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
	const first = text.charCodeAt(start);
	const container =
		(first === OPEN_BRACE && text.charCodeAt(end - 1) === CLOSE_BRACE) ||
		(first === OPEN_BRACKET && text.charCodeAt(end - 1) === CLOSE_BRACKET);
	if (end - start <= sliceChars || !container) {
		const value: unknown = JSON.parse(text.slice(start, end));
		await progress(work, end - start);
		return value;
	}
	const members = await membersOf(work, start, end);
	if (first === OPEN_BRACE) {
		const out: Record<string, unknown> = {};
		for (const { key, value } of members) {
			if (!key) continue;
			const name = JSON.parse(text.slice(key[0], key[1]));
			if (typeof name !== "string") throw new SyntaxError("Expected a string property name in JSON");
			const parsed = await parseRange(work, value[0], value[1]);
			// A parsed "__proto__" key is data, as JSON.parse makes it.
			Object.defineProperty(out, name, {
				value: parsed,
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		return out;
	}
	const out: unknown[] = [];
	let run: [number, number] | null = null;
	const flush = async () => {
		if (!run) return;
		const items = JSON.parse(`[${text.slice(run[0], run[1])}]`) as unknown[];
		for (const item of items) out.push(item);
		await progress(work, run[1] - run[0]);
		run = null;
	};
	for (const { value } of members) {
		if (value[1] - value[0] > sliceChars) {
			await flush();
			out.push(await parseRange(work, value[0], value[1]));
		} else if (run && value[1] - run[0] > sliceChars) {
			await flush();
			run = [value[0], value[1]];
		} else {
			run = run ? [run[0], value[1]] : [value[0], value[1]];
		}
	}
	await flush();
	return out;
}

/**
 * A stream of UTF-8 bytes to text, read and decoded a slice of about `sliceBytes` bytes at a time with a yield to
 * the event loop after each (a sequence cut by a slice carries over): reading the value is spread out too.
 */
export async function decodeUtf8InSlices(
	stream: ReadableStream<Uint8Array>,
	sliceBytes = 131_072,
): Promise<string> {
	const decoder = new TextDecoder();
	const parts: string[] = [];
	const reader = stream.getReader();
	let sinceYield = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		for (let at = 0; at < value.length; at += sliceBytes) {
			const piece = value.subarray(at, at + sliceBytes);
			parts.push(decoder.decode(piece, { stream: true }));
			sinceYield += piece.length;
			if (sinceYield >= sliceBytes) {
				sinceYield = 0;
				await yieldToEventLoop();
			}
		}
	}
	parts.push(decoder.decode());
	return parts.join("");
}

/** `JSON.parse(text)`, yielding to the event loop about every `sliceChars` characters (default 128 Ki). */
export function parseJsonInSlices(text: string, sliceChars = 131_072): Promise<unknown> {
	return parseRange({ text, sliceChars: Math.max(16, sliceChars), done: 0 }, 0, text.length);
}
