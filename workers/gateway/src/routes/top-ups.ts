import { createRoute, z } from "@hono/zod-openapi";
import { PenumbraError } from "@penumbra/core/errors";
import { accountOf } from "../account/client.ts";
import { TOP_UP_ID } from "../account/top-ups.ts";
import { createRouter } from "../app-factory.ts";
import { requireAdmin } from "../middleware/admin.ts";
import { assertOwner } from "../middleware/auth.ts";
import {
	problems,
	TopUpOptionsSchema,
	TopUpRefundSchema,
	TopUpRequestSchema,
	TopUpSchema,
} from "../schemas.ts";
import { topUpOptions } from "../stripe.ts";
import { handleStripeWebhook, refundTopUp, startTopUp } from "../top-ups.ts";
import type { Caller } from "../types.ts";

const security = [{ bearer: [] }];

const TopUpIdParam = z.object({
	id: z
		.string()
		.regex(TOP_UP_ID, "a top-up id (tu_…)")
		.openapi({ param: { name: "id", in: "path" } }),
});

const getOptions = createRoute({
	method: "get",
	operationId: "getTopUpOptions",
	path: "/v1/account/top-ups/options",
	tags: ["account"],
	summary: "Whether top-up by card is configured here, its bounds and preset amounts",
	security,
	responses: {
		200: { description: "Options", content: { "application/json": { schema: TopUpOptionsSchema } } },
		...problems(401),
	},
});

const createTopUp = createRoute({
	method: "post",
	operationId: "createTopUp",
	path: "/v1/account/top-ups",
	tags: ["account"],
	summary:
		"Add money by card: a Stripe Checkout Session for the amount (the owner only); send the owner to checkout_url",
	security,
	request: {
		headers: z.object({
			"idempotency-key": z
				.string()
				.min(1)
				.max(180)
				.optional()
				.openapi({ description: "The same key answers with the same top-up and Checkout Session." }),
		}),
		body: { required: true, content: { "application/json": { schema: TopUpRequestSchema } } },
	},
	responses: {
		201: { description: "A pending top-up", content: { "application/json": { schema: TopUpSchema } } },
		...problems(400, 401, 403, 409, 502, 503),
	},
});

const getTopUp = createRoute({
	method: "get",
	operationId: "getTopUp",
	path: "/v1/account/top-ups/{id}",
	tags: ["account"],
	summary: "One top-up of this account: pending until Stripe's webhook says it was paid",
	security,
	request: { params: TopUpIdParam },
	responses: {
		200: { description: "The top-up", content: { "application/json": { schema: TopUpSchema } } },
		...problems(400, 401, 404),
	},
});

const webhook = createRoute({
	method: "post",
	operationId: "stripeWebhook",
	path: "/v1/webhooks/stripe",
	tags: ["webhooks"],
	summary:
		"Stripe's webhook endpoint (signed with STRIPE_WEBHOOK_SECRET): credits paid Checkout Sessions once, closes expired ones",
	responses: {
		200: {
			description: "Received (applied once, however often delivered; unknown event types are ignored)",
			content: {
				"application/json": {
					schema: z.object({
						received: z.literal(true),
						event: z.string(),
						type: z.string(),
						outcome: z.string(),
						top_up_id: z.string().optional(),
					}),
				},
			},
		},
		...problems(400, 413, 503),
	},
});

const refund = createRoute({
	method: "post",
	operationId: "refundTopUp",
	path: "/v1/admin/top-ups/{id}/refund",
	tags: ["admin"],
	summary:
		"Give (part of) a top-up back to the card: never more than was credited less refunded, nor than is available now",
	security: [{ admin: [] }],
	request: {
		params: TopUpIdParam,
		body: {
			required: false,
			content: {
				"application/json": {
					schema: z.object({
						amount_cents: z.number().int().positive().optional().openapi({
							description: "Default: all that is refundable and available.",
						}),
						reference: z.string().min(1).max(150).optional().openapi({
							description:
								"Makes the refund idempotent: the same reference refunds once. Without one, the top-up and amount do.",
						}),
					}),
				},
			},
		},
	},
	responses: {
		200: {
			description: "The refund entry, the top-up after it and the new balance",
			content: {
				"application/json": { schema: TopUpRefundSchema.extend({ replayed: z.boolean().optional() }) },
			},
		},
		...problems(400, 401, 402, 403, 404, 409, 502, 503),
	},
});

function credentialOf(caller: Caller): NonNullable<Caller["credential"]> {
	if (!caller.credential) {
		throw new PenumbraError("AUTH_REQUIRED", { detail: "The account belongs to an API key: send one." });
	}
	return caller.credential;
}

export const topUpRoutes = createRouter();
topUpRoutes.use("/v1/admin/top-ups/*", requireAdmin());
topUpRoutes
	.openapi(getOptions, async (c) => {
		credentialOf(c.get("caller"));
		return c.json(topUpOptions(c.env), 200);
	})
	.openapi(createTopUp, async (c) => {
		const credential = credentialOf(c.get("caller"));
		assertOwner(c, "add money to the account");
		const key = c.req.valid("header")["idempotency-key"];
		const topUp = await startTopUp(c.env, credential.id, c.req.valid("json").amount_cents, key);
		return c.json(topUp, 201);
	})
	.openapi(getTopUp, async (c) => {
		const credential = credentialOf(c.get("caller"));
		const { id } = c.req.valid("param");
		const topUp = await accountOf(c.env, credential.id).topUp(id);
		if (!topUp) throw new PenumbraError("NOT_FOUND", { detail: `No top-up ${id} on this account.` });
		return c.json(topUp, 200);
	})
	.openapi(webhook, async (c) => c.json(await handleStripeWebhook(c.env, c.req.raw), 200))
	.openapi(refund, async (c) => {
		const { id } = c.req.valid("param");
		const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
		return c.json(await refundTopUp(c.env, id, body), 200);
	});
