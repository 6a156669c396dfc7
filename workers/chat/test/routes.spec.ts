import { env } from "cloudflare:workers";
import { generateApiKey, hashApiKey } from "@penumbra/core/keys";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../src/auth.ts";
import { ConversationStore, STALE_TURN_MS } from "../src/store.ts";
import { type Caller, chatFetch, createKey, fake, gatewayFetch, signIn } from "./helpers.ts";

// The chat Worker's HTTP surface: sign-in, auth, limits and ownership. Nothing here reaches the model: every chat
// request is refused before a turn starts, or names a conversation with no turn.

const store = () => new ConversationStore(env.DB);

function uniqueEmail(tag: string): string {
	return `${tag}-${crypto.randomUUID()}@example.com`;
}

/** A credential used by its key: an agent's key unless `owner`. */
async function keyUser(tag: string, owner = false): Promise<{ id: string; as: Caller }> {
	const { id, key } = await createKey("authenticated", 0, uniqueEmail(tag), { owner });
	return { id, as: { key } };
}

async function expectProblem(
	response: Response,
	status: number,
	code: string,
): Promise<Record<string, unknown>> {
	const text = await response.text();
	expect(response.status, text).toBe(status);
	expect(response.headers.get("content-type")).toBe("application/problem+json");
	const problem = JSON.parse(text) as Record<string, unknown>;
	expect(problem).toMatchObject({ status, code });
	return problem;
}

