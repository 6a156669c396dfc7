import {
	AccountViewSchema,
	type QuoteStatus,
	QuoteStatusSchema,
	ServiceCardSchema,
	ToolListSchema,
} from "@penumbra/core/contracts";
import { z } from "zod";
import { type GatewayResult, readAnswer } from "../gateway.ts";
import { type Html, html, money } from "./html.ts";
import { callAs, type HumanSession } from "./session.ts";

/** What the confirmation page shows about a quote: what, from whom, how much, the balance after, until when. */
export interface Review {
	quote: QuoteStatus;
	/** The merchant's name (the service card's), or the service id when the card cannot be read. */
	merchant: string;
	/** The tool's one-line summary, when the registry has it. */
	summary: string | null;
	/** The account's balance and what is available now; null when the account cannot be read. */
	balance: { balance_cents: number; available_cents: number } | null;
}

/** `GET /v1/services/{id}`: only its card is read here. */
const ServiceAnswerSchema = z.object({ service: ServiceCardSchema });

function quotePath(quoteId: string, suffix = ""): string {
	return `/v1/quotes/${encodeURIComponent(quoteId)}${suffix}`;
}

/**
 * One quote call to the gateway for the signed-in person (a POST is a decision: confirm or decline); the gateway
 * decides whose quote it is and whether this person may decide.
 */
export async function quoteCall(
	env: McpEnv,
	session: HumanSession,
	quoteId: string,
	method: "GET" | "POST",
	suffix = "",
): Promise<GatewayResult<QuoteStatus>> {
	const answer = await callAs(env, session, { method, path: quotePath(quoteId, suffix) }, method === "POST");
	return readAnswer(QuoteStatusSchema, answer, `${method} /v1/quotes`);
}

/** The quote and what the page shows around it; the quote's own failure when it cannot be read. */
export async function loadReview(env: McpEnv, session: HumanSession, quote: QuoteStatus): Promise<Review> {
	const service = encodeURIComponent(quote.service);
	const [card, tools, account] = await Promise.all([
		callAs(env, session, { method: "GET", path: `/v1/services/${service}` }),
		callAs(env, session, { method: "GET", path: `/v1/services/${service}/tools` }),
		callAs(env, session, { method: "GET", path: "/v1/account" }),
	]);
	const cardRead = readAnswer(ServiceAnswerSchema, card, "GET /v1/services/{id}");
	const toolsRead = readAnswer(ToolListSchema, tools, "GET /v1/services/{id}/tools");
	const accountRead = readAnswer(AccountViewSchema, account, "GET /v1/account");
	return {
		quote,
		merchant: cardRead.ok ? cardRead.data.service.name : quote.service,
		summary: toolsRead.ok ? (toolsRead.data.tools.find((t) => t.name === quote.tool)?.summary ?? null) : null,
		balance: accountRead.ok
			? { balance_cents: accountRead.data.balance_cents, available_cents: accountRead.data.available_cents }
			: null,
	};
}

function when(iso: string): string {
	return `${new Date(iso).toUTCString().replace("GMT", "UTC")}`;
}

function balanceRows(review: Review): Html {
	const balance = review.balance;
	if (!balance) return html``;
	const after = balance.balance_cents - review.quote.amount_cents;
	return html`<dt>Balance now</dt><dd>${money(balance.balance_cents)}</dd>
<dt>Balance after</dt><dd>${money(after)}</dd>`;
}

/** The purchase as the person reviews it. */
export function reviewDetails(review: Review): Html {
	const { quote } = review;
	const short = review.balance !== null && review.balance.available_cents < quote.amount_cents;
	return html`<dl>
<dt>What</dt><dd>${review.summary ? html`${review.summary} ` : ""}<code>${quote.service}.${quote.tool}</code></dd>
<dt>From</dt><dd>${review.merchant}</dd>
<dt>Amount</dt><dd>${money(quote.amount_cents)}</dd>
${balanceRows(review)}
<dt>Expires</dt><dd>${when(quote.expires_at)}</dd>
<dt>Status</dt><dd>${quote.status}</dd>
</dl>
${
	short && quote.status === "open"
		? html`<p class="notice">The available balance (${money(review.balance?.available_cents ?? 0)}) does not cover this
amount: top up before confirming, or the purchase will be refused.</p>`
		: ""
}`;
}
