import { z } from "zod";
import { PendingPurchaseSchema } from "./money.ts";

/**
 * An operator's read-only session (README "Operating Penumbra"): made with the ADMIN_TOKEN once by
 * `POST /v1/admin/sessions`, it may only read what the operator dashboard shows (metrics, alerts, purchases), never
 * mint credentials, credit, refund or change anything. The token is shown once; only its SHA-256 is kept.
 */
export const OperatorSessionSchema = z.object({
	token: z.string().regex(/^ops_[A-Za-z0-9_-]{43}$/),
	expires_at: z.iso.datetime(),
});
export type OperatorSession = z.infer<typeof OperatorSessionSchema>;

/** A receipt of the D1 mirror: a purchase the merchant sold and the account was charged for. */
export const RecentPurchaseSchema = z.object({
	receipt_id: z.string(),
	credential_id: z.string(),
	service: z.string(),
	tool: z.string(),
	amount_cents: z.number().int(),
	transaction_id: z.string(),
	flagged: z.boolean(),
	/** Epoch milliseconds, like every money timestamp. */
	created_at: z.number().int(),
});
export type RecentPurchase = z.infer<typeof RecentPurchaseSchema>;

/** What `GET /v1/admin/purchases` answers: the latest receipts and the purchases whose outcome is not settled. */
export const OperatorPurchasesSchema = z.object({
	recent: z.array(RecentPurchaseSchema),
	unresolved: z.array(PendingPurchaseSchema.extend({ credential_id: z.string() })),
	/**
	 * Accounts asked for unresolved purchases, of how many have one (D1's `purchase_watch`): the longest waiting first,
	 * up to the route's `accounts`.
	 */
	accounts_checked: z.number().int().nonnegative(),
	accounts_total: z.number().int().nonnegative(),
});
export type OperatorPurchases = z.infer<typeof OperatorPurchasesSchema>;

/** One call of the site's operator dashboard through the gateway binding (`GatewayRpc.operator`). */
export interface OperatorCall {
	method: "GET" | "POST" | "DELETE";
	/** A path with its query string: `/v1/admin/metrics?by=service&since=…`. */
	path: string;
	request_id?: string;
}
