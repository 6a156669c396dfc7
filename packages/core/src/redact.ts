/**
 * drizzle's errors quote the failed SQL with its bound values (`Failed query: … params: a@b.c,…`): keep the query,
 * drop the values, which can be people's emails or messages.
 */
function withoutQueryParams(message: string): string {
	const at = message.startsWith("Failed query:") ? message.lastIndexOf("\nparams:") : -1;
	return at === -1 ? message : `${message.slice(0, at)}\nparams: [not logged]`;
}

/** What every redacted value is replaced with. */
export const REDACTED = "***REDACTED***";

/** Keys compared lowercased with `-` and `_` removed. */
const SENSITIVE_KEYS = new Set([
	"apikey",
	"xapikey",
	"password",
	"passwd",
	"passphrase",
	"secret",
	"clientsecret",
	"token",
	"accesstoken",
	"refreshtoken",
	"idtoken",
	"authorization",
	"proxyauthorization",
	"cookie",
	"setcookie",
	"creditcard",
	"cardnumber",
	"cvv",
	"cvc",
	"ssn",
	"phonenumber",
	"phone",
	"privatekey",
]);

const SENSITIVE_SUFFIXES = ["token", "secret", "password", "passwd", "apikey", "secretkey", "privatekey"];

// Pagination cursors end in "token" but are opaque positions, not credentials; redacting them would
// break paging through an upstream's results.
const NOT_SENSITIVE = new Set([
	"pagetoken",
	"nextpagetoken",
	"prevpagetoken",
	"nexttoken",
	"continuationtoken",
]);

/** Our own API keys (keys.ts), wherever they appear inside a string. */
const UNIFIED_KEY = /unified-[0-9A-Za-z]{30,}/g;

const MAX_DEPTH = 64;

/** Answers per key already judged: the same field names recur in every answer of a service. Bounded. */
const judged = new Map<string, boolean>();
const JUDGED_CAP = 4_096;

/** True if a field or header called `key` holds a secret or personal data. */
export function isSensitiveKey(key: string): boolean {
	const known = judged.get(key);
	if (known !== undefined) return known;
	const k = key.toLowerCase().replace(/[-_]/g, "");
	const sensitive =
		!NOT_SENSITIVE.has(k) &&
		(SENSITIVE_KEYS.has(k) || SENSITIVE_SUFFIXES.some((suffix) => k.endsWith(suffix)));
	if (judged.size >= JUDGED_CAP) judged.clear();
	judged.set(key, sensitive);
	return sensitive;
}

/** Replaces every unified API key inside `text`. */
export function redactString(text: string): string {
	return text.includes("unified-") ? text.replace(UNIFIED_KEY, REDACTED) : text;
}

/**
 * A deep copy of `value` in which values under sensitive keys become `***REDACTED***` and unified API
 * keys inside strings are replaced. Arrays and plain objects are copied; `Headers` become a redacted
 * record; `Error`s become `{ name, message }` (no stack); a reference back to an ancestor becomes
 * `"[Circular]"`. Other class instances are returned as they are.
 */
export function redact<T>(value: T): T {
	return walk(value, new Set(), 0, NO_SECRETS) as T;
}

/**
 * {@link redact}, and every occurrence of each of `secrets` (values we sent upstream: keys, tokens) inside a string
 * replaced too, in the same pass.
 */
export function redactWith<T>(value: T, secrets: readonly string[]): T {
	return walk(
		value,
		new Set(),
		0,
		secrets.filter((secret) => secret !== ""),
	) as T;
}

const NO_SECRETS: readonly string[] = [];

function scrub(text: string, secrets: readonly string[]): string {
	let out = redactString(text);
	for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
	return out;
}

/** The headers as a plain lowercase-keyed record with sensitive values and unified keys redacted. */
export function redactHeaders(headers: HeadersInit): Record<string, string> {
	const out: Record<string, string> = {};
	new Headers(headers).forEach((value, key) => {
		out[key] = isSensitiveKey(key) ? REDACTED : redactString(value);
	});
	return out;
}

function walk(value: unknown, ancestors: Set<object>, depth: number, secrets: readonly string[]): unknown {
	if (typeof value === "string") return scrub(value, secrets);
	if (typeof value !== "object" || value === null) return value;
	if (ancestors.has(value)) return "[Circular]";
	if (depth >= MAX_DEPTH) return "[Truncated]";
	if (value instanceof Headers) return redactHeaders(value);
	if (value instanceof Error)
		return { name: value.name, message: scrub(withoutQueryParams(value.message), secrets) };
	const isArray = Array.isArray(value);
	const proto: unknown = Object.getPrototypeOf(value);
	if (!isArray && proto !== Object.prototype && proto !== null) return value;

	// Ancestors, not every object seen: a value shared by two branches is copied twice, not flagged.
	ancestors.add(value);
	let copy: unknown;
	if (isArray) {
		copy = value.map((item) => walk(item, ancestors, depth + 1, secrets));
	} else {
		const out: Record<string, unknown> = {};
		for (const key of Object.keys(value)) {
			const item: unknown = (value as Record<string, unknown>)[key];
			const redacted =
				isSensitiveKey(key) && item !== null && item !== undefined
					? REDACTED
					: walk(item, ancestors, depth + 1, secrets);
			if (key === "__proto__") {
				// A parsed "__proto__" key is data; plain assignment would swap the copy's prototype instead.
				Object.defineProperty(out, key, {
					value: redacted,
					enumerable: true,
					writable: true,
					configurable: true,
				});
			} else out[key] = redacted;
		}
		copy = out;
	}
	ancestors.delete(value);
	return copy;
}
