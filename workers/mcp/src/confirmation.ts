import {
	type CallToolResult,
	type InputRequiredResult,
	inputRequired,
	inputResponse,
	type McpRequestContext,
	type McpServer,
	type ServerContext,
} from "@modelcontextprotocol/server";
import { type Failure, type QuoteStatus, QuoteStatusSchema } from "@penumbra/core/contracts";
import { confirmationUrl } from "./auth/confirm.ts";
import type { SessionProps } from "./auth/props.ts";
import { type Links, linksOf, toolError, toolResult } from "./errors.ts";
import type { Gateway } from "./gateway.ts";
import { dollars } from "./tools/context.ts";

/** What a purchase confirmation shows the human. */
export type PendingPurchase = Pick<
	QuoteStatus,
	"quote_id" | "service" | "tool" | "amount_cents" | "expires_at"
>;

/** What the client answered when it showed the confirmation page: it only tells whether the user was asked. */
export type ClientAnswer = "accept" | "decline" | "cancel";

/**
 * How putting the purchase to the human through the client went: the client showed them the confirmation page
 * (`asked`, whatever it answered); or a result to hand the client while it asks (multi-round-trip elicitation); or
 * null when this client cannot open a URL for the user (then the link goes in the result).
 */
export type Asked =
	| { kind: "asked"; answer: ClientAnswer }
	| { kind: "asking"; result: InputRequiredResult }
	| null;

/**
 * Points the human at the confirmation page through the client (URL-mode elicitation). Only the owner, signed in on
 * that page, can confirm: nothing the client answers confirms a purchase (docs/auth.md).
 */
export type HumanConfirm = (purchase: PendingPurchase, url: string) => Promise<Asked>;

/** Where the owner's decision stands after asking: confirmed (buy now), or the result to return instead. */
export type Decision =
	| { kind: "confirmed" }
	| { kind: "result"; result: CallToolResult | InputRequiredResult };

export function confirmMessage(purchase: PendingPurchase): string {
	return `Confirm purchase: ${dollars(purchase.amount_cents)} with ${purchase.service} (${purchase.tool}). Only the account's owner can confirm, on the page that opens; then ask your assistant to finish. The quote expires at ${purchase.expires_at}.`;
}

function quotePath(quoteId: string): string {
	return `/v1/quotes/${encodeURIComponent(quoteId)}`;
}

/** The quote held for the owner and not confirmed (yet): the link, and what to do next. */
function awaiting(env: McpEnv, quote: QuoteStatus, answer: ClientAnswer | null): CallToolResult {
	const url = confirmationUrl(env, quote.quote_id);
	const expired = Date.parse(quote.expires_at) <= Date.now();
	if (expired) {
		return toolResult(
			{ status: "expired", quote_id: quote.quote_id, next: "Call execute without quote_id for a new quote." },
			"The quote expired before the owner confirmed it. Nothing was charged.",
		);
	}
	const notOpened = answer === "decline" || answer === "cancel";
	return toolResult(
		{
			status: "awaiting_confirmation",
			quote_id: quote.quote_id,
			amount_cents: quote.amount_cents,
			amount: dollars(quote.amount_cents),
			expires_at: quote.expires_at,
			needs_owner_confirmation: true,
			confirmation_url: url,
			next: `Ask the user to open ${url} and confirm (only the account's owner can, signed in with their email code), then call execute again with the same arguments.`,
		},
		`Not bought yet: the owner has not confirmed this purchase${notOpened ? " (the confirmation page was not opened)" : ""}. Nothing was charged.`,
	);
}

function declined(quoteId: string): CallToolResult {
	return toolResult(
		{ status: "declined", quote_id: quoteId, note: "The owner declined this purchase. Nothing was charged." },
		"The owner declined this purchase.",
	);
}

/** A client that cannot open the page for the user: the gateway's refusal, with the link to hand the user. */
function linkOnly(env: McpEnv, quoteId: string, held: Failure, links: Links): CallToolResult {
	const url = confirmationUrl(env, quoteId);
	return toolError(
		{
			...held,
			detail: `${held.detail} Ask the user to open ${url}, confirm (only the account's owner can), and tell you; then call execute again with the same arguments.`,
			extras: { ...held.extras, confirmation_url: url },
		},
		links,
	);
}

function settled(env: McpEnv, quote: QuoteStatus, answer: ClientAnswer | null): Decision {
	if (quote.status === "confirmed") return { kind: "confirmed" };
	if (quote.status === "declined") return { kind: "result", result: declined(quote.quote_id) };
	return { kind: "result", result: awaiting(env, quote, answer) };
}

