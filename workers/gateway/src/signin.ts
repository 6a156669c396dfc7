import { z } from "@hono/zod-openapi";
import type { EmailSignInStarted, Identity } from "@penumbra/core/contracts";
import { devMailbox, emailCodes, users } from "@penumbra/core/db";
import { PenumbraError } from "@penumbra/core/errors";
import { newId, sha256Hex, timingSafeEqual } from "@penumbra/core/keys";
import { log } from "@penumbra/core/log";
import { desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { CredentialStore } from "./credentials.ts";
import { validationError } from "./errors.ts";
import { revokeCredential } from "./liveness.ts";

/** How long a code can be used. */
export const CODE_TTL_MS = 10 * 60_000;
/** Guesses per code; then the code is dead and a new one must be sent. */
export const MAX_ATTEMPTS = 5;
/** Codes sent to one address per rolling hour. With MAX_ATTEMPTS that bounds guessing to 25 per hour. */
export const SENDS_PER_HOUR = 5;
/** Minimum wait between two sends to one address (a double click must not burn the hourly budget). */
export const RESEND_COOLDOWN_MS = 30_000;
const HOUR_MS = 3_600_000;

/** An email address as sign-in stores it: trimmed and lowercased, so one mailbox is one user. */
export const SignInEmailSchema = z
	.string()
	.max(320)
	.trim()
	.toLowerCase()
	.pipe(z.email("Enter a valid email address.").max(254))
	.openapi({ example: "ada@example.com" });

/** Six digits; spaces (as people copy them from a mail) are ignored. */
export const SignInCodeSchema = z
	.string()
	.max(32)
	.transform((s) => s.replace(/\s+/g, ""))
	.pipe(z.string().regex(/^\d{6}$/, "The code is six digits."))
	.openapi({ example: "123456" });

export interface SignInMessage {
	to: string;
	subject: string;
	text: string;
	code: string;
}

/** Delivers sign-in codes. Pluggable so production can use any provider and tests can capture messages. */
export interface EmailSender {
	send(message: SignInMessage): Promise<void>;
}

/** Local runs: keeps the last message per address in D1 and prints the code to the log; nothing leaves the machine. */
export class DevMailboxSender implements EmailSender {
	readonly #db;
	readonly #print: boolean;

	/** `print: false` keeps the code out of the log (LOG_LEVEL above info, as in tests); the mailbox still has it. */
	constructor(d1: D1Database, options: { print: boolean }) {
		this.#db = drizzle(d1);
		this.#print = options.print;
	}

	async send(message: SignInMessage): Promise<void> {
		const row = { subject: message.subject, text: message.text, code: message.code, createdAt: Date.now() };
		await this.#db
			.insert(devMailbox)
			.values({ email: message.to, ...row })
			.onConflictDoUpdate({ target: devMailbox.email, set: row });
		if (this.#print) console.log(`dev mailbox: sign-in code for ${message.to}: ${message.code}`);
	}
}

export interface HttpEmailConfig {
	url: string;
	apiKey: string;
	from: string;
}

/** Production: a Resend-compatible `POST {from, to, subject, text}` with a bearer key (EMAIL_API_* secrets). */
export class HttpEmailSender implements EmailSender {
	readonly #config: HttpEmailConfig;
	readonly #fetch: typeof fetch;

	// Called as a method of this object, workerd's own fetch throws "Illegal invocation": bind it to the global.
	constructor(config: HttpEmailConfig, fetcher: typeof fetch = fetch.bind(globalThis)) {
		this.#config = config;
		this.#fetch = fetcher;
	}

	async send(message: SignInMessage): Promise<void> {
		let status: number;
		try {
			const response = await this.#fetch(this.#config.url, {
				method: "POST",
				headers: { authorization: `Bearer ${this.#config.apiKey}`, "content-type": "application/json" },
				body: JSON.stringify({
					from: this.#config.from,
					to: [message.to],
					subject: message.subject,
					text: message.text,
				}),
				signal: AbortSignal.timeout(10_000),
			});
			status = response.status;
			await response.body?.cancel();
		} catch (error) {
			throw new PenumbraError("UPSTREAM_ERROR", {
				detail: "The sign-in email could not be sent. Try again in a minute.",
				internal: "email sender: request failed",
				cause: error,
			});
		}
		if (status < 200 || status >= 300) {
			throw new PenumbraError("UPSTREAM_ERROR", {
				detail: "The sign-in email could not be sent. Try again in a minute.",
				internal: `email sender: provider answered ${status}`,
			});
		}
	}
}

function isDevelopment(env: GatewayEnv): boolean {
	return env.ENVIRONMENT === "development";
}

/**
 * The sender for this deployment: in development the dev mailbox (and, if configured, the real provider as well,
 * to try it locally); elsewhere the HTTP provider, which must be configured.
 */
