import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
	configuredUpstreams,
	localAllowlist,
	PARTS,
	readStackFile,
	removeStackFile,
	resolveUrl,
	STACK_FILE,
	type StackContext,
	writeStackFile,
} from "@penumbra/cli/local-stack";
import { parseAllowlist } from "@penumbra/core/ssrf";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PORTS, gatewayDevVars } from "../../scripts/lib/dev-vars.ts";
import { WORKERS } from "../../scripts/lib/stack.ts";

/**
 * Where the CLI finds the local stack (packages/cli/src/local-stack.ts): the precedence flag > environment > the
 * stack file `npm start` writes > default, the PENUMBRA_UPSTREAM_ALLOWLIST setting, and the commands that use them
 * (run as a user runs them, in a folder of their own).
 */

const BIN = path.resolve("packages/cli/bin/penumbra.js");
let dir: string;

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
	const child = spawnSync(process.execPath, ["-e", "0"]);
	return child.pid ?? 0;
}

function stackFile(pid: number, urls: Record<string, string>, upstream_allowlist: string[] = []): void {
	writeStackFile(dir, { pid, started_at: "2026-12-06T00:00:00.000Z", urls, upstream_allowlist });
}

const ctx = (env: Record<string, string> = {}): StackContext => ({ cwd: dir, env });

