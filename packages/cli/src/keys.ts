import { readFile } from "node:fs/promises";
import { z } from "zod";
import { toErrorMessage } from "../../core/src/errors.ts";
import { type Command, flag, type OptionValues, stringOption } from "./command.ts";
import { err, out, table, usageError } from "./output.ts";

const DEFAULT_URL = "http://127.0.0.1:8787";
const LEVELS = ["identified", "authenticated"] as const;

const connectionOptions = {
	url: { type: "string" },
	"admin-token": { type: "string" },
	json: { type: "boolean" },
} as const;

const CONNECTION_HELP = `  --url URL            gateway base URL (default: $PENUMBRA_URL or ${DEFAULT_URL})
  --admin-token TOKEN  admin token (default: $ADMIN_TOKEN, else ADMIN_TOKEN in ./.dev.vars)
  --json               print the gateway's JSON answer`;

const nullableText = z.string().nullable().optional();

const createdSchema = z.looseObject({
	id: z.string(),
	key: z.string(),
	key_prefix: z.string(),
	email: nullableText,
	name: nullableText,
	level: z.string(),
	created_at: z.string(),
});

const listSchema = z.looseObject({
	credentials: z.array(
		z.looseObject({
			id: z.string(),
			key_prefix: z.string(),
			email: nullableText,
			name: nullableText,
			level: z.string(),
			created_at: z.string(),
			revoked_at: nullableText,
		}),
	),
});

const revokedSchema = z.looseObject({ id: z.string(), revoked_at: z.string() });

const problemSchema = z.looseObject({
	code: z.string(),
	detail: z.string().optional(),
	title: z.string().optional(),
});

interface Connection {
	url: string;
	token: string;
}

async function connection(values: OptionValues): Promise<Connection> {
	const url = (stringOption(values, "url") ?? process.env.PENUMBRA_URL ?? DEFAULT_URL).replace(/\/+$/, "");
	if (!URL.canParse(url)) throw usageError(`--url ${JSON.stringify(url)} is not a URL`);
	const token = stringOption(values, "admin-token") ?? process.env.ADMIN_TOKEN ?? (await tokenFromDevVars());
	if (!token) {
		throw usageError(
			"no admin token: pass --admin-token, set ADMIN_TOKEN, or run from the folder whose .dev.vars has ADMIN_TOKEN",
		);
	}
	return { url, token };
}

async function tokenFromDevVars(): Promise<string | undefined> {
	let text: string;
	try {
		text = await readFile(".dev.vars", "utf8");
	} catch {
		return undefined;
	}
	for (const line of text.split(/\r?\n/)) {
		const m = /^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/.exec(line);
		if (!m?.[1]) continue;
		const raw = m[1];
		const quoted = /^"(.*)"$/.exec(raw) ?? /^'(.*)'$/.exec(raw);
		return quoted ? quoted[1] : raw;
	}
	return undefined;
}

/** An admin API failure, already printed as `error CODE: detail`. */
class Reported extends Error {}

async function call<T>(
	conn: Connection,
	method: string,
	path: string,
	schema: z.ZodType<T>,
	body?: unknown,
): Promise<{ data: T; raw: unknown }> {
	const target = `${conn.url}${path}`;
	let response: Response;
	try {
		response = await fetch(target, {
			method,
			headers: {
				authorization: `Bearer ${conn.token}`,
				accept: "application/json",
				...(body !== undefined ? { "content-type": "application/json" } : {}),
			},
			...(body !== undefined ? { body: JSON.stringify(body) } : {}),
			signal: AbortSignal.timeout(15_000),
		});
	} catch (error) {
		const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
		err(
			`error: cannot reach the gateway at ${conn.url} (${toErrorMessage(error)}${cause}); is it running? (npm start)`,
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
	const parsed = schema.safeParse(json);
	if (!parsed.success) {
		err(`error: unexpected answer from ${method} ${path}: ${parsed.error.issues[0]?.message ?? "not JSON"}`);
		throw new Reported();
	}
	return { data: parsed.data, raw: json };
}

/** Runs an admin call, turning an already-printed failure into exit status 1. */
async function admin(action: () => Promise<void>): Promise<number> {
	try {
		await action();
		return 0;
	} catch (error) {
		if (error instanceof Reported) return 1;
		throw error;
	}
}

const create: Command = {
	name: "keys create",
	summary: "Create an API key on the gateway",
	help: `Usage: penumbra keys create [--email E] [--name N] [--level identified|authenticated] [--json]

Creates a credential through the gateway's admin API and prints its key once.

Options:
  --email EMAIL        owner's email
  --name NAME          a label for the key
  --level LEVEL        identified (default on the gateway) or authenticated
${CONNECTION_HELP}`,
	options: {
		...connectionOptions,
		email: { type: "string" },
		name: { type: "string" },
		level: { type: "string" },
	},
	async run(values) {
		const level = stringOption(values, "level");
		if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
			throw usageError(`--level must be one of: ${LEVELS.join(", ")}`);
		}
		const email = stringOption(values, "email");
		const name = stringOption(values, "name");
		const conn = await connection(values);
		return admin(async () => {
			const body = { ...(email ? { email } : {}), ...(name ? { name } : {}), ...(level ? { level } : {}) };
			const { data, raw } = await call(conn, "POST", "/v1/admin/credentials", createdSchema, body);
			if (flag(values, "json")) {
				out(JSON.stringify(raw, null, 2));
				return;
			}
			out(
				table(
					["ID", "LEVEL", "EMAIL", "NAME", "CREATED"],
					[[data.id, data.level, data.email ?? "-", data.name ?? "-", data.created_at]],
				),
			);
			out();
			out(`key: ${data.key}`);
			err("warning: store this key now; it will not be shown again.");
		});
	},
};

const list: Command = {
	name: "keys list",
	summary: "List API keys",
	help: `Usage: penumbra keys list [--json]

Lists credentials (prefixes only; keys are never shown again).

Options:
${CONNECTION_HELP}`,
	options: connectionOptions,
	async run(values) {
		const conn = await connection(values);
		return admin(async () => {
			const { data, raw } = await call(conn, "GET", "/v1/admin/credentials", listSchema);
			if (flag(values, "json")) {
				out(JSON.stringify(raw, null, 2));
				return;
			}
			if (data.credentials.length === 0) {
				out("no keys yet; create one with `penumbra keys create`");
				return;
			}
			out(
				table(
					["ID", "PREFIX", "LEVEL", "EMAIL", "NAME", "CREATED", "STATUS"],
					data.credentials.map((c) => [
						c.id,
						c.key_prefix,
						c.level,
						c.email ?? "-",
						c.name ?? "-",
						c.created_at,
						c.revoked_at ? `revoked ${c.revoked_at}` : "active",
					]),
				),
			);
		});
	},
};

const revoke: Command = {
	name: "keys revoke",
	summary: "Revoke an API key",
	help: `Usage: penumbra keys revoke ID [--json]

Revokes the credential ID (see \`penumbra keys list\`); calls with its key fail from then on.

Options:
${CONNECTION_HELP}`,
	options: connectionOptions,
	positionals: { names: ["ID"], min: 1 },
	async run(values, positionals) {
		const id = positionals[0] ?? "";
		const conn = await connection(values);
		return admin(async () => {
			const { data, raw } = await call(
				conn,
				"DELETE",
				`/v1/admin/credentials/${encodeURIComponent(id)}`,
				revokedSchema,
			);
			out(flag(values, "json") ? JSON.stringify(raw, null, 2) : `revoked ${data.id} at ${data.revoked_at}`);
		});
	},
};

export const keyCommands: Command[] = [create, list, revoke];
