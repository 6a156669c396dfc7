import { yieldToEventLoop } from "./quiet.ts";

/**
 * Non-negative integers as one string of base64url characters, 5 bits each with a continuation bit, least
 * significant group first. The search index keeps its postings this way: inside the JSON stored in KV they are one
 * string (no escapes, ~1.3 characters per small number) instead of hundreds of thousands of JSON numbers and
 * objects, and a loading isolate turns them into one typed array without building an object per posting.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const MORE = 32;
const PAYLOAD = 31;

export function encodeInts(values: Iterable<number>): string {
	const out: string[] = [];
	for (const value of values) {
		if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value}`);
		let rest = value;
		while (rest >= MORE) {
			out.push(ALPHABET.charAt((rest % MORE) | MORE));
			rest = Math.floor(rest / MORE);
		}
		out.push(ALPHABET.charAt(rest));
	}
	return out.join("");
}

/** How many integers `text` holds (characters without a continuation bit). */
function countInts(text: string): number {
	let n = 0;
	for (let i = 0; i < text.length; i++) if ((VALUE[text.charCodeAt(i)] ?? 0) < MORE) n++;
	return n;
}

interface Decoding {
	readonly text: string;
	readonly out: Int32Array;
	/** Next character to read, next integer to write, and the integer read so far. */
	at: number;
	n: number;
	value: number;
	shift: number;
}

function decodeUpTo(d: Decoding, end: number): void {
	const { text, out } = d;
	let { n, value, shift } = d;
	for (let i = d.at; i < end; i++) {
		const digit = VALUE[text.charCodeAt(i)] ?? -1;
		if (digit < 0) throw new SyntaxError(`not an encoded integer list: ${JSON.stringify(text.charAt(i))}`);
		value += (digit & PAYLOAD) * shift;
		if (digit & MORE) {
			shift *= MORE;
			continue;
		}
		if (value > 0x7fffffff) throw new RangeError("encoded integer exceeds 31 bits");
		out[n++] = value;
		value = 0;
		shift = 1;
	}
	Object.assign(d, { at: end, n, value, shift });
}

function start(text: string): Decoding {
	return { text, out: new Int32Array(countInts(text)), at: 0, n: 0, value: 0, shift: 1 };
}

function finish(d: Decoding): Int32Array {
	if (d.shift !== 1) throw new SyntaxError("encoded integer list ends inside a number");
	return d.out;
}

/** The integers of `text` in an Int32Array (each must fit 31 bits). */
export function decodeInts(text: string): Int32Array {
	const d = start(text);
	decodeUpTo(d, text.length);
	return finish(d);
}

/** `decodeInts`, yielding to the event loop every `sliceChars` characters (a reload beside live requests). */
export async function decodeIntsInSlices(text: string, sliceChars: number): Promise<Int32Array> {
	const d = start(text);
	while (d.at < text.length) {
		decodeUpTo(d, Math.min(text.length, d.at + Math.max(1, sliceChars)));
		if (d.at < text.length) await yieldToEventLoop();
	}
	return finish(d);
}
