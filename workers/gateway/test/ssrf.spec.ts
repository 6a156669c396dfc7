import { PenumbraError } from "@penumbra/core/errors";
import { assertUpstreamUrl, assessUpstreamUrl, parseAllowlist } from "@penumbra/core/ssrf";
import { describe, expect, it } from "vitest";

const SANDBOX = "http://127.0.0.1:8791";
const allowlist = parseAllowlist(`${SANDBOX}, http://localhost:9000`);

// [url, fragment of the reason]. Host cases use https so the host rule, not the scheme rule, refuses them.
const refused: ReadonlyArray<readonly [string, string]> = [
	["ftp://example.com/file", "scheme ftp"],
	["file:///etc/passwd", "scheme file"],
	["javascript:alert(1)", "scheme javascript"],
	["http://example.com/", "must be https"],
	["https://user:pass@example.com/", "credentials"],
	["https://user@example.com/", "credentials"],
	["not a url", "not a valid"],
	["https://localhost/", "localhost is not public"],
	["https://LOCALHOST./", "localhost is not public"],
	["https://api.localhost/", "not public"],
	["https://printer.local/", "not public"],
	["https://db.corp.internal/", "not public"],
	["https://metadata.google.internal/computeMetadata/v1/", "not public"],
	["https://router.home.arpa/", "not public"],
	["https://intranet/", "fully qualified"],
	["https://127.0.0.1/", "loopback"],
	["https://127.255.1.2/", "loopback"],
	["https://0.0.0.0/", "'this network'"],
	["https://0/", "'this network'"],
	["https://10.1.2.3/", "private"],
	["https://172.16.0.1/", "private"],
	["https://172.31.255.255/", "private"],
	["https://192.168.1.1/", "private"],
	["https://100.64.0.1/", "CGNAT"],
	["https://169.254.169.254/latest/meta-data/", "link-local"],
	["https://192.0.0.8/", "IETF"],
	["https://192.0.2.1/", "documentation"],
	["https://198.18.0.1/", "benchmarking"],
	["https://198.19.255.1/", "benchmarking"],
	["https://198.51.100.7/", "documentation"],
	["https://203.0.113.9/", "documentation"],
	["https://224.0.0.1/", "multicast"],
	["https://240.0.0.1/", "reserved"],
	["https://255.255.255.255/", "broadcast"],
	["https://2130706433/", "loopback"],
	["https://0177.0.0.1/", "loopback"],
	["https://0x7f.1/", "loopback"],
	["https://127.1/", "loopback"],
	["https://0xa9fea9fe/", "link-local"],
	["https://127.0.0.1./", "loopback"],
	["https://[::1]/", "loopback"],
	["https://[0:0:0:0:0:0:0:1]/", "loopback"],
	["https://[::]/", "unspecified"],
	["https://[fc00::1]/", "unique-local"],
	["https://[fd12:3456::1]/", "unique-local"],
	["https://[fe80::1]/", "link-local"],
	["https://[ff02::1]/", "multicast"],
	["https://[::ffff:127.0.0.1]/", "IPv4-mapped"],
	["https://[::ffff:7f00:1]/", "IPv4-mapped"],
	["https://[::ffff:8.8.8.8]/", "IPv4-mapped"],
	["https://[::ffff:0:10.0.0.1]/", "IPv4-translated"],
	["https://[::127.0.0.1]/", "IPv4-compatible"],
	["https://[64:ff9b::10.0.0.1]/", "NAT64"],
	["https://[64:ff9b::a9fe:a9fe]/", "NAT64"],
	["https://[64:ff9b:1::1]/", "local-use NAT64"],
	["https://[2002:7f00:1::]/", "6to4"],
	["https://[2002:c0a8:101::1]/", "6to4"],
	["https://[2001:db8::1]/", "documentation"],
	["https://[2001:0::1]/", "IETF"],
	["https://[100::1]/", "not global unicast"],
	// An allowlisted host on another port or scheme is not the allowlisted origin.
	["http://127.0.0.1:8792/", "must be https"],
	["https://127.0.0.1:8791/", "loopback"],
	["http://user:pw@127.0.0.1:8791/", "credentials"],
];

const accepted: readonly string[] = [
	"https://api.example.com/v1/items?q=1",
	"https://EXAMPLE.com./path",
	"https://shop.example.co.uk:8443/",
	"https://8.8.8.8/",
	"https://1.1.1.1:443/dns-query",
	"https://172.32.0.1/",
	"https://[2606:4700:4700::1111]/",
	"https://[64:ff9b::8.8.8.8]/",
	"https://[2002:808:808::1]/",
	"https://xn--e1afmkfd.xn--p1ai/",
	`${SANDBOX}/skycast/forecast`,
	"http://localhost:9000/",
];

describe("assessUpstreamUrl", () => {
	it.each(refused)("refuses %s (%s)", (raw, reason) => {
		const result = assessUpstreamUrl(raw, allowlist);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.reason).toContain(reason);
	});

	it.each(accepted)("accepts %s", (raw) => {
		const result = assessUpstreamUrl(raw, allowlist);
		expect(result).toMatchObject({ ok: true });
		if (result.ok) expect(result.url.href).toBe(new URL(raw).href);
	});

	it("refuses the sandbox when the allowlist is empty, as in production", () => {
		expect(assessUpstreamUrl(`${SANDBOX}/x`, [])).toEqual({ ok: false, reason: "scheme must be https" });
		expect(assessUpstreamUrl("https://127.0.0.1:8791/x", parseAllowlist(""))).toMatchObject({ ok: false });
	});

	it("matches hand-written allowlist entries by origin", () => {
		expect(assessUpstreamUrl(`${SANDBOX}/a`, ["http://127.0.0.1:8791/"]).ok).toBe(true);
		expect(assessUpstreamUrl("http://127.0.0.1/a", ["http://127.0.0.1:80"]).ok).toBe(true);
	});
});

describe("assertUpstreamUrl", () => {
	it("returns the parsed URL when allowed", () => {
		expect(assertUpstreamUrl("https://api.example.com/a?b=1", []).searchParams.get("b")).toBe("1");
	});

	it("throws FORBIDDEN with the reason in the user-visible detail", () => {
		let caught: unknown;
		try {
			assertUpstreamUrl("https://169.254.169.254/latest/meta-data/", []);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(PenumbraError);
		expect(caught).toMatchObject({
			code: "FORBIDDEN",
			status: 403,
			detail: "Upstream URL refused: address 169.254.169.254 is link-local",
		});
	});
});

describe("parseAllowlist", () => {
	it("splits on commas and whitespace and normalises to origins", () => {
		expect(
			parseAllowlist(" http://127.0.0.1:8791/ ,https://Sandbox.Example.com:443\nhttp://[::1]:8080 "),
		).toEqual(["http://127.0.0.1:8791", "https://sandbox.example.com", "http://[::1]:8080"]);
	});

	it("is empty for unset or blank values", () => {
		expect(parseAllowlist(undefined)).toEqual([]);
		expect(parseAllowlist(" , ")).toEqual([]);
	});

	it.each(["127.0.0.1:8791", "ftp://127.0.0.1", "http://127.0.0.1:8791/path", "http://u:p@127.0.0.1"])(
		"throws on the malformed entry %s",
		(entry) => {
			expect(() => parseAllowlist(`http://ok.example.com ${entry}`)).toThrow(/UPSTREAM_ALLOWLIST/);
		},
	);
});
