import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { CompiledService, CompileProblem, RegistryIndex } from "@penumbra/core/registry";
import {
	buildRegistry,
	compileProvider,
	fetchSpec,
	isRecord,
	isRemoteSpec,
	manifestSchema,
	parseManifest,
	parseStructured,
} from "@penumbra/core/registry";
import { assessUpstreamUrl } from "@penumbra/core/ssrf";
import { localAllowlist, resolveUrl } from "./local-stack.ts";

export interface RegistryFromDir {
	/** Every provider folder found, compiled or not. */
	folders: string[];
	services: CompiledService[];
	problems: CompileProblem[];
	warnings: CompileProblem[];
	index: RegistryIndex;
	entries: { key: string; value: string }[];
	/** Development providers (`dev: true`) left out of a production catalog, by folder. */
	skipped: string[];
}

/**
 * `development` (default): every provider, sandbox merchants included. `production`: what a deployed gateway may
 * serve: providers marked `dev: true` are left out, and any other whose upstream is not https on a public host is a
 * problem (a sandbox merchant that lost its flag must not reach a production registry).
 */
export type Catalog = "development" | "production";

export interface BuildOptions {
	/** `${NAME}` values for manifests, over `process.env` (and the SANDBOX_ORIGIN default). */
	vars?: Record<string, string>;
	now?: string;
	/** How long to wait for a remote spec. */
	fetchTimeoutMs?: number;
	catalog?: Catalog;
}

const MANIFEST = "provider.yaml";

/**
 * Compiles every `<dir>/<id>/provider.yaml` with its spec. A missing or empty `dir` gives an empty registry.
 * Problems from all providers are collected; services holds only the ones that compiled.
 */
export async function buildRegistryFromDir(dir: string, opts: BuildOptions = {}): Promise<RegistryFromDir> {
	const now = opts.now ?? new Date().toISOString();
	const production = opts.catalog === "production";
	const vars = { ...envVars(), ...opts.vars };
	const services: CompiledService[] = [];
	const problems: CompileProblem[] = [];
	const warnings: CompileProblem[] = [];
	const skipped: string[] = [];

	const folders = await providerFolders(dir);
	for (const id of folders) {
		const manifestFile = path.join(dir, id, MANIFEST);
		if (production && (await isDevProvider(manifestFile))) {
			skipped.push(id);
			continue;
		}
		const result = await compileFolder(dir, id, manifestFile, vars, now, opts.fetchTimeoutMs ?? 15_000);
		problems.push(...result.problems);
		warnings.push(...result.warnings);
		if (result.service && production) {
			const refused = productionUpstreamProblem(result.service, manifestFile);
			if (refused) {
				problems.push(refused);
				continue;
			}
		}
		if (result.service) services.push(result.service);
	}
	const { index, entries } = buildRegistry(services, now);
	return { folders, services, problems, warnings, index, entries, skipped };
}

/** `dev: true` in the manifest, read before compiling: a development provider's placeholders need no values. */
async function isDevProvider(manifestFile: string): Promise<boolean> {
	const text = await readText(manifestFile);
	if (text === null) return false;
	const doc = parseStructured(text, manifestFile);
	return doc.ok && isRecord(doc.value) && doc.value.dev === true;
}

/** A production catalog calls only https upstreams on public hosts (the gateway's SSRF rule, no allowlist). */
function productionUpstreamProblem(service: CompiledService, manifestFile: string): CompileProblem | null {
	const verdict = assessUpstreamUrl(service.upstream, []);
	if (verdict.ok) return null;
	return {
		file: manifestFile,
		path: "/upstream",
		message: `${service.upstream} cannot be published to production: ${verdict.reason}. Production upstreams are https on public hosts; mark a sandbox provider \`dev: true\``,
	};
}

async function providerFolders(dir: string): Promise<string[]> {
	try {
		const entries = await readdir(dir, { withFileTypes: true });
		return entries
			.filter((e) => e.isDirectory() && !e.name.startsWith("."))
			.map((e) => e.name)
			.sort();
	} catch (error) {
		if (isErrno(error, "ENOENT")) return [];
		throw error;
	}
}

