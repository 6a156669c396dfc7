import { z } from "@hono/zod-openapi";

const slug = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, "a service id");

/** Spend controls, set by the human owner of a credential (never by a model). Amounts in integer cents. */
export const ControlsSchema = z
	.object({
		per_purchase_cap_cents: z.number().int().min(0).nullable().default(null),
		daily_cap_cents: z.number().int().min(0).nullable().default(null),
		auto_approve_threshold_cents: z
			.number()
			.int()
			.min(0)
			.default(2500)
			.openapi({ description: "Purchases above this need a human confirmation of the quote." }),
		merchant_allow: z
			.array(slug)
			.max(500)
			.default([])
			.openapi({ description: "If not empty, only these services may be bought from." }),
		merchant_deny: z.array(slug).max(500).default([]),
		frozen: z
			.boolean()
			.default(false)
			.openapi({ description: "Kill switch: no purchase or paid call while set." }),
	})
	.openapi("SpendControls");

export type Controls = z.output<typeof ControlsSchema>;

export const DEFAULT_CONTROLS: Controls = ControlsSchema.parse({});
