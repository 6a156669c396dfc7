import { notFoundHandler, onErrorHandler, requestId, sameSiteWrites } from "@penumbra/core/middleware";
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { type Caller, type ChatApp, requireIdentity } from "./auth.ts";
import { accountRoutes } from "./routes/account.ts";
import { browsingRoutes } from "./routes/browsing.ts";
import { chatRoutes } from "./routes/chat.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { healthRoutes } from "./routes/health.ts";
import { operatorRoutes } from "./routes/operator.ts";
import { quoteRoutes } from "./routes/quotes.ts";
import { signInRoutes } from "./routes/sign-in.ts";

export { ChatSession } from "./session.do.ts";

/** The chat site's origin: the one other origin whose pages may call this API with the session cookie. */
function siteOrigin(env: ChatEnv): string {
	return new URL(env.WEB_URL).origin;
}

const app = new Hono<ChatApp>();

// The access line names the caller's credential once authentication has run (none on public routes).
app.use(
	"*",
	requestId<ChatApp>({
		accessLog: {
			level: (c) => c.env.LOG_LEVEL,
			caller: (c) => (c.get("identity") as Caller | undefined)?.credential_id,
		},
	}),
);
app.use(
	"/api/*",
	cors({
		origin: (origin, c: Context<ChatApp>) => (origin === siteOrigin(c.env) ? origin : null),
		credentials: true,
		allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
		allowHeaders: ["content-type", "authorization", "last-event-id", "x-request-id", "idempotency-key"],
		exposeHeaders: ["x-conversation-id", "x-request-id", "retry-after"],
		maxAge: 600,
	}),
);
app.use("/api/*", sameSiteWrites<ChatApp>({ allowedOrigins: (c) => [siteOrigin(c.env)] }));

app.route("/", healthRoutes);
app.route("/", signInRoutes);
app.route("/", browsingRoutes);
// The operator dashboard: its own session cookie, never the owner's (routes/operator.ts).
app.route("/", operatorRoutes);
// Every route mounted after this needs a signed-in user or a key; so does an unknown /api path (401, not 404).
app.use("/api/*", requireIdentity());
app.route("/", accountRoutes);
app.route("/", chatRoutes);
app.route("/", quoteRoutes);
app.route("/", conversationRoutes);

app.onError(onErrorHandler());
app.notFound(notFoundHandler());

export default { fetch: app.fetch } satisfies ExportedHandler<ChatEnv>;
