import { z } from "zod";
import { isTraceparent } from "../trace.ts";
import type { Authority } from "./identity.ts";

/** A W3C `traceparent` (version 00, ids not all zero); anything else is dropped and the gateway starts a trace. */
export const TraceparentSchema = z.string().max(64).refine(isTraceparent, "a W3C traceparent, version 00");

/** One call of the gateway's REST API, made by another Worker on a caller's behalf (`GatewayRpc.call`). */
export interface GatewayCall {
	method: "GET" | "POST" | "PUT" | "DELETE";
	/** Path and query, e.g. `/v1/services?category=food`. Admin routes are not reachable this way. */
	path: string;
	body?: unknown;
	/** The end user's address, so anonymous callers share the gateway's per-IP limit. */
	client_ip?: string;
	request_id?: string;
	/** The caller's hop of the call's trace (`traceparent`, parsed with {@link TraceparentSchema}), so the logs follow it. */
	traceparent?: string;
	/**
	 * "owner" only for a person signed in by email code on one of our pages, or an owner key; anything else acts as an
	 * agent (the default, so a forgotten field never grants more).
	 */
	authority?: Authority;
	/** The API key the session was made with: once it is revoked, the call is refused. */
	key_id?: string;
	/** Sent as the `Idempotency-Key` header (e.g. starting a top-up: the same key answers with the same one). */
	idempotency_key?: string;
	/** The Worker making the call for its user: the caller its metric point names (otherwise the authority). */
	via?: "mcp" | "chat";
}

/** The gateway's answer to a {@link GatewayCall}: status and text as an HTTP client would see them. */
export interface GatewayAnswer {
	status: number;
	/** JSON, or problem+json for a failure: the caller parses it with the route's contract. */
	body: string;
	request_id: string | null;
	/**
	 * The Account DO confirmed during this call that the credential, and the call's `key_id`, are live (a route that
	 * asks: every route with a credential that got that far). Absent: not confirmed, whatever the status.
	 */
	live?: true;
}

/** A sign-in code was sent (`GatewayRpc.startEmailSignIn`). */
export const EmailSignInStartedSchema = z.object({
	sent: z.literal(true),
	expires_at: z.string().describe("ISO 8601"),
	dev_mailbox: z
		.string()
		.optional()
		.describe("Development only: where the code can be read, relative to the gateway's origin."),
});
export type EmailSignInStarted = z.infer<typeof EmailSignInStartedSchema>;
