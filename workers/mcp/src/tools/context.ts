import type { RequestTrace } from "@penumbra/core/trace";
import { z } from "zod";
import type { LiveCheck } from "../auth/live.ts";
import type { SessionProps } from "../auth/props.ts";
import type { HumanConfirm } from "../confirmation.ts";
import { Gateway } from "../gateway.ts";

/** Who is calling and from where; resolved per call, so one definition serves every transport. */
export interface CallContext {
	env: McpEnv;
	session: SessionProps | null;
	clientIp?: string | undefined;
	/** Asks the human (not the model) to confirm a purchase, when the client can be asked. */
	confirm?: HumanConfirm | undefined;
	/** This request's id and hop of its trace (incoming ones continued); none: each gateway use starts a trace. */
	origin?: RequestTrace | undefined;
	/** Set when the caller still has to be confirmed live: a gateway call's answer can confirm it. */
	live?: LiveCheck | undefined;
}

export function gatewayOf(call: CallContext): Gateway {
	return new Gateway(call.env, call.session, call.clientIp, call.origin, call.live);
}

export function dollars(cents: number): string {
	return `$${(cents / 100).toFixed(2)}`;
}

export const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false } as const;

export const ServiceId = z
	.string()
	.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a service id from search_services, e.g. fooddash")
	.describe("Service id from search_services, e.g. `fooddash`.");

export const ToolName = z
	.string()
	.regex(/^[A-Za-z0-9_.-]{1,64}$/, "a tool name from list_tools")
	.describe("Tool name from list_tools.");
