import { createRoute, z } from "@hono/zod-openapi";
import { type QuoteStatus, unwrap } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import type { StoredQuote } from "../account/account.do.ts";
import { accountOf } from "../account/client.ts";
import { createRouter } from "../app-factory.ts";
import { noteTool } from "../metrics/record.ts";
import { assertOwner } from "../middleware/auth.ts";
import { requestTraceOf } from "../middleware/request-id.ts";
import { createQuote, loadQuote } from "../purchase.ts";
import { registryOf } from "../registry.ts";
import { problems, QuoteSchema, QuoteStatusSchema, ServiceIdParam } from "../schemas.ts";
import type { Caller } from "../types.ts";

const QuoteIdParam = z
	.string()
	.max(120)
	.openapi({ param: { name: "id", in: "path" } });

const security = [{ bearer: [] }];

const createQuoteRoute = createRoute({
	method: "post",
	operationId: "createQuote",
	path: "/v1/quotes",
	tags: ["purchases"],
	summary: "Price a purchase with the merchant's precheck and get a signed quote",
	security,
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.object({
						service: ServiceIdParam,
						tool: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
						parameters: z.record(z.string(), z.unknown()).default({}),
					}),
				},
			},
		},
	},
	responses: {
		201: { description: "The quote", content: { "application/json": { schema: QuoteSchema } } },
		...problems(400, 401, 403, 404, 429, 502, 504),
	},
});

const getQuoteRoute = createRoute({
	method: "get",
	operationId: "getQuote",
	path: "/v1/quotes/{id}",
	tags: ["purchases"],
	summary: "A quote and whether the owner confirmed it",
	security,
	request: { params: z.object({ id: QuoteIdParam }) },
	responses: {
		200: { description: "Quote", content: { "application/json": { schema: QuoteStatusSchema } } },
		...problems(400, 401, 404),
	},
});

const decisionRoute = (decision: "confirm" | "decline") =>
	createRoute({
		method: "post",
		operationId: `${decision}Quote`,
		path: `/v1/quotes/{id}/${decision}`,
		tags: ["purchases"],
		summary:
			decision === "confirm"
				? "The owner confirms a quote above the auto-approve threshold (the owner only: never an agent's key)"
				: "The owner declines a quote (the owner only)",
		security,
		request: { params: z.object({ id: QuoteIdParam }) },
		responses: {
			200: { description: "Decided", content: { "application/json": { schema: QuoteStatusSchema } } },
			...problems(400, 401, 403, 404, 409, 410),
		},
	});

function owner(caller: Caller): string {
	if (!caller.credential)
		throw new PenumbraError("AUTH_REQUIRED", { detail: "Quotes belong to an API key." });
	return caller.credential.id;
}

function statusView(quoteId: string, q: StoredQuote): QuoteStatus {
	return {
		quote_id: quoteId,
		service: q.service,
		tool: q.tool,
		amount_cents: q.amount_cents,
		status: q.status,
		requires_confirmation: q.requires_confirmation,
		expires_at: new Date(q.expires_at).toISOString(),
	};
}

export const quoteRoutes = createRouter()
	.openapi(createQuoteRoute, async (c) => {
		const body = c.req.valid("json");
		const { service, tool } = await registryOf(c.env).tool(body.service, body.tool);
		const metrics = noteTool(c, service.card.id, tool.name);
		return c.json(
			await createQuote(c.env, c.get("caller"), service, tool, body.parameters, requestTraceOf(c), metrics),
			201,
		);
	})
	.openapi(getQuoteRoute, async (c) => {
		const { id } = c.req.valid("param");
		const quote = await loadQuote(c.env, owner(c.get("caller")), id);
		return c.json(statusView(id, quote), 200);
	});

for (const decision of ["confirm", "decline"] as const) {
	quoteRoutes.openapi(decisionRoute(decision), async (c) => {
		const { id } = c.req.valid("param");
		const credentialId = owner(c.get("caller"));
		assertOwner(c, `${decision} a purchase`);
		const quote = await loadQuote(c.env, credentialId, id);
		const decided = unwrap(
			await accountOf(c.env, credentialId).decideQuote({
				quote_id: quote.id,
				decision: decision === "confirm" ? "confirmed" : "declined",
			}),
		);
		return c.json(statusView(id, decided.quote), 200);
	});
}
