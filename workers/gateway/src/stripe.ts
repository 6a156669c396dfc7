import type { TopUpOptions } from "@penumbra/core/contracts";
import { PenumbraError } from "@penumbra/core/errors";
import Stripe from "stripe";

/**
 * Stripe, as the gateway uses it for top-ups (docs/money.md "Top-ups"): the official SDK on its fetch client, the
 * operator's bounds, and whether top-up is configured at all. Secrets are read here and never logged or returned.
 */

const DEFAULT_MIN_CENTS = 500;
const DEFAULT_MAX_CENTS = 50_000;
const DEFAULT_PRESETS_CENTS = [1000, 2500, 5000];
/** How old a signed webhook may be (seconds): Stripe's own default tolerance. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

type StripeEnv = Pick<
	GatewayEnv,
	| "ENVIRONMENT"
	| "STRIPE_SECRET_KEY"
	| "STRIPE_WEBHOOK_SECRET"
	| "STRIPE_API_BASE"
	| "TOP_UP_MIN_CENTS"
	| "TOP_UP_MAX_CENTS"
	| "TOP_UP_PRESETS_CENTS"
>;

function positiveInt(value: string | undefined, fallback: number): number {
	if (value === undefined || value.trim() === "") return fallback;
	const n = Number(value);
	return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** The operator's bounds and presets (presets outside the bounds are dropped), and whether Stripe is set up. */
export function topUpOptions(env: StripeEnv): TopUpOptions {
	const min = positiveInt(env.TOP_UP_MIN_CENTS, DEFAULT_MIN_CENTS);
	const max = Math.max(min, positiveInt(env.TOP_UP_MAX_CENTS, DEFAULT_MAX_CENTS));
	const raw = env.TOP_UP_PRESETS_CENTS?.trim()
		? env.TOP_UP_PRESETS_CENTS.split(",").map((p) => Number(p.trim()))
		: DEFAULT_PRESETS_CENTS;
	const presets = [...new Set(raw.filter((p) => Number.isSafeInteger(p) && p >= min && p <= max))].sort(
		(a, b) => a - b,
	);
	return {
		configured: Boolean(env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET),
		min_cents: min,
		max_cents: max,
		presets_cents: presets,
		currency: "USD",
	};
}

/** "$5.00" */
export function dollars(cents: number): string {
	return `$${(cents / 100).toFixed(2)}`;
}

/**
 * The SDK on Workers' fetch. `STRIPE_API_BASE` (development and tests only) points it at another origin, e.g. the
 * local fake Stripe API; production always talks to api.stripe.com.
 */
export function stripeClient(env: StripeEnv): Stripe {
	if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET) {
		throw new PenumbraError("INTERNAL", {
			status: 503,
			detail:
				"Top-up is not configured on this Penumbra: the operator has not set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.",
			extras: {
				missing_config: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"].filter(
					(name) => !env[name as "STRIPE_SECRET_KEY" | "STRIPE_WEBHOOK_SECRET"],
				),
			},
		});
	}
	const base = env.ENVIRONMENT !== "production" && env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : null;
	return new Stripe(env.STRIPE_SECRET_KEY, {
		httpClient: Stripe.createFetchHttpClient(),
		maxNetworkRetries: 2,
		timeout: 20_000,
		...(base
			? {
					host: base.hostname,
					port: base.port || (base.protocol === "https:" ? "443" : "80"),
					protocol: base.protocol === "https:" ? "https" : "http",
				}
			: {}),
	});
}

/** What a Stripe SDK failure says, without anything secret (the SDK's messages never carry the key). */
export function stripeFailure(error: unknown, what: string): PenumbraError {
	if (error instanceof Stripe.errors.StripeError) {
		return new PenumbraError("UPSTREAM_ERROR", {
			detail: `Stripe refused to ${what}: ${error.message}`,
			extras: { stripe_type: error.type, ...(error.code ? { stripe_code: error.code } : {}) },
		});
	}
	return new PenumbraError("UPSTREAM_ERROR", {
		detail: `Stripe could not be reached to ${what}: ${error instanceof Error ? error.message : String(error)}`,
	});
}
