import { createRoute, z } from "@hono/zod-openapi";
import { PenumbraError } from "@penumbra/core/errors";
import type { MiddlewareHandler } from "hono";
import { createRouter } from "../app-factory.ts";
import { problems } from "../schemas.ts";
import {
	readDevMailbox,
	SignInCodeSchema,
	SignInEmailSchema,
	startEmailSignIn,
	verifyEmailSignIn,
} from "../signin.ts";
import type { AppEnv } from "../types.ts";

/** These routes run without a caller (they are how one signs in), so they get the anonymous per-IP limit here. */
function limitByIp(): MiddlewareHandler<AppEnv> {
	return async function limitByIpMiddleware(c, next) {
		const ip = c.req.header("cf-connecting-ip") ?? "unknown";
		const { success } = await c.env.ANON_LIMITER.limit({ key: ip });
		if (!success) {
			throw new PenumbraError("RATE_LIMITED", {
				detail: "Too many requests from this address. Wait a minute.",
				extras: { retry_after_seconds: 60 },
			});
		}
		await next();
	};
}

const IdentitySchema = z
	.object({
		credential_id: z.string(),
		level: z.enum(["identified", "authenticated"]),
		email: z.string().nullable(),
	})
	.openapi("SignedIn");

const startRoute = createRoute({
	method: "post",
	operationId: "startEmailSignIn",
	path: "/v1/auth/email/start",
	tags: ["auth"],
	summary: "Email a one-time sign-in code (valid 10 minutes; 5 per address per hour, 30 s between sends)",
	security: [],
	request: {
		body: {
			required: true,
			content: { "application/json": { schema: z.object({ email: SignInEmailSchema }) } },
		},
	},
	responses: {
		200: {
			description: "Sent",
			content: {
				"application/json": {
					schema: z.object({
						sent: z.literal(true),
						expires_at: z.string(),
						dev_mailbox: z
							.string()
							.optional()
							.openapi({ description: "Development only: where the code can be read." }),
					}),
				},
			},
		},
		...problems(400, 429, 502),
	},
});

const verifyRoute = createRoute({
	method: "post",
	operationId: "verifyEmailSignIn",
	path: "/v1/auth/email/verify",
	tags: ["auth"],
	summary: "Check a sign-in code; the first success creates the account. Returns who signed in, never a key",
	security: [],
	request: {
		body: {
			required: true,
			content: {
				"application/json": { schema: z.object({ email: SignInEmailSchema, code: SignInCodeSchema }) },
			},
		},
	},
	responses: {
		200: { description: "Signed in", content: { "application/json": { schema: IdentitySchema } } },
		...problems(400, 401, 403, 429),
	},
});

const mailboxRoute = createRoute({
	method: "get",
	operationId: "readDevMailbox",
	path: "/v1/dev/mailbox",
	tags: ["auth"],
	summary: "Development only: the last sign-in code sent to an address (404 in every other environment)",
	security: [],
	// Checked by readDevMailbox after the environment, so production answers 404 whatever is asked.
	request: { query: z.object({ email: z.string().max(320).openapi({ example: "ada@example.com" }) }) },
	responses: {
		200: {
			description: "The last message",
			content: {
				"application/json": {
					schema: z.object({
						email: z.string(),
						subject: z.string(),
						text: z.string(),
						code: z.string(),
						sent_at: z.string(),
					}),
				},
			},
		},
		...problems(400, 404, 429),
	},
});

export const authRoutes = createRouter();
authRoutes.use("/v1/auth/*", limitByIp());
authRoutes.use("/v1/dev/mailbox", limitByIp());

authRoutes
	.openapi(startRoute, async (c) => {
		const { email } = c.req.valid("json");
		const started = await startEmailSignIn(c.env, email, c.req.header("cf-connecting-ip") ?? null);
		const origin = new URL(c.req.url).origin;
		return c.json(
			{
				sent: started.sent,
				expires_at: started.expires_at,
				...(started.dev_mailbox ? { dev_mailbox: `${origin}${started.dev_mailbox}` } : {}),
			},
			200,
		);
	})
	.openapi(verifyRoute, async (c) => {
		const { email, code } = c.req.valid("json");
		return c.json(await verifyEmailSignIn(c.env, email, code), 200);
	})
	.openapi(mailboxRoute, async (c) => {
		const { email } = c.req.valid("query");
		return c.json(await readDevMailbox(c.env, email), 200);
	});
