const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_PREFIX = "unified-";
const RANDOM_LENGTH = 40;
const CHECKSUM_LENGTH = 6;
const DISPLAY_LENGTH = 6;
const KEY_SHAPE = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);
// 248 = 4 × 62: bytes at or above it are discarded so `byte % 62` is uniform.
const UNBIASED_LIMIT = 248;

const encoder = new TextEncoder();

/**
 * A new unified API key. `key` is shown to its owner once; store only `hash` (and `prefix`, which is
 * safe to display in key lists).
 */
export async function generateApiKey(): Promise<{ key: string; prefix: string; hash: string }> {
	const random = randomBase62(RANDOM_LENGTH);
	const key = `${KEY_PREFIX}${random}${checksum(random)}`;
	return { key, prefix: `${KEY_PREFIX}${random.slice(0, DISPLAY_LENGTH)}`, hash: await hashApiKey(key) };
}

/** Format and checksum check, so a mistyped key is refused without a database lookup. */
export function isWellFormedApiKey(s: string): boolean {
	if (!KEY_SHAPE.test(s)) return false;
	const random = s.slice(KEY_PREFIX.length, KEY_PREFIX.length + RANDOM_LENGTH);
	return s.slice(KEY_PREFIX.length + RANDOM_LENGTH) === checksum(random);
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Bytes as lowercase hex, two digits each. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
	let hex = "";
	for (const b of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) hex += HEX_BYTE[b];
	return hex;
}

/** SHA-256 of `text` (UTF-8) as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
	return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** SHA-256 of the key as lowercase hex: what credentials store and look keys up by. */
export function hashApiKey(key: string): Promise<string> {
	return sha256Hex(key);
}

/** A random identifier: `prefix` followed by 20 base62 characters (≈119 bits), e.g. `newId("cred_")`. */
export function newId(prefix: string): string {
	return `${prefix}${randomBase62(20)}`;
}

/**
 * Compares two strings in time that depends only on their lengths, not on where they differ
 * (for the admin token and other shared secrets).
 */
export function timingSafeEqual(a: string, b: string): boolean {
	const x = encoder.encode(a);
	const y = encoder.encode(b);
	const length = Math.max(x.length, y.length);
	let diff = x.length ^ y.length;
	for (let i = 0; i < length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
	return diff === 0;
}

/** `length` uniformly random base62 characters from the platform CSPRNG. */
function randomBase62(length: number): string {
	let out = "";
	while (out.length < length) {
		// ~3% of bytes are rejected; drawing a quarter extra usually finishes in one round.
		const bytes = crypto.getRandomValues(new Uint8Array(length + (length >> 2) + 4));
		for (const byte of bytes) {
			if (byte >= UNBIASED_LIMIT) continue;
			out += BASE62[byte % 62];
			if (out.length === length) break;
		}
	}
	return out;
}

/** CRC-32 (IEEE) of the ASCII random part, in base62, zero-padded to six characters (62⁶ > 2³²). */
function checksum(random: string): string {
	let n = crc32(encoder.encode(random));
	let out = "";
	for (let i = 0; i < CHECKSUM_LENGTH; i++) {
		out = BASE62[n % 62] + out;
		n = Math.floor(n / 62);
	}
	return out;
}

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let i = 0; i < 256; i++) {
		let c = i;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[i] = c >>> 0;
	}
	return table;
})();

function crc32(bytes: Uint8Array): number {
	let crc = 0xffffffff;
	for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}
