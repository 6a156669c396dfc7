import type { CallToolResult } from "@modelcontextprotocol/server";
import { type Failure, failureError } from "@penumbra/core/contracts";
import { type Problem, toProblem } from "@penumbra/core/errors";

/** Links a model can hand to its human. */
export interface Links {
	mcpUrl: string;
	topUpUrl: string;
	accountUrl: string;
}

export function linksOf(env: McpEnv): Links {
	return {
		mcpUrl: `${env.PUBLIC_URL}/mcp`,
		topUpUrl: `${env.WEB_URL}/account#top-up`,
		accountUrl: `${env.WEB_URL}/account`,
	};
}

/** How a client gets an identity, said once for AUTH_REQUIRED. */
export function connectHelp(links: Links) {
	return {
		mcp_url: links.mcpUrl,
		oauth: `Clients with OAuth sign-in (Claude Desktop custom connectors, mcp-remote): connect to ${links.mcpUrl}/signin and sign in with an email code or an API key.`,
		api_key: `Other clients (Cursor, MCP Inspector, mcp-remote) send \`Authorization: Bearer <unified key>\`; create a key at ${links.accountUrl}.`,
	};
}

/** What the model should do next, per error code. */
function hintFor(problem: Problem, links: Links): { hint: string; extras: Record<string, unknown> } {
	switch (problem.code) {
		case "AUTH_REQUIRED":
			return {
				hint: "This needs a signed-in account. Tell the user how to connect (see `connect`), then retry.",
				extras: { connect: connectHelp(links) },
			};
		case "FORBIDDEN":
			return problem.owner_only === true
				? {
						hint: `Only the account's owner can do this, at ${links.accountUrl}: you cannot, whatever the arguments. Tell the user.`,
						extras: {},
					}
				: { hint: "This account's level is too low for this tool; the owner can upgrade it.", extras: {} };
		case "INSUFFICIENT_FUNDS":
			return {
				hint: `The balance is short by ${String(problem.shortfall_cents ?? "?")}¢. Ask the user to top up at the link, then retry with the same arguments.`,
				extras: { top_up_url: links.topUpUrl },
			};
		case "RATE_LIMITED":
			return {
				hint: `Too many calls. Wait ${String(problem.retry_after_seconds ?? 60)} s before retrying.`,
				extras: {},
			};
		case "NOT_FOUND":
			return {
				hint: Array.isArray(problem.suggestions)
					? "Check the name: see `suggestions`, or use search_services / list_tools."
					: "Use search_services to find services and list_tools for their tools.",
				extras: {},
			};
		case "VALIDATION_FAILED":
			return {
				hint: Array.isArray(problem.errors)
					? "Fix each field named in `errors` (JSON pointers into the arguments) and call again."
					: "The service refused these parameters (see `upstream_message`): adjust them and call again.",
				extras: {},
			};
		case "QUOTE_EXPIRED":
			return { hint: "The quote expired: call execute without quote_id for a new quote.", extras: {} };
		case "BUDGET_EXCEEDED":
			return {
				hint: `The owner's spend controls refuse this. Only the owner can change them at ${links.accountUrl}.`,
				extras: {},
			};
		case "CONFIRMATION_REQUIRED":
			return { hint: "The owner must confirm this purchase before it can go through.", extras: {} };
		case "UPSTREAM_TIMEOUT":
			return {
				hint: "The merchant did not answer in time. Retrying is safe for purchases with the same quote_id.",
				extras: {},
			};
		case "UPSTREAM_ERROR":
			return { hint: "The merchant failed. Try again later or try another service.", extras: {} };
		case "PAYLOAD_TOO_LARGE":
			return { hint: "The answer was too large: ask for less (fields, a smaller page).", extras: {} };
		default:
			return { hint: "Something went wrong on our side; try again shortly.", extras: {} };
	}
}

/** A gateway problem as an MCP tool error the model can act on. */
export function toolError(failure: Failure, links: Links): CallToolResult {
	const problem = toProblem(failureError(failure));
	const {
		type: _type,
		title: _title,
		status: _status,
		instance: _instance,
		input_schema: _schema,
		...rest
	} = problem;
	const { hint, extras } = hintFor(problem, links);
	const error = {
		...rest,
		hint,
		...extras,
	};
	return {
		isError: true,
		content: [{ type: "text", text: `${problem.code}: ${problem.detail}\n${JSON.stringify({ error })}` }],
		structuredContent: { error },
	};
}

/** A successful result: structured, and the same as JSON text for clients that only read text. */
export function toolResult(structured: Record<string, unknown>, note?: string): CallToolResult {
	return {
		content: [{ type: "text", text: `${note ? `${note}\n` : ""}${JSON.stringify(structured)}` }],
		structuredContent: structured,
	};
}
