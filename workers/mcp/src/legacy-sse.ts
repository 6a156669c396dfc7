import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestInfo, CallToolResult as V1CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import { incomingTrace } from "@penumbra/core/trace";
import { McpAgent } from "agents/mcp";
import { type SessionProps, SessionPropsSchema } from "./auth/props.ts";
import { confirmMessage, type HumanConfirm } from "./confirmation.ts";
import { TOOLS } from "./server.ts";
import { INSTRUCTIONS, SERVER_INFO } from "./server-info.ts";
import type { CallContext } from "./tools/context.ts";

/**
 * The legacy HTTP+SSE transport (`/sse`, protocol 2024-11-05) for older clients. That transport keeps a session,
 * so it lives in a Durable Object (the agents SDK's McpAgent, on the v1 MCP SDK it requires); it serves the same
 * five tool definitions as `/mcp`. The session acts for the caller that opened it (its props); index.ts checks
 * that every message comes from that same caller.
 */
/** The v1 SDK types the same wire shape separately. */
const v1 = (result: Promise<CallToolResult | InputRequiredResult>) =>
	result as unknown as Promise<V1CallToolResult>;

export class LegacySseSession extends McpAgent {
	server = new McpServer(SERVER_INFO, {
		instructions: INSTRUCTIONS,
		jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
	});

	#session(): SessionProps | null {
		const parsed = SessionPropsSchema.safeParse(this.props);
		return parsed.success ? parsed.data : null;
	}

	/** One tool call's context; its request id and trace are those of the `POST /sse/message` that carried it. */
	#call(extra: { requestInfo?: RequestInfo | undefined }): CallContext {
		const headers = extra.requestInfo?.headers ?? {};
		const origin = incomingTrace((name) => {
			const value = headers[name];
			return typeof value === "string" ? value : undefined;
		});
		return { env: this.env as unknown as McpEnv, session: this.#session(), origin };
	}

	/** Who opened this session (null: anonymous), for the check that each message comes from the same caller. */
	async caller(): Promise<SessionProps | null> {
		return this.#session();
	}

	/**
	 * Push URL-mode elicitation (this transport keeps a session), for clients that declared they can open a URL for
	 * the user. The server's own elicitInput, not McpAgent's, which only sends form requests.
	 */
	#confirm(relatedRequestId: string | number): HumanConfirm | undefined {
		if (this.server.server.getClientCapabilities()?.elicitation?.url === undefined) return undefined;
		return async (purchase, url) => {
			try {
				const answer = await this.server.server.elicitInput(
					{ mode: "url", message: confirmMessage(purchase), url, elicitationId: purchase.quote_id },
					{ relatedRequestId },
				);
				return { kind: "asked", answer: answer.action };
			} catch {
				// Unanswered (timeout, closed stream): the quote's status still decides, and the link is in the result.
				return { kind: "asked", answer: "cancel" };
			}
		};
	}

	async init(): Promise<void> {
		const { run: _gs, ...getStartedDef } = TOOLS.get_started;
		this.server.registerTool("get_started", getStartedDef, async (extra) =>
			v1(TOOLS.get_started.run(this.#call(extra))),
		);
		const { run: _ss, ...searchDef } = TOOLS.search_services;
		this.server.registerTool("search_services", searchDef, async (args, extra) =>
			v1(TOOLS.search_services.run(this.#call(extra), args)),
		);
		const { run: _lt, ...listDef } = TOOLS.list_tools;
		this.server.registerTool("list_tools", listDef, async (args, extra) =>
			v1(TOOLS.list_tools.run(this.#call(extra), args)),
		);
		const { run: _ex, ...executeDef } = TOOLS.execute;
		this.server.registerTool("execute", executeDef, async (args, extra) =>
			v1(TOOLS.execute.run({ ...this.#call(extra), confirm: this.#confirm(extra.requestId) }, args)),
		);
		const { run: _h, ...healthDef } = TOOLS.health;
		this.server.registerTool("health", healthDef, async (args, extra) =>
			v1(TOOLS.health.run(this.#call(extra), args)),
		);
	}
}

export const legacySse = LegacySseSession.serveSSE("/sse", { binding: "MCP_SSE" });

/** The caller a legacy session was opened by (null: anonymous), as its Durable Object keeps it. */
export function sseSessionCaller(env: McpEnv, sessionId: string): Promise<SessionProps | null> {
	return env.MCP_SSE.get(env.MCP_SSE.idFromName(`sse:${sessionId}`)).caller();
}
