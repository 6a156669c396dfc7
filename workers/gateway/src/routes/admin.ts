import { createRoute, z } from "@hono/zod-openapi";
import { unwrap } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { accountOf } from "../account/client.ts";
import { credentialOfReceipt } from "../account/receipt-id.ts";
import { reconcile } from "../account/reconcile.ts";
import { reconcileTopUps } from "../account/reconcile-top-ups.ts";
import { createRouter } from "../app-factory.ts";
import { CredentialStore } from "../credentials.ts";
import * as liveness from "../liveness.ts";
import { requireAdmin } from "../middleware/admin.ts";
import { refreshRemoteSpecs } from "../refresh.ts";
import { CredentialSchema, problems, ReceiptSchema } from "../schemas.ts";

const security = [{ admin: [] }];

const createCredential = createRoute({
	operationId: "createCredential",
	method: "post",
	path: "/v1/admin/credentials",
	tags: ["admin"],
	summary: "Create a credential; its key is returned once",
	security,
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.object({
						email: z.string().email().max(254).optional(),
						name: z.string().min(1).max(100).optional(),
						level: z.enum(["identified", "authenticated"]).default("authenticated"),
						owner_key: z.boolean().default(false).openapi({
							description:
								"Make the first key an owner key (it may confirm purchases, change controls, manage keys): for the owner's own scripts, never for an assistant.",
						}),
					}),
				},
			},
		},
	},
	responses: {
		201: {
			description: "Created. `key` is shown only in this response.",
			content: {
				"application/json": {
					schema: CredentialSchema.extend({ key: z.string(), key_id: z.string().nullable() }),
				},
			},
		},
		...problems(400, 401, 403),
	},
});

const listCredentials = createRoute({
	operationId: "listCredentials",
	method: "get",
	path: "/v1/admin/credentials",
	tags: ["admin"],
	summary: "List credentials (never their keys)",
	security,
	responses: {
		200: {
			description: "Credentials",
			content: { "application/json": { schema: z.object({ credentials: z.array(CredentialSchema) }) } },
		},
		...problems(401, 403),
	},
});

const CredentialIdParam = z
	.string()
	.regex(/^cred_[A-Za-z0-9]{1,64}$/)
	.openapi({ param: { name: "id", in: "path" } });

const revokeCredential = createRoute({
	operationId: "revokeCredential",
	method: "delete",
	path: "/v1/admin/credentials/{id}",
	tags: ["admin"],
	summary: "Revoke a credential; takes effect immediately",
	security,
	request: {
		params: z.object({
			id: z
				.string()
				.regex(/^cred_[A-Za-z0-9]{1,64}$/)
				.openapi({ param: { name: "id", in: "path" } }),
		}),
	},
	responses: {
		200: {
			description: "Revoked",
			content: { "application/json": { schema: CredentialSchema } },
		},
		...problems(400, 401, 403, 404),
	},
});

const refreshRegistry = createRoute({
	method: "post",
	operationId: "refreshRegistry",
	path: "/v1/admin/registry/refresh",
	tags: ["admin"],
	summary: "Refetch remote provider specs now (what the hourly cron does)",
	security,
	request: {
		body: {
			required: false,
			content: {
				"application/json": {
					schema: z.object({
						services: z
							.array(z.string().regex(/^[a-z][a-z0-9-]{1,62}$/))
							.max(1000)
							.optional(),
					}),
				},
			},
		},
	},
	responses: {
		200: {
			description: "One result per remote-spec service",
			content: {
				"application/json": {
					schema: z.object({
						checked_at: z.string(),
						results: z.array(
							z.object({
								id: z.string(),
								outcome: z.enum(["updated", "unchanged", "failed", "skipped"]),
								detail: z.string().optional(),
							}),
						),
					}),
				},
			},
		},
		...problems(400, 401, 403),
	},
});

