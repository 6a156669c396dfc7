import { env, exports } from "cloudflare:workers";
import { failureStatus } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { describe, expect, it } from "vitest";
import {
	type EmailSender,
	HttpEmailSender,
	MAX_ATTEMPTS,
	readDevMailbox,
	type SignInMessage,
	startEmailSignIn,
	verifyEmailSignIn,
} from "../src/signin.ts";
import { call, expectProblem, json } from "./helpers.ts";

let counter = 0;
/** A fresh address per test: limits and codes are per address. */
function freshEmail(): string {
	counter += 1;
	return `signin-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

async function start(email: string, ip = "203.0.113.7"): Promise<Response> {
	return call("/v1/auth/email/start", { body: { email }, headers: { "cf-connecting-ip": ip } });
}

async function verify(email: string, code: string): Promise<Response> {
	return call("/v1/auth/email/verify", { body: { email, code } });
}

async function mailboxCode(email: string): Promise<string> {
	const response = await call(`/v1/dev/mailbox?email=${encodeURIComponent(email)}`);
	expect(response.status).toBe(200);
	return (await json<{ code: string }>(response)).code;
}

/** Moves every code row of `email` `ms` into the past, as if that much time had gone by. */
async function age(email: string, ms: number): Promise<void> {
	await env.DB.prepare(
		"UPDATE email_codes SET created_at = created_at - ?1, expires_at = expires_at - ?1 WHERE email = ?2",
	)
		.bind(ms, email)
		.run();
}

function wrong(code: string): string {
	return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

async function failure(promise: Promise<unknown>): Promise<PenumbraError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(PenumbraError);
	return error as PenumbraError;
}

class CapturingSender implements EmailSender {
	readonly sent: SignInMessage[] = [];
	async send(message: SignInMessage): Promise<void> {
		this.sent.push(message);
	}
}

describe("email sign-in over REST", () => {
	it("sends a code, reads it from the dev mailbox, and signs in without ever returning a key", async () => {
		const email = freshEmail();
		const started = await start(email);
		expect(started.status).toBe(200);
		const body = await json<{ sent: boolean; expires_at: string; dev_mailbox: string }>(started);
		expect(body.sent).toBe(true);
		const ttl = Date.parse(body.expires_at) - Date.now();
		expect(ttl).toBeGreaterThan(9 * 60_000);
		expect(ttl).toBeLessThanOrEqual(10 * 60_000);
		expect(body.dev_mailbox).toBe(`http://gateway.test/v1/dev/mailbox?email=${encodeURIComponent(email)}`);

		const code = await mailboxCode(email);
		expect(code).toMatch(/^\d{6}$/);
		// Only a hash is stored with the code row.
		const row = await env.DB.prepare("SELECT * FROM email_codes WHERE email = ?").bind(email).first();
		expect(row?.code_hash).toMatch(/^[0-9a-f]{64}$/);
		expect(JSON.stringify(row)).not.toContain(code);

		const verified = await verify(email, code);
		expect(verified.status).toBe(200);
		const identity = await json(verified);
		expect(identity).toEqual({
			credential_id: expect.stringMatching(/^cred_/),
			level: "authenticated",
			email,
		});
		expect(JSON.stringify(identity)).not.toMatch(/unified-/);

		const user = await env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(email).first();
		expect(user).toMatchObject({
			credential_id: identity.credential_id,
			last_sign_in_at: expect.any(Number),
		});
		const credential = await env.DB.prepare("SELECT * FROM credentials WHERE id = ?")
			.bind(identity.credential_id)
			.first();
		expect(credential).toMatchObject({ email, level: "authenticated", revoked_at: null });

		// A code works once.
		const again = await expectProblem(await verify(email, code), 401, "AUTH_REQUIRED");
		expect(again.attempts_left).toBe(0);
	});

	it("returns the same credential on a later sign-in", async () => {
		const email = freshEmail();
		await start(email);
		const first = await json<{ credential_id: string }>(await verify(email, await mailboxCode(email)));
		await age(email, 31_000);
		expect((await start(email)).status).toBe(200);
		const second = await json<{ credential_id: string }>(await verify(email, await mailboxCode(email)));
		expect(second.credential_id).toBe(first.credential_id);
		const users = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first();
		expect(users?.n).toBe(1);
	});

	it("normalises the address: case and surrounding spaces do not make another user", async () => {
		const email = freshEmail();
		const shouted = `  ${email.toUpperCase()} `;
		expect((await start(shouted)).status).toBe(200);
		const code = await mailboxCode(email.toUpperCase());
		const identity = await json<{ email: string }>(
			await verify(email.replace("signin", "SignIn"), ` ${code} `),
		);
		expect(identity.email).toBe(email);
		const row = await env.DB.prepare("SELECT email FROM users WHERE email = ?").bind(email).first();
		expect(row?.email).toBe(email);
	});

	it("counts wrong codes down and locks the code after the last attempt", async () => {
		const email = freshEmail();
		await start(email);
		const code = await mailboxCode(email);
		for (let left = MAX_ATTEMPTS - 1; left >= 0; left--) {
			const problem = await expectProblem(await verify(email, wrong(code)), 401, "AUTH_REQUIRED");
			expect(problem.attempts_left).toBe(left);
		}
		// Even the right code is refused now.
		const locked = await expectProblem(await verify(email, code), 401, "AUTH_REQUIRED");
		expect(locked).toMatchObject({ attempts_left: 0, locked: true });
		expect(locked.detail).toMatch(/new code/);
		const users = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first();
		expect(users?.n).toBe(0);
	});

	it("refuses an expired code", async () => {
		const email = freshEmail();
		await start(email);
		const code = await mailboxCode(email);
		await env.DB.prepare("UPDATE email_codes SET expires_at = ? WHERE email = ?")
			.bind(Date.now() - 1, email)
			.run();
		const problem = await expectProblem(await verify(email, code), 401, "AUTH_REQUIRED");
		expect(problem).toMatchObject({ expired: true, attempts_left: 0 });
	});

	it("only the newest code counts", async () => {
		const email = freshEmail();
		await start(email);
		const old = await mailboxCode(email);
		await age(email, 31_000);
		await start(email);
		const current = await mailboxCode(email);
		if (old !== current) await expectProblem(await verify(email, old), 401, "AUTH_REQUIRED");
		expect((await verify(email, current)).status).toBe(200);
	});

	it("has a resend cooldown and an hourly cap per address", async () => {
		const email = freshEmail();
		expect((await start(email)).status).toBe(200);
		const cooled = await start(email);
		const problem = await expectProblem(cooled, 429, "RATE_LIMITED");
		expect(problem.retry_after_seconds).toBeGreaterThanOrEqual(1);
		expect(problem.retry_after_seconds).toBeLessThanOrEqual(30);
		expect(cooled.headers.get("retry-after")).toBe(String(problem.retry_after_seconds));

		for (let sent = 2; sent <= 5; sent++) {
			await age(email, 31_000);
			expect((await start(email)).status).toBe(200);
		}
		await age(email, 31_000);
		const capped = await expectProblem(await start(email), 429, "RATE_LIMITED");
		// The oldest of the five was sent 5 × 31 s ago: it leaves the window in just under an hour.
		expect(capped.retry_after_seconds).toBeGreaterThan(3600 - 5 * 31 - 5);
		expect(capped.retry_after_seconds).toBeLessThanOrEqual(3600 - 5 * 31 + 1);

		// Another address is not affected.
		expect((await start(freshEmail())).status).toBe(200);
		// An hour later the address can ask again.
		await age(email, 3_600_000);
		expect((await start(email)).status).toBe(200);
	});

	it("refuses malformed addresses and codes with a pointer to the field", async () => {
		const badEmail = await expectProblem(
			await call("/v1/auth/email/start", { body: { email: "not-an-address" } }),
			400,
			"VALIDATION_FAILED",
		);
		expect(badEmail.errors).toEqual([expect.objectContaining({ pointer: "/body/email" })]);
		const badCode = await expectProblem(await verify(freshEmail(), "12ab"), 400, "VALIDATION_FAILED");
		expect(badCode.errors).toEqual([expect.objectContaining({ pointer: "/body/code" })]);
		const missing = await expectProblem(await verify(freshEmail(), "123456"), 401, "AUTH_REQUIRED");
		expect(missing.detail).toMatch(/No sign-in code is pending/);
	});

	it("needs no API key, and a stale key header does not get in the way", async () => {
		const email = freshEmail();
		const response = await call("/v1/auth/email/start", {
			body: { email },
			headers: { authorization: "Bearer unified-not-a-real-key" },
		});
		expect(response.status).toBe(200);
	});

	it("answers 404 for an unknown mailbox", async () => {
		await expectProblem(
			await call(`/v1/dev/mailbox?email=${encodeURIComponent(freshEmail())}`),
			404,
			"NOT_FOUND",
		);
	});

	it("is described in the OpenAPI document", async () => {
		const doc = await json<{ paths: Record<string, Record<string, { operationId: string }>> }>(
			await call("/openapi.json"),
		);
		expect(doc.paths["/v1/auth/email/start"]?.post?.operationId).toBe("startEmailSignIn");
		expect(doc.paths["/v1/auth/email/verify"]?.post?.operationId).toBe("verifyEmailSignIn");
	});
});

