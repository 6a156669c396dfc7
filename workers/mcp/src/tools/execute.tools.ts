import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import {
	fail,
	QuoteSchema,
	type Quote as QuoteView,
	type ToolCallResult,
	ToolCallResultSchema,
} from "@penumbra/core/contracts";
import { z } from "zod";
import { confirmationUrl } from "../auth/confirm.ts";
import { declinedQuote, type HumanConfirm, ownerDecision } from "../confirmation.ts";
import { type Links, linksOf, toolError, toolResult } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { type ToolFlow, toolFlow } from "../registry.ts";
import { shapedResult } from "../shape.ts";
import { type CallContext, dollars, gatewayOf, ServiceId, ToolName } from "./context.ts";

const ExecuteInput = z.object({
	service: ServiceId,
	tool: ToolName,
	parameters: z
		.record(z.string(), z.unknown())
		.default({})
		.describe("The tool's input, as its input_schema describes."),
	quote_id: z
		.string()
		.max(200)
		.optional()
		.describe("For purchase tools: the quote_id of a quote for exactly these arguments."),
	fields: z
		.array(z.string().max(200))
		.max(50)
		.optional()
		.describe("Dotted paths to keep from the result, e.g. ['items.name']."),
});

interface ExecuteArgs {
	service: string;
	tool: string;
	parameters: Record<string, unknown>;
	quote_id?: string | undefined;
	fields?: string[] | undefined;
}

type ExecuteResult = CallToolResult | InputRequiredResult;

function quoteResult(env: McpEnv, quote: QuoteView): CallToolResult {
	const confirm = quote.requires_confirmation
		? {
				needs_owner_confirmation: true,
				confirmation_url: confirmationUrl(env, quote.quote_id),
			}
		: {};
	return toolResult(
		{
			status: "quoted",
			quote: {
				quote_id: quote.quote_id,
				merchant: quote.merchant,
				service: quote.service,
				tool: quote.tool,
				amount_cents: quote.amount_cents,
				amount: dollars(quote.amount_cents),
				currency: quote.currency,
				expires_at: quote.expires_at,
				details: quote.details,
			},
			...confirm,
			next: quote.requires_confirmation
				? `This is above the owner's auto-approve threshold: only the account's owner can confirm it, at ${confirmationUrl(env, quote.quote_id)} (you cannot). Tell the user the price and call execute again with the same arguments plus quote_id: your client may open that page for them; otherwise give them the link, and call again once they have confirmed.`
				: "Tell the user the price. To buy, call execute again with the same service, tool and parameters plus this quote_id.",
		},
		`Quote ${quote.quote_id}: ${dollars(quote.amount_cents)} at ${quote.merchant}, valid until ${quote.expires_at}. Nothing has been charged.`,
	);
}

function withReceiptNote(result: CallToolResult, amountCents: number): CallToolResult {
	const first = result.content[0];
	if (first?.type === "text")
		first.text = `Bought for ${dollars(amountCents)}. Receipt below.\n${first.text}`;
	return result;
}

function authRequired(args: ExecuteArgs, level: ToolFlow["auth_level"], links: Links): CallToolResult {
	return toolError(
		fail(
			"AUTH_REQUIRED",
			`${args.service}.${args.tool} needs a connected account (${level} level). Nothing was called.`,
			{ required_level: level },
		),
		links,
	);
}

function boughtResult(env: McpEnv, data: ToolCallResult, fields: string[] | undefined): CallToolResult {
	const receipt = data.receipt;
	const status = data.replayed ? "already_bought" : "bought";
	const result = shapedResult(env, { status, ...data }, fields);
	return receipt?.amount_cents !== undefined ? withReceiptNote(result, receipt.amount_cents) : result;
}

/**
 * Without a quote_id: a quote, nothing charged. With one: the purchase; when the gateway holds it for the owner, the
 * human is pointed at the confirmation page and it is bought only once the gateway says the owner confirmed.
 */
async function purchase(
	env: McpEnv,
	gateway: Gateway,
	args: ExecuteArgs,
	confirm: HumanConfirm | undefined,
): Promise<ExecuteResult> {
	const links = linksOf(env);
	if (!args.quote_id) {
		const quote = await gateway.post(QuoteSchema, "/v1/quotes", {
			service: args.service,
			tool: args.tool,
			parameters: args.parameters,
		});
		return quote.ok ? quoteResult(env, quote.data) : toolError(quote, links);
	}
	const quoteId = args.quote_id;
	const buy = () =>
		gateway.post(
			ToolCallResultSchema,
			`/v1/services/${encodeURIComponent(args.service)}/tools/${args.tool}`,
			{
				parameters: args.parameters,
				quote_id: quoteId,
			},
		);
	let bought = await buy();
	if (!bought.ok && bought.code === "CONFIRMATION_REQUIRED") {
		const decision = await ownerDecision(env, gateway, quoteId, bought, confirm);
		if (decision.kind === "result") return decision.result;
		bought = await buy();
	}
	if (!bought.ok && bought.code === "FORBIDDEN")
		return (await declinedQuote(gateway, quoteId)) ?? toolError(bought, links);
	if (!bought.ok) return toolError(bought, links);
	return boughtResult(env, bought.data, args.fields);
}

async function execute(
	env: McpEnv,
	gateway: Gateway,
	args: ExecuteArgs,
	confirm?: HumanConfirm,
): Promise<ExecuteResult> {
	const links = linksOf(env);
	// The registry only picks the flow; the gateway checks level, purchase and money again on the call itself.
	const flow = await toolFlow(env, args.service, args.tool);
	if (flow && flow.auth_level !== "anonymous" && gateway.session === null) {
		return authRequired(args, flow.auth_level, links);
	}
	if (flow?.purchase) return purchase(env, gateway, args, confirm);
	const serviceId = encodeURIComponent(args.service);
	const ran = await gateway.post(ToolCallResultSchema, `/v1/services/${serviceId}/tools/${args.tool}`, {
		parameters: args.parameters,
	});
	return ran.ok ? shapedResult(env, ran.data, args.fields) : toolError(ran, links);
}

export const executeTool = {
	title: "Run a service's tool",
	description:
		"Run one tool of a service with parameters matching its input schema (from list_tools). Purchase tools: without quote_id you get a quote and nothing is charged; call again with the same arguments plus quote_id to buy and get a receipt. Some purchases need the user's confirmation first. Big answers are cut: pass fields to keep only what you need.",
	inputSchema: ExecuteInput,
	annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
	run: (call: CallContext, args: z.infer<typeof ExecuteInput>) =>
		execute(call.env, gatewayOf(call), args, call.confirm),
} as const;
