import { PenumbraError } from "@penumbra/core/errors";
import { SIGNED_QUOTE_ID } from "@penumbra/core/purchase";
import { formatTraceparent } from "@penumbra/core/trace";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { assertOwner, type ChatApp } from "../auth.ts";
import { ownConversation, sessionOf } from "../conversations.ts";
import { authorityOf, callContext } from "../forward.ts";
import { limitsOf } from "../limits.ts";
import { jsonBody, parse } from "../request.ts";
import { type Conversation, ConversationStore, newConversationId } from "../store.ts";

const ChatBody = z.object({
	conversation_id: z.string().max(64).optional(),
	message: z.string().refine((s) => s.trim() !== "", "The message is empty."),
});
const ConfirmBody = z.object({
	quote_id: z.string().regex(SIGNED_QUOTE_ID, "Not a quote id (q_….…, from purchase.confirmation_required)."),
	decision: z.enum(["confirm", "decline"]),
});
const LastEventId = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

function conflict(detail: string, reason?: string): PenumbraError {
	return new PenumbraError("CONFLICT", { detail, ...(reason ? { extras: { reason } } : {}) });
}

/** The session's event stream after `after`, with the headers a browser's EventSource and proxies need. */
async function streamFrom(env: ChatEnv, conversationId: string, after: number): Promise<Response> {
	const upstream = await sessionOf(env, conversationId).fetch(`https://session/stream?after=${after}`);
	const headers = new Headers(upstream.headers);
	headers.set("cache-control", "no-cache, no-transform");
	headers.set("x-conversation-id", conversationId);
	return new Response(upstream.body, { status: upstream.status, headers });
}

/**
 * A turn that could not start: 429 when the user's limit is the reason, 409 when this conversation (none for a new
 * one) is busy.
 */
async function turnRefused(store: ConversationStore, id: string | null, max: number): Promise<PenumbraError> {
	const now = id === null ? null : await store.get(id);
	if (now?.status === "running") {
		return conflict(
			"A turn is already running in this conversation. Wait for it or cancel it.",
			"TURN_IN_PROGRESS",
		);
	}
	return new PenumbraError("RATE_LIMITED", {
		detail: `${max} turn${max === 1 ? " is" : "s are"} already running for this account. Wait for one to finish or cancel it.`,
		extras: { max_concurrent_turns: max },
	});
}

/** After a turn failed to start, the conversation goes back to how it was (a paused purchase stays paused). */
function restoredStatus(previous: Conversation["status"]): "idle" | "awaiting_confirmation" {
	return previous === "awaiting_confirmation" ? "awaiting_confirmation" : "idle";
}

/** The request a turn runs for: its id and this Worker's span of its trace, which the turn's calls continue. */
function turnOrigin(c: Context<ChatApp>): { request_id: string; traceparent: string } {
	return { request_id: c.get("requestId"), traceparent: formatTraceparent(c.get("trace")) };
}

/** First line of the first message, shortened: the conversation's initial title. */
function titleFrom(message: string): string {
	const line = (message.split("\n").find((l) => l.trim() !== "") ?? "").replace(/\s+/g, " ").trim();
	return line.length > 80 ? `${line.slice(0, 79)}…` : line || "New conversation";
}

/** Turns: send a message (streamed), reattach to a conversation's stream, cancel, decide a paused purchase. */
export const chatRoutes = new Hono<ChatApp>();

chatRoutes.post("/api/chat", async (c) => {
	const { maxMessageChars, maxConcurrentTurns } = limitsOf(c.env);
	// Room for JSON escaping (\uXXXX is six bytes per character) and the other fields.
	const body = await jsonBody(c, maxMessageChars * 6 + 1024);
	const input = parse(ChatBody, body, "/body");
	if (input.message.length > maxMessageChars) {
		throw new PenumbraError("PAYLOAD_TOO_LARGE", {
			detail: `The message is ${input.message.length} characters; the limit is ${maxMessageChars}.`,
			extras: { max_message_chars: maxMessageChars },
		});
	}
	if (input.conversation_id === undefined) return startConversation(c, input.message);
	const { credential_id: credentialId } = c.get("identity");
	const store = new ConversationStore(c.env.DB);
	const conversation = await ownConversation(c, input.conversation_id);
	if (!(await store.beginTurn(conversation.id, credentialId, maxConcurrentTurns))) {
		throw await turnRefused(store, conversation.id, maxConcurrentTurns);
	}
	const started = await sessionOf(c.env, conversation.id)
		.startTurn(turnInput(c, conversation.id, input.message))
		.catch(async (error: unknown) => {
			await store.endTurn(conversation.id, restoredStatus(conversation.status));
			throw error;
		});
	if (!started.ok) {
		await store.endTurn(conversation.id, restoredStatus(conversation.status));
		throw conflict(started.message, started.code);
	}
	return streamFrom(c.env, conversation.id, started.after);
});

/** What a turn's session is started with: the conversation, the caller, the message and the request it came with. */
function turnInput(c: Context<ChatApp>, conversationId: string, message: string) {
	const { credential_id: credentialId, key_id: keyId } = c.get("identity");
	return {
		conversation_id: conversationId,
		credential_id: credentialId,
		...(keyId === undefined ? {} : { key_id: keyId }),
		message,
		...turnOrigin(c),
	};
}

