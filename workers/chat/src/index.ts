import { PenumbraError } from "@penumbra/core/errors";
import { fromHttpException, problemResponse as renderProblem } from "@penumbra/core/http";
import { log } from "@penumbra/core/log";
import { SIGNED_QUOTE_ID } from "@penumbra/core/purchase";
import { validationError } from "@penumbra/core/validation";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { z } from "zod";
import type { GatewayAnswer, GatewayCall, RpcProblem } from "../../gateway/src/rpc.ts";
import { type ChatApp, endSession, optionalIdentity, requireIdentity, startSession } from "./auth.ts";
import { CONVERSATION_ID, type Conversation, ConversationStore } from "./store.ts";

export { ChatSession } from "./session.do.ts";

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;
/** Bodies of routes other than POST /api/chat (sign-in, rename, confirm) are small. */
const SMALL_BODY_BYTES = 16 * 1024;

function intVar(value: string | undefined, fallback: number): number {
	const n = Number(value);
	return Number.isInteger(n) && n > 0 ? n : fallback;
}

function limitsOf(env: ChatEnv) {
	return {
		maxMessageChars: intVar(env.MAX_MESSAGE_CHARS, 8000),
		maxConcurrentTurns: intVar(env.MAX_CONCURRENT_TURNS, 2),
	};
}

function problemResponse(c: Context<ChatApp>, error: unknown): Response {
	return renderProblem(error, { instance: new URL(c.req.url).pathname, requestId: c.get("requestId") });
}

/** A problem that crossed the gateway binding, raised again here (pointers re-rooted at the request body). */
function fromGateway(problem: RpcProblem): PenumbraError {
	const { type: _type, title: _title, status, detail, code, errors, ...extras } = problem;
	const reRooted = Array.isArray(errors)
		? errors.map((e) =>
				typeof e === "object" && e !== null ? { ...e, pointer: `/body${e.pointer ?? ""}` } : e,
			)
		: errors;
	return new PenumbraError(code, {
		detail,
		status,
		extras: { ...extras, ...(reRooted === undefined ? {} : { errors: reRooted }) },
	});
}

/** The gateway's answer as this Worker's: status and body as they are (problem+json stays problem+json). */
function gatewayResponse(answer: GatewayAnswer): Response {
	if (answer.status === 204) return new Response(null, { status: 204 });
	const problem = answer.status >= 400;
	const headers = new Headers({ "content-type": problem ? "application/problem+json" : "application/json" });
	if (answer.status === 429) {
		try {
			const retryAfter = (JSON.parse(answer.body) as { retry_after_seconds?: unknown }).retry_after_seconds;
			if (typeof retryAfter === "number") headers.set("retry-after", String(Math.ceil(retryAfter)));
		} catch {}
	}
	if (answer.status === 401) headers.set("www-authenticate", 'Bearer realm="penumbra"');
	return new Response(answer.body, { status: answer.status, headers });
}

/** One gateway REST call as `credentialId` (null: anonymous), answered as the gateway answered it. */
async function forward(
	c: Context<ChatApp>,
	credentialId: string | null,
	call: Pick<GatewayCall, "method" | "path" | "body">,
): Promise<Response> {
	const clientIp = c.req.header("cf-connecting-ip");
	const answer = await c.env.GATEWAY.call(credentialId, {
		...call,
		request_id: c.get("requestId"),
		...(clientIp ? { client_ip: clientIp } : {}),
	});
	return gatewayResponse(answer);
}

/** The request's own query string, for routes that take the gateway route's query parameters as they are. */
function queryOf(c: Context<ChatApp>): string {
	return new URL(c.req.url).search;
}

/**
 * A path parameter that will be put into a gateway path: one that does not look like an id of its kind is
 * NOT_FOUND here, so no value (`..`, `%2F`) can move the call to another gateway route.
 */
