import { createRoute, z } from "@hono/zod-openapi";
import { unwrap } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import { accountOf } from "../account/client.ts";
import { createRouter } from "../app-factory.ts";
import { identifyCaller } from "../middleware/auth.ts";
import { problems } from "../schemas.ts";

const devCredit = createRoute({
	method: "post",
	operationId: "devCredit",
	path: "/v1/dev/credit",
	tags: ["account"],
	summary: "Development only: add test funds to your own account (404 in every other environment)",
	security: [{ bearer: [] }],
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.object({ amount_cents: z.number().int().min(1).max(10_000).openapi({ example: 2000 }) }),
				},
			},
		},
	},
	responses: {
		200: {
			description: "The credit entry and the new balance",
			content: {
				"application/json": {
					schema: z.object({ entry: z.record(z.string(), z.unknown()), balance_cents: z.number().int() }),
				},
			},
		},
		...problems(400, 401, 404),
	},
});

export const devRoutes = createRouter();

// The app leaves /v1/dev/* anonymous; this route checks the environment before the key, so outside development
// every request gets the answer of an unknown route whatever it sends.
devRoutes.use(
	"/v1/dev/credit",
	async (c, next) => {
		if (c.env.ENVIRONMENT !== "development") {
			throw new PenumbraError("NOT_FOUND", {
				detail: `No route for ${c.req.method} /v1/dev/credit. See /docs for the API.`,
			});
		}
		await next();
	},
	identifyCaller(),
);

devRoutes.openapi(devCredit, async (c) => {
	const credential = c.get("caller").credential;
	if (!credential) {
		throw new PenumbraError("AUTH_REQUIRED", {
			detail: "Test credit goes to your own account: send its key.",
		});
	}
	const { amount_cents } = c.req.valid("json");
	// Every press of "add test credit" is a new credit: the reference is never reused.
	const reference = `dev-credit:${crypto.randomUUID()}`;
	const result = unwrap(
		await accountOf(c.env, credential.id).credit({ key: `credit:${reference}`, amount_cents, reference }),
	);
	return c.json({ entry: result.entry, balance_cents: result.balance_cents }, 200);
});
