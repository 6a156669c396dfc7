import { toErrorMessage } from "@penumbra/core/errors";
import { z } from "zod";
import { type OptionValues, stringOption } from "./command.ts";
import { devVar, resolveUrl, STACK_FILE } from "./local-stack.ts";
import { err, usageError } from "./output.ts";

/** Talking to the gateway's admin API (`/v1/admin/*`) from CLI commands: where, with which token, and errors. */

/** Options every admin command takes. */
export const connectionOptions = {
	url: { type: "string" },
	"admin-token": { type: "string" },
	json: { type: "boolean" },
} as const;

export const CONNECTION_HELP = `  --url URL            gateway base URL (default: $PENUMBRA_GATEWAY_URL, $PENUMBRA_GATEWAY_PORT, the running
                       npm start (${STACK_FILE}), else http://127.0.0.1:8787; see \`penumbra stack\`)
  --admin-token TOKEN  admin token (default: $ADMIN_TOKEN, else ADMIN_TOKEN in ./.dev.vars)
  --json               print the gateway's JSON answer`;

export interface Connection {
	url: string;
	/** Where the URL came from (flag, variable, stack file, default), for the can't-reach message. */
	source: string;
	token: string;
}

/** The gateway URL and admin token from the options, the environment or ./.dev.vars. */
export async function connection(values: OptionValues): Promise<Connection> {
	const { url, source } = resolveUrl("gateway", { name: "--url", value: stringOption(values, "url") });
	const token = stringOption(values, "admin-token") ?? process.env.ADMIN_TOKEN ?? devVar("ADMIN_TOKEN");
	if (!token) {
		throw usageError(
			"no admin token: pass --admin-token, set ADMIN_TOKEN, or run from the folder whose .dev.vars has ADMIN_TOKEN",
		);
	}
	return { url, source, token };
}

const problemSchema = z.looseObject({
	code: z.string(),
	detail: z.string().optional(),
	title: z.string().optional(),
});

/** An admin API failure, already printed as `error CODE: detail`. */
class Reported extends Error {}

/** Sends one admin request; a failure (unreachable, or a problem document) is printed and thrown as Reported. */
async function send(
	conn: Connection,
	method: string,
	path: string,
	accept: string,
	body?: unknown,
): Promise<{ text: string; json: unknown }> {
	let response: Response;
	try {
		response = await fetch(`${conn.url}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${conn.token}`,
				accept,
				...(body !== undefined ? { "content-type": "application/json" } : {}),
			},
			...(body !== undefined ? { body: JSON.stringify(body) } : {}),
			signal: AbortSignal.timeout(60_000),
		});
	} catch (error) {
		const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
		err(
			`error: cannot reach the gateway at ${conn.url} (${toErrorMessage(error)}${cause}); is it running? (npm start; the URL is from ${conn.source}, see \`penumbra stack\`)`,
		);
		throw new Reported();
	}
	const text = await response.text();
	let json: unknown;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	if (!response.ok) {
		const problem = problemSchema.safeParse(json);
		if (problem.success) {
			err(
				`error ${problem.data.code}: ${problem.data.detail ?? problem.data.title ?? `HTTP ${response.status}`}`,
			);
		} else {
			err(`error HTTP ${response.status}: ${text.slice(0, 200) || response.statusText}`);
		}
		throw new Reported();
	}
	return { text, json };
}

/** An admin call answered with JSON, checked against `schema`; `raw` is the answer as sent, for `--json`. */
export async function call<T>(
	conn: Connection,
	method: string,
	path: string,
	schema: z.ZodType<T>,
	body?: unknown,
): Promise<{ data: T; raw: unknown }> {
	const { json } = await send(conn, method, path, "application/json", body);
	const parsed = schema.safeParse(json);
	if (!parsed.success) {
		err(`error: unexpected answer from ${method} ${path}: ${parsed.error.issues[0]?.message ?? "not JSON"}`);
		throw new Reported();
	}
	return { data: parsed.data, raw: json };
}

/** An admin GET whose answer is text (CSV). */
export async function callText(conn: Connection, path: string, accept: string): Promise<string> {
	return (await send(conn, "GET", path, accept)).text;
}

/** Runs admin calls, turning an already-printed failure into exit status 1; `action` may return its own status. */
export async function admin(action: () => Promise<unknown>): Promise<number> {
	try {
		const status = await action();
		return typeof status === "number" ? status : 0;
	} catch (error) {
		if (error instanceof Reported) return 1;
		throw error;
	}
}
