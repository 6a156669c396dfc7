import {
	type InputRequiredResult,
	inputRequired,
	type McpRequestContext,
	type McpServer,
	type ServerContext,
} from "@modelcontextprotocol/server";
import { type Failure, QuoteStatusSchema } from "@penumbra/core/contracts";
import { z } from "zod";
import { currentSession } from "./auth/props.ts";
import type { Gateway } from "./gateway.ts";
import { dollars } from "./tools/context.ts";

/** What a purchase confirmation shows the human. */
export interface PendingPurchase {
	quote_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	expires_at: string;
}

/**
 * The human's answer; or a result to hand the client while it asks (multi-round-trip elicitation); or null when
 * this client cannot be asked (then the owner confirms through a link).
 */
export type HumanConfirm = (
	purchase: PendingPurchase,
) => Promise<"accept" | "decline" | InputRequiredResult | null>;

/** How asking the human went; null when the client cannot ask. */
export type AskOutcome =
	| { kind: "accept" }
	| { kind: "decline" }
	| { kind: "asking"; result: InputRequiredResult }
	| { kind: "failed"; failure: Failure }
	| null;

export function confirmMessage(purchase: PendingPurchase): string {
	return `Confirm purchase: ${dollars(purchase.amount_cents)} with ${purchase.service} (${purchase.tool}). The quote expires at ${purchase.expires_at}.`;
}

export const ConfirmSchema = z.object({ confirm: z.boolean().describe("Yes, buy it") });

/**
 * Puts a quote above the auto-approve threshold to the human through the client, and records their decision with
 * the gateway as the owner (the session is the owner's). Null when the client cannot ask.
 */
export async function askHuman(
	gateway: Gateway,
	quoteId: string,
	confirm: HumanConfirm | undefined,
): Promise<AskOutcome> {
	if (!confirm) return null;
	const quotePath = `/v1/quotes/${encodeURIComponent(quoteId)}`;
	const quote = await gateway.get(QuoteStatusSchema, quotePath);
	if (!quote.ok) return { kind: "failed", failure: quote };
	const answer = await confirm(quote.data);
	if (answer === null) return null;
	if (answer !== "accept" && answer !== "decline") return { kind: "asking", result: answer };
	const decided = await gateway.post(
		QuoteStatusSchema,
		`${quotePath}/${answer === "accept" ? "confirm" : "decline"}`,
	);
	return decided.ok ? { kind: answer } : { kind: "failed", failure: decided };
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

const ElicitResponse = z.object({
	action: z.enum(["accept", "decline", "cancel"]),
	content: ConfirmSchema.optional(),
});

interface Minted {
	quote_id: string;
	credential_id: string;
}

/**
 * The human's answer carried by a retried call, or null when the call carries none we minted for this quote and
 * caller. The state is single-use: it is deleted once read.
 */
async function answerOnRetry(
	env: McpEnv,
	extra: ServerContext,
	purchase: PendingPurchase,
	credentialId: string,
): Promise<"accept" | "decline" | null> {
	const state = extra.mcpReq.requestState<string>();
	const response = extra.mcpReq.inputResponses?.confirm;
	if (typeof state !== "string" || !NONCE.test(state) || response === undefined) return null;
	const key = `elicit:${state}`;
	const minted = await env.OAUTH_KV.get<Minted>(key, "json");
	if (minted?.quote_id !== purchase.quote_id || minted.credential_id !== credentialId) return null;
	await env.OAUTH_KV.delete(key);
	const parsed = ElicitResponse.safeParse(response);
	return parsed.success && parsed.data.action === "accept" && parsed.data.content?.confirm === true
		? "accept"
		: "decline";
}

/** Mints the single-use state for this quote and caller, and asks the client to put the question to the human. */
async function askOnRetry(
	env: McpEnv,
	purchase: PendingPurchase,
	credentialId: string,
): Promise<InputRequiredResult> {
	const nonce = crypto.randomUUID().replaceAll("-", "");
	const minted: Minted = { quote_id: purchase.quote_id, credential_id: credentialId };
	await env.OAUTH_KV.put(`elicit:${nonce}`, JSON.stringify(minted), { expirationTtl: 600 });
	return inputRequired({
		inputRequests: {
			confirm: inputRequired.elicit({ message: confirmMessage(purchase), requestedSchema: ConfirmSchema }),
		},
		requestState: nonce,
	});
}

/**
 * Confirmation by elicitation on the 2026-07-28 protocol (stateless: the client retries the call with the human's
 * answer). The answer counts only with the single-use state we minted for this quote and caller, so a client cannot
 * send a ready-made "accept" on the first call. Older Streamable HTTP clients cannot be asked: null.
 */
export function multiRoundTripConfirm(
	env: McpEnv,
	server: McpServer,
	ctx: McpRequestContext,
	extra: ServerContext,
): HumanConfirm | undefined {
	const session = currentSession();
	if (ctx.era !== "modern" || !session || !server.server.getClientCapabilities()?.elicitation)
		return undefined;
	return async (purchase) =>
		(await answerOnRetry(env, extra, purchase, session.credential_id)) ??
		askOnRetry(env, purchase, session.credential_id);
}