async function compileFolder(
	dir: string,
	folder: string,
	manifestFile: string,
	vars: Record<string, string>,
	now: string,
	fetchTimeoutMs: number,
): Promise<{ service?: CompiledService; problems: CompileProblem[]; warnings: CompileProblem[] }> {
	const fail = (file: string, pointer: string, message: string) => ({
		problems: [{ file, path: pointer, message }],
		warnings: [],
	});
	const manifestText = await readText(manifestFile);
	if (manifestText === null)
		return fail(manifestFile, "", `missing ${MANIFEST} in provider folder "${folder}"`);
	const manifestDoc = parseStructured(manifestText, manifestFile);
	if (!manifestDoc.ok) return { problems: manifestDoc.problems, warnings: [] };
	const raw = manifestDoc.value;

	const parsed = parseManifest(raw, manifestFile, vars);
	const idProblems: CompileProblem[] =
		parsed.ok && parsed.manifest.id !== folder
			? [
					{
						file: manifestFile,
						path: "/id",
						message: `id "${parsed.manifest.id}" must equal its folder name "${folder}"`,
					},
				]
			: [];
	// An invalid manifest still gets its (local) spec checked when `endpoints` itself is fine, so one run shows everything.
	const rawEndpoints = isRecord(raw) ? manifestSchema.shape.endpoints.safeParse(raw.endpoints) : undefined;
	const endpoints = parsed.ok
		? parsed.manifest.endpoints
		: rawEndpoints?.success && !isRemoteSpec(rawEndpoints.data)
			? rawEndpoints.data
			: undefined;
	const spec = endpoints ? await loadSpec(dir, folder, endpoints, manifestFile, fetchTimeoutMs) : null;
	if (!spec?.ok) {
		const problems = [
			...idProblems,
			...(parsed.ok ? [] : parsed.problems),
			...(spec?.ok === false ? spec.problems : []),
		];
		return { problems, warnings: [] };
	}

	const result = compileProvider({
		manifest: raw,
		manifestFile,
		spec: spec.value,
		specFile: spec.file,
		now,
		vars,
		...(spec.etag ? { etag: spec.etag } : {}),
		...(spec.lastModified ? { lastModified: spec.lastModified } : {}),
	});
	const problems = [...idProblems, ...(result.ok ? [] : result.problems)];
	if (!result.ok || problems.length > 0) return { problems, warnings: result.warnings };
	return { service: result.service, problems: [], warnings: result.warnings };
}

type Loaded =
	| { ok: true; value: unknown; file: string; etag?: string; lastModified?: string }
	| { ok: false; problems: CompileProblem[] };

async function loadSpec(
	dir: string,
	folder: string,
	endpoints: string,
	manifestFile: string,
	fetchTimeoutMs: number,
): Promise<Loaded> {
	if (isRemoteSpec(endpoints)) {
		const fetched = await fetchSpec(endpoints, { allowlist: specAllowlist(), timeoutMs: fetchTimeoutMs });
		if (fetched.status === "ok") {
			return {
				ok: true,
				value: fetched.spec,
				file: endpoints,
				...(fetched.etag ? { etag: fetched.etag } : {}),
				...(fetched.lastModified ? { lastModified: fetched.lastModified } : {}),
			};
		}
		const reason =
			fetched.status === "failed" ? fetched.reason : "the spec host answered 304 to a plain request";
		return { ok: false, problems: [{ file: manifestFile, path: "/endpoints", message: reason }] };
	}
	const file = path.join(dir, folder, endpoints);
	const text = await readText(file);
	if (text === null) {
		return {
			ok: false,
			problems: [
				{
					file: manifestFile,
					path: "/endpoints",
					message: `spec file "${endpoints}" not found in ${path.join(dir, folder)}`,
				},
			],
		};
	}
	const parsed = parseStructured(text, file);
	return parsed.ok ? { ok: true, value: parsed.value, file } : parsed;
}

async function readText(file: string): Promise<string | null> {
	try {
		if (!(await stat(file)).isFile()) return null;
		return await readFile(file, "utf8");
	} catch (error) {
		if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR")) return null;
		throw error;
	}
}

/** Remote specs follow the gateway's SSRF rules, with the allowlist of npm start's gateway (`penumbra stack`). */
function specAllowlist(): string[] {
	return localAllowlist(resolveUrl("sandbox"));
}

export { parseStructured };

function envVars(): Record<string, string> {
	const vars: Record<string, string> = {};
	for (const [k, v] of Object.entries(process.env)) if (v !== undefined) vars[k] = v;
	return vars;
}

function isErrno(error: unknown, code: string): boolean {
	return error instanceof Error && "code" in error && error.code === code;
}
