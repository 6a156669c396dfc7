import { z } from "zod";

/** A key's id as the gateway makes them (`newId("key_")`). */
export const KeyIdSchema = z.string().regex(/^key_[A-Za-z0-9]{1,64}$/);

/**
 * Who an MCP request acts for: the grant's props (OAuth) or the identity of a presented API key. Never the key
 * itself: calls reach the gateway by credential id over the service binding. Every MCP session is an agent of the
 * account (docs/auth.md), whatever made it: the gateway is never told otherwise.
 */
export const SessionPropsSchema = z.object({
	credential_id: z.string().regex(/^cred_[A-Za-z0-9]{1,64}$/),
	level: z.enum(["identified", "authenticated"]),
	email: z.string().nullable(),
	/** oauth: a grant; key: a unified API key; session: one of our Workers acting for its signed-in user (chat). */
	via: z.enum(["oauth", "key", "session"]),
	/**
	 * The API key the session was made with (a Bearer key, or the key pasted on the consent page): the gateway refuses
	 * every call once it is revoked, so revoking the key ends the session and the grant.
	 */
	key_id: KeyIdSchema.optional(),
});

export type SessionProps = z.infer<typeof SessionPropsSchema>;

/** The props of a session made with a presented key (an identity from `GATEWAY.identify`). */
export function keyProps(
	identity: { credential_id: string; level: SessionProps["level"]; email: string | null; key_id: string },
	via: "key" | "oauth",
): SessionProps {
	return {
		credential_id: identity.credential_id,
		level: identity.level,
		email: identity.email,
		via,
		key_id: identity.key_id,
	};
}
