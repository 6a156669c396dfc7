import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import type { Client } from "@modelcontextprotocol/client";
import { modelTools } from "./tools.ts";

/**
 * How long an isolate reuses the MCP server's tool list. The five meta-tools are fixed per deployment of the MCP
 * Worker and the same for every caller, so listing them on every turn (two MCP round trips to connect, one to list)
 * only delays the first model call; a redeployed MCP Worker's tools reach a running chat isolate within this time.
 */
export const TOOLS_CACHE_MS = 5 * 60_000;

let cached: { tools: Tool[]; listed_at_ms: number } | null = null;

/** The model's tools: this isolate's copy while fresh, else listed through `connection` and kept. */
export async function toolsFor(connection: McpConnection, now_ms = Date.now()): Promise<Tool[]> {
	if (cached && now_ms - cached.listed_at_ms < TOOLS_CACHE_MS) return cached.tools;
	const tools = await modelTools(await connection.client());
	cached = { tools, listed_at_ms: now_ms };
	return tools;
}

/** Forgets the isolate's tool list (tests). */
export function forgetTools(): void {
	cached = null;
}

/**
 * A turn's MCP client, connected on first need: the tool list when this isolate has none, a tool call, or `warm()`,
 * which the model loop calls as soon as the model starts a tool call, so the connection is made while the model
 * writes the call's input rather than before its first token (connecting takes the MCP Worker two round trips, each
 * checking the caller with the gateway); an answer without tool calls connects to nothing. A failed connection is
 * reported to whoever awaits `client()`.
 */
export class McpConnection {
	#connecting: Promise<Client> | null = null;
	readonly #connect: () => Promise<Client>;

	constructor(connect: () => Promise<Client>) {
		this.#connect = connect;
	}

	client(): Promise<Client> {
		this.#connecting ??= this.#connect();
		return this.#connecting;
	}

	/** Starts connecting, if not yet, without waiting; a failure waits for `client()` to report it. */
	warm(): void {
		this.client().catch(() => {});
	}

	/** Closes the client once it is connected (nothing to close when it never was). */
	async close(): Promise<void> {
		const client = await this.#connecting?.catch(() => null);
		await client?.close().catch(() => {});
	}
}
