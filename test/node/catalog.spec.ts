import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
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

describe("the development and production catalogs", () => {
	it("every sandbox merchant is a development provider: production publishes none of them", async () => {
		const development = await buildRegistryFromDir("providers");
		expect(development.problems).toEqual([]);
		expect(development.services.length).toBe(development.folders.length);
		expect(development.skipped).toEqual([]);

		const production = await buildRegistryFromDir("providers", { catalog: "production" });
		expect(production.problems).toEqual([]);
		expect(production.services).toEqual([]);
		expect(production.skipped).toEqual(development.folders);
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
