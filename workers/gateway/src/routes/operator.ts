import { createRoute, z } from "@hono/zod-openapi";
import {
	OperatorPurchasesSchema,
	OperatorSessionSchema,
	type PendingPurchase,
	type RecentPurchase,
} from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { accountOf } from "../account/client.ts";
import { createRouter } from "../app-factory.ts";
import {
	CURRENT_SESSION_PATH,
	endOperatorSession,
	operatorSessionEnd,
	startOperatorSession,
} from "../operator.ts";
import { problems } from "../schemas.ts";

// Guarded by `requireAdmin` (mounted for /v1/admin/* by the admin routes; app.ts mounts these after them).
const security = [{ admin: [] }];

const startSession = createRoute({
	operationId: "startOperatorSession",
	method: "post",
	path: "/v1/admin/sessions",
	tags: ["admin"],
	summary: "A read-only operator session (12 h) for the site's dashboard; needs the ADMIN_TOKEN itself",
	security,
	responses: {
		201: {
			description: "The session token, shown once",
			content: { "application/json": { schema: OperatorSessionSchema } },
		},
		...problems(401, 403),
	},
});

const currentSession = createRoute({
	operationId: "operatorSession",
	method: "get",
	path: CURRENT_SESSION_PATH,
	tags: ["admin"],
	summary: "Until when the operator session whose token is presented lasts",
	security,
	responses: {
		200: {
			description: "The session",
			content: { "application/json": { schema: OperatorSessionSchema.pick({ expires_at: true }) } },
		},
		...problems(400, 401, 403),
	},
});

const endSession = createRoute({
	operationId: "endOperatorSession",
	method: "delete",
	path: CURRENT_SESSION_PATH,
	tags: ["admin"],
	summary: "End the operator session whose token is presented",
	security,
	responses: { 204: { description: "Ended" }, ...problems(400, 401, 403) },
});

const listPurchases = createRoute({
	operationId: "operatorPurchases",
	method: "get",
	path: "/v1/admin/purchases",
	tags: ["admin"],
	summary:
		"The latest purchase receipts, and purchases whose outcome is still being settled with the merchant",
	security,
	request: {
		query: z.object({
			limit: z.coerce.number().int().min(1).max(200).default(20),
			accounts: z.coerce.number().int().min(1).max(1000).default(200).openapi({
				description:
					"How many of the accounts with a purchase in flight or of unknown outcome (the longest waiting first) are asked for them.",
			}),
		}),
	},
	responses: {
		200: {
			description: "Recent and unresolved purchases",
			content: { "application/json": { schema: OperatorPurchasesSchema } },
		},
		...problems(400, 401, 403),
	},
});

interface ReceiptRow {
	id: string;
	credential_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	transaction_id: string;
	flagged: number;
	created_at: number;
}

async function recentPurchases(env: GatewayEnv, limit: number): Promise<RecentPurchase[]> {
	const { results } = await env.DB.prepare(
		"SELECT id, credential_id, service, tool, amount_cents, transaction_id, flagged, created_at FROM receipts ORDER BY created_at DESC LIMIT ?",
	)
		.bind(limit)
		.all<ReceiptRow>();
	return results.map((r) => ({
		receipt_id: r.id,
		credential_id: r.credential_id,
		service: r.service,
		tool: r.tool,
		amount_cents: r.amount_cents,
		transaction_id: r.transaction_id,
		flagged: Boolean(r.flagged),
		created_at: r.created_at,
	}));
}

const ASKED_AT_ONCE = 20;

/**
 * Unresolved purchases live only in each account's Durable Object (docs/money.md). Each account with one keeps a row
 * in D1's `purchase_watch` (its alarm and reconciliation write and remove it), so only those are asked, the longest waiting first and
 * a few at a time; each answer is a read (`summary`), nothing moves.
 */
async function unresolvedPurchases(env: GatewayEnv, accounts: number) {
	const [watched, total] = await Promise.all([
		env.DB.prepare("SELECT credential_id AS id FROM purchase_watch ORDER BY since, credential_id LIMIT ?")
			.bind(accounts)
			.all<{ id: string }>(),
		env.DB.prepare("SELECT COUNT(*) AS n FROM purchase_watch").first<{ n: number }>(),
	]);
	const ids = watched.results.map((r) => r.id);
	const unresolved: (PendingPurchase & { credential_id: string })[] = [];
	for (let i = 0; i < ids.length; i += ASKED_AT_ONCE) {
		const slice = ids.slice(i, i + ASKED_AT_ONCE);
		const summaries = await Promise.all(slice.map((id) => accountOf(env, id).summary()));
		summaries.forEach((summary, j) => {
			const credentialId = slice[j] ?? "";
			for (const p of summary.pending_purchases) unresolved.push({ ...p, credential_id: credentialId });
		});
	}
	unresolved.sort((a, b) => a.since - b.since);
	return { unresolved, accounts_checked: ids.length, accounts_total: total?.n ?? ids.length };
}

/** The presented operator session token (requireAdmin let it or the admin token through). */
function sessionToken(authorization: string | undefined, env: GatewayEnv): string {
	const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1] ?? "";
	if (token === env.ADMIN_TOKEN) {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: "This route is about an operator session: present the session's token, not the admin token.",
		});
	}
	return token;
}

/** Operator sessions for the site's dashboard, and the purchases it shows (docs: README "Operating Penumbra"). */
export const operatorRoutes = createRouter();
operatorRoutes
	.openapi(startSession, async (c) => {
		return c.json(await startOperatorSession(c.env), 201);
	})
	.openapi(currentSession, async (c) => {
		const end = await operatorSessionEnd(c.env, sessionToken(c.req.header("authorization"), c.env));
		if (end === null)
			throw new PenumbraError("AUTH_REQUIRED", { detail: "This operator session has ended." });
		return c.json({ expires_at: new Date(end).toISOString() }, 200);
	})
	.openapi(endSession, async (c) => {
		await endOperatorSession(c.env, sessionToken(c.req.header("authorization"), c.env));
		return c.body(null, 204);
	})
	.openapi(listPurchases, async (c) => {
		const { limit, accounts } = c.req.valid("query");
		const [recent, pending] = await Promise.all([
			recentPurchases(c.env, limit),
			unresolvedPurchases(c.env, accounts),
		]);
		return c.json({ recent, ...pending }, 200);
	});
