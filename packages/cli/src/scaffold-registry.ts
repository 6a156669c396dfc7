import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { REGISTRY_INDEX_KEY } from "@penumbra/core/registry";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { RegistryService } from "./scaffold-manifest.ts";

/** Where `penumbra providers build` writes the registry's KV entries by default. */
export const BUILT_REGISTRY = ".wrangler/registry.json";

const serviceSchema = z.object({ category: z.string().min(1), tags: z.array(z.string()).default([]) });
const builtSchema = z.array(z.object({ key: z.string(), value: z.string() }));
const indexSchema = z.object({ services: z.array(serviceSchema) });

/**
 * The services a new provider joins, for its category guess: every manifest in the providers folder and every
 * card of the last built registry. Unreadable files count for nothing; they are `validate`'s business.
 */
export async function registryServices(dir: string, built = BUILT_REGISTRY): Promise<RegistryService[]> {
	return [...(await folderServices(dir)), ...(await builtServices(built))];
}

async function folderServices(dir: string): Promise<RegistryService[]> {
	const folders = await readdir(dir).catch(() => []);
	const manifests = await Promise.all(
		folders.map((folder) => readFile(path.join(dir, folder, "provider.yaml"), "utf8").catch(() => "")),
	);
	return manifests.flatMap((text) => {
		const parsed = serviceSchema.safeParse(safely(() => parseYaml(text)));
		return parsed.success ? [parsed.data] : [];
	});
}

async function builtServices(file: string): Promise<RegistryService[]> {
	const text = await readFile(file, "utf8").catch(() => "");
	const entries = builtSchema.safeParse(safely(() => JSON.parse(text)));
	const index = entries.success ? entries.data.find((e) => e.key === REGISTRY_INDEX_KEY) : undefined;
	const parsed = indexSchema.safeParse(index ? safely(() => JSON.parse(index.value)) : undefined);
	return parsed.success ? parsed.data.services : [];
}

function safely<T>(read: () => T): T | undefined {
	try {
		return read();
	} catch {
		return undefined;
	}
}
