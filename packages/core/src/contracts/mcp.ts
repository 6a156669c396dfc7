import { z } from "zod";

/**
 * The MCP server's bound on a request body (the SDK's 4 MiB). The plain form below bounds its body's characters by
 * it too (a character is at least one byte); the server holds the bytes to it.
 */
export const MCP_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * One MCP HTTP request from another of our Workers (the chat's model loop) to the MCP Worker's `McpInternal`
 * entrypoint, as plain data. A `Request` handed over RPC carries its body as a stream the callee pulls across the
 * binding, and on `wrangler dev` (Workers in separate processes) the runtime cancelled that pull as a hung request
 * after each exchange; a body in the message itself has nothing left to pull.
 */
export const McpInternalRequestSchema = z.object({
	url: z.url(),
	method: z.enum(["GET", "POST", "DELETE"]),
	headers: z.array(z.tuple([z.string(), z.string()])).max(64),
	body: z.string().max(MCP_MAX_BODY_BYTES).optional(),
});
export type McpInternalRequest = z.infer<typeof McpInternalRequestSchema>;

/** The plain form of what an MCP client's transport would `fetch(url, init)`; a body is read whole. */
export async function mcpInternalRequest(url: string | URL, init?: RequestInit): Promise<McpInternalRequest> {
	const request = new Request(url, init);
	const method = McpInternalRequestSchema.shape.method.parse(request.method);
	const headers: [string, string][] = [];
	request.headers.forEach((value, name) => {
		headers.push([name, value]);
	});
	const body = request.body ? await request.text() : undefined;
	return { url: request.url, method, headers, ...(body === undefined ? {} : { body }) };
}
