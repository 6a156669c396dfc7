import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { createMetaSchemaChecker } from "@penumbra/cli/scaffold-contract";
import { synthProviderDocs, synthProviders } from "@penumbra/cli/synth";
import { REGISTRY_INDEX_KEY, serviceKey } from "@penumbra/core/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve("packages/cli/bin/penumbra.js");

function penumbra(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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

describe("synthProviders", () => {
	const { services, problems } = synthProviders({ count: 300, seed: 42, now: "2026-01-01T00:00:00.000Z" });

	it("compiles every synthetic provider with the real compiler", () => {
		expect(problems).toEqual([]);
		expect(services).toHaveLength(300);
		expect(new Set(services.map((s) => s.card.id)).size).toBe(300);
	});

	it("varies categories, sizes and purchase flows the way a marketplace does", () => {
		expect(new Set(services.map((s) => s.card.category)).size).toBeGreaterThanOrEqual(25);
		const sizes = services.map((s) => s.tools.length);
		expect(Math.min(...sizes)).toBeGreaterThanOrEqual(5);
		expect(Math.max(...sizes)).toBeLessThanOrEqual(40);
		expect(Math.max(...sizes)).toBeGreaterThan(30);
		const sellers = services.filter((s) => s.card.has_purchases);
		expect(sellers.length).toBeGreaterThan(30);
		for (const seller of sellers) {
			const purchase = seller.tools.find((t) => t.purchase?.kind === "purchase");
			expect(seller.tools.map((t) => t.name)).toContain(
				purchase?.purchase?.kind === "purchase" ? purchase.purchase.precheck : "",
			);
		}
		const withBody = services.flatMap((s) => s.tools).filter((t) => t.body);
		expect(withBody.length).toBeGreaterThan(1000);
	});

	it("is deterministic by seed, and provider i does not depend on the count", () => {
		const a = synthProviderDocs({ count: 50, seed: 7 });
		expect(synthProviderDocs({ count: 50, seed: 7 })).toEqual(a);
		expect(synthProviderDocs({ count: 10, seed: 7 })).toEqual(a.slice(0, 10));
		expect(synthProviderDocs({ count: 50, seed: 8 }).map((d) => d.id)).not.toEqual(a.map((d) => d.id));
		expect(synthProviderDocs({ count: 3, seed: "bench" })).toEqual(
			synthProviderDocs({ count: 3, seed: "bench" }),
		);
	});

	it("emits valid JSON Schema 2020-12 tool inputs", async () => {
		const check = await createMetaSchemaChecker();
		const invalid = services
			.slice(0, 60)
			.flatMap((s) => s.tools)
			.filter((t) => !check(t.input_schema).valid);
		expect(invalid.map((t) => t.name)).toEqual([]);
	});
});

describe("penumbra providers synth", () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(path.join(tmpdir(), "synth-"));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it("writes the compiled registry as a wrangler kv bulk file", async () => {
		const file = path.join(dir, "registry.json");
		const result = await penumbra([
			"providers",
			"synth",
			"--count",
			"25",
			"--seed",
			"3",
			"--format",
			"kv",
			"--out",
			file,
			"--json",
		]);
		expect(result.code).toBe(0);
		const summary = JSON.parse(result.stdout);
		expect(summary).toMatchObject({ format: "kv", services: 25 });
		const entries = JSON.parse(await readFile(file, "utf8")) as { key: string; value: string }[];
		expect(entries).toHaveLength(summary.entries);
		expect(entries.filter((e) => e.key.startsWith(serviceKey("")))).toHaveLength(25);
		expect(entries[0]?.key).toBe(REGISTRY_INDEX_KEY);
		const index = JSON.parse(entries[0]?.value ?? "{}");
		expect(index.services).toHaveLength(25);
		expect(entries.map((e) => e.key)).toContain(serviceKey(index.services[0].id));
	});

	it("writes provider folders that `providers build` compiles", async () => {
		const out = path.join(dir, "providers");
		const result = await penumbra(["providers", "synth", "--count", "12", "--out", out]);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^wrote 12 providers to /);
		const built = await buildRegistryFromDir(out);
		expect(built.problems).toEqual([]);
		expect(built.services.map((s) => s.card.id)).toEqual(
			synthProviderDocs({ count: 12, seed: 1 })
				.map((d) => d.id)
				.sort(),
		);
	});

	it("refuses a count it cannot make", async () => {
		const result = await penumbra(["providers", "synth", "--count", "0"]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("--count must be an integer from 1 to 100000");
	});
});
