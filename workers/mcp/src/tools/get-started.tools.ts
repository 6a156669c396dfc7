import type { CallToolResult } from "@modelcontextprotocol/server";
import { AccountViewSchema, HealthSchema } from "@penumbra/core/contracts";
import { z } from "zod";
import { connectHelp, type Links, linksOf, toolError, toolResult } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { type CallContext, dollars, gatewayOf, readOnly } from "./context.ts";

const STEPS = [
	"search_services(query) — find services by what the user wants, in plain words (typos are fine).",
	"list_tools(service) — the service's tools with their input schemas, fees and purchase flags. For a large service the schemas are summarized (and the list paged, `next_offset`): list_tools(service, tool) gives one tool's full input schema, and `schema_path` one part of a very large one.",
	"execute(service, tool, parameters) — run a tool. Use `fields` to ask for only the parts you need.",
	"Purchases: execute without quote_id returns a quote (amount, expiry); tell the user the price, then call execute again with the same arguments plus quote_id to buy and get a receipt.",
	"Above the owner's auto-approve threshold the account's owner must confirm on the confirmation page (signed in with their email code): your client may open the page for them, or you get the link to give them. Call execute again once they have confirmed. You cannot confirm on the user's behalf, and neither can your client or your key.",
];

async function getStarted(gateway: Gateway, links: Links): Promise<CallToolResult> {
	const session = gateway.session;
	const health = await gateway.get(HealthSchema, "/v1/health");
	const common = {
		services: health.ok ? health.data.services : null,
		steps: STEPS,
		money:
			"All amounts are integer cents in USD. Tool calls may carry a small usage fee (shown by list_tools).",
	};
	if (!session) {
		return toolResult({
			auth_level: "anonymous",
			signed_in: false,
			...common,
			can: [
				"get_started",
				"search_services",
				"list_tools",
				"health",
				"execute on tools marked auth_level anonymous",
			],
			connect: connectHelp(links),
		});
	}
	const account = await gateway.get(AccountViewSchema, "/v1/account");
	if (!account.ok) return toolError(account, links);
	const { balance_cents, available_cents, spent_today_cents, controls } = account.data;
	return toolResult({
		auth_level: session.level,
		signed_in: true,
		email: session.email,
		account: {
			balance_cents,
			available_cents,
			spent_today_cents,
			balance: dollars(balance_cents),
			top_up_url: links.topUpUrl,
		},
		controls,
		...common,
	});
}

export const getStartedTool = {
	title: "Get started",
	description:
		"How to use Penumbra, and the caller's account: auth level, balance and spend controls. Call this first.",
	inputSchema: z.object({}),
	annotations: readOnly,
	run: (call: CallContext) => getStarted(gatewayOf(call), linksOf(call.env)),
} as const;
