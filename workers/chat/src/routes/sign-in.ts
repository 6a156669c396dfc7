import { Hono } from "hono";
import { z } from "zod";
import { type ChatApp, endSession, startSession } from "../auth.ts";
import { fromGateway } from "../forward.ts";
import { jsonBody, parse } from "../request.ts";

const EmailBody = z.object({ email: z.string().max(320) });
const VerifyBody = z.object({ email: z.string().max(320), code: z.string().max(32) });

/** Email sign-in through the gateway (which sends and checks the codes); the session cookie is this Worker's. */
export const signInRoutes = new Hono<ChatApp>();

signInRoutes.post("/api/auth/email/start", async (c) => {
	const { email } = parse(EmailBody, await jsonBody(c), "/body");
	const result = await c.env.GATEWAY.startEmailSignIn(email, c.req.header("cf-connecting-ip"));
	if (!result.ok) throw fromGateway(result);
	return c.json({
		sent: result.sent,
		expires_at: result.expires_at,
		...(result.dev_mailbox === undefined ? {} : { dev_mailbox: result.dev_mailbox }),
	});
});

signInRoutes.post("/api/auth/email/verify", async (c) => {
	const { email, code } = parse(VerifyBody, await jsonBody(c), "/body");
	const result = await c.env.GATEWAY.verifyEmailSignIn(email, code);
	if (!result.ok) throw fromGateway(result);
	await startSession(c, result.credential_id);
	// Signed in by email code: the account's owner (docs/auth.md).
	return c.json({
		credential_id: result.credential_id,
		email: result.email,
		level: result.level,
		authority: "owner",
	});
});

// Needs no identity: signing out of an expired session still clears the cookie.
signInRoutes.post("/api/auth/signout", async (c) => {
	await endSession(c);
	return c.body(null, 204);
});