beforeAll(() => {
	dir = mkdtempSync(path.join(tmpdir(), "local-stack-"));
});
afterEach(() => {
	rmSync(path.join(dir, ".penumbra"), { recursive: true, force: true });
	rmSync(path.join(dir, ".dev.vars"), { force: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveUrl", () => {
	it("takes the flag, then the URL variable, then the port variable, then a live stack file, then the default", () => {
		stackFile(process.pid, { gateway: "http://127.0.0.1:9001" });
		const env = { PENUMBRA_GATEWAY_URL: "http://127.0.0.1:9003/", PENUMBRA_GATEWAY_PORT: "9002" };
		const flag = { name: "--url", value: "http://127.0.0.1:9004" };
		expect(resolveUrl("gateway", flag, ctx(env))).toEqual({ url: "http://127.0.0.1:9004", source: "--url" });
		expect(resolveUrl("gateway", undefined, ctx(env))).toEqual({
			url: "http://127.0.0.1:9003",
			source: "PENUMBRA_GATEWAY_URL",
		});
		expect(resolveUrl("gateway", undefined, ctx({ PENUMBRA_GATEWAY_PORT: "9002" })).url).toBe(
			"http://127.0.0.1:9002",
		);
		expect(resolveUrl("gateway", undefined, ctx())).toMatchObject({
			url: "http://127.0.0.1:9001",
			source: expect.stringContaining(STACK_FILE),
		});
		rmSync(path.join(dir, STACK_FILE));
		expect(resolveUrl("gateway", undefined, ctx())).toEqual({
			url: "http://127.0.0.1:8787",
			source: "default",
		});
	});

	it("ignores a stack file whose npm start is gone", () => {
		stackFile(deadPid(), { sandbox: "http://127.0.0.1:9101" });
		expect(readStackFile(ctx())?.alive).toBe(false);
		expect(resolveUrl("sandbox", undefined, ctx())).toEqual({
			url: "http://127.0.0.1:8791",
			source: "default",
		});
	});

	it("follows the sandbox's own variables: SANDBOX_ORIGIN and PENUMBRA_SANDBOX_PORT", () => {
		expect(resolveUrl("sandbox", undefined, ctx({ PENUMBRA_SANDBOX_PORT: "9791" })).url).toBe(
			"http://127.0.0.1:9791",
		);
		expect(
			resolveUrl(
				"sandbox",
				undefined,
				ctx({ SANDBOX_ORIGIN: "http://127.0.0.1:9792", PENUMBRA_SANDBOX_PORT: "1" }),
			).url,
		).toBe("http://127.0.0.1:9792");
	});

	it("refuses values that are not URLs or ports, naming where they came from", () => {
		expect(() => resolveUrl("gateway", { name: "--url", value: "localhost" }, ctx())).toThrow(
			/--url "localhost"/,
		);
		expect(() => resolveUrl("mcp", undefined, ctx({ PENUMBRA_MCP_URL: "ftp://x" }))).toThrow(
			/PENUMBRA_MCP_URL/,
		);
		expect(() => resolveUrl("chat", undefined, ctx({ PENUMBRA_CHAT_PORT: "70000" }))).toThrow(
			/PENUMBRA_CHAT_PORT=70000 is not a port/,
		);
		mkdirSync(path.join(dir, ".penumbra"));
		writeFileSync(path.join(dir, STACK_FILE), "{");
		expect(() => resolveUrl("gateway", undefined, ctx())).toThrow(/stack\.json is not JSON.*delete it/);
	});

	it("uses the ports npm start uses", () => {
		for (const worker of WORKERS) {
			const part = PARTS[worker.name as keyof typeof PARTS];
			expect(part, worker.name).toMatchObject({ portEnv: worker.portEnv, defaultPort: worker.defaultPort });
			expect(DEFAULT_PORTS[worker.name as keyof typeof DEFAULT_PORTS]).toBe(worker.defaultPort);
		}
	});
});

describe("the stack file", () => {
	it("is removed only by the npm start that wrote it", () => {
		stackFile(process.pid, { gateway: "http://127.0.0.1:9001" });
		removeStackFile(dir, process.pid + 1);
		expect(readStackFile(ctx())?.stack.pid).toBe(process.pid);
		removeStackFile(dir, process.pid);
		expect(readStackFile(ctx())).toBeNull();
	});
});

describe("PENUMBRA_UPSTREAM_ALLOWLIST", () => {
	it("comes from the environment, else from .dev.vars", () => {
		writeFileSync(
			path.join(dir, ".dev.vars"),
			'ADMIN_TOKEN="x"\nPENUMBRA_UPSTREAM_ALLOWLIST="http://127.0.0.1:4010"\n',
		);
		expect(configuredUpstreams(ctx())).toEqual({ origins: ["http://127.0.0.1:4010"], from: ".dev.vars" });
		expect(
			configuredUpstreams(
				ctx({ PENUMBRA_UPSTREAM_ALLOWLIST: "http://localhost:5000/, https://staging.example.com" }),
			),
		).toEqual({ origins: ["http://localhost:5000", "https://staging.example.com"], from: "the environment" });
	});

	it("names every entry that is not a bare http(s) origin, with the fix", () => {
		const bad = "http://127.0.0.1:4010/v1, localhost:4010, ftp://files.example.com, http://u:p@127.0.0.1:1";
		let message = "";
		try {
			configuredUpstreams(ctx({ PENUMBRA_UPSTREAM_ALLOWLIST: bad }));
		} catch (error) {
			message = error instanceof Error ? error.message : String(error);
		}
		expect(message).toContain("PENUMBRA_UPSTREAM_ALLOWLIST (from the environment)");
		expect(message).toContain(
			'"http://127.0.0.1:4010/v1" has a path, query or fragment; write the origin only: http://127.0.0.1:4010',
		);
		expect(message).toContain('"localhost:4010" is not an absolute URL');
		expect(message).toContain('"ftp://files.example.com" has scheme ftp');
		expect(message).toContain('"http://u:p@127.0.0.1:1" has credentials');
	});

	it("is added to the sandbox in the gateway's UPSTREAM_ALLOWLIST, which the gateway parses", () => {
		const vars = gatewayDevVars({ sandbox: 9791 }, ["http://127.0.0.1:4010"]);
		expect(parseAllowlist(vars.UPSTREAM_ALLOWLIST)).toEqual([
			"http://127.0.0.1:9791",
			"http://127.0.0.1:4010",
		]);
		expect(gatewayDevVars().UPSTREAM_ALLOWLIST).toBe("http://127.0.0.1:8791");
	});

	it("makes the CLI's allowlist with the sandbox; a running stack's list stands unless the environment says otherwise", () => {
		const sandbox = { url: "http://127.0.0.1:8791", source: "default" };
		expect(localAllowlist(sandbox, ctx())).toEqual(["http://127.0.0.1:8791"]);
		stackFile(process.pid, {}, ["http://127.0.0.1:9791", "http://127.0.0.1:4010"]);
		expect(localAllowlist(sandbox, ctx())).toEqual(["http://127.0.0.1:9791", "http://127.0.0.1:4010"]);
		expect(localAllowlist(sandbox, ctx({ PENUMBRA_UPSTREAM_ALLOWLIST: "http://127.0.0.1:5000" }))).toEqual([
			"http://127.0.0.1:8791",
			"http://127.0.0.1:5000",
		]);
	});
});

function penumbra(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], {
			cwd: dir,
			env: { PATH: process.env.PATH ?? "", ...env },
			stdio: ["ignore", "pipe", "pipe"],
		});
		let out = "";
		child.stdout.on("data", (d: Buffer) => {
			out += d.toString();
		});
		child.stderr.on("data", (d: Buffer) => {
			out += d.toString();
		});
		child.on("error", reject);
		child.on("close", (code) => resolve({ code: code ?? 1, out }));
	});
}