const creditRoute = createRoute({
	method: "post",
	operationId: "creditCredential",
	path: "/v1/admin/credentials/{id}/credit",
	tags: ["admin"],
	summary: "Add funds (or an adjustment) to a credential; idempotent by reference",
	security,
	request: {
		params: z.object({ id: CredentialIdParam }),
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.object({
						amount_cents: z
							.number()
							.int()
							.refine((n) => n !== 0, "must not be 0"),
						reference: z
							.string()
							.min(1)
							.max(200)
							.openapi({ description: "The same reference never credits twice." }),
						kind: z.enum(["credit", "adjustment"]).default("credit"),
					}),
				},
			},
		},
	},
	responses: {
		200: {
			description: "The entry and the new balance",
			content: {
				"application/json": {
					schema: z.object({
						entry: z.record(z.string(), z.unknown()),
						balance_cents: z.number().int(),
						replayed: z.boolean().optional(),
					}),
				},
			},
		},
		...problems(400, 401, 402, 403, 404, 409),
	},
});

/**
 * The account a receipt belongs to: named in the receipt id itself (`receiptIdFor`), so a refund works before the
 * outbox drained; receipts from before ids named their account are found through the D1 mirror.
 */
async function receiptOwner(env: GatewayEnv, receiptId: string): Promise<string> {
	const named = credentialOfReceipt(receiptId);
	if (named && (await accountOf(env, named).receipt(receiptId))) return named;
	const mirrored = await env.DB.prepare("SELECT credential_id FROM receipts WHERE id = ?")
		.bind(receiptId)
		.first<{ credential_id: string }>();
	if (!mirrored) throw new PenumbraError("NOT_FOUND", { detail: `No receipt ${receiptId} in the ledger.` });
	return mirrored.credential_id;
}

const refundRoute = createRoute({
	method: "post",
	operationId: "refundReceipt",
	path: "/v1/admin/receipts/{id}/refund",
	tags: ["admin"],
	summary: "Refund a purchase receipt, in full or in part (never more than was captured)",
	security,
	request: {
		params: z.object({
			id: z
				.string()
				.regex(/^rcpt_[A-Za-z0-9]{10,40}$/)
				.openapi({ param: { name: "id", in: "path" } }),
		}),
		body: {
			required: false,
			content: {
				"application/json": {
					schema: z.object({
						amount_cents: z.number().int().positive().optional(),
						reference: z.string().min(1).max(200).optional().openapi({
							description:
								"Makes the refund idempotent: the same reference refunds once. Without one, the receipt and amount do (a retry never refunds twice; two separate refunds of the same amount need two references).",
						}),
					}),
				},
			},
		},
	},
	responses: {
		200: {
			description: "The refund entry, the receipt after it and the new balance",
			content: {
				"application/json": {
					schema: z.object({
						entry: z.record(z.string(), z.unknown()),
						receipt: ReceiptSchema,
						balance_cents: z.number().int(),
						replayed: z.boolean().optional(),
					}),
				},
			},
		},
		...problems(400, 401, 403, 404, 409),
	},
});

const ledgerRoute = createRoute({
	method: "get",
	operationId: "exportLedger",
	path: "/v1/admin/ledger",
	tags: ["admin"],
	summary: "Every credential's ledger entries from the D1 mirror, oldest first (CSV or JSON)",
	security,
	request: {
		query: z.object({
			since: z.iso.datetime({ offset: true }).optional(),
			format: z.enum(["json", "csv"]).default("json"),
			limit: z.coerce.number().int().min(1).max(50_000).default(10_000),
		}),
	},
	responses: {
		200: {
			description: "Entries",
			content: {
				"application/json": { schema: z.object({ entries: z.array(z.record(z.string(), z.unknown())) }) },
				"text/csv": { schema: z.string() },
			},
		},
		...problems(400, 401, 403),
	},
});

const reconcileRoute = createRoute({
	method: "post",
	operationId: "reconcile",
	path: "/v1/admin/reconcile",
	tags: ["admin"],
	summary:
		"Compare each credential's balance with its D1 ledger sum, and Stripe's top-ups of a period with the ledger's (also run daily by cron)",
	security,
	request: {
		query: z.object({
			since: z.iso.datetime({ offset: true }).optional().openapi({ description: "Default: 7 days ago." }),
			until: z.iso.datetime({ offset: true }).optional().openapi({ description: "Default: now." }),
		}),
	},
	responses: {
		200: {
			description: "Mismatches, if any",
			content: {
				"application/json": {
					schema: z.object({
						checked: z.number().int(),
						mismatches: z.array(z.record(z.string(), z.unknown())),
						top_ups: z.record(z.string(), z.unknown()).openapi({
							description:
								"Stripe-side paid sessions and refunds of the period against the ledger's top_up entries (configured: false without Stripe).",
						}),
					}),
				},
			},
		},
		...problems(401, 403),
	},
});

