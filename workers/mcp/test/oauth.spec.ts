import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { confirmationUrl } from "../src/auth/confirm.ts";
import { csrfToken, humanSession, readSession, startSession } from "../src/auth/session.ts";
import { callTool, connect, createKey, gatewayFetch, mcpFetch, mcpOrigin } from "./helpers.ts";
import {
	authorizePath,
	Browser,
	emailOwner,
	exchange,
	freshEmail,
	hiddenFields,
	mailboxCode,
	ownerCall,
	pkce,
	REDIRECT_URI,
	register,
	signInByEmail,
} from "./pages.ts";

async function getStarted(token: string): Promise<Record<string, unknown>> {
	const client = await connect({ headers: { authorization: `Bearer ${token}` } });
	try {
		const { tools } = await client.listTools();
		expect(tools.map((t) => t.name)).toContain("get_started");
		const result = await callTool(client, "get_started");
		expect(result.isError ?? false).toBe(false);
		return result.structuredContent ?? {};
	} finally {
		await client.close();
	}
}

describe("OAuth discovery", () => {
	it("publishes protected-resource metadata for /mcp", async () => {
		const response = await mcpFetch("/.well-known/oauth-protected-resource/mcp");
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({
			resource: `${mcpOrigin()}/mcp`,
			authorization_servers: [mcpOrigin()],
			scopes_supported: ["penumbra"],
		});
	});

	it("publishes authorization-server metadata with registration and PKCE S256", async () => {
		const response = await mcpFetch("/.well-known/oauth-authorization-server");
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({
			issuer: mcpOrigin(),
			authorization_endpoint: `${mcpOrigin()}/authorize`,
			token_endpoint: `${mcpOrigin()}/token`,
			registration_endpoint: `${mcpOrigin()}/register`,
			code_challenge_methods_supported: expect.arrayContaining(["S256"]),
			scopes_supported: ["penumbra"],
			client_id_metadata_document_supported: true,
		});
	});

	it("answers a bad token on /mcp with 401 and the resource-metadata challenge", async () => {
		const unknownKey = `unified-${"A".repeat(46)}`;
		for (const token of ["not-a-token", "a:b:c", unknownKey]) {
			const response = await mcpFetch("/mcp", {
				method: "POST",
				headers: {
					authorization: `Bearer ${token}`,
					"content-type": "application/json",
					accept: "application/json, text/event-stream",
				},
				body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
			});
			expect(response.status).toBe(401);
			const challenge = response.headers.get("www-authenticate") ?? "";
			expect(challenge).toMatch(/^Bearer /);
			expect(challenge).toContain(
				`resource_metadata="${mcpOrigin()}/.well-known/oauth-protected-resource/mcp"`,
			);
		}
	});

	it("accepts a unified API key as the bearer token, acting as its credential", async () => {
		const { key } = await createKey("identified", 0, "keyholder@example.com");
		const started = await getStarted(key);
		expect(started).toMatchObject({
			signed_in: true,
			auth_level: "identified",
			email: "keyholder@example.com",
		});
	});
});

