import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { credit, gatewayFetch, mcpFetch, mcpOrigin } from "./helpers.ts";

/** Cookies a browser would keep for the MCP origin. */
export class Browser {
	readonly #cookies = new Map<string, string>();

	async fetch(path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		if (this.#cookies.size > 0) {
			headers.set("cookie", [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; "));
		}
		const response = await mcpFetch(path, { ...init, headers, redirect: "manual" });
		for (const line of response.headers.getSetCookie()) {
			const [pair = "", ...attributes] = line.split(";");
			const index = pair.indexOf("=");
			const name = pair.slice(0, index).trim();
			const value = pair.slice(index + 1).trim();
			if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "") this.#cookies.delete(name);
			else this.#cookies.set(name, value);
		}
		return response;
	}

	has(name: string): boolean {
		return this.#cookies.has(name);
	}

	/** A form post from a page of this origin, repeating the page's hidden fields. */
	async post(path: string, page: string, fields: Record<string, string>): Promise<Response> {
		const body = new URLSearchParams({ ...hiddenFields(page), ...fields });
		return this.fetch(path, {
			method: "POST",
			headers: { origin: mcpOrigin(), "content-type": "application/x-www-form-urlencoded" },
			body,
		});
	}
}

/** The hidden fields of a page's forms (anti-forgery token, pending request id). */
export function hiddenFields(page: string): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const match of page.matchAll(/<input type="hidden" name="(csrf|request)" value="([^"]*)">/g)) {
		if (match[1] && match[2] !== undefined) fields[match[1]] = match[2];
	}
	return fields;
}

let counter = 0;
export function freshEmail(prefix = "oauth"): string {
	counter += 1;
	return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** The code the dev mailbox holds for this address. */
export async function mailboxCode(email: string): Promise<string> {
	const response = await gatewayFetch(`/v1/dev/mailbox?email=${encodeURIComponent(email)}`);
	expect(response.status).toBe(200);
	return ((await response.json()) as { code: string }).code;
}

/** Signs in on a page by email code; returns the page shown after sign-in. */
export async function signInByEmail(
	browser: Browser,
	path: string,
	page: string,
	email: string,
): Promise<string> {
	const sent = await browser.post(path, page, { action: "email_start", email });
	const codePage = await sent.text();
	expect(sent.status, codePage).toBe(200);
	expect(codePage).toContain("Enter your code");
	expect(codePage).toContain("dev mailbox");
	const verified = await browser.post(path, codePage, {
		action: "email_verify",
		email,
		code: await mailboxCode(email),
	});
	const after = await verified.text();
	expect(verified.status, after).toBe(200);
	expect(browser.has("penumbra_session")).toBe(true);
	return after;
}

/** A gateway call as the signed-in owner would make it from one of our pages (the owner's authority). */
export async function ownerCall<T>(
	credentialId: string,
	method: "GET" | "POST" | "PUT",
	path: string,
	body?: unknown,
): Promise<T> {
	const answer = await env.GATEWAY.call(credentialId, {
		method,
		path,
		authority: "owner",
		...(body === undefined ? {} : { body }),
	});
	const parsed: unknown = JSON.parse(answer.body);
	expect(answer.status, JSON.stringify(parsed)).toBeLessThan(300);
	return parsed as T;
}

/**
 * A person who signed up by email code (so they are the owner on our pages), funded, with their auto-approve
 * threshold, and an agent key they made for an assistant. Their next email code can be sent at once.
 */
export async function emailOwner(
	options: { fundCents?: number; thresholdCents?: number } = {},
): Promise<{ email: string; id: string; agentKey: string; agentKeyId: string }> {
	const email = freshEmail("owner");
	const started = await env.GATEWAY.startEmailSignIn(email);
	expect(started.ok).toBe(true);
	const identity = await env.GATEWAY.verifyEmailSignIn(email, await mailboxCode(email));
	if (!identity.ok) throw new Error(identity.detail);
	const id = identity.credential_id;
	await credit(id, options.fundCents ?? 50_000);
	if (options.thresholdCents !== undefined) {
		await ownerCall(id, "PUT", "/v1/account/controls", {
			auto_approve_threshold_cents: options.thresholdCents,
		});
	}
	const agent = await ownerCall<{ id: string; key: string }>(id, "POST", "/v1/account/keys", {
		name: "assistant",
	});
	// Past the resend cooldown, as if half a minute had gone by.
	await env.DB.prepare("UPDATE email_codes SET created_at = created_at - 31000 WHERE email = ?")
		.bind(email)
		.run();
	return { email, id, agentKey: agent.key, agentKeyId: agent.id };
}

export const REDIRECT_URI = "http://127.0.0.1:9999/callback";

function base64url(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

export async function pkce(): Promise<{ verifier: string; challenge: string }> {
	const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
	return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

export async function register(name = "Test Client"): Promise<string> {
	const response = await mcpFetch("/register", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({
			client_name: name,
			redirect_uris: [REDIRECT_URI],
			token_endpoint_auth_method: "none",
			grant_types: ["authorization_code", "refresh_token"],
			response_types: ["code"],
		}),
	});
	expect(response.status, await response.clone().text()).toBe(201);
	return ((await response.json()) as { client_id: string }).client_id;
}

export function authorizePath(clientId: string, challenge: string, state = "state-123"): string {
	const query = new URLSearchParams({
		response_type: "code",
		client_id: clientId,
		redirect_uri: REDIRECT_URI,
		scope: "penumbra",
		state,
		code_challenge: challenge,
		code_challenge_method: "S256",
		resource: `${mcpOrigin()}/mcp`,
	});
	return `/authorize?${query}`;
}

export async function exchange(
	clientId: string,
	code: string,
	verifier: string,
): Promise<Record<string, unknown>> {
	const response = await mcpFetch("/token", {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({
			grant_type: "authorization_code",
			code,
			redirect_uri: REDIRECT_URI,
			client_id: clientId,
			code_verifier: verifier,
		}),
	});
	expect(response.status, await response.clone().text()).toBe(200);
	return (await response.json()) as Record<string, unknown>;
}

/**
 * An OAuth grant made on the consent page by pasting `key` (as a person connecting an assistant would): the
 * client's id and its tokens.
 */
export async function grantWithKey(
	key: string,
): Promise<{ clientId: string; access_token: string; refresh_token: string }> {
	const clientId = await register("Assistant");
	const { verifier, challenge } = await pkce();
	const browser = new Browser();
	const consent = await (await browser.fetch(authorizePath(clientId, challenge))).text();
	const signedIn = await (await browser.post("/authorize", consent, { action: "key", key })).text();
	const approved = await browser.post("/authorize", signedIn, { action: "approve" });
	expect(approved.status, await approved.clone().text()).toBe(302);
	const code = new URL(approved.headers.get("location") ?? "").searchParams.get("code") ?? "";
	const tokens = await exchange(clientId, code, verifier);
	return { clientId, access_token: String(tokens.access_token), refresh_token: String(tokens.refresh_token) };
}
