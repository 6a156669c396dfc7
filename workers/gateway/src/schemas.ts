import { z } from "@hono/zod-openapi";
import { ERROR_STATUS } from "@penumbra/core/errors";

export const ProblemSchema = z
	.object({
		type: z.string().url(),
		title: z.string(),
		status: z.number().int(),
		detail: z.string(),
		code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
		instance: z.string().optional(),
		request_id: z.string().optional(),
	})
	.passthrough()
	.openapi("Problem", { description: "RFC 9457 problem details; `code` is stable." });

const JsonSchemaObject = z.record(z.string(), z.unknown()).openapi("JsonSchema");

export const ServiceCardSchema = z
	.object({
		id: z.string(),
		name: z.string(),
		description: z.string(),
		category: z.string(),
		tags: z.array(z.string()),
		flow: z.string().optional(),
		pricing_model: z.string().optional(),
		typical_response_time: z.string().optional(),
		requires_auth: z.boolean(),
		has_purchases: z.boolean(),
		tool_count: z.number().int(),
		fees: z.object({ min_cents: z.number().int(), max_cents: z.number().int() }),
		stale: z.boolean(),
		updated_at: z.string(),
	})
	.openapi("ServiceCard");

export const ToolSchema = z
	.object({
		name: z.string(),
		summary: z.string(),
		description: z.string(),
		method: z.string(),
		path: z.string(),
		input_schema: JsonSchemaObject,
		fee_cents: z.number().int(),
		auth_level: z.enum(["anonymous", "identified", "authenticated"]),
		purchase: z
			.object({
				kind: z.enum(["precheck", "purchase"]),
				precheck: z.string().optional(),
				amount_path: z.string(),
				transaction_id_path: z.string().optional(),
			})
			.nullable(),
	})
	.openapi("Tool");

export const ServiceIdParam = z
	.string()
	.regex(/^[a-z][a-z0-9-]{1,62}$/, "service ids are lowercase letters, digits and dashes")
	.openapi({ param: { name: "id", in: "path" }, example: "skycast" });

export const CredentialSchema = z
	.object({
		id: z.string(),
		key_prefix: z.string(),
		email: z.string().nullable(),
		name: z.string().nullable(),
		level: z.enum(["identified", "authenticated"]),
		created_at: z.string(),
		revoked_at: z.string().nullable(),
	})
	.openapi("Credential");

/** Problem responses shared by routes, keyed by status. */
export function problems(...statuses: number[]) {
	return Object.fromEntries(
		statuses.map((status) => [
			status,
			{ description: "Problem", content: { "application/problem+json": { schema: ProblemSchema } } },
		]),
	);
}

export const ReceiptSchema = z
	.object({
		id: z.string(),
		quote_id: z.string(),
		hold_id: z.string(),
		service: z.string(),
		tool: z.string(),
		amount_cents: z.number().int(),
		held_cents: z.number().int(),
		transaction_id: z.string(),
		flagged: z
			.boolean()
			.openapi({ description: "The merchant asked for more than was held; only the hold was charged." }),
		refunded_cents: z.number().int(),
		balance_after_cents: z.number().int(),
		created_at: z.number().int(),
	})
	.openapi("Receipt");

export const QuoteSchema = z
	.object({
		quote_id: z.string(),
		service: z.string(),
		tool: z.string(),
		merchant: z.string(),
		amount_cents: z.number().int(),
		currency: z.literal("USD"),
		expires_at: z.string(),
		requires_confirmation: z.boolean(),
		details: z.unknown(),
	})
	.openapi("Quote");
