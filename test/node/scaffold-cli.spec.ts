import { spawn } from "node:child_process";
import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkProviderContract, createMetaSchemaChecker } from "@penumbra/cli/scaffold-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve("packages/cli/bin/penumbra.js");

function penumbra(
	args: string[],
	env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], {
			env: { ...process.env, ...env },
			stdio: ["ignore", "pipe", "pipe"],
		});
		let stdout = "";
		let stderr = "";
		child.stdout.on("data", (d: Buffer) => {
			stdout += d.toString();
		});
		child.stderr.on("data", (d: Buffer) => {
			stderr += d.toString();
		});
		child.on("error", reject);
		child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
	});
}

describe("penumbra providers scaffold", () => {
	let dir: string;
	let server: Server;
	let origin: string;

	beforeAll(async () => {
		dir = await mkdtemp(path.join(tmpdir(), "scaffold-cli-"));
		const fooddash = await readFile("providers/fooddash/openapi.yaml", "utf8");
		// The same spec without its purchase marks, as a merchant would publish it.
		const plain = fooddash.replace(/^\s+x-(purchase-[a-z]+|amount-path|transaction-id-path):.*\n/gm, "");
		server = createServer((req, res) => {
			if (req.url === "/fooddash/openapi.yaml")
				res.writeHead(200, { "content-type": "application/yaml" }).end(plain);
			else if (req.url === "/moved") res.writeHead(302, { location: "http://169.254.169.254/latest" }).end();
			else res.writeHead(404).end();
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});

	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
		await rm(dir, { recursive: true, force: true });
	});

	it("writes a provider from a spec file, shows its steps, and refuses to overwrite it without --force", async () => {
		const args = [
			"providers",
			"scaffold",
			"--id",
			"petstore",
			"--name",
			"Petstore",
			"--openapi-file",
			"test/fixtures/openapi-corpus/petstore3.yaml",
			"--upstream-base",
			"https://petstore3.swagger.io/api/v3",
			"--category",
			"pets",
			"--tags",
			"pets, animals",
			"--dir",
			dir,
		];
		const first = await penumbra(args);
		expect(first.stderr).toContain("  • resolving $refs (43 in the spec)");
		expect(first.stdout).toContain("CHECK provider.yaml#/auth:");
		expect(first.stdout).toContain(
			`wrote ${path.join(dir, "petstore")}/: 19 tools from 19 operations (OpenAPI 3.0.4)`,
		);
		expect(first.code).toBe(0);
		const report = await checkProviderContract(path.join(dir, "petstore"));
		expect(report.problems).toEqual([]);
		expect(report.service?.card).toMatchObject({ category: "pets", tags: ["pets", "animals"] });
		const contract = await readFile(path.join(dir, "petstore", "contract.spec.ts"), "utf8");
		const helper = /from "([^"]+scaffold-contract\.ts)"/.exec(contract)?.[1] ?? "";
		await expect(access(path.resolve(dir, "petstore", helper))).resolves.toBeUndefined();

		const again = await penumbra(args);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain("already exists; pass --force to overwrite it");
		expect((await penumbra([...args, "--force"])).code).toBe(0);
	});

	it("fetches a spec from an allowlisted origin and pairs its purchase, with --json output", async () => {
		const result = await penumbra(
			[
				"providers",
				"scaffold",
				"--id",
				"fooddash-copy",
				"--name",
				"FoodDash",
				"--openapi-url",
				`${origin}/fooddash/openapi.yaml`,
				"--upstream-base",
				// biome-ignore lint/suspicious/noTemplateCurlyInString: a manifest placeholder, substituted by the compiler.
				"${SANDBOX_ORIGIN}/fooddash",
				"--precheck-pattern",
				"/checkout/quote",
				"--dir",
				dir,
				"--json",
			],
			{ PENUMBRA_UPSTREAM_ALLOWLIST: origin },
		);
		expect(result.stderr).toBe("");
		expect(result.code).toBe(0);
		const json = JSON.parse(result.stdout);
		expect(json.ok).toBe(true);
		expect(json.tools).toContain("checkout");
		const report = await checkProviderContract(path.join(dir, "fooddash-copy"));
		expect(report.purchases).toEqual([{ tool: "checkout", precheck: "get_checkout_quote" }]);
		const checkout = report.service?.tools.find((t) => t.name === "checkout");
		expect(checkout?.purchase).toMatchObject({
			amount_path: "$.totals.total_cents",
			transaction_id_path: "$.order_uuid",
		});
	});

	it("refuses URLs that are not https or allowlisted, and redirects into private networks", async () => {
		const plain = await penumbra([
			"providers",
			"scaffold",
			"--id",
			"x1",
			"--name",
			"X",
			"--openapi-url",
			`${origin}/fooddash/openapi.yaml`,
			"--upstream-base",
			"https://a.example.com",
			"--dir",
			dir,
		]);
		expect(plain.code).toBe(2);
		expect(plain.stderr).toContain(`refusing to fetch ${origin}/fooddash/openapi.yaml: scheme must be https`);
		const redirected = await penumbra(
			[
				"providers",
				"scaffold",
				"--id",
				"x2",
				"--name",
				"X",
				"--openapi-url",
				`${origin}/moved`,
				"--upstream-base",
				"https://a.example.com",
				"--dir",
				dir,
			],
			{ PENUMBRA_UPSTREAM_ALLOWLIST: origin },
		);
		expect(redirected.code).toBe(2);
		expect(redirected.stderr).toContain("refusing to fetch http://169.254.169.254/latest");
	});

	it("writes nothing for a spec it must refuse, and says why", async () => {
		const result = await penumbra([
			"providers",
			"scaffold",
			"--id",
			"museum",
			"--name",
			"Museum",
			"--openapi-file",
			"test/fixtures/openapi-corpus/museum.yaml",
			"--upstream-base",
			"https://api.example.com",
			"--precheck-pattern",
			"/nowhere",
			"--dir",
			dir,
		]);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('--precheck-pattern "/nowhere" matches no path');
		expect(result.stderr).toContain(`nothing was written to ${path.join(dir, "museum")}/`);
		await expect(access(path.join(dir, "museum"))).rejects.toThrow();
	});

	it("needs its required options", async () => {
		const result = await penumbra(["providers", "scaffold", "--id", "x3"]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("needs --name, --upstream-base, --openapi-url or --openapi-file");
	});
});

describe("the JSON Schema 2020-12 meta-schema check", () => {
	it("rejects invalid keywords at any depth, and patterns that do not compile", async () => {
		const check = await createMetaSchemaChecker();
		expect(check({ type: "object", properties: { a: { type: ["string", "null"] } } }).valid).toBe(true);
		expect(check({ type: "object", properties: { a: { items: { minLength: -1 } } } }).errors).toEqual([
			"#/properties/a/items/minLength: -1 is less than 0.",
		]);
		expect(check({ anyOf: [{ type: "nope" }] }).valid).toBe(false);
		expect(check({ type: "string", pattern: "([" }).valid).toBe(false);
	});
});
