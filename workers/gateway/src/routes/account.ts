import { createRoute, z } from "@hono/zod-openapi";
import { PenumbraError } from "@penumbra/core/errors";
import { accountOf } from "../account/client.ts";
import { createRouter } from "../app-factory.ts";
import { CredentialStore, MAX_LIVE_KEYS } from "../credentials.ts";
import { revokeApiKey } from "../liveness.ts";
import { assertOwner } from "../middleware/auth.ts";
import {
	AccountViewSchema,
	ApiKeySchema,
	ControlsSchema,
	CreatedApiKeySchema,
	problems,
	StatementSchema,
} from "../schemas.ts";
import type { Caller } from "../types.ts";

const security = [{ bearer: [] }];

const getAccount = createRoute({
	method: "get",
	operationId: "getAccount",
	path: "/v1/account",
	tags: ["account"],
	summary: "Balance, available funds, holds, spend controls and auth level of this key",
	security,
	responses: {
		200: {
			description: "Account",
			content: {
				"application/json": {
					schema: AccountViewSchema,
				},
			},
		},
		...problems(401),
	},
});

const getStatement = createRoute({
	method: "get",
	operationId: "getStatement",
	path: "/v1/account/statement",
	tags: ["account"],
	summary: "Ledger entries newest first, with their receipts",
	security,
	request: {
		query: z.object({
			limit: z.coerce.number().int().min(1).max(200).default(50),
			cursor: z
				.string()
				.regex(/^\d{1,15}$/, "use next_cursor from the previous page")
				.optional(),
		}),
	},
	responses: {
		200: {
			description: "A page of the statement",
			content: {
				"application/json": {
					schema: StatementSchema,
				},
			},
		},
		...problems(400, 401),
	},
});

const getControls = createRoute({
	method: "get",
	operationId: "getControls",
	path: "/v1/account/controls",
	tags: ["account"],
	summary: "The owner's spend controls",
	security,
	responses: {
		200: { description: "Controls", content: { "application/json": { schema: ControlsSchema } } },
		...problems(401),
	},
});

const putControls = createRoute({
	method: "put",
	operationId: "setControls",
	path: "/v1/account/controls",
	tags: ["account"],
	summary: "Set the spend controls: the owner only (an agent may freeze, with POST /v1/account/freeze)",
	security,
	request: { body: { required: true, content: { "application/json": { schema: ControlsSchema } } } },
	responses: {
		200: {
			description: "Controls now in force",
			content: { "application/json": { schema: ControlsSchema } },
		},
		...problems(400, 401, 403),
	},
});

const freeze = createRoute({
	method: "post",
	operationId: "freezeAccount",
	path: "/v1/account/freeze",
	tags: ["account"],
	summary:
		"Freeze the account: nothing is bought and no paid call runs until the owner unfreezes (any key may)",
	security,
	responses: {
		200: {
			description: "Controls now in force",
			content: { "application/json": { schema: ControlsSchema } },
		},
		...problems(401),
	},
});

const listKeys = createRoute({
	method: "get",
	operationId: "listApiKeys",
	path: "/v1/account/keys",
	tags: ["account"],
	summary: "The API keys of this account, newest first (never the keys themselves)",
	security,
	responses: {
		200: {
			description: "Keys, revoked ones included",
			content: { "application/json": { schema: z.object({ keys: z.array(ApiKeySchema) }) } },
		},
		...problems(401, 403),
	},
});

const createKey = createRoute({
	method: "post",
	operationId: "createApiKey",
	path: "/v1/account/keys",
	tags: ["account"],
	summary: `Create another API key for this account (at most ${MAX_LIVE_KEYS} live); the key is returned once`,
	security,
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.object({
						name: z
							.string()
							.trim()
							.min(1, "Name the key, e.g. after the assistant that will use it.")
							.max(100)
							.openapi({ example: "Claude Desktop" }),
						owner: z.boolean().default(false).openapi({
							description:
								"An owner key may also confirm purchases, change controls and manage keys: never give one to an assistant.",
						}),
					}),
				},
			},
		},
	},
	responses: {
		201: {
			description: "Created. `key` is shown only in this response.",
			content: { "application/json": { schema: CreatedApiKeySchema } },
		},
		...problems(400, 401, 403, 409),
	},
});

const revokeKey = createRoute({
	method: "delete",
	operationId: "revokeApiKey",
	path: "/v1/account/keys/{id}",
	tags: ["account"],
	summary: "Revoke one of this account's API keys; takes effect on the next request",
	security,
	request: {
		params: z.object({
			id: z
				.string()
				.regex(/^key_[A-Za-z0-9]{1,64}$/, "an API key id from GET /v1/account/keys")
				.openapi({ param: { name: "id", in: "path" } }),
		}),
	},
	responses: {
		204: { description: "Revoked (or already revoked)" },
		...problems(400, 401, 403, 404),
	},
});

function credentialOf(caller: Caller): NonNullable<Caller["credential"]> {
	if (!caller.credential) {
		throw new PenumbraError("AUTH_REQUIRED", { detail: "The account belongs to an API key: send one." });
	}
	return caller.credential;
}

export const accountRoutes = createRouter()
	.openapi(getAccount, async (c) => {
		const caller = c.get("caller");
		const credential = credentialOf(caller);
		const summary = await accountOf(c.env, credential.id).summary();
		return c.json(
			{
				credential_id: credential.id,
				level: credential.level,
				email: credential.email,
				authority: caller.authority,
				...summary,
			},
			200,
		);
	})
	.openapi(getStatement, async (c) => {
		const { limit, cursor } = c.req.valid("query");
		const credential = credentialOf(c.get("caller"));
		const page = await accountOf(c.env, credential.id).statement({
			limit,
			...(cursor ? { before: Number(cursor) } : {}),
		});
		return c.json(
			{
				entries: page.entries,
				receipts: page.receipts,
				next_cursor: page.next_before === null ? null : String(page.next_before),
			},
			200,
		);
	})
	.openapi(getControls, async (c) => {
		const credential = credentialOf(c.get("caller"));
		return c.json(await accountOf(c.env, credential.id).getControls(), 200);
	})
	.openapi(putControls, async (c) => {
		const credential = credentialOf(c.get("caller"));
		assertOwner(c, "change the spend controls");
		return c.json(await accountOf(c.env, credential.id).setControls(c.req.valid("json")), 200);
	})
	.openapi(freeze, async (c) => {
		const credential = credentialOf(c.get("caller"));
		return c.json(await accountOf(c.env, credential.id).freeze(), 200);
	})
	.openapi(listKeys, async (c) => {
		const credential = credentialOf(c.get("caller"));
		assertOwner(c, "see the account's keys");
		return c.json({ keys: await new CredentialStore(c.env.DB).listKeys(credential.id) }, 200);
	})
	.openapi(createKey, async (c) => {
		const credential = credentialOf(c.get("caller"));
		assertOwner(c, "create keys");
		const { name, owner } = c.req.valid("json");
		return c.json(
			await new CredentialStore(c.env.DB).createKey(credential.id, name, owner ? "owner" : "agent"),
			201,
		);
	})
	.openapi(revokeKey, async (c) => {
		const credential = credentialOf(c.get("caller"));
		assertOwner(c, "revoke keys");
		await revokeApiKey(c.env, credential.id, c.req.valid("param").id);
		return c.body(null, 204);
	});
