import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve("packages/cli/bin/penumbra.js");

function validate(cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, "providers", "validate", "--dir", "providers", "--json"], {
			cwd,
			env: { ...process.env, ...env },
			stdio: ["ignore", "pipe", "pipe"],
		});
		let out = "";
		child.stdout.on("data", (d: Buffer) => {
			out += d.toString();
		});
		child.on("error", reject);
		child.on("close", (code) => resolve({ code: code ?? 1, out }));
	});
}

const NAMES = ["PROVIDER_ACME_USERNAME", "PROVIDER_ACME_PASSWORD", "PROVIDER_ACME_ACCOUNT_KEY"];

// `providers validate` names the PROVIDER_* secrets a manifest's auth reads that are set nowhere (docs/upstream-auth.md).
describe("providers validate and the upstream secrets", { timeout: 30_000 }, () => {
	let dir: string;
	const unset = Object.fromEntries(NAMES.map((name) => [name, ""]));

	beforeAll(() => {
		dir = mkdtempSync(path.join(tmpdir(), "provider-secrets-"));
		const folder = path.join(dir, "providers", "acme");
		mkdirSync(folder, { recursive: true });
		writeFileSync(
			path.join(folder, "provider.yaml"),
			[
				"id: acme",
				"name: Acme",
				"description: A test service",
				"category: test",
				"auth:",
				"  scheme: basic",
				"  credentials: [{ in: header, name: X-Account, secret: ACCOUNT_KEY }]",
				"endpoints: openapi.yaml",
				"upstream: https://api.example.com/v1",
			].join("\n"),
		);
		writeFileSync(
			path.join(folder, "openapi.yaml"),
			"openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /ping:\n    get:\n      operationId: ping\n      summary: Ping\n      responses: { '200': { description: ok } }\n",
		);
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it("warns, naming every secret set neither in the environment nor in .dev.vars", async () => {
		const result = await validate(dir, unset);
		expect(result.code).toBe(0);
		expect(JSON.parse(result.out).warnings).toEqual([
			{
				file: "providers/acme/provider.yaml",
				path: "/auth",
				message: expect.stringMatching(
					/^the gateway reads PROVIDER_ACME_ACCOUNT_KEY, PROVIDER_ACME_USERNAME, PROVIDER_ACME_PASSWORD, set neither/,
				),
			},
		]);
	});

	it("is quiet once each is set, in the environment or in .dev.vars", async () => {
		writeFileSync(path.join(dir, ".dev.vars"), "PROVIDER_ACME_USERNAME=u\nPROVIDER_ACME_PASSWORD=p\n");
		const partly = await validate(dir, { PROVIDER_ACME_ACCOUNT_KEY: "" });
		expect(JSON.parse(partly.out).warnings[0].message).toMatch(
			/^the gateway reads PROVIDER_ACME_ACCOUNT_KEY, set/,
		);
		const all = await validate(dir, { PROVIDER_ACME_ACCOUNT_KEY: "k" });
		expect(JSON.parse(all.out).warnings).toEqual([]);
	});
});