function idParam(c: Context<ChatApp>, name: string, shape: RegExp, what: string): string {
	const value = c.req.param(name) ?? "";
	if (!shape.test(value)) throw new PenumbraError("NOT_FOUND", { detail: `No ${what} ${value}.` });
	return encodeURIComponent(value);
}

const SERVICE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const KEY_ID = /^key_[A-Za-z0-9]{1,64}$/;

function notFound(id: string): PenumbraError {
	return new PenumbraError("NOT_FOUND", { detail: `No conversation ${id}.` });
}

function conflict(detail: string, reason?: string): PenumbraError {
	return new PenumbraError("CONFLICT", { detail, ...(reason ? { extras: { reason } } : {}) });
}

function parse<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
	const result = schema.safeParse(value);
	if (!result.success) throw validationError(result.error, root);
	return result.data;
}

/** The JSON body, refused before parsing when it is larger than `maxBytes`. */
async function jsonBody(c: Context<ChatApp>, maxBytes = SMALL_BODY_BYTES): Promise<unknown> {
	const tooLarge = () =>
		new PenumbraError("PAYLOAD_TOO_LARGE", { detail: `The request body is larger than ${maxBytes} bytes.` });
	if (Number(c.req.header("content-length") ?? 0) > maxBytes) throw tooLarge();
	const text = await c.req.text();
	if (new TextEncoder().encode(text).length > maxBytes) throw tooLarge();
	try {
		return JSON.parse(text);
	} catch {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: "The request body must be JSON.",
			extras: { errors: [{ pointer: "/body", message: "Not valid JSON." }] },
		});
	}
}

/** The caller's conversation; another user's (or a missing one) is NOT_FOUND, so ids reveal nothing. */
async function ownConversation(c: Context<ChatApp>, id: string): Promise<Conversation> {
	if (!CONVERSATION_ID.test(id)) throw notFound(id);
	const conversation = await new ConversationStore(c.env.DB).get(id);
	if (!conversation || conversation.credential_id !== c.get("identity").credential_id) throw notFound(id);
	return conversation;
}

function sessionOf(env: ChatEnv, conversationId: string) {
	return env.CHAT_SESSION.getByName(conversationId);
}

/** The session's event stream after `after`, with the headers a browser's EventSource and proxies need. */
async function streamFrom(env: ChatEnv, conversationId: string, after: number): Promise<Response> {
	const upstream = await sessionOf(env, conversationId).fetch(`https://session/stream?after=${after}`);
	const headers = new Headers(upstream.headers);
	headers.set("cache-control", "no-cache, no-transform");
	headers.set("x-conversation-id", conversationId);
	return new Response(upstream.body, { status: upstream.status, headers });
}

/** A turn that could not start: 429 when the user's limit is the reason, 409 when this conversation is busy. */
async function turnRefused(store: ConversationStore, id: string, max: number): Promise<PenumbraError> {
	const now = await store.get(id);
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

/** First line of the first message, shortened: the conversation's initial title. */
function titleFrom(message: string): string {
	const line = (message.split("\n").find((l) => l.trim() !== "") ?? "").replace(/\s+/g, " ").trim();
	return line.length > 80 ? `${line.slice(0, 79)}…` : line || "New conversation";
}

function requestId(): MiddlewareHandler<ChatApp> {
	return async function requestIdMiddleware(c, next) {
		const incoming = c.req.header("x-request-id");
		const id = incoming && INCOMING_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
		c.set("requestId", id);
		await next();
		c.res.headers.set("x-request-id", id);
	};
}

function siteOrigin(env: ChatEnv): string {
	return new URL(env.WEB_URL).origin;
}

/**
 * Cross-site request forgery: a browser always names the page that sent a state-changing request. Only the chat
 * site and this Worker's own pages may send one (non-browser clients send no Origin).
 */
function sameSiteWrites(): MiddlewareHandler<ChatApp> {
	return async function sameSiteWritesMiddleware(c, next) {
		const origin = c.req.header("origin");
		const safe = c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS";
		if (
			!safe &&
			origin !== undefined &&
			origin !== siteOrigin(c.env) &&
			origin !== new URL(c.req.url).origin
		) {
			throw new PenumbraError("FORBIDDEN", { detail: "This request was sent from another site." });
		}
		await next();
	};
}

const EmailBody = z.object({ email: z.string().max(320) });
const VerifyBody = z.object({ email: z.string().max(320), code: z.string().max(32) });
const ChatBody = z.object({
	conversation_id: z.string().max(64).optional(),
	message: z.string().refine((s) => s.trim() !== "", "The message is empty."),
});
const ConfirmBody = z.object({
	quote_id: z.string().regex(SIGNED_QUOTE_ID, "Not a quote id (q_….…, from purchase.confirmation_required)."),
	decision: z.enum(["confirm", "decline"]),
});
const RenameBody = z.object({
	title: z
		.string()
		.trim()
		.min(1, "The title is empty.")
		.max(200)
		.transform((s) => s.replace(/\s+/g, " ")),
});
const ListQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(20),
	cursor: z.string().max(200).optional(),
});
const LastEventId = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const app = new Hono<ChatApp>();

