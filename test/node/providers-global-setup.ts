import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import type { TestProject } from "vitest/node";
import { parse } from "yaml";
import { freePort, type MockServer, startPrism } from "../mocks/prism.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** JSON array of the CompiledService entries built from test/fixtures/providers/ against their mocks. */
		fixtureRegistry: string;
		/** JSON object: fixture id → origin of its running mock. */
		mockOrigins: string;
		/** JSON object of test-only Worker secrets the fixtures declare (`secrets.json`). */
		fixtureSecrets: string;
	}
}

/** Where the fixture providers live: one folder each, `provider.yaml` + spec (+ `secrets.json`, `mock.ts`). */
export const FIXTURE_DIR = "test/fixtures/providers";

/** A fixture's own mock: `mock.ts` default-exports this; otherwise Prism mocks its spec. */
export type StartMock = (context: { dir: string; spec: string; port: number }) => Promise<MockServer>;

/** `${MOCK_<ID>_ORIGIN}`: the variable a fixture's `upstream:` uses for its mock's origin. */
export function mockOriginVar(id: string): string {
	return `MOCK_${id.toUpperCase().replaceAll("-", "_")}_ORIGIN`;
}

function fixtureIds(): string[] {
	if (!existsSync(FIXTURE_DIR)) return [];
	return readdirSync(FIXTURE_DIR, { withFileTypes: true })
		.filter((entry) => entry.isDirectory() && existsSync(join(FIXTURE_DIR, entry.name, "provider.yaml")))
		.map((entry) => entry.name)
		.sort();
}

async function startMock(id: string): Promise<MockServer> {
	const dir = resolve(FIXTURE_DIR, id);
	const manifest: unknown = parse(readFileSync(join(dir, "provider.yaml"), "utf8"));
	const endpoints =
		typeof manifest === "object" && manifest !== null ? Reflect.get(manifest, "endpoints") : undefined;
	if (typeof endpoints !== "string") throw new Error(`${FIXTURE_DIR}/${id}/provider.yaml: no endpoints file`);
	const spec = join(dir, endpoints);
	const custom = join(dir, "mock.ts");
	if (!existsSync(custom)) return startPrism(spec);
	const module: { default: StartMock } = await import(pathToFileURL(custom).href);
	return module.default({ dir, spec, port: await freePort() });
}

function readSecrets(ids: string[]): Record<string, string> {
	const secrets: Record<string, string> = {};
	for (const id of ids) {
		const file = join(FIXTURE_DIR, id, "secrets.json");
		if (existsSync(file)) Object.assign(secrets, JSON.parse(readFileSync(file, "utf8")));
	}
	return secrets;
}

/**
 * Starts one mock per fixture provider (Prism on its spec, or the fixture's `mock.ts`) and compiles the fixtures
 * with each upstream pointed at its mock, for the `providers` project.
 */
export default async function setup(project: TestProject) {
	const ids = fixtureIds();
	const mocks = new Map<string, MockServer>();
	const stopAll = () => Promise.all([...mocks.values()].map((mock) => mock.stop()));
	try {
		await Promise.all(ids.map(async (id) => mocks.set(id, await startMock(id))));
		const origins = Object.fromEntries([...mocks].map(([id, mock]) => [id, mock.origin]));
		const vars = Object.fromEntries(
			Object.entries(origins).map(([id, origin]) => [mockOriginVar(id), origin]),
		);
		const registry = await buildRegistryFromDir(FIXTURE_DIR, { vars });
		if (registry.problems.length > 0) {
			throw new Error(
				`${FIXTURE_DIR} does not compile:\n${registry.problems.map((p) => `${p.file}${p.path ? `#${p.path}` : ""}: ${p.message}`).join("\n")}`,
			);
		}
		project.provide("fixtureRegistry", JSON.stringify(registry.services));
		project.provide("mockOrigins", JSON.stringify(origins));
		project.provide("fixtureSecrets", JSON.stringify(readSecrets(ids)));
	} catch (error) {
		await stopAll();
		throw error;
	}
	return async () => {
		await stopAll();
	};
}
