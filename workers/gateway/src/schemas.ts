import { z } from "@hono/zod-openapi";
import * as contracts from "@penumbra/core/contracts";

/*
 * The gateway's OpenAPI components: the shared contracts (@penumbra/core/contracts), named here for the document.
 * Importing @hono/zod-openapi extends every zod schema with `.openapi()`, so the contracts stay plain zod (the
 * site imports them too) and gain their component names only in this Worker.
 */

export const ProblemSchema = contracts.ProblemSchema.openapi("Problem", {
	description: "RFC 9457 problem details; `code` is stable.",
});
export const ServiceCardSchema = contracts.ServiceCardSchema.openapi("ServiceCard");
export const ToolSchema = contracts.ToolViewSchema.openapi("Tool");
export const SearchResultSchema = contracts.SearchResultSchema.openapi("SearchResult");
export const SearchAnswerSchema = contracts.SearchAnswerSchema.extend({
	results: z.array(SearchResultSchema),
}).openapi("SearchAnswer");
export const ReceiptSchema = contracts.ReceiptSchema.openapi("Receipt");
export const QuoteSchema = contracts.QuoteSchema.openapi("Quote");
export const ToolCallResultSchema = contracts.ToolCallResultSchema.extend({
	receipt: ReceiptSchema.optional(),
}).openapi("ToolCallResult");
export const QuoteStatusSchema = contracts.QuoteStatusSchema.openapi("QuoteStatus");
export const ControlsSchema = contracts.SpendControlsSchema.openapi("SpendControls");
export const LedgerEntrySchema = contracts.LedgerEntrySchema.openapi("LedgerEntry");
export const HoldSchema = contracts.HoldSchema.openapi("Hold");
export const TopUpSchema = contracts.TopUpSchema.openapi("TopUp");
export const TopUpRequestSchema = contracts.TopUpRequestSchema.openapi("TopUpRequest");
export const TopUpOptionsSchema = contracts.TopUpOptionsSchema.openapi("TopUpOptions");
export const TopUpRefundSchema = contracts.TopUpRefundSchema.extend({
	top_up: TopUpSchema,
	entry: LedgerEntrySchema,
}).openapi("TopUpRefund");
export const ApiKeySchema = contracts.ApiKeySchema.openapi("ApiKey");
export const CreatedApiKeySchema = contracts.CreatedApiKeySchema.openapi("CreatedApiKey");
export const HealthSchema = contracts.HealthSchema.openapi("Health");
export const ServiceHealthSchema = contracts.ServiceHealthSchema.openapi("ServiceHealth");
export const PendingPurchaseSchema = contracts.PendingPurchaseSchema.openapi("PendingPurchase");
export const AccountViewSchema = contracts.AccountViewSchema.extend({
	holds: z.array(HoldSchema),
	pending_purchases: z.array(PendingPurchaseSchema),
	controls: ControlsSchema,
}).openapi("Account");
export const StatementSchema = contracts.StatementSchema.extend({
	entries: z.array(LedgerEntrySchema),
	receipts: z.array(ReceiptSchema),
}).openapi("Statement");

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
		level: contracts.CredentialLevelSchema,
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
