import { type Failure, failureStatus } from "@penumbra/core/contracts";
import { alert, type Html, html } from "./html.ts";
import { type HumanSession, humanSession, startSession } from "./session.ts";

/** Where a page's sign-in is: choosing a method, or waiting for the emailed code. */
export type SignInStep =
	| { kind: "choose"; email?: string; error?: string }
	| { kind: "code"; email: string; devMailbox?: string; error?: string };

/** What the page's forms repeat: its action URL and hidden fields (anti-forgery token, pending request id). */
export interface FormContext {
	action: string;
	hidden: Record<string, string>;
}

export function hiddenFields(context: FormContext): Html {
	return html`${Object.entries(context.hidden).map(
		([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
	)}`;
}

/** Email (two steps: address, then code) or an API key pasted in. */
export function signInForms(context: FormContext, step: SignInStep): Html {
	if (step.kind === "code") {
		return html`<h2>Enter your code</h2>
<p>We sent a six-digit code to <strong>${step.email}</strong>. It works once, for 10 minutes.</p>
${
	step.devMailbox
		? html`<p class="notice">Local development: no email is sent. The code is in the <code>npm start</code> log and at
<a href="${step.devMailbox}" target="_blank" rel="noopener">the dev mailbox</a>.</p>`
		: ""
}
${alert(step.error)}
<form method="post" action="${context.action}">
${hiddenFields(context)}
<input type="hidden" name="email" value="${step.email}">
<label for="code">Sign-in code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}"
  maxlength="7" required autofocus>
<div class="row"><button class="primary" name="action" value="email_verify">Sign in</button></div>
</form>
<form method="post" action="${context.action}" class="row">
${hiddenFields(context)}
<input type="hidden" name="email" value="${step.email}">
<button class="link" name="action" value="email_start">Send a new code</button>
<button class="link" name="action" value="choose">Use another address or an API key</button>
</form>`;
	}
	return html`<h2>Sign in</h2>
${alert(step.error)}
<form method="post" action="${context.action}">
${hiddenFields(context)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" required value="${step.email ?? ""}">
<p class="muted">We email you a one-time code. No password.</p>
<div class="row"><button class="primary" name="action" value="email_start">Email me a code</button></div>
</form>
<p class="or">or</p>
<form method="post" action="${context.action}">
${hiddenFields(context)}
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" spellcheck="false" maxlength="200" required
  placeholder="unified-…">
<div class="row"><button name="action" value="key">Sign in with the key</button></div>
</form>`;
}

/** The outcome of a sign-in form post: signed in (with the session cookie to set), or the step to show next. */
export type SignInOutcome =
	| { kind: "signed-in"; session: HumanSession; setCookie: string }
	| { kind: "step"; step: SignInStep; status: number };

function problemMessage(failure: Pick<Failure, "code" | "detail" | "extras">): string {
	const wait = failure.extras?.retry_after_seconds;
	if (failure.code === "RATE_LIMITED" && typeof wait === "number") {
		return `${failure.detail.replace(/\s*Wait .*$/, "")} Try again in ${wait} s.`.trim();
	}
	return failure.detail;
}

function field(form: FormData, name: string): string {
	const value = form.get(name);
	return typeof value === "string" ? value.trim() : "";
}

async function signedIn(env: McpEnv, session: HumanSession): Promise<SignInOutcome> {
	return { kind: "signed-in", session, setCookie: await startSession(env, session) };
}

/** Handles the sign-in actions (`email_start`, `email_verify`, `key`, `choose`); null for any other action. */
export async function handleSignIn(
	env: McpEnv,
	request: Request,
	form: FormData,
	action: string,
): Promise<SignInOutcome | null> {
	// Shown back as the gateway stores it (trimmed, lowercased).
	const email = field(form, "email").slice(0, 320).toLowerCase();
	switch (action) {
		case "choose":
			return { kind: "step", step: { kind: "choose", email }, status: 200 };
		case "email_start": {
			const started = await env.GATEWAY.startEmailSignIn(
				email,
				request.headers.get("cf-connecting-ip") ?? undefined,
			);
			if (!started.ok) {
				const badAddress = started.code === "VALIDATION_FAILED";
				return {
					kind: "step",
					step: badAddress
						? { kind: "choose", email, error: "Enter a valid email address." }
						: { kind: "code", email, error: problemMessage(started) },
					status: failureStatus(started),
				};
			}
			return {
				kind: "step",
				step: {
					kind: "code",
					email,
					...(started.dev_mailbox ? { devMailbox: `${env.GATEWAY_PUBLIC_URL}${started.dev_mailbox}` } : {}),
				},
				status: 200,
			};
		}
		case "email_verify": {
			const verified = await env.GATEWAY.verifyEmailSignIn(email, field(form, "code"));
			if (!verified.ok) {
				const message =
					verified.code === "VALIDATION_FAILED" && verified.extras?.errors
						? "Enter the six digits from the email."
						: problemMessage(verified);
				return {
					kind: "step",
					step: { kind: "code", email, error: message },
					status: failureStatus(verified),
				};
			}
			return signedIn(env, humanSession(verified, { method: "email" }));
		}
		case "key": {
			const identity = await env.GATEWAY.identify(field(form, "key"));
			if (!identity) {
				return {
					kind: "step",
					step: {
						kind: "choose",
						error: "That API key is unknown or has been revoked. Check it and try again.",
					},
					status: 401,
				};
			}
			const how = { method: "key", authority: identity.authority, key_id: identity.key_id } as const;
			return signedIn(env, humanSession(identity, how));
		}
		default:
			return null;
	}
}

/** "Signed in as …" (and how, when it was a key) with a sign-out button. */
export function signedInAs(context: FormContext, session: HumanSession): Html {
	const who = session.email ?? session.credential_id;
	const how = session.method === "key" ? (session.authority === "owner" ? " (owner key)" : " (API key)") : "";
	return html`<form method="post" action="${context.action}" class="muted">
${hiddenFields(context)}
Signed in as <strong>${who}</strong>${how}.
<button class="link" name="action" value="signout">Not you? Sign out</button>
</form>`;
}
