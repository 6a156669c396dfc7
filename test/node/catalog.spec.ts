import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { buildSearchIndex, loadSearchIndex } from "@penumbra/core/search";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve("packages/cli/bin/penumbra.js");

function penumbra(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], {
			// No Cloudflare account here: a command that got as far as wrangler would fail differently.
			env: { ...process.env, CLOUDFLARE_API_TOKEN: "", WRANGLER_SEND_METRICS: "false" },
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

/** Each provider of a folder, searched by its own name, is the first answer: true of any catalog, so it survives growth. */
async function searchableByName(dir: string): Promise<{ id: string; first: string | undefined }[]> {
	const built = await buildRegistryFromDir(dir);
	expect(built.problems).toEqual([]);
	const search = loadSearchIndex(buildSearchIndex(built.services, new Date().toISOString()));
	return built.services.map((s) => ({ id: s.card.id, first: search.search(s.card.name).results[0]?.id }));
}

describe("the development and production catalogs", () => {
	// providers/ is the live catalog: these tests state what holds of any set of providers, never its exact list.
	it("production publishes exactly the providers that are not development ones, and no sandbox merchant", async () => {
		const development = await buildRegistryFromDir("providers");
		expect(development.problems).toEqual([]);
		expect(development.services.length).toBe(development.folders.length);
		expect(development.skipped).toEqual([]);

		const production = await buildRegistryFromDir("providers", { catalog: "production" });
		expect(production.problems).toEqual([]);
		const skipped = new Set(production.skipped);
		expect(production.services.map((s) => s.card.id)).toEqual(
			development.services.map((s) => s.card.id).filter((id) => !skipped.has(id)),
		);
		for (const folder of development.folders) {
			const manifest = await readFile(path.join("providers", folder, "provider.yaml"), "utf8");
			const dev = /^dev: true\s*$/m.test(manifest);
			expect(skipped.has(folder), folder).toBe(dev);
			// biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest's placeholder, substituted by the compiler
			if (manifest.includes("${SANDBOX_ORIGIN}")) expect(dev, `${folder} calls the sandbox`).toBe(true);
		}
	});

	it("every provider in providers/ compiles and is found first when searched by its own name", async () => {
		for (const { id, first } of await searchableByName("providers")) expect(first, id).toBe(id);
	});

	it("is not what the tests of exact search answers build from: they own their registries", async () => {
		// By construction a provider added to providers/ cannot change their answers; this keeps it so.
		for (const file of ["test/node/search.spec.ts", "test/node/scaffold-metadata.spec.ts"]) {
			const source = await readFile(file, "utf8");
			expect(source, file).toContain('"test/fixtures/catalog"');
			expect(source, file).not.toMatch(/\(\s*["'`]providers["'`/]/);
		}
		const route = await readFile("workers/gateway/test/search.spec.ts", "utf8");
		expect(route).toContain("await seedRegistry(SERVICES)");
		expect(route).not.toMatch(/providerServices|TEST_REGISTRY/);
	});

	describe("grown by a provider that nearly clones one", () => {
		let dir: string;

		beforeAll(async () => {
			dir = await mkdtemp(path.join(tmpdir(), "catalog-grown-"));
			await cp("providers", dir, { recursive: true });
			await cp("providers/fooddash", path.join(dir, "fooddash-express"), { recursive: true });
			const manifest = path.join(dir, "fooddash-express", "provider.yaml");
			const text = (await readFile(manifest, "utf8"))
				.replace("id: fooddash", "id: fooddash-express")
				.replace("name: FoodDash", "name: FoodDash Express");
			await writeFile(manifest, text);
		});
		afterAll(async () => {
			await rm(dir, { recursive: true, force: true });
		});

		it("still finds every provider first by its own name, the clone included", async () => {
			const found = await searchableByName(dir);
			expect(found.map((f) => f.id)).toContain("fooddash-express");
			for (const { id, first } of found) expect(first, id).toBe(id);
		});
	});

	describe("a provider without the flag whose upstream is local", () => {
		let dir: string;

		beforeAll(async () => {
			dir = await mkdtemp(path.join(tmpdir(), "catalog-"));
			await cp("providers/skycast", path.join(dir, "skycast"), { recursive: true });
			// A copy of a sandbox merchant that lost its `dev: true`: still pointed at the loopback sandbox.
			await cp("providers/skycast", path.join(dir, "weather-copy"), { recursive: true });
			const manifest = path.join(dir, "weather-copy", "provider.yaml");
			const text = (await readFile(manifest, "utf8"))
				.replace("id: skycast", "id: weather-copy")
				.replace("dev: true\n", "");
			await writeFile(manifest, text);
		});
		afterAll(async () => {
			await rm(dir, { recursive: true, force: true });
		});

		it("is a problem in a production build, served in development", async () => {
			const production = await buildRegistryFromDir(dir, { catalog: "production" });
			expect(production.skipped).toEqual(["skycast"]);
			expect(production.services).toEqual([]);
			expect(production.problems).toEqual([
				expect.objectContaining({ path: "/upstream", message: expect.stringMatching(/cannot be published/) }),
			]);
			const development = await buildRegistryFromDir(dir);
			expect(development.services.map((s) => s.card.id)).toEqual(["skycast", "weather-copy"]);
		});

		it("`providers seed --remote` refuses the sandbox provider by name and publishes nothing", async () => {
			const result = await penumbra([
				"providers",
				"seed",
				"--remote",
				"--dir",
				dir,
				"--out",
				path.join(dir, "r.json"),
			]);
			expect(result.stderr).toMatch(/refusing 1 development provider .*: skycast\./);
			expect(result.stdout).toMatch(/weather-copy.*\/upstream.*cannot be published to production/);
			expect(result.code).toBe(1);
			expect(result.stdout + result.stderr).not.toMatch(/wrangler/);
		});
	});
});