describe("email sign-in outside development", () => {
	const production = { ...env, ENVIRONMENT: "production" } as GatewayEnv;

	it("has no dev mailbox: 404, and codes are never stored in plaintext", async () => {
		const email = freshEmail();
		const sender = new CapturingSender();
		const started = await startEmailSignIn(production, email, null, { sender });
		expect(started).not.toHaveProperty("dev_mailbox");
		expect(sender.sent).toEqual([
			expect.objectContaining({ to: email, code: expect.stringMatching(/^\d{6}$/) }),
		]);
		expect(await env.DB.prepare("SELECT * FROM dev_mailbox WHERE email = ?").bind(email).first()).toBeNull();
		const error = await failure(readDevMailbox(production, email));
		expect(error.code).toBe("NOT_FOUND");
		// The code that was "emailed" signs in.
		const identity = await verifyEmailSignIn(production, email, sender.sent[0]?.code);
		expect(identity.email).toBe(email);
	});

	it("refuses to start without a configured sender, and the failed send does not count", async () => {
		const email = freshEmail();
		const error = await failure(startEmailSignIn(production, email, null));
		expect(error.code).toBe("INTERNAL");
		expect(error.detail).toMatch(/API key/);
		const rows = await env.DB.prepare("SELECT count(*) AS n FROM email_codes WHERE email = ?")
			.bind(email)
			.first();
		expect(rows?.n).toBe(0);
	});

	it("posts a Resend-shaped message with the bearer key, and hides provider failures", async () => {
		const requests: Request[] = [];
		const ok = new HttpEmailSender(
			{ url: "https://mail.example/emails", apiKey: "re_test_key", from: "Penumbra <login@penumbra.dev>" },
			async (input, init) => {
				requests.push(new Request(input, init));
				return new Response("{}", { status: 200 });
			},
		);
		await ok.send({ to: "ada@example.com", subject: "Your code", text: "123456", code: "123456" });
		expect(requests).toHaveLength(1);
		const request = requests[0] as Request;
		expect(request.method).toBe("POST");
		expect(request.headers.get("authorization")).toBe("Bearer re_test_key");
		expect(await request.json()).toEqual({
			from: "Penumbra <login@penumbra.dev>",
			to: ["ada@example.com"],
			subject: "Your code",
			text: "123456",
		});

		const failing = new HttpEmailSender(
			{ url: "https://mail.example/emails", apiKey: "re_test_key", from: "login@penumbra.dev" },
			async () => new Response('{"message":"invalid key re_test_key"}', { status: 401 }),
		);
		const error = await failure(
			failing.send({ to: "a@example.com", subject: "s", text: "t", code: "000000" }),
		);
		expect(error.code).toBe("UPSTREAM_ERROR");
		expect(error.detail).not.toContain("re_test_key");
	});
});

