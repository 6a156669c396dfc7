import { z } from "zod";
import { admin, CONNECTION_HELP, call, connection, connectionOptions } from "./admin-api.ts";
import { type Command, flag, stringOption } from "./command.ts";
import { err, out, table, usageError } from "./output.ts";

const LEVELS = ["identified", "authenticated"] as const;

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

const create: Command = {
	name: "keys create",
	summary: "Create an API key on the gateway",
	help: `Usage: penumbra keys create [--email E] [--name N] [--level identified|authenticated] [--owner] [--json]

Creates a credential through the gateway's admin API and prints its key once. The key is an agent key: it can
search, run tools and buy within the owner's controls, but not confirm purchases, change controls or manage keys.

Options:
  --email EMAIL        owner's email
  --name NAME          a label for the key
  --level LEVEL        identified or authenticated (the gateway's default)
  --owner              make it an owner key instead, for your own scripts: it can also confirm purchases,
                       change the controls and manage keys. Never give an owner key to an assistant.
${CONNECTION_HELP}`,
	options: {
		...connectionOptions,
		email: { type: "string" },
		name: { type: "string" },
		level: { type: "string" },
		owner: { type: "boolean" },
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
			const body = {
				...(email ? { email } : {}),
				...(name ? { name } : {}),
				...(level ? { level } : {}),
				...(flag(values, "owner") ? { owner_key: true } : {}),
			};
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
