import type { Tool, ToolResultBlockParam, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { mcpInternalRequest } from "@penumbra/core/contracts";
import { continueTrace, nextTraceparent } from "@penumbra/core/trace";

/** What an MCP tool call returns, as far as the chat reads it. */
export interface ToolCallResult {
	isError?: boolean;
	structuredContent?: unknown;
	content?: unknown;
}

/** The structured content of a failed Penumbra tool call. */
export interface ToolErrorShape {
	error?: { code?: string; detail?: string; confirmation_url?: string };
}

/** The request a turn runs for: its id and `traceparent`, which every MCP request of the turn carries. */
export interface TurnOrigin {
	request_id?: string | undefined;
	traceparent?: string | undefined;
}

/** The tracing fields of a gateway call made for the turn: this Worker, its request id and a new span of its trace. */
export function originFields(origin: TurnOrigin): { via: "chat"; request_id?: string; traceparent: string } {
	return {
		via: "chat",
		traceparent: nextTraceparent(continueTrace(origin.traceparent)),
		...(origin.request_id ? { request_id: origin.request_id } : {}),
	};
}

/**
 * An MCP client acting as `credentialId` (an agent), over the MCP Worker's internal entrypoint (no OAuth, no
 * network). A turn started with an API key passes its `keyId`, so the MCP server refuses the turn's calls once the
 * key is revoked. Each request carries the turn's request id and a new span of its trace (a new trace when it has
 * none), so the MCP Worker, the gateway and the merchant log the same trace id.
 */
export async function mcpClient(
	env: ChatEnv,
	credentialId: string,
	keyId?: string,
	origin: TurnOrigin = {},
): Promise<Client> {
	const trace = continueTrace(origin.traceparent);
	const transport = new StreamableHTTPClientTransport(new URL("https://mcp.internal/mcp"), {
		// An AbortSignal cannot cross RPC: the request goes without one.
		fetch: async (url, init) => {
			const headers = new Headers(init?.headers);
			headers.set("traceparent", nextTraceparent(trace));
			if (origin.request_id) headers.set("x-request-id", origin.request_id);
			const request = await mcpInternalRequest(url, { method: init?.method, headers, body: init?.body });
			return env.MCP.handle(credentialId, request, keyId);
		},
	});
	// No elicitation capability, on purpose: nothing in this Worker may answer a purchase confirmation for the owner.
	// The MCP server then answers CONFIRMATION_REQUIRED and the turn pauses until the owner decides on the site.
	const client = new Client({ name: "penumbra-chat", version: "0.1.0" });
	await client.connect(transport);
	return client;
}

/** The MCP server's tools as the model API takes them. */
export async function modelTools(mcp: Client): Promise<Tool[]> {
	const listed = await mcp.listTools();
	return listed.tools.map((t) => ({
		name: t.name,
		description: t.description ?? "",
		input_schema: t.inputSchema as Tool.InputSchema,
	}));
}

/** Text of an MCP tool result, as the model reads it. */
function resultText(result: { content?: unknown }): string {
	const content = Array.isArray(result.content) ? result.content : [];
	return content
		.map((block: unknown) =>
			typeof block === "object" && block !== null && "text" in block && typeof block.text === "string"
				? block.text
				: "",
		)
		.join("\n");
}

/** One line for the tool card and the stored message. */
export function summaryOf(name: string, result: ToolCallResult): string {
	const structured = (result.structuredContent ?? {}) as Record<string, unknown> & ToolErrorShape;
	if (result.isError) return `${structured.error?.code ?? "ERROR"}: ${structured.error?.detail ?? "failed"}`;
	if (name === "search_services" && Array.isArray(structured.results)) {
		return `${structured.results.length} service(s) found`;
	}
	if (name === "list_tools" && Array.isArray(structured.tools)) return `${structured.tools.length} tool(s)`;
	if (typeof structured.status === "string") return structured.status;
	return "done";
}

/** A tool call's result as the model's next message carries it. */
export function toolResultBlock(use: ToolUseBlock, result: ToolCallResult): ToolResultBlockParam {
	return {
		type: "tool_result",
		tool_use_id: use.id,
		content: resultText(result) || "(no output)",
		...(result.isError ? { is_error: true } : {}),
	};
}
