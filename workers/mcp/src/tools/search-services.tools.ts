import type { CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import { toolResult } from "../errors.ts";
import { type Gateway, workerOf } from "../gateway.ts";
import { mcpMetrics } from "../metrics.ts";
import { serviceSearch } from "../search.ts";
import { type CallContext, gatewayOf, readOnly } from "./context.ts";

const SearchInput = z.object({
	query: z.string().min(1).max(200).describe("What the user wants, in plain words."),
	category: z.string().max(64).optional().describe("Only this category, e.g. food, travel."),
	limit: z.number().int().min(1).max(20).optional().describe("Results to return (default 5)."),
});

type SearchArgs = { query: string; category?: string | undefined; limit?: number | undefined };

/**
 * One `search` point per search (docs/operating.md): `found` or `empty`, with the query, so the operator sees what
 * people look for and do not find. Never waits and never fails the search.
 */
function recordSearch(env: McpEnv, gateway: Gateway, args: SearchArgs, started: number, found: number): void {
	mcpMetrics(env).record({
		kind: "search",
		at_ms: Date.now(),
		outcome: found > 0 ? "found" : "empty",
		caller: workerOf(gateway.session),
		latency_ms: Math.max(0, performance.now() - started),
		text: args.query.trim().slice(0, 200),
	});
}

async function searchServices(env: McpEnv, gateway: Gateway, args: SearchArgs): Promise<CallToolResult> {
	const started = performance.now();
	const search = await serviceSearch(env);
	if (!search) {
		recordSearch(env, gateway, args, started, 0);
		return toolResult({
			query: args.query,
			results: [],
			corrected: [],
			expanded: [],
			categories: [],
			empty_reason: "empty_registry",
			hint: "No services are registered yet.",
		});
	}
	const answer = search.search(args.query, {
		...(args.category ? { category: args.category } : {}),
		...(args.limit ? { limit: args.limit } : {}),
	});
	recordSearch(env, gateway, args, started, answer.results.length);
	const needsAccount = !gateway.session && answer.results.some((r) => r.has_purchases || r.requires_auth);
	return toolResult({
		...answer,
		...(needsAccount
			? { auth_note: "Browsing is open; buying or account-only tools need the user to connect an account." }
			: {}),
	});
}

export const searchServicesTool = {
	title: "Search services",
	description:
		"Find services for what the user wants, in plain words (e.g. 'order some food', 'get me a cab'; typos are fine). Returns services best first with why they matched, prices and their best-matching tools.",
	inputSchema: SearchInput,
	annotations: readOnly,
	run: (call: CallContext, args: z.infer<typeof SearchInput>) =>
		searchServices(call.env, gatewayOf(call), args),
} as const;