describe("OAuth authorization by email code", () => {
	it("registers, signs in by email, approves, exchanges the code with PKCE and calls /mcp as the user", async () => {
		const clientId = await register("Claude <Desktop>");
		const { verifier, challenge } = await pkce();
		const browser = new Browser();
		const opened = await browser.fetch(authorizePath(clientId, challenge));
		const consent = await opened.text();
		expect(opened.status, consent).toBe(200);
		expect(opened.headers.get("x-frame-options")).toBe("DENY");
		expect(opened.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		// The client chose its own name: escaped, and marked as unverified.
		expect(consent).toContain("Claude &#60;Desktop&#62;");
		expect(consent).not.toContain("<Desktop>");
		expect(consent).toContain("not verified");
		expect(consent).toContain("127.0.0.1");
		expect(consent).toMatch(/app on your computer/);
		expect(consent).toMatch(/spend controls/);
		expect(consent).toContain('name="email"');
		expect(consent).toContain('name="key"');
		expect(consent).not.toContain('value="approve"');

		const email = freshEmail();
		const signedIn = await signInByEmail(browser, "/authorize", consent, email);
		expect(signedIn).toContain(email);
		expect(signedIn).toContain('value="approve"');

		const approved = await browser.post("/authorize", signedIn, { action: "approve" });
		expect(approved.status).toBe(302);
		const location = new URL(approved.headers.get("location") ?? "");
		expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
		expect(location.searchParams.get("state")).toBe("state-123");
		const code = location.searchParams.get("code") ?? "";
		expect(code).not.toBe("");

		const tokens = await exchange(clientId, code, verifier);
		expect(tokens).toMatchObject({
			token_type: "bearer",
			scope: "penumbra",
			access_token: expect.any(String),
			refresh_token: expect.any(String),
		});
		const started = await getStarted(String(tokens.access_token));
		expect(started).toMatchObject({ signed_in: true, auth_level: "authenticated", email });

		// The grant acts as the user's own credential: the same one a later email sign-in returns.
		const verified = await env.DB.prepare("SELECT credential_id FROM users WHERE email = ?")
			.bind(email)
			.first();
		expect(verified?.credential_id).toMatch(/^cred_/);

		// A code is single-use.
		const replay = await mcpFetch("/token", {
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
		expect(replay.status).toBe(400);
	});

	it("refuses a code exchange with the wrong PKCE verifier", async () => {
		const clientId = await register();
		const { challenge } = await pkce();
		const browser = new Browser();
		const consent = await (await browser.fetch(authorizePath(clientId, challenge))).text();
		const { key } = await createKey("authenticated", 0, freshEmail());
		const signedIn = await (await browser.post("/authorize", consent, { action: "key", key })).text();
		const approved = await browser.post("/authorize", signedIn, { action: "approve" });
		const code = new URL(approved.headers.get("location") ?? "").searchParams.get("code") ?? "";
		const response = await mcpFetch("/token", {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({
				grant_type: "authorization_code",
				code,
				redirect_uri: REDIRECT_URI,
				client_id: clientId,
				code_verifier: (await pkce()).verifier,
			}),
		});
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: string }).error).toBe("invalid_grant");
	});

	it("signs in with a pasted API key; the grant carries that key's credential and level", async () => {
		const clientId = await register();
		const { verifier, challenge } = await pkce();
		const browser = new Browser();
		const consent = await (await browser.fetch(authorizePath(clientId, challenge))).text();

		const wrong = await browser.post("/authorize", consent, {
			action: "key",
			key: `unified-${"B".repeat(46)}`,
		});
		expect(wrong.status).toBe(401);
		expect(await wrong.text()).toMatch(/unknown or has been revoked/);

		const email = freshEmail();
		const { key } = await createKey("identified", 0, email);
		const signedIn = await browser.post("/authorize", consent, { action: "key", key });
		const page = await signedIn.text();
		expect(page).toContain("(API key)");
		expect(page).not.toContain(key);
		const approved = await browser.post("/authorize", page, { action: "approve" });
		const code = new URL(approved.headers.get("location") ?? "").searchParams.get("code") ?? "";
		const tokens = await exchange(clientId, code, verifier);
		expect(await getStarted(String(tokens.access_token))).toMatchObject({ auth_level: "identified", email });

		// The browser stays signed in: the next authorization only asks for consent.
		const next = await (await browser.fetch(authorizePath(clientId, (await pkce()).challenge))).text();
		expect(next).toContain('value="approve"');
		expect(next).not.toContain('name="key"');
	});

	it("does not approve for a signed-in key that was revoked since", async () => {
		const clientId = await register();
		const browser = new Browser();
		const consent = await (await browser.fetch(authorizePath(clientId, (await pkce()).challenge))).text();
		const { id, key } = await createKey("authenticated", 0, freshEmail());
		const page = await (await browser.post("/authorize", consent, { action: "key", key })).text();
		const revoked = await gatewayFetch(`/v1/admin/credentials/${id}`, {
			method: "DELETE",
			headers: { authorization: `Bearer ${env.TEST_ADMIN_TOKEN}` },
		});
		expect(revoked.status).toBe(200);
		const approved = await browser.post("/authorize", page, { action: "approve" });
		expect(approved.status).toBe(401);
		expect(await approved.text()).toMatch(/no longer valid/);
		expect(browser.has("penumbra_session")).toBe(false);
	});

	it("declining redirects back with access_denied and the client's state", async () => {
		const clientId = await register();
		const browser = new Browser();
		const consent = await (
			await browser.fetch(authorizePath(clientId, (await pkce()).challenge, "s-9"))
		).text();
		const declined = await browser.post("/authorize", consent, { action: "deny" });
		expect(declined.status).toBe(302);
		const location = new URL(declined.headers.get("location") ?? "");
		expect(location.searchParams.get("error")).toBe("access_denied");
		expect(location.searchParams.get("state")).toBe("s-9");
		expect(location.searchParams.has("code")).toBe(false);
		// The pending request is gone: it cannot be approved afterwards.
		const again = await browser.post("/authorize", consent, { action: "approve" });
		expect(again.status).toBe(400);
	});

	it("refuses to approve before sign-in, forged posts, and unknown clients", async () => {
		const clientId = await register();
		const browser = new Browser();
		const consent = await (await browser.fetch(authorizePath(clientId, (await pkce()).challenge))).text();
		const early = await browser.post("/authorize", consent, { action: "approve" });
		expect(early.status).toBe(401);
		expect(await early.text()).toMatch(/Sign in first/);

		// Another site's form: wrong Origin.
		const forged = await browser.fetch("/authorize", {
			method: "POST",
			headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ ...hiddenFields(consent), action: "deny" }),
		});
		expect(forged.status).toBe(403);
		// Same origin, but without this browser's anti-forgery token.
		const stranger = new Browser();
		const noToken = await stranger.post("/authorize", consent, { action: "deny" });
		expect(noToken.status).toBe(403);

		const unknown = await browser.fetch(authorizePath("no-such-client", (await pkce()).challenge));
		expect(unknown.status).toBe(400);
		expect(unknown.headers.get("location")).toBeNull();
	});

	it("shows a wrong code with the attempts left, and keeps the address", async () => {
		const clientId = await register();
		const browser = new Browser();
		const consent = await (await browser.fetch(authorizePath(clientId, (await pkce()).challenge))).text();
		const email = freshEmail();
		const codePage = await (
			await browser.post("/authorize", consent, { action: "email_start", email })
		).text();
		const code = await mailboxCode(email);
		const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
		const wrong = await browser.post("/authorize", codePage, {
			action: "email_verify",
			email,
			code: wrongCode,
		});
		expect(wrong.status).toBe(401);
		const page = await wrong.text();
		expect(page).toMatch(/4 attempts left/);
		expect(page).toContain(`value="${email}"`);
		expect(browser.has("penumbra_session")).toBe(false);
	});
});