const LEDGER_COLUMNS = [
	"id",
	"credential_id",
	"seq",
	"kind",
	"amount_cents",
	"balance_after_cents",
	"hold_id",
	"receipt_id",
	"reference",
	"created_at",
] as const;

function csvCell(value: unknown): string {
	const text = value === null || value === undefined ? "" : String(value);
	return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const adminRoutes = createRouter();
adminRoutes.use("/v1/admin/*", requireAdmin());
adminRoutes
	.openapi(createCredential, async (c) => {
		const { owner_key, ...body } = c.req.valid("json");
		const created = await new CredentialStore(c.env.DB).create({
			...body,
			key_authority: owner_key ? "owner" : "agent",
		});
		return c.json(created, 201);
	})
	.openapi(listCredentials, async (c) => {
		return c.json({ credentials: await new CredentialStore(c.env.DB).list() }, 200);
	})
	.openapi(revokeCredential, async (c) => {
		return c.json(await liveness.revokeCredential(c.env, c.req.valid("param").id), 200);
	})
	.openapi(creditRoute, async (c) => {
		const { id } = c.req.valid("param");
		const body = c.req.valid("json");
		await new CredentialStore(c.env.DB).get(id);
		const result = unwrap(
			await accountOf(c.env, id).credit({
				key: `credit:${body.reference}`,
				amount_cents: body.amount_cents,
				kind: body.kind,
				reference: body.reference,
			}),
		);
		return c.json(
			{
				entry: result.entry,
				balance_cents: result.balance_cents,
				...("replayed" in result ? { replayed: true } : {}),
			},
			200,
		);
	})
	.openapi(refundRoute, async (c) => {
		const { id } = c.req.valid("param");
		const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
		const owner = await receiptOwner(c.env, id);
		// Retry-safe by default: without a reference, the same receipt and amount refund once.
		const reference = body.reference ?? `auto:${body.amount_cents ?? "rest"}`;
		const result = unwrap(
			await accountOf(c.env, owner).refund({
				key: `refund:${id}:${reference}`,
				receipt_id: id,
				...(body.amount_cents ? { amount_cents: body.amount_cents } : {}),
				...(body.reference ? { reference: body.reference } : {}),
			}),
		);
		return c.json(
			{
				entry: result.entry,
				receipt: result.receipt,
				balance_cents: result.balance_cents,
				...("replayed" in result ? { replayed: true } : {}),
			},
			200,
		);
	})
	.openapi(ledgerRoute, async (c) => {
		const { since, format, limit } = c.req.valid("query");
		const { results } = await c.env.DB.prepare(
			`SELECT ${LEDGER_COLUMNS.join(", ")} FROM ledger_entries WHERE created_at >= ? ORDER BY created_at, credential_id, seq LIMIT ?`,
		)
			.bind(since ? Date.parse(since) : 0, limit)
			.all<Record<string, unknown>>();
		if (format === "csv") {
			const lines = [
				LEDGER_COLUMNS.join(","),
				...results.map((r) => LEDGER_COLUMNS.map((k) => csvCell(r[k])).join(",")),
			];
			return c.text(`${lines.join("\n")}\n`, 200, { "content-type": "text/csv; charset=utf-8" });
		}
		return c.json({ entries: results }, 200);
	})
	.openapi(reconcileRoute, async (c) => {
		const { since, until } = c.req.valid("query");
		const end = until ? Date.parse(until) : Date.now();
		const start = since ? Date.parse(since) : end - 7 * 24 * 3600_000;
		if (start > end)
			throw new PenumbraError("VALIDATION_FAILED", { detail: "since must not be after until." });
		// The balances first: that flushes every account's outbox, so the ledger holds every top-up entry.
		const balances = await reconcile(c.env);
		return c.json({ ...balances, top_ups: await reconcileTopUps(c.env, { since: start, until: end }) }, 200);
	})
	.openapi(refreshRegistry, async (c) => {
		const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
		return c.json(await refreshRemoteSpecs(c.env, body.services ? { only: body.services } : {}), 200);
	});