app.use("*", requestId());
app.use(
	"/api/*",
	cors({
		origin: (origin, c: Context<ChatApp>) => (origin === siteOrigin(c.env) ? origin : null),
		credentials: true,
		allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
		allowHeaders: ["content-type", "authorization", "last-event-id", "x-request-id"],
		exposeHeaders: ["x-conversation-id", "x-request-id", "retry-after"],
		maxAge: 600,
	}),
);
app.use("/api/*", sameSiteWrites());

app.get("/health", (c) => c.json({ status: "ok", service: "penumbra-chat" }));

// ── sign-in ──────────────────────────────────────────────────────────────────────────────────────────────────────

app.post("/api/auth/email/start", async (c) => {
	const { email } = parse(EmailBody, await jsonBody(c), "/body");
	const result = await c.env.GATEWAY.startEmailSignIn(email, c.req.header("cf-connecting-ip"));
	if (!result.ok) throw fromGateway(result.problem);
	return c.json({
		sent: result.sent,
		expires_at: result.expires_at,
		...(result.dev_mailbox === undefined ? {} : { dev_mailbox: result.dev_mailbox }),
	});
});

app.post("/api/auth/email/verify", async (c) => {
	const { email, code } = parse(VerifyBody, await jsonBody(c), "/body");
	const result = await c.env.GATEWAY.verifyEmailSignIn(email, code);
	if (!result.ok) throw fromGateway(result.problem);
	await startSession(c, result.credential_id);
	return c.json({ credential_id: result.credential_id, email: result.email, level: result.level });
});

// Needs no identity: signing out of an expired session still clears the cookie.
app.post("/api/auth/signout", async (c) => {
	await endSession(c);
	return c.body(null, 204);
});

// ── browsing: anyone (as themselves when signed in, so the anonymous per-address limit does not apply) ──────────

app.get("/api/config", (c) =>
	c.json({
		environment: c.env.ENVIRONMENT,
		mcp_url: c.env.MCP_URL,
		dev_credit: c.env.ENVIRONMENT === "development",
		top_up_url: c.env.TOP_UP_URL === "" ? null : c.env.TOP_UP_URL,
	}),
);

app.get("/api/services", async (c) => {
	const identity = await optionalIdentity(c);
	return forward(c, identity?.credential_id ?? null, { method: "GET", path: `/v1/services${queryOf(c)}` });
});

app.get("/api/services/:id", async (c) => {
	const id = idParam(c, "id", SERVICE_ID, "service");
	const identity = await optionalIdentity(c);
	return forward(c, identity?.credential_id ?? null, { method: "GET", path: `/v1/services/${id}` });
});