interface QuoteStatus {
	quote_id: string;
	status: "open" | "confirmed" | "declined";
	requires_confirmation: boolean;
	amount_cents: number;
}

/** A gateway call as an agent of the account (what an assistant may do). */
async function gatewayAs<T>(credentialId: string, method: "GET" | "POST", path: string, body?: unknown) {
	const answer = await env.GATEWAY.call(credentialId, {
		method,
		path,
		...(body === undefined ? {} : { body }),
	});
	const parsed: unknown = JSON.parse(answer.body);
	expect(answer.status, JSON.stringify(parsed)).toBeLessThan(300);
	return parsed as T;
}

/** A FoodDash order above a 1 $ auto-approve threshold (set by the owner), quoted by an agent of `credentialId`. */
async function quoteAboveThreshold(credentialId: string): Promise<QuoteStatus> {
	await ownerCall(credentialId, "PUT", "/v1/account/controls", { auto_approve_threshold_cents: 100 });
	const found = await gatewayAs<{ result: { restaurants: { restaurant_id: string; city: string }[] } }>(
		credentialId,
		"POST",
		"/v1/services/fooddash/tools/search_restaurants",
		{ parameters: { city: "austin" } },
	);
	const restaurant = found.result.restaurants[0];
	if (!restaurant) throw new Error("no restaurant");
	const menu = await gatewayAs<{ result: { sections: { items: { item_id: string }[] }[] } }>(
		credentialId,
		"POST",
		"/v1/services/fooddash/tools/get_menu",
		{ parameters: { restaurant_id: restaurant.restaurant_id } },
	);
	const item = menu.result.sections[0]?.items[0];
	if (!item) throw new Error("no menu item");
	const quote = await gatewayAs<QuoteStatus>(credentialId, "POST", "/v1/quotes", {
		service: "fooddash",
		tool: "checkout",
		parameters: {
			restaurant_id: restaurant.restaurant_id,
			items: [{ item_id: item.item_id, quantity: 4 }],
			delivery_address: { street: "100 Congress Ave", city: restaurant.city },
			tip_cents: 200,
		},
	});
	expect(quote.requires_confirmation).toBe(true);
	return quote;
}

