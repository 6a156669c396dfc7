import { SIGNED_QUOTE_ID } from "@penumbra/core/purchase";
import { type QuoteStatus, QuoteStatusSchema } from "@penumbra/core/contracts";
import { type GatewayResult, readAnswer } from "../gateway.ts";
import { alert, type Html, html, money, pageResponse } from "./html.ts";
import { csrfToken, endSession, formRejection, type HumanSession, readSession } from "./session.ts";
import {
	type FormContext,
	handleSignIn,
	hiddenFields,
	type SignInStep,
	signedInAs,
	signInForms,
} from "./signin.ts";

/** The page where the owner confirms or declines a purchase above their auto-approve threshold. */
export function confirmationUrl(env: McpEnv, quoteId: string): string {
	return `${new URL(env.PUBLIC_URL).origin}/confirm/${encodeURIComponent(quoteId)}`;
}

type Quote = QuoteStatus;
type Answer = GatewayResult<Quote>;

/** One quote call to the gateway as the signed-in owner; the gateway decides whose quote it is. */
async function quoteCall(
	env: McpEnv,
	session: HumanSession,
	quoteId: string,
	method: "GET" | "POST",
	suffix = "",
): Promise<Answer> {
	const path = `/v1/quotes/${encodeURIComponent(quoteId)}${suffix}`;
	const answer = await env.GATEWAY.call(session.credential_id, { method, path });
	return readAnswer(QuoteStatusSchema, answer, `${method} /v1/quotes`);
}

function when(iso: string): string {
	return `${new Date(iso).toUTCString().replace("GMT", "UTC")}`;
}

function quoteDetails(quote: Quote): Html {
	return html`<dl>
<dt>Service</dt><dd>${quote.service}</dd>
<dt>Action</dt><dd><code>${quote.tool}</code></dd>
<dt>Amount</dt><dd>${money(quote.amount_cents)}</dd>
<dt>Expires</dt><dd>${when(quote.expires_at)}</dd>
<dt>Status</dt><dd>${quote.status}</dd>
</dl>`;
}

function decisionBlock(context: FormContext, quote: Quote): Html {
	const expired = Date.parse(quote.expires_at) <= Date.now();
	if (quote.status === "confirmed") {
		return html`<p class="ok" role="status">Confirmed. Go back to your assistant: it can complete the purchase now.</p>`;
	}
	if (quote.status === "declined") {
		return html`<p role="status">Declined. Nothing will be charged for this quote.</p>`;
	}
	if (expired) {
		return html`<p class="error" role="status">This quote has expired. Ask your assistant for a new quote.</p>`;
	}
	return html`${
		quote.requires_confirmation
			? html`<p>This is above your auto-approve threshold, so your assistant needs your confirmation to buy it.</p>`
			: html`<p class="muted">This is within your auto-approve threshold; confirming is not required.</p>`
	}
<form method="post" action="${context.action}" class="row">
${hiddenFields(context)}
<button class="primary" name="action" value="confirm">Confirm purchase of ${money(quote.amount_cents)}</button>
<button name="action" value="decline">Decline</button>
</form>`;
}

function render(
	context: FormContext,
	session: HumanSession | null,
	content: { step?: SignInStep; answer?: Answer; error?: string },
	init: { status?: number; headers?: Headers } = {},
): Response {
	const answer = content.answer;
	let body: Html;
	if (!session) {
		body = html`<h1>Confirm a purchase</h1>
<p>Your assistant asked to buy something with your Penumbra balance. Sign in as the account's owner to review it.</p>
${signInForms(context, content.step ?? { kind: "choose" })}`;
	} else if (answer?.ok) {
		body = html`<h1>Confirm a purchase</h1>
${alert(content.error)}
${quoteDetails(answer.data)}
${decisionBlock(context, answer.data)}
${signedInAs(context, session)}`;
	} else {
		body = html`<h1>Confirm a purchase</h1>
${alert(answer?.detail ?? "This purchase could not be loaded.")}
${
	answer?.code === "NOT_FOUND"
		? html`<p>Only the account that asked for the quote can confirm it. If it was made with another account, sign out
and sign in with that one.</p>`
		: ""
}
${signedInAs(context, session)}`;
	}
	return pageResponse("Confirm a purchase", body, init);
}

