import { PenumbraError } from "./errors.ts";

/*
 * Upstream and spec URLs come from provider manifests, so they are checked before every fetch.
 * This check is purely syntactic: it never resolves DNS. A public name that resolves to a private
 * address (DNS rebinding, `127.0.0.1.nip.io`) is stopped by the Workers runtime in production, whose
 * `fetch` cannot reach private or loopback networks. Locally (workerd under wrangler) that guard does
 * not exist, which is one more reason the allowlist is the only way to reach a private origin.
 *
 * The WHATWG URL parser already canonicalises decimal (2130706433), octal (0177.0.0.1), hex (0x7f.1)
 * and short (127.1) IPv4 hosts to dotted quads, lowercases and percent-decodes names, and writes IPv6
 * in compressed hex (`[::ffff:7f00:1]`). What it leaves to us: trailing dots, special-use names and
 * the IPv6 forms that embed an IPv4 address.
 */

export type UpstreamUrlAssessment = { ok: true; url: URL } | { ok: false; reason: string };

/** Names that never denote a public host (RFC 6761, RFC 6762, RFC 8375, cloud-internal DNS). */
const PRIVATE_NAME_SUFFIXES = ["localhost", "local", "internal", "localdomain", "home.arpa"];

/** [network, prefix length, why it is refused]; the first match wins. */
const IPV4_BLOCKED: ReadonlyArray<readonly [string, number, string]> = [
	["255.255.255.255", 32, "broadcast"],
	["0.0.0.0", 8, "'this network'"],
	["10.0.0.0", 8, "private"],
	["100.64.0.0", 10, "shared (CGNAT)"],
	["127.0.0.0", 8, "loopback"],
	["169.254.0.0", 16, "link-local"],
	["172.16.0.0", 12, "private"],
	["192.0.0.0", 24, "IETF protocol assignment"],
	["192.0.2.0", 24, "documentation"],
	["192.88.99.0", 24, "6to4 relay anycast"],
	["192.168.0.0", 16, "private"],
	["198.18.0.0", 15, "benchmarking"],
	["198.51.100.0", 24, "documentation"],
	["203.0.113.0", 24, "documentation"],
	["224.0.0.0", 4, "multicast"],
	["240.0.0.0", 4, "reserved"],
];

const IPV4_BLOCKED_NUMERIC = IPV4_BLOCKED.map(([net, len, label]) => {
	const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
	return { base: ((parseDottedQuad(net) ?? 0) & mask) >>> 0, mask, label };
});

/**
 * Checks that `raw` is an https URL to a public host, or any http(s) URL whose origin is exactly one of
 * `allowlist` (the local sandbox). Never throws.
 */
export function assessUpstreamUrl(raw: string, allowlist: readonly string[]): UpstreamUrlAssessment {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return { ok: false, reason: "not a valid absolute URL" };
	}
	if (url.protocol !== "https:" && url.protocol !== "http:") {
		return { ok: false, reason: `scheme ${url.protocol.slice(0, -1)} is not allowed` };
	}
	if (url.username !== "" || url.password !== "") {
		return { ok: false, reason: "credentials in the URL are not allowed" };
	}
	if (allowlist.some((entry) => sameOrigin(entry, url))) return { ok: true, url };
	if (url.protocol !== "https:") return { ok: false, reason: "scheme must be https" };
	const refusal = refuseHost(url.hostname);
	return refusal === null ? { ok: true, url } : { ok: false, reason: refusal };
}

/** Like {@link assessUpstreamUrl} but throws a FORBIDDEN PenumbraError on refusal. */
export function assertUpstreamUrl(raw: string, allowlist: readonly string[]): URL {
	const result = assessUpstreamUrl(raw, allowlist);
	if (!result.ok) {
		throw new PenumbraError("FORBIDDEN", { detail: `Upstream URL refused: ${result.reason}` });
	}
	return result.url;
}

/**
 * Parses a comma- or space-separated list of origins (e.g. `UPSTREAM_ALLOWLIST`) into normalised
 * origins. An entry that is not a bare http(s) origin throws INTERNAL: a typo here must be loud, not
 * silently narrow or widen what the gateway may reach.
 */
export function parseAllowlist(value: string | undefined): string[] {
	// Parsed once per configuration (every upstream call asks): a copy, so no caller can change the remembered one.
	if (lastAllowlist && lastAllowlist.value === value) return [...lastAllowlist.origins];
	const origins = parseOrigins(value);
	lastAllowlist = { value, origins };
	return [...origins];
}

let lastAllowlist: { value: string | undefined; origins: readonly string[] } | undefined;

function parseOrigins(value: string | undefined): string[] {
	const origins: string[] = [];
	for (const entry of (value ?? "").split(/[\s,]+/)) {
		if (entry === "") continue;
		const origin = bareOrigin(entry);
		if (origin === null) {
			throw new PenumbraError("INTERNAL", {
				detail: "The gateway is misconfigured.",
				internal: `UPSTREAM_ALLOWLIST entry is not an http(s) origin: ${JSON.stringify(entry)}`,
			});
		}
		if (!origins.includes(origin)) origins.push(origin);
	}
	return origins;
}

function bareOrigin(entry: string): string | null {
	let url: URL;
	try {
		url = new URL(entry);
	} catch {
		return null;
	}
	const bare =
		(url.protocol === "http:" || url.protocol === "https:") &&
		url.username === "" &&
		url.password === "" &&
		url.pathname === "/" &&
		url.search === "" &&
		url.hash === "";
	return bare ? url.origin : null;
}

