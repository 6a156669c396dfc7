import { type Failure, fail, type GatewayAnswer, ProblemSchema, type Result } from "@penumbra/core/contracts";
import { nextTraceparent, type RequestTrace, startTrace } from "@penumbra/core/trace";
import type { z } from "zod";
import type { LiveCheck } from "./auth/live.ts";
import type { SessionProps } from "./auth/props.ts";

/** The Worker a call came through: the chat Worker's turns reach this server as `session` props (McpInternal). */
export function workerOf(session: SessionProps | null): "chat" | "mcp" {
	return session?.via === "session" ? "chat" : "mcp";
}

/** A gateway answer parsed with its route's contract; a failure is the problem the gateway rendered. */
export type GatewayResult<T> = Result<{ data: T }>;

/** The problem document of a failed answer as a {@link Failure}; anything unreadable is INTERNAL. */
function failureOf(status: number, body: unknown): Failure {
	const problem = ProblemSchema.safeParse(body);
	if (!problem.success) return fail("INTERNAL", `The gateway answered ${status}.`);
	const {
		type: _type,
		title: _title,
		status: rendered,
		detail,
		code,
		instance: _instance,
		...extras
	} = problem.data;
	return fail(code, detail, JSON.parse(JSON.stringify(extras)), rendered);
}

/**
 * A gateway answer read with the contract of the route that gave it. `documentOn` lists error statuses whose body is
 * still the route's document (health answers 503 with its report when something is down).
 */
export function readAnswer<S extends z.ZodType>(
	schema: S,
	answer: GatewayAnswer,
	what: string,
	documentOn: readonly number[] = [],
): GatewayResult<z.output<S>> {
	let body: unknown;
	try {
		body = JSON.parse(answer.body);
	} catch {
		body = undefined;
	}
	if (documentOn.includes(answer.status)) {
		const document = schema.safeParse(body);
		if (document.success) return { ok: true, data: document.data };
	}
	if (answer.status < 200 || answer.status >= 300) return failureOf(answer.status, body);
	const parsed = schema.safeParse(body);
	if (!parsed.success)
		return fail("INTERNAL", `The gateway's answer to ${what} was not in the expected shape.`);
	return { ok: true, data: parsed.data };
}

/**
 * The gateway as one MCP request sees it: every call goes over the service binding as the request's caller (by
 * credential id, never by key), so the gateway applies the same auth levels, validation, limits and money rules as
 * to any HTTP client. The caller is always an agent (docs/auth.md): it may buy within the controls, never confirm;
 * a session made with a key names it, so the gateway refuses the call once that key is revoked. Every answer is
 * parsed with the contract of the route it came from.
 */
export class Gateway {
	readonly #env: McpEnv;
	readonly #session: SessionProps | null;
	readonly #clientIp: string | undefined;
	readonly #origin: RequestTrace;
	readonly #live: LiveCheck | undefined;

	/** `live`: the request's check when its caller still has to be confirmed live (`auth/live.ts`). */
	constructor(
		env: McpEnv,
		session: SessionProps | null,
		clientIp?: string,
		origin?: RequestTrace,
		live?: LiveCheck,
	) {
		this.#env = env;
		this.#session = session;
		this.#clientIp = clientIp;
		this.#origin = origin ?? { request_id: crypto.randomUUID(), trace: startTrace() };
		this.#live = live;
	}

	get session(): SessionProps | null {
		return this.#session;
	}

	async #call<S extends z.ZodType>(
		schema: S,
		method: "GET" | "POST",
		path: string,
		payload?: unknown,
		documentOn?: readonly number[],
	): Promise<GatewayResult<z.output<S>>> {
		const session = this.#session;
		const answer = await this.#env.GATEWAY.call(session?.credential_id ?? null, {
			method,
			path,
			authority: "agent",
			// The gateway's request point names the Worker the call came through (docs/operating.md).
			via: workerOf(session),
			// The request's id, and a new span of its trace per call: the gateway and the merchant log both.
			request_id: this.#origin.request_id,
			traceparent: nextTraceparent(this.#origin.trace),
			...(session?.key_id ? { key_id: session.key_id } : {}),
			...(payload !== undefined ? { body: payload } : {}),
			...(this.#clientIp ? { client_ip: this.#clientIp } : {}),
		});
		// The gateway checked the session's credential and key with the Account DO: the request need not ask again.
		if (answer.live && session?.key_id) this.#live?.confirm();
		return readAnswer(schema, answer, `${method} ${path.split("?")[0]}`, documentOn);
	}

	/** `documentOn`: error statuses whose body is still the route's document (see {@link readAnswer}). */
	get<S extends z.ZodType>(
		schema: S,
		path: string,
		documentOn?: readonly number[],
	): Promise<GatewayResult<z.output<S>>> {
		return this.#call(schema, "GET", path, undefined, documentOn);
	}

	post<S extends z.ZodType>(
		schema: S,
		path: string,
		body: unknown = {},
	): Promise<GatewayResult<z.output<S>>> {
		return this.#call(schema, "POST", path, body);
	}
}