export function senderFor(env: GatewayEnv): EmailSender {
	const http =
		env.EMAIL_API_URL && env.EMAIL_API_KEY && env.EMAIL_FROM
			? new HttpEmailSender({ url: env.EMAIL_API_URL, apiKey: env.EMAIL_API_KEY, from: env.EMAIL_FROM })
			: null;
	if (isDevelopment(env)) {
		const dev = new DevMailboxSender(env.DB, {
			print: env.LOG_LEVEL !== "warn" && env.LOG_LEVEL !== "error",
		});
		if (!http) return dev;
		return {
			async send(message) {
				await dev.send(message);
				await http.send(message);
			},
		};
	}
	if (http) return http;
	return {
		send() {
			throw new PenumbraError("INTERNAL", {
				detail: "Email sign-in is not available right now. Sign in with an API key instead.",
				internal: "email sign-in: set EMAIL_API_URL, EMAIL_API_KEY and EMAIL_FROM",
			});
		},
	};
}

function parse<T>(schema: z.ZodType<T>, value: unknown, pointer: string): T {
	const result = schema.safeParse(value);
	if (!result.success) throw validationError(result.error, pointer);
	return result.data;
}

/** Six uniformly random digits from the platform CSPRNG. */
function randomCode(): string {
	const limit = 4_294_000_000; // the largest multiple of 10^6 below 2^32: no modulo bias
	for (;;) {
		const [n = limit] = crypto.getRandomValues(new Uint32Array(1));
		if (n < limit) return String(n % 1_000_000).padStart(6, "0");
	}
}

/** Salted with the row id, so equal codes never share a hash. */
async function hashCode(id: string, email: string, code: string): Promise<string> {
	return sha256Hex(`${id}:${email}:${code}`);
}