app.get("/api/services/:id/tools", async (c) => {
	const id = idParam(c, "id", SERVICE_ID, "service");
	const identity = await optionalIdentity(c);
	return forward(c, identity?.credential_id ?? null, { method: "GET", path: `/v1/services/${id}/tools` });
});

app.get("/api/search", async (c) => {
	const identity = await optionalIdentity(c);
	return forward(c, identity?.credential_id ?? null, { method: "GET", path: `/v1/search${queryOf(c)}` });
});

app.use("/api/*", requireIdentity());

app.get("/api/me", (c) => {
	const { credential_id, email, level } = c.get("identity");
	return c.json({ credential_id, email, level });
});

// ── chat ─────────────────────────────────────────────────────────────────────────────────────────────────────────

app.post("/api/chat", async (c) => {
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
	const credentialId = c.get("identity").credential_id;
	const store = new ConversationStore(c.env.DB);
	const created = input.conversation_id === undefined;
	const conversation =
		input.conversation_id === undefined
			? await store.create(credentialId, titleFrom(input.message))
			: await ownConversation(c, input.conversation_id);

	if (!(await store.beginTurn(conversation.id, credentialId, maxConcurrentTurns))) {
		const refusal = await turnRefused(store, conversation.id, maxConcurrentTurns);
		if (created) await store.delete(conversation.id);
		throw refusal;
	}
	const started = await sessionOf(c.env, conversation.id)
		.startTurn({ conversation_id: conversation.id, credential_id: credentialId, message: input.message })
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

app.get("/api/chat/:id/stream", async (c) => {
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

app.post("/api/chat/:id/cancel", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const { cancelled } = await sessionOf(c.env, conversation.id).cancel();
	return c.json({ cancelled });
});

app.post("/api/chat/:id/confirm", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const { quote_id, decision } = parse(ConfirmBody, await jsonBody(c), "/body");
	const identity = c.get("identity");
	if (conversation.status !== "awaiting_confirmation") {
		throw conflict("No purchase in this conversation is waiting for a decision.");
	}
	const { maxConcurrentTurns } = limitsOf(c.env);
	const store = new ConversationStore(c.env.DB);
	// The turn runs again once decided, so it takes a slot first: a refusal here leaves the quote undecided.
	if (!(await store.beginTurn(conversation.id, identity.credential_id, maxConcurrentTurns))) {
		throw await turnRefused(store, conversation.id, maxConcurrentTurns);
	}
	const clientIp = c.req.header("cf-connecting-ip");
	const answer = await c.env.GATEWAY.call(identity.credential_id, {
		method: "POST",
		path: `/v1/quotes/${encodeURIComponent(quote_id)}/${decision}`,
		request_id: c.get("requestId"),
		...(clientIp ? { client_ip: clientIp } : {}),
	}).catch(async (error: unknown) => {
		await store.endTurn(conversation.id, "awaiting_confirmation");
		throw error;
	});
	if (answer.status >= 400) {
		await store.endTurn(conversation.id, "awaiting_confirmation");
		return new Response(answer.body, {
			status: answer.status,
			headers: { "content-type": "application/problem+json" },
		});
	}
	const resumed = await sessionOf(c.env, conversation.id)
		.resume({ credential_id: identity.credential_id, quote_id, decision })
		.catch(async (error: unknown) => {
			await store.endTurn(conversation.id, "awaiting_confirmation");
			throw error;
		});
	if (!resumed.ok) {
		await store.endTurn(conversation.id, "awaiting_confirmation");
		throw conflict(resumed.message, resumed.code);
	}
	return streamFrom(c.env, conversation.id, resumed.after);
});

// ── account: the signed-in owner's, through the gateway ──────────────────────────────────────────────────────────

app.get("/api/account", (c) =>
	forward(c, c.get("identity").credential_id, { method: "GET", path: "/v1/account" }),
);

app.get("/api/account/statement", (c) =>
	forward(c, c.get("identity").credential_id, { method: "GET", path: `/v1/account/statement${queryOf(c)}` }),
);

app.get("/api/account/controls", (c) =>
	forward(c, c.get("identity").credential_id, { method: "GET", path: "/v1/account/controls" }),
);

app.put("/api/account/controls", async (c) =>
	forward(c, c.get("identity").credential_id, {
		method: "PUT",
		path: "/v1/account/controls",
		body: await jsonBody(c),
	}),
);

app.get("/api/account/keys", (c) =>
	forward(c, c.get("identity").credential_id, { method: "GET", path: "/v1/account/keys" }),
);

app.post("/api/account/keys", async (c) =>
	forward(c, c.get("identity").credential_id, {
		method: "POST",
		path: "/v1/account/keys",
		body: await jsonBody(c),
	}),
);

app.delete("/api/account/keys/:id", (c) => {
	const id = idParam(c, "id", KEY_ID, "API key");
	return forward(c, c.get("identity").credential_id, { method: "DELETE", path: `/v1/account/keys/${id}` });
});

// The gateway answers 404 outside development.
app.post("/api/account/dev-credit", async (c) =>
	forward(c, c.get("identity").credential_id, {
		method: "POST",
		path: "/v1/dev/credit",
		body: await jsonBody(c),
	}),
);

// ── quotes: the confirmation page for links from MCP clients (the gateway answers 404 for another owner's) ────────

app.get("/api/quotes/:id", (c) => {
	const id = idParam(c, "id", SIGNED_QUOTE_ID, "quote");
	return forward(c, c.get("identity").credential_id, { method: "GET", path: `/v1/quotes/${id}` });
});

app.post("/api/quotes/:id/:decision{confirm|decline}", (c) => {
	const id = idParam(c, "id", SIGNED_QUOTE_ID, "quote");
	const decision = c.req.param("decision") === "confirm" ? "confirm" : "decline";
	return forward(c, c.get("identity").credential_id, {
		method: "POST",
		path: `/v1/quotes/${id}/${decision}`,
	});
});

// ── conversations ────────────────────────────────────────────────────────────────────────────────────────────────

app.get("/api/conversations", async (c) => {
	const query = parse(ListQuery, c.req.query(), "/query");
	const page = await new ConversationStore(c.env.DB).list(c.get("identity").credential_id, {
		limit: query.limit,
		...(query.cursor === undefined ? {} : { cursor: query.cursor }),
	});
	return c.json(page);
});

app.get("/api/conversations/:id", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const messages = await new ConversationStore(c.env.DB).messages(conversation.id);
	return c.json({ conversation, messages });
});

app.patch("/api/conversations/:id", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	const { title } = parse(RenameBody, await jsonBody(c), "/body");
	return c.json({ conversation: await new ConversationStore(c.env.DB).rename(conversation.id, title) });
});

app.delete("/api/conversations/:id", async (c) => {
	const conversation = await ownConversation(c, c.req.param("id"));
	await sessionOf(c.env, conversation.id).forget();
	await new ConversationStore(c.env.DB).delete(conversation.id);
	return c.body(null, 204);
});

app.onError((err, c) => {
	const error = fromHttpException(err);
	if (!(error instanceof PenumbraError) || error.status >= 500) {
		// Never the body or query parameters: they carry the user's messages.
		log("error", "request failed", {
			request_id: c.get("requestId"),
			method: c.req.method,
			path: new URL(c.req.url).pathname,
			// A failed query's bound values (titles, message text) are dropped by log()'s redaction.
			error: err,
			cause: err.cause,
		});
	}
	return problemResponse(c, error);
});

app.notFound((c) =>
	problemResponse(
		c,
		new PenumbraError("NOT_FOUND", {
			detail: `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`,
		}),
	),
);

export default { fetch: app.fetch } satisfies ExportedHandler<ChatEnv>;