function dollars(cents: number): string {
	return `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

describe("purchase confirmation page", () => {
	it("links to /confirm/<quote id> on this server", () => {
		expect(confirmationUrl(env, "q_abcdefgh.0123456789abcdef")).toBe(
			`${mcpOrigin()}/confirm/q_abcdefgh.0123456789abcdef`,
		);
	});

	it("lets the owner sign in with an owner key, review what, from whom, the amount and the balance after, and confirm", async () => {
		const owner = await createKey("authenticated", 10_000, freshEmail(), { owner: true });
		const quote = await quoteAboveThreshold(owner.id);
		const path = new URL(confirmationUrl(env, quote.quote_id)).pathname;
		const browser = new Browser();

		const opened = await browser.fetch(path);
		const signInPage = await opened.text();
		expect(opened.status).toBe(200);
		expect(signInPage).toMatch(/Sign in as the account/);
		expect(signInPage).not.toContain('value="confirm"');
		// A plain form: the page works without script.
		expect(signInPage).not.toContain("<script");

		const review = await browser.post(path, signInPage, { action: "key", key: owner.key });
		const page = await review.text();
		expect(review.status, page).toBe(200);
		expect(page).toContain("(owner key)");
		expect(page).toContain("fooddash.checkout");
		expect(page).toMatch(/<dt>From<\/dt><dd>FoodDash<\/dd>/);
		expect(page).toContain(dollars(quote.amount_cents));
		// The quote's searches cost a few cents of usage fees: the page shows the balance as it is now.
		const { balance_cents } = await gatewayAs<{ balance_cents: number }>(owner.id, "GET", "/v1/account");
		expect(page).toContain(`<dt>Balance now</dt><dd>${dollars(balance_cents)}</dd>`);
		expect(page).toContain(`<dt>Balance after</dt><dd>${dollars(balance_cents - quote.amount_cents)}</dd>`);
		expect(page).toContain("<dt>Expires</dt>");
		expect(page).toContain("above your auto-approve threshold");
		expect(page).toContain('value="confirm"');

		// The session is remembered: reopening the link shows the quote at once.
		expect(await (await browser.fetch(path)).text()).toContain('value="confirm"');

		const confirmed = await browser.post(path, page, { action: "confirm" });
		expect(confirmed.status).toBe(200);
		expect(await confirmed.text()).toMatch(/Confirmed\./);
		const after = await gatewayAs<QuoteStatus>(owner.id, "GET", `/v1/quotes/${quote.quote_id}`);
		expect(after.status).toBe("confirmed");
	});

	it("shows an assistant's key the purchase but never lets it confirm or decline", async () => {
		const agent = await createKey("authenticated", 10_000, freshEmail());
		const quote = await quoteAboveThreshold(agent.id);
		const path = `/confirm/${quote.quote_id}`;
		const browser = new Browser();
		const signInPage = await (await browser.fetch(path)).text();
		const review = await browser.post(path, signInPage, { action: "key", key: agent.key });
		const page = await review.text();
		expect(review.status, page).toBe(200);
		expect(page).toContain("(API key)");
		expect(page).toContain(dollars(quote.amount_cents));
		expect(page).toMatch(/Only the account&#39;s owner can confirm or decline/);
		expect(page).not.toContain('value="confirm"');
		expect(page).not.toContain('value="decline"');

		for (const action of ["confirm", "decline"]) {
			const forced = await browser.post(path, page, { action });
			expect(forced.status).toBe(403);
			expect(await forced.text()).toMatch(/Nothing was decided/);
		}
		const after = await gatewayAs<QuoteStatus>(agent.id, "GET", `/v1/quotes/${quote.quote_id}`);
		expect(after.status).toBe("open");
	});

	it("an owner who signs in by email can decline their quote", async () => {
		const owner = await emailOwner({ fundCents: 10_000 });
		const quote = await quoteAboveThreshold(owner.id);
		const path = `/confirm/${quote.quote_id}`;
		const browser = new Browser();
		const page = await signInByEmail(browser, path, await (await browser.fetch(path)).text(), owner.email);
		expect(page).not.toContain("(API key)");
		expect(page).toContain('value="decline"');
		const declined = await browser.post(path, page, { action: "decline" });
		expect(await declined.text()).toMatch(/Declined\./);
		const after = await gatewayAs<QuoteStatus>(owner.id, "GET", `/v1/quotes/${quote.quote_id}`);
		expect(after.status).toBe("declined");
	});

	it("another account's owner sees the gateway's refusal and cannot confirm", async () => {
		const owner = await createKey("authenticated", 10_000, freshEmail(), { owner: true });
		const quote = await quoteAboveThreshold(owner.id);
		const path = `/confirm/${quote.quote_id}`;
		const intruder = await createKey("authenticated", 10_000, freshEmail(), { owner: true });
		const browser = new Browser();
		const signInPage = await (await browser.fetch(path)).text();
		const refused = await browser.post(path, signInPage, { action: "key", key: intruder.key });
		expect(refused.status).toBe(404);
		const page = await refused.text();
		expect(page).toMatch(/No such quote on this account/);
		expect(page).toMatch(/Only the account that asked for the quote can confirm it/);
		expect(page).not.toContain('value="confirm"');

		// Even a hand-made post is refused by the gateway.
		const forced = await browser.post(path, page, { action: "confirm" });
		expect(forced.status).toBe(404);
		expect(await forced.text()).toMatch(/No such quote on this account/);
		const after = await gatewayAs<QuoteStatus>(owner.id, "GET", `/v1/quotes/${quote.quote_id}`);
		expect(after.status).toBe("open");

		// Signing out brings the sign-in forms back.
		const out = await browser.post(path, page, { action: "signout" });
		expect(await out.text()).toMatch(/Sign in as the account/);
		expect(browser.has("penumbra_session")).toBe(false);
	});

	it("ends a page session made with a key once that key is revoked", async () => {
		const owner = await createKey("authenticated", 10_000, freshEmail(), { owner: true });
		const quote = await quoteAboveThreshold(owner.id);
		const path = `/confirm/${quote.quote_id}`;
		const browser = new Browser();
		const page = await (
			await browser.post(path, await (await browser.fetch(path)).text(), { action: "key", key: owner.key })
		).text();
		expect(page).toContain('value="confirm"');
		const revoked = await gatewayFetch(`/v1/account/keys/${owner.key_id}`, {
			method: "DELETE",
			headers: { authorization: `Bearer ${owner.key}` },
		});
		expect(revoked.status).toBe(204);

		const forced = await browser.post(path, page, { action: "confirm" });
		expect(forced.status).toBe(401);
		expect(await forced.text()).toMatch(/no longer valid/);
		expect(browser.has("penumbra_session")).toBe(false);
		const after = await gatewayAs<QuoteStatus>(owner.id, "GET", `/v1/quotes/${quote.quote_id}`);
		expect(after.status).toBe("open");
	});

	it("refuses forged posts and ids that are not quote ids", async () => {
		const owner = await createKey("authenticated", 10_000, freshEmail(), { owner: true });
		const quote = await quoteAboveThreshold(owner.id);
		const path = `/confirm/${quote.quote_id}`;
		const browser = new Browser();
		const page = await (
			await browser.post(path, await (await browser.fetch(path)).text(), {
				action: "key",
				key: owner.key,
			})
		).text();
		const forged = await browser.fetch(path, {
			method: "POST",
			headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ ...hiddenFields(page), action: "confirm" }),
		});
		expect(forged.status).toBe(403);
		const noToken = await browser.fetch(path, {
			method: "POST",
			headers: { origin: mcpOrigin(), "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ action: "confirm" }),
		});
		expect(noToken.status).toBe(403);
		expect((await gatewayAs<QuoteStatus>(owner.id, "GET", `/v1/quotes/${quote.quote_id}`)).status).toBe(
			"open",
		);

		expect((await browser.fetch("/confirm/not-a-quote")).status).toBe(404);
		expect((await browser.fetch(`/confirm/${encodeURIComponent("<script>")}`)).status).toBe(404);
	});
});

describe("page sessions", () => {
	it("use __Host- cookies, Secure, on an https deployment, and store only a hash of the cookie", async () => {
		const https = { ...env, PUBLIC_URL: "https://mcp.example.com" } as McpEnv;
		const cookie = await startSession(
			https,
			humanSession(
				{ credential_id: "cred_abc", level: "authenticated", email: "a@example.com" },
				{ method: "email" },
			),
		);
		expect(cookie).toMatch(
			/^__Host-penumbra_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/,
		);
		const id = cookie.split(";")[0]?.split("=")[1] ?? "";
		const { keys } = await env.OAUTH_KV.list({ prefix: "human-session:" });
		expect(keys.some((k) => k.name.includes(id))).toBe(false);
		const request = new Request("https://mcp.example.com/confirm/x", {
			headers: { cookie: `__Host-penumbra_session=${id}` },
		});
		expect(await readSession(https, request)).toMatchObject({
			credential_id: "cred_abc",
			method: "email",
			authority: "owner",
		});
		// The plain-http name is not read on https.
		const plain = new Request("https://mcp.example.com/confirm/x", {
			headers: { cookie: `penumbra_session=${id}` },
		});
		expect(await readSession(https, plain)).toBeNull();
		expect(csrfToken(https, plain).setCookie).toMatch(/^__Host-penumbra_csrf=.*; Secure$/);
	});
});