describe("sign-in and sessions", () => {
	it("signs in by email code, sets an HttpOnly session cookie, and serves /api/me with it", async () => {
		const email = uniqueEmail("signin");
		const user = await signIn(email);
		expect(user).toMatchObject({
			email,
			level: "authenticated",
			credential_id: expect.stringMatching(/^cred_/),
		});
		expect(user.cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);

		const me = await chatFetch("/api/me", { as: { cookie: user.cookie } });
		expect(me.status).toBe(200);
		// Signed in by email code: the owner of the account.
		expect(await me.json()).toEqual({
			credential_id: user.credential_id,
			email,
			level: "authenticated",
			authority: "owner",
		});
	});

	it("sets the cookie with HttpOnly, SameSite=Lax and Path=/, and stores only the token's SHA-256", async () => {
		const email = uniqueEmail("cookie");
		await chatFetch("/api/auth/email/start", { json: { email } });
		const mailbox = await gatewayFetch(`/v1/dev/mailbox?email=${encodeURIComponent(email)}`);
		const { code } = (await mailbox.json()) as { code: string };
		const verified = await chatFetch("/api/auth/email/verify", { json: { email, code } });
		expect(verified.status).toBe(200);
		const header = verified.headers.get("set-cookie") ?? "";
		expect(header).toMatch(/HttpOnly/i);
		expect(header).toMatch(/SameSite=Lax/i);
		expect(header).toMatch(/Path=\//);
		// ENVIRONMENT=development (plain http on loopback): no Secure.
		expect(header).not.toMatch(/Secure/i);
		const token = header.split(";", 1)[0]?.split("=")[1] ?? "";
		expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		const { credential_id } = (await verified.json()) as { credential_id: string };
		const { results } = await env.DB.prepare("SELECT token_hash FROM chat_sessions WHERE credential_id = ?")
			.bind(credential_id)
			.all<{ token_hash: string }>();
		expect(results.map((r) => r.token_hash)).toEqual([await hashApiKey(token)]);
	});

	it("refuses a wrong code with the gateway's AUTH_REQUIRED and sets no cookie", async () => {
		const email = uniqueEmail("wrong");
		expect((await chatFetch("/api/auth/email/start", { json: { email } })).status).toBe(200);
		const mailbox = await gatewayFetch(`/v1/dev/mailbox?email=${encodeURIComponent(email)}`);
		const { code } = (await mailbox.json()) as { code: string };
		const wrong = code === "000000" ? "111111" : "000000";
		const response = await chatFetch("/api/auth/email/verify", { json: { email, code: wrong } });
		expect(response.headers.get("set-cookie")).toBeNull();
		const problem = await expectProblem(response, 401, "AUTH_REQUIRED");
		expect(problem.attempts_left).toBe(4);
	});

	it("passes the gateway's validation failure through with pointers into the body", async () => {
		const response = await chatFetch("/api/auth/email/start", { json: { email: "not an address" } });
		const problem = await expectProblem(response, 400, "VALIDATION_FAILED");
		expect(problem.errors).toEqual([expect.objectContaining({ pointer: "/body/email" })]);
	});

	it("signs out: the session stops working and the cookie is cleared", async () => {
		const user = await signIn(uniqueEmail("signout"));
		const out = await chatFetch("/api/auth/signout", { method: "POST", as: { cookie: user.cookie } });
		expect(out.status).toBe(204);
		expect(out.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
		await expectProblem(await chatFetch("/api/me", { as: { cookie: user.cookie } }), 401, "AUTH_REQUIRED");
	});

	it("refuses an expired session", async () => {
		const user = await signIn(uniqueEmail("expired"));
		await env.DB.prepare("UPDATE chat_sessions SET expires_at = ? WHERE credential_id = ?")
			.bind(Date.now() - 1, user.credential_id)
			.run();
		await expectProblem(await chatFetch("/api/me", { as: { cookie: user.cookie } }), 401, "AUTH_REQUIRED");
	});
});

describe("API key auth", () => {
	it("accepts a unified key as Bearer token, with the key's own authority", async () => {
		const email = uniqueEmail("bearer");
		const { id, key } = await createKey("identified", 0, email);
		const me = await chatFetch("/api/me", { as: { key } });
		expect(me.status).toBe(200);
		expect(await me.json()).toEqual({ credential_id: id, email, level: "identified", authority: "agent" });
		const owner = await createKey("identified", 0, uniqueEmail("bearer-owner"), { owner: true });
		expect(await (await chatFetch("/api/me", { as: { key: owner.key } })).json()).toMatchObject({
			credential_id: owner.id,
			authority: "owner",
		});
	});

	it("refuses malformed, unknown and revoked keys, without falling back to the cookie", async () => {
		const user = await signIn(uniqueEmail("fallback"));
		const malformed = await chatFetch("/api/me", {
			headers: { authorization: "Bearer nope", cookie: user.cookie },
		});
		await expectProblem(malformed, 401, "AUTH_REQUIRED");
		const unknown = (await generateApiKey()).key;
		await expectProblem(await chatFetch("/api/me", { as: { key: unknown } }), 401, "AUTH_REQUIRED");

		const { id, key } = await createKey("authenticated", 0, uniqueEmail("revoked"));
		expect((await chatFetch("/api/me", { as: { key } })).status).toBe(200);
		const revoked = await gatewayFetch(`/v1/admin/credentials/${id}`, {
			method: "DELETE",
			headers: { authorization: `Bearer ${env.TEST_ADMIN_TOKEN}` },
		});
		expect(revoked.status).toBe(200);
		await expectProblem(await chatFetch("/api/me", { as: { key } }), 401, "AUTH_REQUIRED");
	});

	it("answers 401 problem+json with a challenge when neither a session nor a key is sent", async () => {
		for (const [path, init] of [
			["/api/me", {}],
			["/api/conversations", {}],
			["/api/chat", { json: { message: "hello" } }],
			["/api/chat/conv_00000000000000000000/stream", {}],
		] as const) {
			const response = await chatFetch(path, init);
			await expectProblem(response, 401, "AUTH_REQUIRED");
			expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
		}
	});
});

describe("conversations", () => {
	it("lists, reads, renames and deletes the owner's conversations; another user gets 404", async () => {
		const owner = await keyUser("owner");
		const other = await keyUser("other");
		const conversation = await store().create(owner.id, "Dinner plans");
		await store().addMessage(conversation.id, { role: "user", text: "book a table", turn_id: "turn_1" });
		await store().addMessage(conversation.id, {
			role: "assistant",
			text: "Done.",
			turn_id: "turn_1",
			usage: { input_tokens: 10, output_tokens: 2, model_calls: 1 },
		});
		const path = `/api/conversations/${conversation.id}`;

		const list = await chatFetch("/api/conversations", { as: owner.as });
		expect(list.status).toBe(200);
		expect(await list.json()).toEqual({
			conversations: [
				expect.objectContaining({ id: conversation.id, title: "Dinner plans", status: "idle" }),
			],
			next_cursor: null,
		});
		const read = await chatFetch(path, { as: owner.as });
		expect(read.status).toBe(200);
		const body = (await read.json()) as { conversation: { id: string }; messages: unknown[] };
		expect(body.conversation.id).toBe(conversation.id);
		expect(body.messages).toEqual([
			expect.objectContaining({ role: "user", text: "book a table", turn_id: "turn_1", usage: null }),
			expect.objectContaining({
				role: "assistant",
				text: "Done.",
				usage: { input_tokens: 10, output_tokens: 2, model_calls: 1 },
			}),
		]);

		// The other user sees nothing and can touch nothing.
		expect(await (await chatFetch("/api/conversations", { as: other.as })).json()).toEqual({
			conversations: [],
			next_cursor: null,
		});
		await expectProblem(await chatFetch(path, { as: other.as }), 404, "NOT_FOUND");
		await expectProblem(
			await chatFetch(path, { method: "PATCH", json: { title: "mine now" }, as: other.as }),
			404,
			"NOT_FOUND",
		);
		await expectProblem(await chatFetch(path, { method: "DELETE", as: other.as }), 404, "NOT_FOUND");
		expect((await store().get(conversation.id))?.title).toBe("Dinner plans");

		const renamed = await chatFetch(path, {
			method: "PATCH",
			json: { title: "  Friday   dinner " },
			as: owner.as,
		});
		expect(renamed.status).toBe(200);
		expect(await renamed.json()).toMatchObject({
			conversation: { id: conversation.id, title: "Friday dinner" },
		});
		await expectProblem(
			await chatFetch(path, { method: "PATCH", json: { title: " " }, as: owner.as }),
			400,
			"VALIDATION_FAILED",
		);

		const deleted = await chatFetch(path, { method: "DELETE", as: owner.as });
		expect(deleted.status).toBe(204);
		await expectProblem(await chatFetch(path, { as: owner.as }), 404, "NOT_FOUND");
		const left = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE conversation_id = ?")
			.bind(conversation.id)
			.first<{ n: number }>();
		expect(left?.n).toBe(0);
	});

	it("pages the list newest first with an opaque cursor", async () => {
		const user = await keyUser("pages");
		const ids: string[] = [];
		for (const title of ["one", "two", "three"]) {
			const c = await store().create(user.id, title);
			// Distinct activity times, so the order does not depend on id ties.
			await env.DB.prepare("UPDATE conversations SET updated_at = ? WHERE id = ?")
				.bind(1_000_000 + ids.length, c.id)
				.run();
			ids.push(c.id);
		}
		const first = (await (await chatFetch("/api/conversations?limit=2", { as: user.as })).json()) as {
			conversations: { id: string }[];
			next_cursor: string | null;
		};
		expect(first.conversations.map((c) => c.id)).toEqual([ids[2], ids[1]]);
		expect(first.next_cursor).toEqual(expect.any(String));
		const second = (await (
			await chatFetch(`/api/conversations?limit=2&cursor=${first.next_cursor}`, { as: user.as })
		).json()) as { conversations: { id: string }[]; next_cursor: string | null };
		expect(second).toEqual({ conversations: [expect.objectContaining({ id: ids[0] })], next_cursor: null });

		const badCursor = await chatFetch("/api/conversations?cursor=bogus", { as: user.as });
		expect((await expectProblem(badCursor, 400, "VALIDATION_FAILED")).errors).toEqual([
			expect.objectContaining({ pointer: "/query/cursor" }),
		]);
		const badLimit = await chatFetch("/api/conversations?limit=1000", { as: user.as });
		expect((await expectProblem(badLimit, 400, "VALIDATION_FAILED")).errors).toEqual([
			expect.objectContaining({ pointer: "/query/limit" }),
		]);
	});

	it("answers 404 for ids that are not conversation ids", async () => {
		const user = await keyUser("badid");
		await expectProblem(await chatFetch("/api/conversations/nope", { as: user.as }), 404, "NOT_FOUND");
	});
});

describe("chat limits", () => {
	it("refuses a message over MAX_MESSAGE_CHARS with 413, and an empty one with 400", async () => {
		const user = await keyUser("toolong");
		const max = Number(env.MAX_MESSAGE_CHARS);
		const long = await chatFetch("/api/chat", { json: { message: "x".repeat(max + 1) }, as: user.as });
		const problem = await expectProblem(long, 413, "PAYLOAD_TOO_LARGE");
		expect(problem.max_message_chars).toBe(max);
		const empty = await chatFetch("/api/chat", { json: { message: "  " }, as: user.as });
		expect((await expectProblem(empty, 400, "VALIDATION_FAILED")).errors).toEqual([
			expect.objectContaining({ pointer: "/body/message" }),
		]);
		const notJson = await chatFetch("/api/chat", {
			method: "POST",
			body: "{",
			headers: { "content-type": "application/json" },
			as: user.as,
		});
		await expectProblem(notJson, 400, "VALIDATION_FAILED");
		// Nothing was created for the refused messages.
		expect(await store().list(user.id, { limit: 10 })).toEqual({ conversations: [], next_cursor: null });
	});

	it("refuses a turn beyond MAX_CONCURRENT_TURNS with 429, and one in a busy conversation with 409", async () => {
		const user = await keyUser("limit");
		const max = Number(env.MAX_CONCURRENT_TURNS);
		const running: string[] = [];
		for (let i = 0; i < max; i++) {
			const c = await store().create(user.id, `running ${i}`);
			expect(await store().beginTurn(c.id, user.id, max)).toBe(true);
			running.push(c.id);
		}
		const id = `m${crypto.randomUUID().slice(0, 8)}`;
		await fake().script({ id, match: id, steps: [{ text: "Never said." }] });
		const fresh = await chatFetch("/api/chat", { json: { message: `${id} one more` }, as: user.as });
		const problem = await expectProblem(fresh, 429, "RATE_LIMITED");
		expect(problem.detail).toContain(`${max} turns are already running`);
		// The refused request left no empty conversation behind, and its session never called the model.
		expect((await store().list(user.id, { limit: 10 })).conversations).toHaveLength(max);
		expect(await fake().calls(id)).toHaveLength(0);

		const busy = await chatFetch("/api/chat", {
			json: { conversation_id: running[0], message: "and another" },
			as: user.as,
		});
		expect(await expectProblem(busy, 409, "CONFLICT")).toMatchObject({ reason: "TURN_IN_PROGRESS" });
		// Another user is not limited by this one's turns.
		const other = await keyUser("limit-other");
		const theirs = await store().create(other.id, "theirs");
		expect(await store().beginTurn(theirs.id, other.id, max)).toBe(true);
	});
});

describe("ConversationStore turns", () => {
	it("counts running turns per credential in one statement; ending one frees a slot", async () => {
		const credential = `cred_${crypto.randomUUID().replaceAll("-", "")}`;
		const [a, b, c] = await Promise.all([1, 2, 3].map((n) => store().create(credential, `c${n}`)));
		if (!a || !b || !c) throw new Error("not created");
		// Three at once for two slots: exactly two win.
		const won = await Promise.all([a, b, c].map((x) => store().beginTurn(x.id, credential, 2)));
		expect(won.filter(Boolean)).toHaveLength(2);
		const loser = [a, b, c][won.indexOf(false)];
		const winner = [a, b, c][won.indexOf(true)];
		if (!loser || !winner) throw new Error("no loser");
		// Already running: cannot begin again.
		expect(await store().beginTurn(winner.id, credential, 5)).toBe(false);
		await store().endTurn(winner.id, "awaiting_confirmation");
		expect((await store().get(winner.id))?.status).toBe("awaiting_confirmation");
		expect(await store().beginTurn(loser.id, credential, 2)).toBe(true);
		// A paused turn does not count; resuming it takes a slot again.
		expect(await store().beginTurn(winner.id, credential, 2)).toBe(false);
		expect(await store().beginTurn(winner.id, credential, 3)).toBe(true);
	});

	it("creates a conversation with its turn running only within the limit; racing for the last slot, one wins", async () => {
		const credential = `cred_${crypto.randomUUID().replaceAll("-", "")}`;
		const busy = await store().create(credential, "busy");
		expect(await store().beginTurn(busy.id, credential, 2)).toBe(true);
		const made = await Promise.all([1, 2, 3].map((n) => store().createRunning(credential, `new ${n}`, 2)));
		const won = made.filter((c) => c !== null);
		expect(won).toHaveLength(1);
		expect(won[0]?.status).toBe("running");
		// The refused ones left nothing behind; the winner is stored running and counts.
		const { conversations } = await store().list(credential, { limit: 10 });
		expect(conversations.map((c) => [c.id, c.status]).sort()).toEqual(
			[
				[busy.id, "running"],
				[won[0]?.id, "running"],
			].sort(),
		);
		expect(await store().createRunning(credential, "one more", 2)).toBeNull();
		await store().endTurn(busy.id, "idle");
		expect(await store().createRunning(credential, "now it fits", 2)).not.toBeNull();
	});

	it("stops counting a turn whose session never reported its end", async () => {
		const credential = `cred_${crypto.randomUUID().replaceAll("-", "")}`;
		const stuck = await store().create(credential, "stuck");
		const next = await store().create(credential, "next");
		expect(await store().beginTurn(stuck.id, credential, 1)).toBe(true);
		expect(await store().beginTurn(next.id, credential, 1)).toBe(false);
		await env.DB.prepare("UPDATE conversations SET turn_started_at = ? WHERE id = ?")
			.bind(Date.now() - STALE_TURN_MS - 1, stuck.id)
			.run();
		expect(await store().beginTurn(next.id, credential, 1)).toBe(true);
	});
});

describe("chat routes and ownership", () => {
	it("answers 404 to another user's chat, stream, cancel and confirm", async () => {
		const owner = await keyUser("chat-owner");
		const other = await keyUser("chat-other");
		const { id } = await store().create(owner.id, "private");
		await expectProblem(
			await chatFetch("/api/chat", { json: { conversation_id: id, message: "hi" }, as: other.as }),
			404,
			"NOT_FOUND",
		);
		await expectProblem(await chatFetch(`/api/chat/${id}/stream`, { as: other.as }), 404, "NOT_FOUND");
		await expectProblem(
			await chatFetch(`/api/chat/${id}/cancel`, { method: "POST", as: other.as }),
			404,
			"NOT_FOUND",
		);
		await expectProblem(
			await chatFetch(`/api/chat/${id}/confirm`, {
				json: { quote_id: "q_abcdefgh12.abcdefghijklmnop", decision: "confirm" },
				as: other.as,
			}),
			404,
			"NOT_FOUND",
		);
		// Nothing started: the owner's conversation is as it was, with no messages.
		expect(await store().get(id)).toMatchObject({ status: "idle" });
		expect(await store().messages(id)).toEqual([]);
	});

	it("streams an idle conversation's log to its owner and closes at once", async () => {
		const user = await keyUser("idle-stream");
		const { id } = await store().create(user.id, "idle");
		const response = await chatFetch(`/api/chat/${id}/stream?last_event_id=0`, { as: user.as });
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
		expect(response.headers.get("x-conversation-id")).toBe(id);
		expect(response.headers.get("cache-control")).toMatch(/no-cache/);
		expect(await response.text()).toMatch(/^retry: \d+\n\n$/);

		const bad = await chatFetch(`/api/chat/${id}/stream`, {
			headers: { "last-event-id": "abc" },
			as: user.as,
		});
		expect((await expectProblem(bad, 400, "VALIDATION_FAILED")).errors).toEqual([
			expect.objectContaining({ pointer: "/header/last-event-id" }),
		]);
	});

	it("cancels nothing when no turn runs, and refuses a decision nothing waits for", async () => {
		const user = await keyUser("idle-cancel", true);
		const { id } = await store().create(user.id, "idle");
		const cancel = await chatFetch(`/api/chat/${id}/cancel`, { method: "POST", as: user.as });
		expect(cancel.status).toBe(200);
		expect(await cancel.json()).toEqual({ cancelled: false });
		const confirm = await chatFetch(`/api/chat/${id}/confirm`, {
			json: { quote_id: "q_abcdefgh12.abcdefghijklmnop", decision: "confirm" },
			as: user.as,
		});
		await expectProblem(confirm, 409, "CONFLICT");
		const invalid = await chatFetch(`/api/chat/${id}/confirm`, {
			json: { quote_id: "q/../x", decision: "maybe" },
			as: user.as,
		});
		expect((await expectProblem(invalid, 400, "VALIDATION_FAILED")).errors).toEqual([
			expect.objectContaining({ pointer: "/body/quote_id" }),
			expect.objectContaining({ pointer: "/body/decision" }),
		]);
		// An agent's key of the same account is refused before anything else is looked at.
		const agent = await keyUser("idle-agent");
		const agentConversation = await store().create(agent.id, "idle");
		const byAgent = await chatFetch(`/api/chat/${agentConversation.id}/confirm`, {
			json: { quote_id: "q_abcdefgh12.abcdefghijklmnop", decision: "decline" },
			as: agent.as,
		});
		expect(await expectProblem(byAgent, 403, "FORBIDDEN")).toMatchObject({ owner_only: true });
		expect(await store().get(agentConversation.id)).toMatchObject({ status: "idle" });
	});
});

describe("HTTP plumbing", () => {
	it("allows the chat site's origin with credentials, and no other", async () => {
		const site = new URL(env.WEB_URL).origin;
		const preflight = await chatFetch("/api/chat", {
			method: "OPTIONS",
			headers: {
				origin: site,
				"access-control-request-method": "POST",
				"access-control-request-headers": "content-type",
			},
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get("access-control-allow-origin")).toBe(site);
		expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
		expect(preflight.headers.get("access-control-allow-headers")).toContain("last-event-id");

		const user = await keyUser("cors");
		const simple = await chatFetch("/api/me", { headers: { origin: site }, as: user.as });
		expect(simple.headers.get("access-control-allow-origin")).toBe(site);
		expect(simple.headers.get("access-control-expose-headers")).toContain("x-conversation-id");
		const foreign = await chatFetch("/api/me", { headers: { origin: "https://evil.example" }, as: user.as });
		expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
	});

	it("refuses state-changing requests sent from another site", async () => {
		const user = await signIn(uniqueEmail("csrf"));
		const response = await chatFetch("/api/chat", {
			json: { message: "hi" },
			headers: { origin: "https://evil.example" },
			as: { cookie: user.cookie },
		});
		await expectProblem(response, 403, "FORBIDDEN");
		const verify = await chatFetch("/api/auth/email/verify", {
			json: { email: user.email, code: "123456" },
			headers: { origin: "https://evil.example" },
		});
		await expectProblem(verify, 403, "FORBIDDEN");
	});

	it("echoes a sane X-Request-Id, makes one otherwise, and puts it in problems", async () => {
		const echoed = await chatFetch("/health", { headers: { "x-request-id": "req-12345678" } });
		expect(echoed.headers.get("x-request-id")).toBe("req-12345678");
		const made = await chatFetch("/api/me", { headers: { "x-request-id": "bad id!" } });
		const id = made.headers.get("x-request-id");
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
		expect(await expectProblem(made, 401, "AUTH_REQUIRED")).toMatchObject({
			request_id: id,
			instance: "/api/me",
		});
	});

	it("answers unknown routes with a NOT_FOUND problem", async () => {
		await expectProblem(await chatFetch("/nope"), 404, "NOT_FOUND");
	});
});
