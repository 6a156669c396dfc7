import { type CallToolResult, Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import type { Supervisor } from "../../scripts/lib/proc.ts";
import { median, round, type Spread, spread, timed } from "../lib/stats.ts";
import { COLD_RESTARTS, E2E_CALLS, QUERIES } from "./config.ts";
import { restartMcp, type Stack } from "./stack.ts";

async function connect(origin: string): Promise<Client> {
	const client = new Client({ name: "penumbra-bench", version: "0.0.0" });
	await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", origin)));
	return client;
}

async function call(
	client: Client,
	name: string,
	args: Record<string, unknown> = {},
): Promise<CallToolResult> {
	return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function searchArgs(q: { query: string; category?: string }): Record<string, unknown> {
	return q.category ? { query: q.query, category: q.category } : { query: q.query };
}

function resultCount(result: CallToolResult): number {
	const structured = result.structuredContent as { results?: unknown[] } | undefined;
	return structured?.results?.length ?? 0;
}

export interface ToolsFigure {
	tokens: number;
	bytes: number;
	tools: string[];
	json: string;
}

export async function toolsList(origin: string): Promise<ToolsFigure> {
	const client = await connect(origin);
	try {
		const { tools } = await client.listTools();
		const json = JSON.stringify(tools);
		return {
			tokens: countTokens(json),
			bytes: Buffer.byteLength(json),
			tools: tools.map((t) => t.name),
			json,
		};
	} finally {
		await client.close();
	}
}

export interface EndToEndFigure {
	search_ms: Spread;
	health_ms: Spread;
	rejected_ms: Spread;
	search_minus_rejected_p50_ms: number;
	search_minus_health_p50_ms: number;
	queries_without_results: string[];
}

/** `search_services`, `health` and a schema-rejected call, interleaved so drift hits all three alike. */
export async function measureEndToEnd(origin: string): Promise<EndToEndFigure> {
	const client = await connect(origin);
	try {
		const search: number[] = [];
		const health: number[] = [];
		const rejected: number[] = [];
		const empty = new Set<string>();
		for (let i = -20; i < E2E_CALLS; i++) {
			const q = QUERIES[((i % QUERIES.length) + QUERIES.length) % QUERIES.length] ?? { query: "food" };
			const s = await timed(() => call(client, "search_services", searchArgs(q)));
			if (s.value.isError)
				throw new Error(`search_services "${q.query}" failed: ${JSON.stringify(s.value.content)}`);
			const h = await timed(() => call(client, "health"));
			if (h.value.isError) throw new Error(`health failed: ${JSON.stringify(h.value.content)}`);
			const r = await timed(() => call(client, "search_services", { query: "" }));
			if (!r.value.isError) throw new Error("search_services accepted an empty query");
			if (i < 0) continue;
			if (resultCount(s.value) === 0) empty.add(q.query);
			search.push(s.ms);
			health.push(h.ms);
			rejected.push(r.ms);
		}
		const figure = { search_ms: spread(search), health_ms: spread(health), rejected_ms: spread(rejected) };
		return {
			...figure,
			search_minus_rejected_p50_ms: round(figure.search_ms.p50 - figure.rejected_ms.p50),
			search_minus_health_p50_ms: round(figure.search_ms.p50 - figure.health_ms.p50),
			queries_without_results: [...empty],
		};
	} finally {
		await client.close();
	}
}

export interface ColdFigure {
	restarts: number;
	first_search_ms: number[];
	warm_search_ms: number[];
	first_health_ms: number[];
	/** Median of first − warm: what a fresh isolate pays to get its first answer. */
	cold_minus_warm_ms: number;
}

/**
 * After each restart: connect (initialize) and send one schema-rejected tools/call, so the MCP path itself is
 * warm; then the first real `search_services` loads the index (KV read + parse + load) and searches.
 */
export async function measureCold(supervisor: Supervisor, stack: Stack): Promise<ColdFigure> {
	const first: number[] = [];
	const warm: number[] = [];
	const health: number[] = [];
	const q = { query: "order some food" };
	for (let i = 0; i < COLD_RESTARTS; i++) {
		await restartMcp(supervisor, stack);
		const client = await connect(stack.mcp.origin);
		try {
			await call(client, "search_services", { query: "" });
			const cold = await timed(() => call(client, "search_services", q));
			if (cold.value.isError || resultCount(cold.value) === 0) {
				throw new Error(
					`the first search after a restart found nothing: ${JSON.stringify(cold.value).slice(0, 400)}`,
				);
			}
			first.push(cold.ms);
			warm.push((await timed(() => call(client, "search_services", q))).ms);
			health.push((await timed(() => call(client, "health"))).ms);
		} finally {
			await client.close();
		}
	}
	const diffs = first.map((f, i) => f - (warm[i] ?? 0));
	return {
		restarts: COLD_RESTARTS,
		first_search_ms: first.map((n) => round(n)),
		warm_search_ms: warm.map((n) => round(n)),
		first_health_ms: health.map((n) => round(n)),
		cold_minus_warm_ms: round(median(diffs)),
	};
}
