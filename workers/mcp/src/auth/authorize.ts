import {
	AuthorizationError,
	type AuthRequest,
	authorizationErrorRedirect,
	CimdFetchError,
	type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import { AccountViewSchema, unwrap } from "@penumbra/core/contracts";
import { sha256Hex } from "@penumbra/core/keys";
import { z } from "zod";
import { readAnswer } from "../gateway.ts";
import { alert, type Html, html, pageResponse } from "./html.ts";
import type { SessionProps } from "./props.ts";
import {
	browserBinding,
	callAs,
	csrfToken,
	endSession,
	formRejection,
	type HumanSession,
	randomToken,
	readSession,
} from "./session.ts";
import {
	type FormContext,
	handleSignIn,
	hiddenFields,
	type SignInStep,
	signedInAs,
	signInForms,
} from "./signin.ts";

/** The only scope: use the account within its owner's controls. Granted whatever else a client asks for. */
export const SCOPE = "penumbra";

/** The env the OAuth provider hands its default handler. */
export type PagesEnv = McpEnv & { OAUTH_PROVIDER: OAuthHelpers };

/** Time to sign in (a code lives 10 minutes) and decide. */
const PENDING_TTL_SECONDS = 15 * 60;

/** A validated authorization request waiting for the human, bound to the browser that opened it. */
const PendingSchema = z.object({
	request: z.custom<AuthRequest>((value) => typeof value === "object" && value !== null),
	client_name: z.string(),
	client_domain: z.string().nullable(),
	redirect_host: z.string(),
	redirect_is_loopback: z.boolean(),
	browser: z.string(),
});

type Pending = z.infer<typeof PendingSchema>;

function pendingKey(id: string): string {
	return `authorize-request:${id}`;
}

function errorPage(message: string, status: number): Response {
	return pageResponse(
		"Cannot connect",
		html`<h1>This connection request cannot be completed</h1>
${alert(message)}
<p>Go back to your assistant and start connecting again.</p>`,
		{ status },
	);
}

function consentIntro(pending: Pending): Html {
	return html`<h1>Connect ${pending.client_name} to your Penumbra account?</h1>
<p>${
		pending.client_domain
			? html`Published by <strong>${pending.client_domain}</strong>.`
			: "This app registered itself; its name is not verified."
	} Access will be sent to <strong>${pending.redirect_host}</strong>.</p>
${
	pending.redirect_is_loopback
		? html`<p class="notice"><strong>This sends access to an app on your computer.</strong> Continue only if you just
started connecting from it.</p>`
		: ""
}
<p>It will be able to use your Penumbra account:</p>
<ul>
<li>search services and see what they offer;</li>
<li>run their tools for you, including ones that cost money, paid from your balance;</li>
<li>spend only within your spend controls: purchases above your auto-approve threshold still need your own confirmation.</li>
</ul>`;
}

function declineForm(context: FormContext): Html {
	return html`<form method="post" action="${context.action}">
${hiddenFields(context)}
<button name="action" value="deny">Decline</button>
</form>`;
}

function render(
	pending: Pending,
	context: FormContext,
	session: HumanSession | null,
	step: SignInStep,
	options: { status?: number; headers?: Headers; error?: string } = {},
): Response {
	const body = session
		? html`${consentIntro(pending)}
${alert(options.error)}
${signedInAs(context, session)}
<form method="post" action="${context.action}" class="row">
${hiddenFields(context)}
<button class="primary" name="action" value="approve">Allow</button>
<button name="action" value="deny">Decline</button>
</form>`
		: html`${consentIntro(pending)}
${alert(options.error)}
${signInForms(context, step)}
<p class="or">or</p>
${declineForm(context)}`;
	return pageResponse(`Connect ${pending.client_name}`, body, {
		...(options.status ? { status: options.status } : {}),
		...(options.headers ? { headers: options.headers } : {}),
	});
}

/**
 * The grant's props from the credential as it is now (a session can outlive a revoked key or a changed level);
 * null when the gateway no longer accepts the credential or the key the person signed in with. The grant is an
 * agent whoever approved it; made with a pasted key, it names that key, so revoking the key ends the grant.
 */
async function liveProps(env: McpEnv, session: HumanSession): Promise<SessionProps | null> {
	const answer = await callAs(env, session, { method: "GET", path: "/v1/account" });
	if (answer.status === 401 || answer.status === 403) return null;
	const account = unwrap(readAnswer(AccountViewSchema, answer, "GET /v1/account")).data;
	return {
		credential_id: account.credential_id,
		level: account.level,
		email: account.email,
		via: "oauth",
		...(session.key_id ? { key_id: session.key_id } : {}),
	};
}

function failure(error: unknown): Response {
	if (error instanceof AuthorizationError && error.redirectTo)
		return Response.redirect(error.redirectTo, 302);
	if (error instanceof AuthorizationError) return errorPage(error.description, 400);
	if (error instanceof CimdFetchError) return errorPage("This app could not be verified.", 400);
	throw error;
}

/** GET /authorize: validates the request, keeps it server-side for this browser, and asks the human. */
export async function showAuthorize(request: Request, env: PagesEnv): Promise<Response> {
	let authRequest: AuthRequest;
	let consent: Awaited<ReturnType<OAuthHelpers["describeConsent"]>>;
	try {
		authRequest = await env.OAUTH_PROVIDER.parseAuthRequest(request);
		consent = await env.OAUTH_PROVIDER.describeConsent(authRequest);
	} catch (error) {
		return failure(error);
	}
	const csrf = csrfToken(env, request);
	const headers = new Headers();
	if (csrf.setCookie) headers.append("set-cookie", csrf.setCookie);
	const id = randomToken();
	const pending: Pending = {
		request: authRequest,
		client_name: consent.clientName,
		client_domain: consent.clientDomain ?? null,
		redirect_host: consent.redirectHost,
		redirect_is_loopback: consent.redirectIsLoopback,
		browser: await sha256Hex(csrf.token),
	};
	await env.OAUTH_KV.put(pendingKey(id), JSON.stringify(pending), { expirationTtl: PENDING_TTL_SECONDS });
	const context: FormContext = { action: "/authorize", hidden: { csrf: csrf.token, request: id } };
	return render(pending, context, await readSession(env, request), { kind: "choose" }, { headers });
}

/** POST /authorize: a sign-in step, sign-out, Allow or Decline for a pending request. */
export async function submitAuthorize(request: Request, env: PagesEnv): Promise<Response> {
	const form = await request.formData();
	const rejection = formRejection(env, request, form);
	if (rejection) return errorPage(rejection, 403);
	const field = form.get("request");
	const id = typeof field === "string" && /^[A-Za-z0-9_-]{43}$/.test(field) ? field : null;
	const parsed = PendingSchema.safeParse(id ? await env.OAUTH_KV.get(pendingKey(id), "json") : null);
	if (!id || !parsed.success || parsed.data.browser !== (await browserBinding(env, request))) {
		return errorPage("This page expired or was opened in another browser.", 400);
	}
	const pending = parsed.data;
	const context: FormContext = {
		action: "/authorize",
		hidden: { csrf: String(form.get("csrf")), request: id },
	};
	const action = String(form.get("action") ?? "");

	if (action === "deny") {
		await env.OAUTH_KV.delete(pendingKey(id));
		return Response.redirect(
			authorizationErrorRedirect(pending.request, "access_denied", "The user declined."),
			302,
		);
	}
	if (action === "signout") {
		const headers = new Headers({ "set-cookie": await endSession(env, request) });
		return render(pending, context, null, { kind: "choose" }, { headers });
	}
	if (action === "approve") {
		const session = await readSession(env, request);
		if (!session) {
			return render(pending, context, null, { kind: "choose" }, { status: 401, error: "Sign in first." });
		}
		const props = await liveProps(env, session);
		if (!props) {
			const headers = new Headers({ "set-cookie": await endSession(env, request) });
			const error = "Your sign-in is no longer valid (the account or key was revoked). Sign in again.";
			return render(pending, context, null, { kind: "choose" }, { status: 401, headers, error });
		}
		let redirectTo: string;
		try {
			({ redirectTo } = await env.OAUTH_PROVIDER.completeAuthorization({
				request: pending.request,
				userId: session.credential_id,
				metadata: { client_name: pending.client_name, signed_in_with: session.method },
				scope: [SCOPE],
				props,
			}));
		} catch (error) {
			return failure(error);
		}
		await env.OAUTH_KV.delete(pendingKey(id));
		return Response.redirect(redirectTo, 302);
	}

	const outcome = await handleSignIn(env, request, form, action);
	if (!outcome)
		return render(pending, context, await readSession(env, request), { kind: "choose" }, { status: 400 });
	if (outcome.kind === "step")
		return render(pending, context, null, outcome.step, { status: outcome.status });
	const headers = new Headers({ "set-cookie": outcome.setCookie });
	return render(pending, context, outcome.session, { kind: "choose" }, { headers });
}