describe("email sign-in over RPC", () => {
	it("returns results, not exceptions, and the same identity as REST", async () => {
		const rpc = exports.GatewayRpc;
		const email = freshEmail();
		const started = await rpc.startEmailSignIn(email, "198.51.100.9");
		expect(started).toMatchObject({
			ok: true,
			sent: true,
			dev_mailbox: expect.stringMatching(/^\/v1\/dev\/mailbox/),
		});
		const again = await rpc.startEmailSignIn(email);
		expect(again).toMatchObject({
			ok: false,
			code: "RATE_LIMITED",
			extras: { retry_after_seconds: expect.any(Number) },
		});

		const bad = await rpc.verifyEmailSignIn(email, "000");
		expect(bad).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
		expect(bad.ok === false && failureStatus(bad)).toBe(400);
		const code = await mailboxCode(email);
		const miss = await rpc.verifyEmailSignIn(email, wrong(code));
		expect(miss).toMatchObject({
			ok: false,
			code: "AUTH_REQUIRED",
			extras: { attempts_left: MAX_ATTEMPTS - 1 },
		});
		const identity = await rpc.verifyEmailSignIn(email, code);
		expect(identity).toEqual({
			ok: true,
			credential_id: expect.stringMatching(/^cred_/),
			level: "authenticated",
			email,
		});
	});
});
