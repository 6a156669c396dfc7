import type { CompiledService, CompileProblem } from "@penumbra/core/registry";
import { compileProvider } from "@penumbra/core/registry";
import { BRAND_PREFIXES, CITIES, SYNTH_CATEGORIES, type SynthCategory } from "./synth-data.ts";

export interface SynthOptions {
	count: number;
	/** Same seed, same providers; provider `i` does not depend on `count`. Default 1. */
	seed?: number | string;
	/** Upstream base URL; `{id}` is replaced by the provider id. Default `https://{id}.synth.example`. */
	upstream?: string;
}

/** One synthetic provider as files would hold it: `provider.yaml` and its spec. */
export interface SynthProvider {
	id: string;
	manifest: Record<string, unknown>;
	spec: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** A small fast PRNG (mulberry32); benchmarks need determinism, not cryptographic quality. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function hash(text: string): number {
	let h = 2166136261;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
	return h >>> 0;
}

interface Pick {
	int(min: number, max: number): number;
	one<T>(list: readonly T[]): T;
	some<T>(list: readonly T[], n: number): T[];
	chance(p: number): boolean;
}

function picker(next: () => number): Pick {
	const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
	return {
		int,
		one: (list) => list[int(0, list.length - 1)] as (typeof list)[number],
		some: (list, n) => {
			const copy = [...list];
			for (let i = copy.length - 1; i > 0; i--) {
				const j = int(0, i);
				[copy[i], copy[j]] = [copy[j] as (typeof copy)[number], copy[i] as (typeof copy)[number]];
			}
			return copy.slice(0, Math.min(n, copy.length));
		},
		chance: (p) => next() < p,
	};
}

const singular = (word: string) =>
	word.endsWith("ies") ? `${word.slice(0, -3)}y` : word.endsWith("s") ? word.slice(0, -1) : word;
const title = (word: string) => word.replace(/_/g, " ");

/**
 * Generates `count` synthetic providers (manifest + OpenAPI 3.1 spec) across realistic categories: 5–40
 * operations each with query, path and body inputs, a third of those that sell something with a
 * precheck → purchase pair. Deterministic by seed.
 */
export function synthProviderDocs(options: SynthOptions): SynthProvider[] {
	const seed = typeof options.seed === "string" ? hash(options.seed) : (options.seed ?? 1);
	const out: SynthProvider[] = [];
	for (let i = 0; i < options.count; i++)
		out.push(synthOne(i, seed, options.upstream ?? "https://{id}.synth.example"));
	return out;
}

function synthOne(index: number, seed: number, upstream: string): SynthProvider {
	const p = picker(rng(hash(`${seed}:${index}`)));
	const category = p.one(SYNTH_CATEGORIES);
	const name = `${p.one(BRAND_PREFIXES)}${p.one(category.brand)}`;
	const id = `${name.toLowerCase()}-${index.toString(36)}`;
	const cities = p.some(CITIES, p.int(2, 5));
	const sells = category.flow !== undefined && p.chance(0.35);
	const target = p.int(5, 40);
	const schemas: Json = {};
	const paths: Json = {};
	let ops = 0;
	const add = (path: string, method: string, op: Json) => {
		const item = (paths[path] as Json | undefined) ?? {};
		// A resource's POST /orders must not replace the purchase that lives there.
		if (item[method] !== undefined) return;
		item[method] = op;
		paths[path] = item;
		ops++;
	};

	if (sells && category.flow) addPurchase(p, category, add, schemas);
	const resources = p.some(category.resources, category.resources.length);
	let round = 0;
	while (ops < target) {
		const resource = resources[round % resources.length] as string;
		const suffix = round < resources.length ? "" : `_${Math.floor(round / resources.length) + 1}`;
		addResource(p, `${resource}${suffix}`, resource, category, add, schemas, target - ops);
		round++;
	}

	const description = `${name} offers ${category.does} in ${cities.join(", ")}: ${resources
		.slice(0, 3)
		.map(title)
		.join(
			", ",
		)} and more.${sells && category.flow ? ` Book or buy with a price quote first (${category.flow.noun}s).` : ""}`;
	const manifest: Json = {
		id,
		name,
		description,
		category: category.slug,
		tags: p.some(category.tags, p.int(3, category.tags.length)),
		auth: p.chance(0.7) ? { scheme: "apiKey", in: "header", name: "X-API-Key" } : { scheme: "none" },
		endpoints: "openapi.json",
		upstream: upstream.replaceAll("{id}", id),
		rate_limits: { default_per_minute: p.one([60, 120, 300, 600]), burst: p.one([10, 30, 60]) },
		pricing: { usage_fee_cents: p.one([0, 0, 0, 1, 2, 5]) },
		service: {
			flow:
				sells && category.flow ? `1. search → 2. quote → 3. ${category.flow.noun}` : "1. search → 2. details",
			...(category.pricing ? { pricing_model: category.pricing } : {}),
			typical_response_time: p.one(["< 200ms", "< 500ms", "< 1 second", "< 2 seconds"]),
		},
	};
	const spec: Json = {
		openapi: "3.1.0",
		info: { title: `${name} API`, version: `${p.int(1, 4)}.${p.int(0, 9)}.0`, description },
		servers: [{ url: manifest.upstream }],
		paths,
		components: { schemas },
	};
	return { id, manifest, spec };
}

type Add = (path: string, method: string, op: Json) => void;

function queryParams(p: Pick, resource: string): Json[] {
	const params: Json[] = [
		{
			name: "limit",
			in: "query",
			description: "Page size.",
			schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
		},
		{ name: "offset", in: "query", schema: { type: "integer", minimum: 0 } },
	];
	if (p.chance(0.8))
		params.push({
			name: "q",
			in: "query",
			description: `Free text over ${title(resource)}.`,
			schema: { type: "string", maxLength: 200 },
		});
	if (p.chance(0.5))
		params.push({
			name: "city",
			in: "query",
			schema: { type: "string", enum: CITIES.map((c) => c.toLowerCase().replace(/ /g, "-")) },
		});
	if (p.chance(0.4))
		params.push({
			name: "sort",
			in: "query",
			schema: { type: "string", enum: ["relevance", "price", "rating", "newest"] },
		});
	if (p.chance(0.3)) params.push({ name: "open_now", in: "query", schema: { type: "boolean" } });
	return params;
}

function bodySchema(p: Pick, name: string, schemas: Json): Json {
	const fields: Json = {
		name: { type: "string", maxLength: 120, description: "Display name." },
		notes: { type: "string", maxLength: 500 },
	};
	const extra = p.int(1, 6);
	for (let i = 0; i < extra; i++) {
		const kind = p.int(0, 4);
		if (kind === 0) fields[`quantity_${i}`] = { type: "integer", minimum: 1, maximum: 99 };
		else if (kind === 1) fields[`tags_${i}`] = { type: "array", items: { type: "string" }, maxItems: 10 };
		else if (kind === 2) fields[`when_${i}`] = { type: "string", format: "date-time" };
		else if (kind === 3) fields[`level_${i}`] = { type: "string", enum: ["basic", "standard", "premium"] };
		else fields[`address_${i}`] = { $ref: "#/components/schemas/Address" };
	}
	schemas.Address ??= {
		type: "object",
		required: ["line1", "city"],
		properties: {
			line1: { type: "string" },
			city: { type: "string" },
			postal_code: { type: "string", pattern: "^[0-9A-Z -]{3,10}$" },
		},
	};
	const schemaName = `${name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Input`;
	schemas[schemaName] = { type: "object", required: ["name"], properties: fields };
	return { $ref: `#/components/schemas/${schemaName}` };
}

function addResource(
	p: Pick,
	path: string,
	resource: string,
	category: SynthCategory,
	add: Add,
	schemas: Json,
	room: number,
): void {
	const one = singular(resource);
	const idParam = {
		name: `${one}_id`,
		in: "path",
		required: true,
		schema: { type: "string", maxLength: 64 },
	};
	const ok = {
		"200": { description: "OK", content: { "application/json": { schema: { type: "object" } } } },
	};
	const candidates: [string, string, Json][] = [
		[
			`/${path}`,
			"get",
			{
				operationId: `list_${path}`,
				summary: `List ${title(resource)}`,
				description: `Lists ${title(resource)} for ${category.does}.`,
				parameters: queryParams(p, resource),
				responses: ok,
			},
		],
		[
			`/${path}/{${one}_id}`,
			"get",
			{
				operationId: `get_${singular(path)}`,
				summary: `Get one ${title(one)}`,
				parameters: [idParam],
				responses: ok,
			},
		],
		[
			`/${path}`,
			"post",
			{
				operationId: `create_${singular(path)}`,
				summary: `Create a ${title(one)}`,
				requestBody: {
					required: true,
					content: { "application/json": { schema: bodySchema(p, singular(path), schemas) } },
				},
				responses: ok,
			},
		],
		[
			`/${path}/{${one}_id}`,
			"patch",
			{
				operationId: `update_${singular(path)}`,
				summary: `Update a ${title(one)}`,
				parameters: [idParam],
				requestBody: {
					content: {
						"application/json": {
							schema: {
								type: "object",
								properties: { name: { type: "string" }, active: { type: "boolean" } },
							},
						},
					},
				},
				responses: ok,
			},
		],
		[
			`/${path}/{${one}_id}`,
			"delete",
			{
				operationId: `delete_${singular(path)}`,
				summary: `Delete a ${title(one)}`,
				parameters: [idParam],
				responses: ok,
			},
		],
		[
			`/${path}/search`,
			"get",
			{
				operationId: `search_${path}`,
				summary: `Search ${title(resource)}`,
				parameters: [
					{ name: "query", in: "query", required: true, schema: { type: "string", minLength: 1 } },
					...queryParams(p, resource).slice(0, 2),
				],
				responses: ok,
			},
		],
	];
	for (const [path_, method, op] of candidates.slice(
		0,
		Math.max(1, Math.min(room, p.int(2, candidates.length))),
	)) {
		if (p.chance(0.15)) op["x-usage-fee-cents"] = p.int(1, 5);
		add(path_, method, op);
	}
}

function addPurchase(p: Pick, category: SynthCategory, add: Add, schemas: Json): void {
	const flow = category.flow;
	if (!flow) return;
	schemas.PurchaseInput = bodySchema(p, "purchase", schemas);
	const body = {
		required: true,
		content: { "application/json": { schema: { $ref: "#/components/schemas/PurchaseInput" } } },
	};
	const money = { type: "integer", minimum: 0, description: "US cents." };
	add(flow.precheck, "post", {
		operationId: `quote_${flow.noun.replace(/\W+/g, "_")}`,
		summary: `Price a ${flow.noun}`,
		description: `Prices a ${flow.noun} and holds the price for 10 minutes.`,
		requestBody: body,
		"x-purchase-precheckout": true,
		"x-amount-path": "$.pricing.total_cents",
		responses: {
			"200": {
				description: "The quote.",
				content: {
					"application/json": {
						schema: {
							type: "object",
							properties: {
								quote_id: { type: "string" },
								pricing: { type: "object", properties: { total_cents: money } },
							},
						},
					},
				},
			},
		},
	});
	add(flow.purchase, "post", {
		operationId: `place_${flow.noun.replace(/\W+/g, "_")}`,
		summary: `Place a ${flow.noun}`,
		description: `Places the ${flow.noun} for a quote.`,
		requestBody: body,
		"x-purchase-endpoint": true,
		"x-purchase-precheck": flow.precheck,
		"x-amount-path": "$.totals.total_cents",
		"x-transaction-id-path": "$.order_id",
		responses: {
			"201": {
				description: "Placed.",
				content: {
					"application/json": {
						schema: {
							type: "object",
							properties: {
								order_id: { type: "string" },
								totals: { type: "object", properties: { total_cents: money } },
							},
						},
					},
				},
			},
		},
	});
}

export interface SynthCompiled {
	services: CompiledService[];
	problems: CompileProblem[];
	timings: { generateMs: number; compileMs: number };
}

/** Generates and compiles `count` providers with the real compiler; the bench's registry input. */
export function synthProviders(options: SynthOptions & { now?: string }): SynthCompiled {
	const t0 = performance.now();
	const docs = synthProviderDocs(options);
	const t1 = performance.now();
	const now = options.now ?? new Date().toISOString();
	const services: CompiledService[] = [];
	const problems: CompileProblem[] = [];
	for (const doc of docs) {
		const result = compileProvider({
			manifest: doc.manifest,
			manifestFile: `synth/${doc.id}/provider.yaml`,
			spec: doc.spec,
			specFile: `synth/${doc.id}/openapi.json`,
			now,
		});
		if (result.ok) services.push(result.service);
		else problems.push(...result.problems);
	}
	return { services, problems, timings: { generateMs: t1 - t0, compileMs: performance.now() - t1 } };
}
