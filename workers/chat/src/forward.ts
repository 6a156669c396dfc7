import { type Failure, failureError, type GatewayAnswer, type GatewayCall } from "@penumbra/core/contracts";
import type { PenumbraError } from "@penumbra/core/errors";
import { nextTraceparent } from "@penumbra/core/trace";
import type { Context } from "hono";
import type { Caller, ChatApp } from "./auth.ts";

/** A failure that crossed the gateway binding, raised again here (pointers re-rooted at the request body). */
export function fromGateway(failure: Failure): PenumbraError {
	const errors = failure.extras?.errors;
	if (!Array.isArray(errors)) return failureError(failure);
	const reRooted = errors.map((e) =>
		typeof e === "object" && e !== null
			? { ...e, pointer: `/body${typeof e.pointer === "string" ? e.pointer : ""}` }
			: e,
	);
	return failureError({ ...failure, extras: { ...failure.extras, errors: reRooted } });
}

/** The gateway's answer as this Worker's: status and body as they are (problem+json stays problem+json). */
function gatewayResponse(answer: GatewayAnswer): Response {
	if (answer.status === 204) return new Response(null, { status: 204 });
	const problem = answer.status >= 400;
	const headers = new Headers({ "content-type": problem ? "application/problem+json" : "application/json" });
	if (answer.status === 429) {
		try {
			const body: unknown = JSON.parse(answer.body);
			const retryAfter =
				typeof body === "object" && body !== null && "retry_after_seconds" in body
					? body.retry_after_seconds
					: undefined;
			if (typeof retryAfter === "number") headers.set("retry-after", String(Math.ceil(retryAfter)));
		} catch {}
	}
	if (answer.status === 401) headers.set("www-authenticate", 'Bearer realm="penumbra"');
	return new Response(answer.body, { status: answer.status, headers });
}

/**
 * The request's tracing fields for a gateway call: this Worker, the request's id, a new span of its trace, and the
 * client's address for per-address limits.
 */
export function callContext(
	c: Context<ChatApp>,
): Pick<GatewayCall, "request_id" | "traceparent" | "client_ip" | "via"> {
	const clientIp = c.req.header("cf-connecting-ip");
	return {
		// The gateway's request point names this Worker as the caller (docs/operating.md).
		via: "chat",
		request_id: c.get("requestId"),
		traceparent: nextTraceparent(c.get("trace")),
		...(clientIp ? { client_ip: clientIp } : {}),
	};
}

/**
 * What the caller may decide, as the gateway is told it: the owner only for the site's email-signed-in session or an
 * owner key; a key's id so the call is refused once that key is revoked. Nothing here ever raises an agent to owner.
 */
export function authorityOf(caller: Caller): Pick<GatewayCall, "authority" | "key_id"> {
	return { authority: caller.authority, ...(caller.key_id === undefined ? {} : { key_id: caller.key_id }) };
}

/** One gateway REST call as `caller` (null: anonymous), answered as the gateway answered it. */
export async function forward(
	c: Context<ChatApp>,
	caller: Caller | null,
	call: Pick<GatewayCall, "method" | "path" | "body" | "idempotency_key">,
): Promise<Response> {
	const answer = await c.env.GATEWAY.call(caller?.credential_id ?? null, {
		...call,
		...callContext(c),
		...(caller ? authorityOf(caller) : {}),
	});
	return gatewayResponse(answer);
}

/** The request's own query string, for routes that take the gateway route's query parameters as they are. */
export function queryOf(c: Context<ChatApp>): string {
	return new URL(c.req.url).search;
}