function sameOrigin(entry: string, url: URL): boolean {
	// Entries normally come from parseAllowlist already normalised; re-normalising keeps a hand-written
	// list (trailing slash, default port spelled out) from failing closed in a confusing way.
	return entry === url.origin || bareOrigin(entry) === url.origin;
}

/** Why `hostname` (as produced by the URL parser) is not a public host, or null if it is. */
function refuseHost(hostname: string): string | null {
	if (hostname.startsWith("[")) return refuseIPv6(hostname.slice(1, -1));
	const host = hostname.replace(/\.+$/, "");
	if (host === "") return "empty host";
	const v4 = parseDottedQuad(host);
	if (v4 !== null) return refuseIPv4(v4, host);
	const labels = host.split(".");
	// The URL parser turns any host whose last label is numeric into a dotted quad or rejects it;
	// anything numeric-looking left over means a parser that disagrees with ours, so fail closed.
	if (/^(0x[0-9a-f]*|[0-9]+)$/i.test(labels.at(-1) ?? "")) return `ambiguous numeric host ${host}`;
	for (const suffix of PRIVATE_NAME_SUFFIXES) {
		if (host === suffix || host.endsWith(`.${suffix}`)) return `host ${host} is not public`;
	}
	if (labels.length < 2) return `host ${host} is not a fully qualified public name`;
	return null;
}

function refuseIPv4(address: number, shown: string): string | null {
	for (const { base, mask, label } of IPV4_BLOCKED_NUMERIC) {
		if ((address & mask) >>> 0 === base) return `address ${shown} is ${label}`;
	}
	return null;
}

function refuseIPv6(literal: string): string | null {
	const g = parseIPv6(literal);
	if (g === null) return `unparseable IPv6 address ${literal}`;
	const shown = `[${literal}]`;
	const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
	const embeddedV4 = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;
	const v4Text = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
	const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;

	if (zeroUpTo(8)) return `address ${shown} is unspecified`;
	if (zeroUpTo(7) && g7 === 1) return `address ${shown} is loopback`;
	// Mapped, translated and compatible forms are how a v4 target hides in a v6 literal; a real
	// upstream never needs them, so they are refused whatever v4 address they carry.
	if (zeroUpTo(5) && g5 === 0xffff) return `address ${shown} is IPv4-mapped`;
	if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return `address ${shown} is IPv4-translated`;
	if (zeroUpTo(6)) return `address ${shown} is IPv4-compatible`;
	if (g0 === 0x64 && g1 === 0xff9b) {
		if (g2 === 1) return `address ${shown} is local-use NAT64`;
		if (g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
			const v4 = embeddedV4(g6, g7);
			const inner = refuseIPv4(v4, v4Text(v4));
			return inner === null ? null : `NAT64 ${shown} embeds ${inner}`;
		}
	}
	if (g0 === 0x2002) {
		const v4 = embeddedV4(g1, g2);
		const inner = refuseIPv4(v4, v4Text(v4));
		return inner === null ? null : `6to4 ${shown} embeds ${inner}`;
	}
	if ((g0 & 0xfe00) === 0xfc00) return `address ${shown} is unique-local`;
	if ((g0 & 0xffc0) === 0xfe80) return `address ${shown} is link-local`;
	if ((g0 & 0xffc0) === 0xfec0) return `address ${shown} is site-local`;
	if ((g0 & 0xff00) === 0xff00) return `address ${shown} is multicast`;
	if (g0 === 0x2001 && g1 < 0x0200) return `address ${shown} is an IETF protocol assignment`;
	if (g0 === 0x2001 && g1 === 0x0db8) return `address ${shown} is documentation`;
	if (g0 === 0x3fff && (g1 & 0xf000) === 0) return `address ${shown} is documentation`;
	if ((g0 & 0xe000) !== 0x2000) return `address ${shown} is not global unicast`;
	return null;
}

function parseDottedQuad(s: string): number | null {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
	if (m === null) return null;
	let value = 0;
	for (const part of m.slice(1)) {
		const n = Number(part);
		if (n > 255) return null;
		value = value * 256 + n;
	}
	return value;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a dotted-quad tail. */
function parseIPv6(s: string): number[] | null {
	let text = s;
	const tail: number[] = [];
	if (text.includes(".")) {
		const cut = text.lastIndexOf(":");
		const v4 = parseDottedQuad(text.slice(cut + 1));
		if (v4 === null) return null;
		tail.push(v4 >>> 16, v4 & 0xffff);
		text = text.endsWith("::", cut + 1) ? text.slice(0, cut + 1) : text.slice(0, cut);
	}
	const halves = text.split("::");
	if (halves.length > 2) return null;
	const groups = (part: string): number[] | null => {
		if (part === "") return [];
		const out: number[] = [];
		for (const h of part.split(":")) {
			if (!/^[0-9a-f]{1,4}$/i.test(h)) return null;
			out.push(Number.parseInt(h, 16));
		}
		return out;
	};
	const left = groups(halves[0] ?? "");
	const right = groups(halves[1] ?? "");
	if (left === null || right === null) return null;
	if (halves.length === 1) {
		const all = [...left, ...tail];
		return all.length === 8 ? all : null;
	}
	const fill = 8 - left.length - right.length - tail.length;
	if (fill < 1) return null;
	return [...left, ...new Array<number>(fill).fill(0), ...right, ...tail];
}
