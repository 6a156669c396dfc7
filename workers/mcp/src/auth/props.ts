import { getMcpAuthContext } from "agents/mcp/server";
import { z } from "zod";

/**
 * Who an MCP request acts for: the grant's props (OAuth) or the identity of a presented API key. Never the key
 * itself: calls reach the gateway by credential id over the service binding.
 */
export const SessionPropsSchema = z.object({
	credential_id: z.string().regex(/^cred_[A-Za-z0-9]{1,64}$/),
	level: z.enum(["identified", "authenticated"]),
	email: z.string().nullable(),
	/** oauth: a grant; key: a unified API key; session: one of our Workers acting for its signed-in user (chat). */
	via: z.enum(["oauth", "key", "session"]),
});

export type SessionProps = z.infer<typeof SessionPropsSchema>;

/** The current request's caller, or null when it is anonymous. */
export function currentSession(): SessionProps | null {
	const parsed = SessionPropsSchema.safeParse(getMcpAuthContext()?.props);
	return parsed.success ? parsed.data : null;
}
