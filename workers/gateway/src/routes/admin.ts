import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../app-factory.ts";
import { CredentialStore } from "../credentials.ts";
import { requireAdmin } from "../middleware/admin.ts";
import { refreshRemoteSpecs } from "../refresh.ts";
import { CredentialSchema, problems } from "../schemas.ts";

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
					}),
				},
			},
		},
	},
	responses: {
		201: {
			description: "Created. `key` is shown only in this response.",
			content: { "application/json": { schema: CredentialSchema.extend({ key: z.string() }) } },
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

export const adminRoutes = createRouter();
adminRoutes.use("/v1/admin/*", requireAdmin());
adminRoutes
	.openapi(createCredential, async (c) => {
		const body = c.req.valid("json");
		const created = await new CredentialStore(c.env.DB).create(body);
		return c.json(created, 201);
	})
	.openapi(listCredentials, async (c) => {
		return c.json({ credentials: await new CredentialStore(c.env.DB).list() }, 200);
	})
	.openapi(revokeCredential, async (c) => {
		return c.json(await new CredentialStore(c.env.DB).revoke(c.req.valid("param").id), 200);
	})
	.openapi(refreshRegistry, async (c) => {
		const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
		return c.json(await refreshRemoteSpecs(c.env, body.services ? { only: body.services } : {}), 200);
	});