// Each CLI run is a Node start (about 1 to 2 s here, more under load).
describe("the CLI", { timeout: 30_000 }, () => {
	let gateway: Server;
	let origin: string;
	const paths: string[] = [];

	beforeAll(async () => {
		gateway = createServer((req, res) => {
			paths.push(req.url ?? "");
			res.writeHead(200, { "content-type": "application/json" }).end('{"credentials":[]}');
		});
		await new Promise<void>((done) => gateway.listen(0, "127.0.0.1", done));
		origin = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
	});
	afterAll(() => new Promise<void>((done) => gateway.close(() => done())));

	it("talks to the gateway of the running npm start", async () => {
		stackFile(process.pid, { gateway: origin });
		const result = await penumbra(["keys", "list"], { ADMIN_TOKEN: "adm_x" });
		expect(result).toMatchObject({ code: 0, out: expect.stringContaining("no keys yet") });
		expect(paths).toEqual(["/v1/admin/credentials"]);
	});

	it("says where a gateway URL it cannot reach came from", async () => {
		stackFile(process.pid, { gateway: origin });
		const result = await penumbra(["keys", "list"], { ADMIN_TOKEN: "adm_x", PENUMBRA_GATEWAY_PORT: "1" });
		expect(result.code).toBe(1);
		expect(result.out).toContain("cannot reach the gateway at http://127.0.0.1:1");
		expect(result.out).toContain("the URL is from PENUMBRA_GATEWAY_PORT");
	});

	it("prints every part's URL and source with `penumbra stack`", async () => {
		stackFile(process.pid, { gateway: origin, sandbox: "http://127.0.0.1:9791" }, ["http://127.0.0.1:9791"]);
		const result = await penumbra(["stack", "--json"], { PENUMBRA_MCP_PORT: "9788" });
		const json = JSON.parse(result.out);
		expect(json.urls.gateway).toMatchObject({ url: origin, source: expect.stringContaining(STACK_FILE) });
		expect(json.urls.mcp).toEqual({ url: "http://127.0.0.1:9788", source: "PENUMBRA_MCP_PORT" });
		expect(json.urls.chat).toEqual({ url: "http://127.0.0.1:8789", source: "default" });
		expect(json.upstream_allowlist).toEqual(["http://127.0.0.1:9791"]);
	});
});

describe("providers validate and build", { timeout: 30_000 }, () => {
	const providers = () => path.join(dir, "providers");

	function provider(id: string, upstream: string): void {
		const folder = path.join(providers(), id);
		mkdirSync(folder, { recursive: true });
		writeFileSync(
			path.join(folder, "provider.yaml"),
			`id: ${id}\nname: ${id}\ndescription: A test service\ncategory: test\nauth: { scheme: none }\nendpoints: openapi.yaml\nupstream: ${upstream}\n`,
		);
		writeFileSync(
			path.join(folder, "openapi.yaml"),
			"openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /ping:\n    get:\n      operationId: ping\n      summary: Ping\n      responses: { '200': { description: ok } }\n",
		);
	}

	beforeAll(() => {
		provider("localmock", "http://127.0.0.1:4010");
		provider("public", "https://api.example.com/v1");
		// biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest's placeholder, substituted by the compiler
		provider("sandboxed", "${SANDBOX_ORIGIN}/sandboxed");
	});
	afterAll(() => rmSync(providers(), { recursive: true, force: true }));

	it("warns about an upstream the gateway would refuse and names the setting that fixes it", async () => {
		const result = await penumbra(["providers", "validate", "--dir", "providers"]);
		expect(result.code).toBe(0);
		const warnings = result.out.split("\n").filter((line) => line.includes("warning:"));
		expect(warnings).toEqual([
			expect.stringMatching(
				/^providers\/localmock\/provider\.yaml#\/upstream: warning: the gateway refuses http:\/\/127\.0\.0\.1:4010 \(scheme must be https\); .*add http:\/\/127\.0\.0\.1:4010 to PENUMBRA_UPSTREAM_ALLOWLIST/,
			),
		]);
	});

	it("does not warn once the origin is in PENUMBRA_UPSTREAM_ALLOWLIST (environment or .dev.vars)", async () => {
		const fromEnv = await penumbra(["providers", "validate", "--dir", "providers"], {
			PENUMBRA_UPSTREAM_ALLOWLIST: "http://127.0.0.1:4010",
		});
		expect(fromEnv).toMatchObject({ code: 0, out: expect.not.stringContaining("warning") });
		writeFileSync(path.join(dir, ".dev.vars"), "PENUMBRA_UPSTREAM_ALLOWLIST=http://127.0.0.1:4010\n");
		const fromFile = await penumbra(["providers", "validate", "--dir", "providers", "--json"]);
		expect(JSON.parse(fromFile.out).warnings).toEqual([]);
	});

	it("points the SANDBOX_ORIGIN placeholder at the sandbox npm start runs", async () => {
		const out = path.join(dir, "registry.json");
		const upstreamOf = () => {
			const entries: { key: string; value: string }[] = JSON.parse(readFileSync(out, "utf8"));
			const service = entries.find((e) => e.key.endsWith(":sandboxed"));
			return JSON.parse(service?.value ?? "{}").upstream;
		};
		await penumbra(["providers", "build", "--dir", "providers", "--out", out], {
			PENUMBRA_SANDBOX_PORT: "9791",
		});
		expect(upstreamOf()).toBe("http://127.0.0.1:9791/sandboxed");
		stackFile(process.pid, { sandbox: "http://127.0.0.1:9891" });
		await penumbra(["providers", "build", "--dir", "providers", "--out", out]);
		expect(upstreamOf()).toBe("http://127.0.0.1:9891/sandboxed");
		await penumbra([
			"providers",
			"build",
			"--dir",
			"providers",
			"--out",
			out,
			"--sandbox-origin",
			"http://127.0.0.1:9991",
		]);
		expect(upstreamOf()).toBe("http://127.0.0.1:9991/sandboxed");
	});
});
