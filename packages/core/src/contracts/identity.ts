import { z } from "zod";
import { AccountSummarySchema } from "./money.ts";

export const CREDENTIAL_LEVELS = ["identified", "authenticated"] as const;
export const CredentialLevelSchema = z.enum(CREDENTIAL_LEVELS);
export type CredentialLevel = z.infer<typeof CredentialLevelSchema>;

export const AUTH_LEVELS = ["anonymous", ...CREDENTIAL_LEVELS] as const;
export const AuthLevelSchema = z.enum(AUTH_LEVELS);

/** Who an MCP or chat session acts for, as the gateway knows them. */
export const IdentitySchema = z.object({
	credential_id: z.string(),
	level: CredentialLevelSchema,
	email: z.string().nullable(),
});
export type Identity = z.infer<typeof IdentitySchema>;

/** `GET /v1/account`: the caller's identity and its account. */
export const AccountViewSchema = IdentitySchema.extend(AccountSummarySchema.shape);
export type AccountView = z.infer<typeof AccountViewSchema>;

/** One of an account's API keys as listed to its owner; never the key itself. */
export const ApiKeySchema = z.object({
	id: z.string(),
	name: z.string(),
	key_prefix: z.string().describe("The key's first characters, safe to display."),
	created_at: z.string(),
	revoked_at: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** A key just made: the only answer that carries the key. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
