import { join } from "node:path";
import { buildRegistryFromDir } from "@penumbra/cli/registry-build";
import { synthProviders } from "@penumbra/cli/synth";
import {
	buildRegistry,
	type CompiledService,
	REGISTRY_INDEX_KEY,
	REGISTRY_SEARCH_KEY,
} from "@penumbra/core/registry";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { HOST } from "../../scripts/lib/stack.ts";
import { CHUNK_TOOLS, WHOLE_COUNT_LIMIT } from "./config.ts";

export interface NaiveCount {
	tools: number;
	bytes: number;
	tokens: number;
	/** `whole`: one string; otherwise chunks of CHUNK_TOOLS tools cut at tool boundaries (±1 token per cut). */
	counted: string;
	/** The same text counted in chunks, where it was also counted whole: the chunking error, shown. */
	chunked_tokens?: number;
}

/**
 * Tokens of the tools list an MCP server with one tool per operation would send: exactly `JSON.stringify` of the
 * array, built and counted in slices so 200,000 tools never make one string.
 */
function countNaive(services: readonly CompiledService[]): NaiveCount {
	const tools = services.flatMap((s) =>
		s.tools.map((t) => ({
			name: `${s.card.id}__${t.name}`,
			description: t.description || t.summary,
			inputSchema: t.input_schema,
		})),
	);
	const chunks: string[] = [];
	let bytes = 0;
	for (let i = 0; i < tools.length; i += CHUNK_TOOLS) {
		const body = tools
			.slice(i, i + CHUNK_TOOLS)
			.map((t) => JSON.stringify(t))
			.join(",");
		const chunk = `${i === 0 ? "[" : ","}${body}${i + CHUNK_TOOLS >= tools.length ? "]" : ""}`;
		bytes += Buffer.byteLength(chunk);
		chunks.push(chunk);
	}
	if (tools.length === 0) chunks.push("[]");
	const chunked = chunks.reduce((sum, c) => sum + countTokens(c), 0);
	if (bytes > WHOLE_COUNT_LIMIT || chunks.length === 1) {
		return {
			tools: tools.length,
			bytes,
			tokens: chunked,
			counted: chunks.length === 1 ? "whole" : `${chunks.length} chunks`,
		};
	}
	return {
		tools: tools.length,
		bytes,
		tokens: countTokens(chunks.join("")),
		counted: "whole",
		chunked_tokens: chunked,
	};
}

export interface Registry {
	label: string;
	services: number;
	naive: NaiveCount;
	/** KV values the stack is seeded with. */
	index: string;
	search: string;
	search_bytes: number;
	build_ms: number;
}

function layout(label: string, services: CompiledService[], buildStarted: number): Registry {
	const naive = countNaive(services);
	const { entries } = buildRegistry(services, new Date().toISOString());
	const index = entries.find((e) => e.key === REGISTRY_INDEX_KEY)?.value;
	const search = entries.find((e) => e.key === REGISTRY_SEARCH_KEY)?.value;
	if (!index || !search)
		throw new Error(`buildRegistry emitted no ${index ? REGISTRY_SEARCH_KEY : REGISTRY_INDEX_KEY}`);
	return {
		label,
		services: services.length,
		naive,
		index,
		search,
		search_bytes: Buffer.byteLength(search),
		build_ms: Math.round(performance.now() - buildStarted),
	};
}

export async function realRegistry(root: string): Promise<Registry> {
	const started = performance.now();
	const built = await buildRegistryFromDir(join(root, "providers"), {
		vars: { SANDBOX_ORIGIN: `http://${HOST}:8791` },
	});
	if (built.problems.length > 0) throw new Error(`providers/ has ${built.problems.length} compile problems`);
	return layout("providers/", built.services, started);
}

export function synthRegistry(count: number): Registry {
	const started = performance.now();
	const synth = synthProviders({ count, seed: 7 });
	if (synth.problems.length > 0) throw new Error(`synth produced ${synth.problems.length} compile problems`);
	return layout(`synthetic ${count}`, synth.services, started);
}
