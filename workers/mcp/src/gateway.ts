import { PenumbraError, type Problem, toProblem } from "@penumbra/core/errors";
import type { SessionProps } from "./auth/props.ts";

export type GatewayResult<T> = { ok: true; data: T } | { ok: false; problem: Problem };

function isProblem(body: unknown): body is Problem {
	return typeof body === "object" && body !== null && "code" in body && "status" in body;
}

/**
 * The gateway as one MCP request sees it: every call goes over the service binding as the request's caller (by
 * credential id, never by key), so the gateway applies the same auth levels, validation, limits and money rules as
 * to any HTTP client.
 */
export class Gateway {
	readonly #env: McpEnv;
	readonly #session: SessionProps | null;
	readonly #clientIp: string | undefined;

	constructor(env: McpEnv, session: SessionProps | null, clientIp?: string) {
		this.#env = env;
		this.#session = session;
		this.#clientIp = clientIp;
	}

	get session(): SessionProps | null {
		return this.#session;
	}

	async #call<T>(method: "GET" | "POST", path: string, payload?: unknown): Promise<GatewayResult<T>> {
		const answer = await this.#env.GATEWAY.call(this.#session?.credential_id ?? null, {
			method,
			path,
			...(payload !== undefined ? { body: payload } : {}),
			...(this.#clientIp ? { client_ip: this.#clientIp } : {}),
		});
		let body: unknown;
		try {
			body = JSON.parse(answer.body);
		} catch {
			body = undefined;
		}
		if (answer.status >= 200 && answer.status < 300 && body !== undefined)
			return { ok: true, data: body as T };
		if (isProblem(body)) return { ok: false, problem: body };
		return {
			ok: false,
			problem: toProblem(new PenumbraError("INTERNAL", { detail: `The gateway answered ${answer.status}.` })),
		};
	}

	get<T>(path: string): Promise<GatewayResult<T>> {
		return this.#call<T>("GET", path);
	}

	post<T>(path: string, body: unknown = {}): Promise<GatewayResult<T>> {
		return this.#call<T>("POST", path, body);
	}
}
