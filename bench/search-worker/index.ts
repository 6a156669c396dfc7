/**
 * Bench-only: the MCP Worker's search path (one KV read of the prebuilt index, `loadSearchIndex`, `search`) without
 * the MCP transport, so `bench/mcp.ts` can time it inside workerd.
 *
 * Clocks: in production workerd, `performance.now()` stands still while JavaScript runs; under `wrangler dev` it
 * advances, but in whole milliseconds. So `each` times single searches to ±1 ms only; for finer figures the bench
 * runs `loop` batches and compares them with the same batch without searching (`none`), by wall time and by the CPU
 * time of this Worker's processes, which needs no clock in here at all.
 */

import { REGISTRY_SEARCH_KEY } from "@penumbra/core/registry";
import { loadSearchIndex, parseSearchIndex, type ServiceSearch } from "@penumbra/core/search";
import { Hono } from "hono";
import { z } from "zod";

interface SearchBenchEnv {
	REGISTRY: KVNamespace;
}

const QuerySchema = z.object({
	query: z.string().min(1).max(200),
	category: z.string().max(64).optional(),
});

const BatchSchema = z.object({
	queries: z.array(QuerySchema).min(1).max(1_000),
	repeat: z.number().int().min(1).max(1_000),
	/** `each`: time every call; `loop`: just search; `none`: the same loops without searching. */
	mode: z.enum(["each", "loop", "none"]),
});

let search: ServiceSearch | null = null;
let loads = 0;

/** Reads, parses and loads the index as the MCP Worker does on a cold isolate, timing each step. */
async function load(env: SearchBenchEnv) {
	const fresh = loads === 0;
	const t0 = performance.now();
	const text = await env.REGISTRY.get(REGISTRY_SEARCH_KEY, "text");
	const t1 = performance.now();
	if (text === null) throw new Error(`KV key ${REGISTRY_SEARCH_KEY} is missing: seed the registry first`);
	const data = parseSearchIndex(text);
	const t2 = performance.now();
	const loaded = loadSearchIndex(data);
	const t3 = performance.now();
	const first = loaded.search("order some food");
	const t4 = performance.now();
	search = loaded;
	loads++;
	return {
		fresh_isolate: fresh,
		services: loaded.size,
		first_results: first.results.length,
		kv_read_ms: t1 - t0,
		parse_ms: t2 - t1,
		index_load_ms: t3 - t2,
		first_search_ms: t4 - t3,
		total_ms: t4 - t0,
	};
}

function runBatch(loaded: ServiceSearch, input: z.infer<typeof BatchSchema>) {
	const run = (q: z.infer<typeof QuerySchema>) =>
		loaded.search(q.query, q.category ? { category: q.category } : {}).results.length;
	const started = performance.now();
	let results = 0;
	const times: number[] = [];
	for (let r = 0; r < input.repeat; r++) {
		for (const q of input.queries) {
			if (input.mode === "each") {
				const t = performance.now();
				results += run(q);
				times.push(performance.now() - t);
			} else if (input.mode === "loop") {
				results += run(q);
			}
		}
	}
	// `results` is returned so no search can be optimised away, and so the bench sees that queries found something.
	return { mode: input.mode, results, elapsed_ms: performance.now() - started, times_ms: times };
}

const app = new Hono<{ Bindings: SearchBenchEnv }>();
app.get("/health", (c) => c.json({ status: "ok" }));
app.post("/load", async (c) => c.json(await load(c.env)));
app.post("/search-batch", async (c) => {
	const parsed = BatchSchema.safeParse(await c.req.json().catch(() => null));
	if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
	if (!search) await load(c.env);
	if (!search) return c.json({ error: "no index" }, 500);
	return c.json(runBatch(search, parsed.data));
});
app.onError((error, c) => c.json({ error: error instanceof Error ? error.message : String(error) }, 500));

export default app;
