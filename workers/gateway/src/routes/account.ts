import { createRoute, z } from "@hono/zod-openapi";
import { PenumbraError } from "../../../../packages/core/src/errors.ts";
import { accountOf } from "../account/client.ts";
import { ControlsSchema } from "../account/controls.ts";
import { createRouter } from "../app-factory.ts";
import { problems, ReceiptSchema } from "../schemas.ts";
import type { Caller } from "../types.ts";

const security = [{ bearer: [] }];

const HoldSchema = z.object({
	id: z.string(),
	kind: z.enum(["usage", "purchase"]),
	amount: z.number().int(),
	status: z.enum(["active", "captured", "released", "unknown"]),
	service: z.string().nullable(),
	tool: z.string().nullable(),
	quote_id: z.string().nullable(),
	created_at: z.number().int(),
	expires_at: z.number().int(),
});

const EntrySchema = z
	.object({
		id: z.string(),
		seq: z.number().int(),
		kind: z.enum(["credit", "usage", "purchase", "refund", "adjustment"]),
		amount: z.number().int().openapi({ description: "Cents; negative when money leaves the balance." }),
		balance_after: z.number().int(),
		hold_id: z.string().nullable(),
		receipt_id: z.string().nullable(),
		reference: z.string().nullable(),
		created_at: z.number().int(),
	})
	.openapi("LedgerEntry");

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
					schema: z.object({
						credential_id: z.string(),
						level: z.enum(["identified", "authenticated"]),
						email: z.string().nullable(),
						balance_cents: z.number().int(),
						available_cents: z.number().int(),
						spent_today_cents: z.number().int(),
						holds: z.array(HoldSchema),
						controls: ControlsSchema,
					}),
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
					schema: z.object({
						entries: z.array(EntrySchema),
						receipts: z.array(ReceiptSchema),
						next_cursor: z.string().nullable(),
					}),
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
	summary: "Set the spend controls (the owner's, never a model's: the MCP tools do not expose this)",
	security,
	request: { body: { required: true, content: { "application/json": { schema: ControlsSchema } } } },
	responses: {
		200: {
			description: "Controls now in force",
			content: { "application/json": { schema: ControlsSchema } },
		},
		...problems(400, 401),
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
		const credential = credentialOf(c.get("caller"));
		const summary = await accountOf(c.env, credential.id).summary();
		return c.json(
			{ credential_id: credential.id, level: credential.level, email: credential.email, ...summary },
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
		return c.json(await accountOf(c.env, credential.id).setControls(c.req.valid("json")), 200);
	});