function rateLimited(detail: string, retryAfterMs: number): PenumbraError {
	return new PenumbraError("RATE_LIMITED", {
		detail,
		extras: { retry_after_seconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
	});
}

/**
 * Sends a one-time sign-in code to `email`. Per address: at most SENDS_PER_HOUR codes per hour and one per
 * RESEND_COOLDOWN_MS; per client address the anonymous limiter applies. A new code replaces the previous one.
 */
export async function startEmailSignIn(
	env: GatewayEnv,
	rawEmail: unknown,
	clientIp: string | null,
	options: { sender?: EmailSender } = {},
): Promise<EmailSignInStarted> {
	const email = parse(SignInEmailSchema, rawEmail, "/email");
	if (clientIp) {
		const { success } = await env.ANON_LIMITER.limit({ key: `signin:${clientIp}` });
		if (!success) throw rateLimited("Too many sign-in requests from this address. Wait a minute.", 60_000);
	}
	const now = Date.now();
	// Rows older than the rate-limit window have no use left.
	await env.DB.prepare("DELETE FROM email_codes WHERE created_at <= ?")
		.bind(now - HOUR_MS)
		.run();

	const id = newId("ec_");
	const code = randomCode();
	const expiresAt = now + CODE_TTL_MS;
	// One statement, so two concurrent sends cannot both slip under the limits.
	const inserted = await env.DB.prepare(
		`INSERT INTO email_codes (id, email, code_hash, attempts, created_at, expires_at)
		 SELECT ?1, ?2, ?3, 0, ?4, ?5
		 WHERE (SELECT count(*) FROM email_codes WHERE email = ?2 AND created_at > ?4 - ?6) < ?7
		   AND NOT EXISTS (SELECT 1 FROM email_codes WHERE email = ?2 AND created_at > ?4 - ?8)`,
	)
		.bind(
			id,
			email,
			await hashCode(id, email, code),
			now,
			expiresAt,
			HOUR_MS,
			SENDS_PER_HOUR,
			RESEND_COOLDOWN_MS,
		)
		.run();
	if (inserted.meta.changes === 0) {
		const { results } = await env.DB.prepare(
			"SELECT created_at FROM email_codes WHERE email = ? AND created_at > ? ORDER BY created_at",
		)
			.bind(email, now - HOUR_MS)
			.all<{ created_at: number }>();
		const newest = results.at(-1)?.created_at ?? now;
		if (newest > now - RESEND_COOLDOWN_MS) {
			const wait = newest + RESEND_COOLDOWN_MS - now;
			throw rateLimited(
				`A code was just sent to this address. Wait ${Math.ceil(wait / 1000)} s before asking for another.`,
				wait,
			);
		}
		const oldest = results[0]?.created_at ?? now;
		throw rateLimited(
			`Too many codes were sent to this address in the last hour. Try again later, or sign in with an API key.`,
			oldest + HOUR_MS - now,
		);
	}

	const sender = options.sender ?? senderFor(env);
	try {
		await sender.send({
			to: email,
			subject: `Your Penumbra sign-in code: ${code}`,
			text: `Your Penumbra sign-in code is ${code}.\n\nIt works once, for 10 minutes. If you did not ask for it, ignore this message.\n`,
			code,
		});
	} catch (error) {
		// Nothing was delivered: do not count it against the address.
		await env.DB.prepare("DELETE FROM email_codes WHERE id = ?").bind(id).run();
		if (error instanceof PenumbraError) throw error;
		throw new PenumbraError("UPSTREAM_ERROR", {
			detail: "The sign-in email could not be sent. Try again in a minute.",
			internal: "email sender failed",
			cause: error,
		});
	}
	return {
		sent: true,
		expires_at: new Date(expiresAt).toISOString(),
		...(isDevelopment(env) ? { dev_mailbox: `/v1/dev/mailbox?email=${encodeURIComponent(email)}` } : {}),
	};
}

function wrongCode(
	detail: string,
	attemptsLeft: number,
	extras: Record<string, unknown> = {},
): PenumbraError {
	return new PenumbraError("AUTH_REQUIRED", { detail, extras: { attempts_left: attemptsLeft, ...extras } });
}

/**
 * Checks a code sent by startEmailSignIn. The first success for an address creates its user and credential (level
 * authenticated; the key is discarded), later ones return the same credential.
 */
export async function verifyEmailSignIn(
	env: GatewayEnv,
	rawEmail: unknown,
	rawCode: unknown,
): Promise<Identity> {
	const email = parse(SignInEmailSchema, rawEmail, "/email");
	const code = parse(SignInCodeSchema, rawCode, "/code");
	const db = drizzle(env.DB);
	const now = Date.now();
	const [row] = await db
		.select()
		.from(emailCodes)
		.where(eq(emailCodes.email, email))
		.orderBy(desc(emailCodes.createdAt))
		.limit(1);
	if (!row || row.consumedAt !== null) {
		throw wrongCode("No sign-in code is pending for this address. Ask for a new code.", 0);
	}
	if (row.expiresAt <= now) {
		throw wrongCode("This code has expired. Ask for a new one.", 0, { expired: true });
	}
	// Count the attempt before comparing, atomically, so parallel guesses cannot exceed the limit.
	const counted = await env.DB.prepare(
		"UPDATE email_codes SET attempts = attempts + 1 WHERE id = ? AND attempts < ? AND consumed_at IS NULL RETURNING attempts",
	)
		.bind(row.id, MAX_ATTEMPTS)
		.first<{ attempts: number }>();
	if (!counted) {
		throw wrongCode("Too many wrong codes. Ask for a new code.", 0, { locked: true });
	}
	if (!timingSafeEqual(await hashCode(row.id, email, code), row.codeHash)) {
		const left = MAX_ATTEMPTS - counted.attempts;
		throw left > 0
			? wrongCode(`That code is not right. ${left} attempt${left === 1 ? "" : "s"} left.`, left)
			: wrongCode("That code is not right, and it was the last attempt. Ask for a new code.", 0, {
					locked: true,
				});
	}
	const consumed = await env.DB.prepare(
		"UPDATE email_codes SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL RETURNING id",
	)
		.bind(now, row.id)
		.first();
	if (!consumed) throw wrongCode("This code was already used. Ask for a new code.", 0);
	return signInUser(env, email, now);
}

/** The address's user, created with its credential on first sign-in. */
async function signInUser(env: GatewayEnv, email: string, now: number): Promise<Identity> {
	const db = drizzle(env.DB);
	const store = new CredentialStore(env.DB);
	const [existing] = await db.select().from(users).where(eq(users.email, email));
	if (existing) {
		const credential = await store.live(existing.credentialId).catch((error: unknown) => {
			if (error instanceof PenumbraError && error.code === "AUTH_REQUIRED") {
				throw new PenumbraError("FORBIDDEN", {
					detail: "This account has been disabled. Contact support.",
					internal: `user ${existing.id}: credential ${existing.credentialId} is revoked`,
				});
			}
			throw error;
		});
		await db.update(users).set({ lastSignInAt: now }).where(eq(users.id, existing.id));
		return { credential_id: credential.id, level: credential.level, email };
	}
	// Its first key is never shown: the person makes the keys they want on the site.
	const credential = await store.create({ email, level: "authenticated", listed: false });
	const [created] = await db
		.insert(users)
		.values({ id: newId("usr_"), email, credentialId: credential.id, createdAt: now, lastSignInAt: now })
		.onConflictDoNothing({ target: users.email })
		.returning();
	if (!created) {
		// A concurrent first sign-in won: drop our credential and use theirs.
		await revokeCredential(env, credential.id);
		log("info", "email sign-in: concurrent first sign-in", { credential_id: credential.id });
		return signInUser(env, email, now);
	}
	return { credential_id: credential.id, level: credential.level, email };
}

/** The last sign-in message sent to `email` in development; NOT_FOUND anywhere else, so production reveals nothing. */
export async function readDevMailbox(
	env: GatewayEnv,
	rawEmail: unknown,
): Promise<{ email: string; subject: string; text: string; code: string; sent_at: string }> {
	if (!isDevelopment(env)) {
		// The same answer as any unknown route, so production does not reveal the endpoint.
		throw new PenumbraError("NOT_FOUND", {
			detail: "No route for GET /v1/dev/mailbox. See /docs for the API.",
		});
	}
	const email = parse(SignInEmailSchema, rawEmail, "/email");
	const [row] = await drizzle(env.DB).select().from(devMailbox).where(eq(devMailbox.email, email));
	if (!row) throw new PenumbraError("NOT_FOUND", { detail: `No sign-in message was sent to ${email}.` });
	return {
		email: row.email,
		subject: row.subject,
		text: row.text,
		code: row.code,
		sent_at: new Date(row.createdAt).toISOString(),
	};
}
