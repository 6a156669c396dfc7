import { SIGNED_QUOTE_ID } from "@penumbra/core/purchase";
import type { GatewayResult } from "../gateway.ts";
import { alert, type Html, html, money, pageResponse } from "./html.ts";
import { loadReview, quoteCall, type Review, reviewDetails } from "./review.ts";
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

function confirmationPath(quoteId: string): string {
	return `/confirm/${encodeURIComponent(quoteId)}`;
}

/** The quote as the gateway answered, with what the page shows around it when it could be read. */
type Loaded = { ok: true; review: Review } | Exclude<GatewayResult<unknown>, { ok: true }>;

const OWNER_ONLY =
	"Only the account's owner can confirm or decline a purchase: sign out, then sign in with the owner's email code. An API key given to an assistant cannot.";

const NOT_DECIDED = "Nothing was decided: you are signed in with an assistant's API key, not as the owner.";

function decisionBlock(context: FormContext, review: Review, session: HumanSession): Html {
	const { quote } = review;
	if (quote.status === "confirmed") {
		return html`<p class="ok" role="status">Confirmed. Go back to your assistant: it can complete the purchase now.</p>`;
	}
	if (quote.status === "declined") {
		return html`<p role="status">Declined. Nothing will be charged for this quote.</p>`;
	}
	if (Date.parse(quote.expires_at) <= Date.now()) {
		return html`<p class="error" role="status">This quote has expired. Ask your assistant for a new quote.</p>`;
	}
	if (session.authority !== "owner") return html`<p class="notice" role="status">${OWNER_ONLY}</p>`;
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
	content: { step?: SignInStep; loaded?: Loaded; error?: string },
	init: { status?: number; headers?: Headers } = {},
): Response {
	const loaded = content.loaded;
	let body: Html;
	if (!session) {
		body = html`<h1>Confirm a purchase</h1>
<p>Your assistant asked to buy something with your Penumbra balance. Sign in as the account's owner, with your email
code, to review it.</p>
${signInForms(context, content.step ?? { kind: "choose" })}`;
	} else if (loaded?.ok) {
		body = html`<h1>Confirm a purchase</h1>
${alert(content.error)}
${reviewDetails(loaded.review)}
${decisionBlock(context, loaded.review, session)}
${signedInAs(context, session)}`;
	} else {
		body = html`<h1>Confirm a purchase</h1>
${alert(loaded?.detail ?? "This purchase could not be loaded.")}
${
	loaded?.code === "NOT_FOUND"
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

function statusOf(loaded: Loaded): number {
	if (loaded.ok) return 200;
	switch (loaded.code) {
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

/** The quote for this person and what the page shows around it. */
async function load(env: McpEnv, session: HumanSession, quoteId: string): Promise<Loaded> {
	const quote = await quoteCall(env, session, quoteId, "GET");
	return quote.ok ? { ok: true, review: await loadReview(env, session, quote.data) } : quote;
}

/**
 * The page for a signed-in person: the review, or, when the gateway no longer accepts their sign-in (the pasted key
 * or the account was revoked), the sign-in forms again with the session ended.
 */
async function reviewPage(
	env: McpEnv,
	request: Request,
	context: FormContext,
	session: HumanSession,
	quoteId: string,
	extra: { error?: string; status?: number; headers?: Headers } = {},
): Promise<Response> {
	const loaded = await load(env, session, quoteId);
	const headers = new Headers(extra.headers);
	if (!loaded.ok && loaded.code === "AUTH_REQUIRED") {
		headers.append("set-cookie", await endSession(env, request));
		const error = "Your sign-in is no longer valid (the key or the account was revoked). Sign in again.";
		return render(context, null, { step: { kind: "choose", error } }, { status: 401, headers });
	}
	const status = loaded.ok ? (extra.status ?? 200) : statusOf(loaded);
	return render(
		context,
		session,
		{ loaded, ...(extra.error ? { error: extra.error } : {}) },
		{ status, headers },
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
	return reviewPage(env, request, context, session, quoteId, { headers });
}

/** Confirm or Decline: the owner's decision, recorded by the gateway with the owner's authority. */
async function decide(
	env: McpEnv,
	request: Request,
	context: FormContext,
	quoteId: string,
	action: "confirm" | "decline",
): Promise<Response> {
	const session = await readSession(env, request);
	if (!session) {
		return render(context, null, { step: { kind: "choose", error: "Sign in first." } }, { status: 401 });
	}
	// Never asked of the gateway for an agent's sign-in: it would refuse it too.
	if (session.authority !== "owner") {
		return reviewPage(env, request, context, session, quoteId, { error: NOT_DECIDED, status: 403 });
	}
	const decided = await quoteCall(env, session, quoteId, "POST", `/${action}`);
	if (decided.ok) return reviewPage(env, request, context, session, quoteId);
	// Show the quote as it stands now, with the gateway's reason the decision was refused.
	return reviewPage(env, request, context, session, quoteId, {
		error: decided.detail,
		status: statusOf(decided),
	});
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
		const headers = new Headers({ "set-cookie": await endSession(env, request) });
		return render(context, null, {}, { headers });
	}
	if (action === "confirm" || action === "decline") return decide(env, request, context, quoteId, action);

	const outcome = await handleSignIn(env, request, form, action);
	if (!outcome) {
		const session = await readSession(env, request);
		return session
			? reviewPage(env, request, context, session, quoteId, { status: 400 })
			: render(context, null, {}, { status: 400 });
	}
	if (outcome.kind === "step")
		return render(context, null, { step: outcome.step }, { status: outcome.status });
	const headers = new Headers({ "set-cookie": outcome.setCookie });
	return reviewPage(env, request, context, outcome.session, quoteId, { headers });
}