/**
 * A new conversation's first turn. Its D1 row, created already running only within the user's turn limit, and its
 * session's start go at once: the session writes the turn meanwhile and starts the run only once `claim` says the
 * row was created. Refused, the session forgets what it wrote and nothing is left (docs/chat-stream.md).
 */
async function startConversation(c: Context<ChatApp>, message: string): Promise<Response> {
	const { maxConcurrentTurns } = limitsOf(c.env);
	const { credential_id: credentialId } = c.get("identity");
	const store = new ConversationStore(c.env.DB);
	const id = newConversationId();
	const created = store.createRunning(credentialId, titleFrom(message), maxConcurrentTurns, id);
	created.catch(() => {});
	const undo = async () => {
		if (await created.catch(() => null)) await store.endTurn(id, "idle");
	};
	const started = await sessionOf(c.env, id)
		.startTurn({ ...turnInput(c, id, message), claim: async () => (await created) !== null })
		.catch(async (error: unknown) => {
			await undo();
			throw error;
		});
	if (!started.ok) {
		await undo();
		if (started.code === "TURN_LIMIT") throw await turnRefused(store, null, maxConcurrentTurns);
		throw conflict(started.message, started.code);
	}
	return streamFrom(c.env, id, started.after);
}

chatRoutes.get("/api/chat/:id/stream", async (c) => {
	const header = c.req.header("last-event-id");
	const raw = (header ?? c.req.query("last_event_id") ?? "").trim();
	const after = parse(
		LastEventId,
		raw === "" ? "0" : raw,
		header === undefined ? "/query/last_event_id" : "/header/last-event-id",
	);
	const conversation = await ownConversation(c, c.req.param("id"));
	return streamFrom(c.env, conversation.id, after);
});

chatRoutes.post("/api/chat/:id/cancel", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const { cancelled } = await sessionOf(c.env, conversation.id).cancel();
	return c.json({ cancelled });
});

/**
 * Records the owner's decision with the gateway, as the caller (the owner: checked before); the gateway's refusal
 * as this Worker's response, or null. A confirmation for a turn whose API key has been revoked since is not
 * recorded: that turn stops as it resumes (model-loop.ts), so the quote stays unconfirmed rather than confirmed for
 * no one.
 */
async function recordDecision(
	c: Context<ChatApp>,
	quoteId: string,
	decision: "confirm" | "decline",
	turnKeyId: string | undefined,
): Promise<Response | null> {
	const identity = c.get("identity");
	if (decision === "confirm" && turnKeyId !== undefined) {
		if ((await c.env.GATEWAY.identity(identity.credential_id, turnKeyId)) === null) return null;
	}
	const answer = await c.env.GATEWAY.call(identity.credential_id, {
		method: "POST",
		path: `/v1/quotes/${encodeURIComponent(quoteId)}/${decision}`,
		...callContext(c),
		...authorityOf(identity),
	});
	if (answer.status < 400) return null;
	return new Response(answer.body, {
		status: answer.status,
		headers: { "content-type": "application/problem+json" },
	});
}

/**
 * The owner's decision on a paused purchase (the site's purchase dialog): recorded with the gateway as the owner, then
 * the turn continues. The model never reaches this route: its turn only has the MCP tools, which act as an agent.
 */
chatRoutes.post("/api/chat/:id/confirm", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const { quote_id, decision } = parse(ConfirmBody, await jsonBody(c), "/body");
	const identity = c.get("identity");
	// Before the conversation is touched: an agent's attempt must not even hold the turn's slot.
	assertOwner(c, `${decision} a purchase`);
	const session = sessionOf(c.env, conversation.id);
	const paused = conversation.status === "awaiting_confirmation" ? await session.paused() : null;
	if (!paused) throw conflict("No purchase in this conversation is waiting for a decision.");
	// Only the purchase the turn waits on: this route decides no other quote.
	if (paused.quote_id !== quote_id) throw conflict("That quote is not the one waiting for a decision.");
	const { maxConcurrentTurns } = limitsOf(c.env);
	const store = new ConversationStore(c.env.DB);
	// The turn runs again once decided, so it takes a slot first: a refusal here leaves the quote undecided.
	if (!(await store.beginTurn(conversation.id, identity.credential_id, maxConcurrentTurns))) {
		throw await turnRefused(store, conversation.id, maxConcurrentTurns);
	}
	// Any failure from here on leaves the purchase paused, as it was.
	const stillPaused = () => store.endTurn(conversation.id, "awaiting_confirmation");
	const refused = await recordDecision(c, quote_id, decision, paused.key_id).catch(async (error: unknown) => {
		await stillPaused();
		throw error;
	});
	if (refused) {
		await stillPaused();
		return refused;
	}
	const resumed = await session
		.resume({ credential_id: identity.credential_id, quote_id, decision, ...turnOrigin(c) })
		.catch(async (error: unknown) => {
			await stillPaused();
			throw error;
		});
	if (!resumed.ok) {
		await stillPaused();
		throw conflict(resumed.message, resumed.code);
	}
	return streamFrom(c.env, conversation.id, resumed.after);
});