/**
 * A purchase the gateway held for the owner's confirmation (`held`): asks the client to show the human the
 * confirmation page when it can, then reads the quote's status from the gateway, which alone says whether the
 * owner confirmed. This server never confirms or declines a quote: the client's answer only tells that the human
 * was asked.
 */
export async function ownerDecision(
	env: McpEnv,
	gateway: Gateway,
	quoteId: string,
	held: Failure,
	confirm: HumanConfirm | undefined,
): Promise<Decision> {
	const links = linksOf(env);
	const before = await gateway.get(QuoteStatusSchema, quotePath(quoteId));
	if (!before.ok) return { kind: "result", result: toolError(before, links) };
	if (before.data.status !== "open") return settled(env, before.data, null);
	const asked = confirm ? await confirm(before.data, confirmationUrl(env, quoteId)) : null;
	if (asked === null) return { kind: "result", result: linkOnly(env, quoteId, held, links) };
	if (asked.kind === "asking") return { kind: "result", result: asked.result };
	const after = await gateway.get(QuoteStatusSchema, quotePath(quoteId));
	if (!after.ok) return { kind: "result", result: toolError(after, links) };
	return settled(env, after.data, asked.answer);
}

/** A purchase the gateway refused as FORBIDDEN: the declined result when the owner declined its quote, else null. */
export async function declinedQuote(gateway: Gateway, quoteId: string): Promise<CallToolResult | null> {
	const quote = await gateway.get(QuoteStatusSchema, quotePath(quoteId));
	return quote.ok && quote.data.status === "declined" ? declined(quoteId) : null;
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

interface Minted {
	quote_id: string;
	credential_id: string;
}

/**
 * Whether this retried call answers the question we put for this quote and caller, and what the client said; null
 * when it carries no state we minted. The state is single-use: it is deleted once read, so a retry with it again
 * is asked again.
 */
async function answerOnRetry(
	env: McpEnv,
	extra: ServerContext,
	purchase: PendingPurchase,
	credentialId: string,
): Promise<ClientAnswer | null> {
	const state = extra.mcpReq.requestState<string>();
	const response = inputResponse(extra.mcpReq.inputResponses, "confirm");
	if (typeof state !== "string" || !NONCE.test(state) || response.kind !== "elicit") return null;
	const key = `elicit:${state}`;
	const minted = await env.OAUTH_KV.get<Minted>(key, "json");
	if (minted?.quote_id !== purchase.quote_id || minted.credential_id !== credentialId) return null;
	await env.OAUTH_KV.delete(key);
	return response.action;
}

/** Mints the single-use state for this quote and caller, and asks the client to open the page for the human. */
async function askOnRetry(
	env: McpEnv,
	purchase: PendingPurchase,
	credentialId: string,
	url: string,
): Promise<InputRequiredResult> {
	const nonce = crypto.randomUUID().replaceAll("-", "");
	const minted: Minted = { quote_id: purchase.quote_id, credential_id: credentialId };
	await env.OAUTH_KV.put(`elicit:${nonce}`, JSON.stringify(minted), { expirationTtl: 600 });
	return inputRequired({
		inputRequests: { confirm: inputRequired.elicitUrl({ message: confirmMessage(purchase), url }) },
		requestState: nonce,
	});
}

/**
 * URL-mode elicitation on the 2026-07-28 protocol (stateless: the client opens the page for the user, then retries
 * the call). The retry counts as "asked" only with the single-use state we minted for this quote and caller; the
 * purchase then goes through only if the gateway says the owner confirmed. Clients that did not declare URL
 * elicitation, and older Streamable HTTP clients, cannot be asked: undefined (they get the link).
 */
export function multiRoundTripConfirm(
	env: McpEnv,
	server: McpServer,
	ctx: McpRequestContext,
	session: SessionProps | null,
	extra: ServerContext,
): HumanConfirm | undefined {
	if (ctx.era !== "modern" || !session) return undefined;
	if (server.server.getClientCapabilities()?.elicitation?.url === undefined) return undefined;
	return async (purchase, url) => {
		const answer = await answerOnRetry(env, extra, purchase, session.credential_id);
		if (answer !== null) return { kind: "asked", answer };
		return { kind: "asking", result: await askOnRetry(env, purchase, session.credential_id, url) };
	};
}