function notFound(): Response {
	return pageResponse(
		"Not found",
		html`<h1>No such purchase</h1>
<p>This link is not a purchase confirmation link. Ask your assistant for the link again.</p>`,
		{ status: 404 },
	);
}

/** GET /confirm/:quote_id */
export async function showConfirm(request: Request, env: McpEnv, quoteId: string): Promise<Response> {
	if (!SIGNED_QUOTE_ID.test(quoteId)) return notFound();
	const csrf = csrfToken(env, request);
	const headers = new Headers();
	if (csrf.setCookie) headers.append("set-cookie", csrf.setCookie);
	const context: FormContext = { action: confirmationPath(quoteId), hidden: { csrf: csrf.token } };
	const session = await readSession(env, request);
	if (!session) return render(context, null, {}, { headers });
	const answer = await quoteCall(env, session, quoteId, "GET");
	return render(
		context,
		session,
		{ answer },
		{ headers, ...(answer.ok ? {} : { status: statusOf(answer) }) },
	);
}

function confirmationPath(quoteId: string): string {
	return `/confirm/${encodeURIComponent(quoteId)}`;
}

function statusOf(answer: Answer): number {
	if (answer.ok) return 200;
	switch (answer.code) {
		case "NOT_FOUND":
			return 404;
		case "AUTH_REQUIRED":
			return 401;
		case "FORBIDDEN":
			return 403;
		case "QUOTE_EXPIRED":
			return 410;
		case "CONFLICT":
		case "CONFIRMATION_REQUIRED":
			return 409;
		default:
			return 502;
	}
}

/** POST /confirm/:quote_id: a sign-in step, sign-out, Confirm or Decline. */
export async function submitConfirm(request: Request, env: McpEnv, quoteId: string): Promise<Response> {
	if (!SIGNED_QUOTE_ID.test(quoteId)) return notFound();
	const form = await request.formData();
	const rejection = formRejection(env, request, form);
	if (rejection) {
		return pageResponse("Confirm a purchase", html`<h1>Confirm a purchase</h1>${alert(rejection)}`, {
			status: 403,
		});
	}
	const context: FormContext = {
		action: confirmationPath(quoteId),
		hidden: { csrf: String(form.get("csrf")) },
	};
	const action = String(form.get("action") ?? "");

	if (action === "signout") {
		return render(
			context,
			null,
			{},
			{ headers: new Headers({ "set-cookie": await endSession(env, request) }) },
		);
	}
	if (action === "confirm" || action === "decline") {
		const session = await readSession(env, request);
		if (!session) {
			return render(context, null, { step: { kind: "choose", error: "Sign in first." } }, { status: 401 });
		}
		const decided = await quoteCall(env, session, quoteId, "POST", `/${action}`);
		if (decided.ok) return render(context, session, { answer: decided });
		// Show the quote as it stands now, with the gateway's reason the decision was refused.
		const current = await quoteCall(env, session, quoteId, "GET");
		return render(
			context,
			session,
			current.ok ? { answer: current, error: decided.detail } : { answer: decided },
			{ status: statusOf(decided) },
		);
	}

	const outcome = await handleSignIn(env, request, form, action);
	if (!outcome) return render(context, await readSession(env, request), {}, { status: 400 });
	if (outcome.kind === "step")
		return render(context, null, { step: outcome.step }, { status: outcome.status });
	const answer = await quoteCall(env, outcome.session, quoteId, "GET");
	return render(
		context,
		outcome.session,
		{ answer },
		{
			headers: new Headers({ "set-cookie": outcome.setCookie }),
			...(answer.ok ? {} : { status: statusOf(answer) }),
		},
	);
}
