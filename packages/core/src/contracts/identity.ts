import { z } from "zod";
import { AccountSummarySchema } from "./money.ts";

export const CREDENTIAL_LEVELS = ["identified", "authenticated"] as const;
export const CredentialLevelSchema = z.enum(CREDENTIAL_LEVELS);
export type CredentialLevel = z.infer<typeof CredentialLevelSchema>;

export const AUTH_LEVELS = ["anonymous", ...CREDENTIAL_LEVELS] as const;
export const AuthLevelSchema = z.enum(AUTH_LEVELS);

/**
 * Who decides on an account (docs/auth.md): the **owner** (the person signed in by email code, the operator, or an
 * owner key they made on purpose) confirms quotes, changes controls, unfreezes and manages keys; an **agent** (API
 * keys by default, OAuth grants to MCP clients, a chat turn) browses, executes, buys within the controls and may
 * freeze.
 */
export const AUTHORITIES = ["owner", "agent"] as const;
export const AuthoritySchema = z.enum(AUTHORITIES);
export type Authority = z.infer<typeof AuthoritySchema>;

/** Who an MCP or chat session acts for, as the gateway knows them. */
export const IdentitySchema = z.object({
	credential_id: z.string(),
	level: CredentialLevelSchema,
	email: z.string().nullable(),
});
export type Identity = z.infer<typeof IdentitySchema>;

/** A presented API key's identity: its credential, and which key it is and what it may decide. */
export const KeyIdentitySchema = IdentitySchema.extend({ key_id: z.string(), authority: AuthoritySchema });
export type KeyIdentity = z.infer<typeof KeyIdentitySchema>;

/** `GET /v1/account`: the caller's identity, what it may decide, and its account. */
export const AccountViewSchema = IdentitySchema.extend({
	authority: AuthoritySchema.describe(
		"owner: may confirm, change controls, manage keys; agent: acts within them.",
	),
	...AccountSummarySchema.shape,
});
export type AccountView = z.infer<typeof AccountViewSchema>;

/** One of an account's API keys as listed to its owner; never the key itself. */
export const ApiKeySchema = z.object({
	id: z.string(),
	name: z.string(),
	authority: AuthoritySchema.describe("agent keys act within the controls; owner keys may also decide."),
	key_prefix: z.string().describe("The key's first characters, safe to display."),
	created_at: z.string(),
	revoked_at: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** A key just made: the only answer that carries the key. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
