import { z } from "zod";
import { MerchantError } from "../lib/errors.ts";
import { addDays, zoned, zonedToUtc } from "../lib/time.ts";
import { PRODUCTS, type Product, STATE_TAX_MILLI_PERCENT, type Variant } from "./glowbeauty.data.ts";

/** How long a cart quote's prices are honoured. */
export const QUOTE_TTL_MS = 15 * 60_000;
/** Standard shipping is free from this merchandise total (after discounts). */
export const FREE_SHIPPING_CENTS = 3500;
export const MAX_PER_VARIANT = 10;
/** The warehouse ships on its local business days. */
export const WAREHOUSE_TIME_ZONE = "America/New_York";

export const SHIPPING_METHODS = {
	standard: { fee_cents: 595, min_days: 3, max_days: 5, ships_after_hours: 24, carrier: "USPS" },
	express: { fee_cents: 1295, min_days: 2, max_days: 2, ships_after_hours: 6, carrier: "UPS" },
	overnight: { fee_cents: 2495, min_days: 1, max_days: 1, ships_after_hours: 3, carrier: "FedEx" },
} as const;
export type ShippingMethod = keyof typeof SHIPPING_METHODS;
const METHOD_IDS = Object.keys(SHIPPING_METHODS) as [ShippingMethod, ...ShippingMethod[]];

interface Promo {
	description: string;
	percent?: number;
	/** Only lines of this group are discounted. */
	group?: Product["group"];
	min_subtotal_cents?: number;
	free_standard_shipping?: boolean;
	expired?: boolean;
}

export const PROMOS: Record<string, Promo> = {
	GLOW10: { description: "10% off your order", percent: 10 },
	WELCOME15: { description: "15% off orders of $50 or more", percent: 15, min_subtotal_cents: 5000 },
	SKIN20: { description: "20% off skincare", percent: 20, group: "skincare" },
	FREESHIP: { description: "Free standard shipping on any order", free_standard_shipping: true },
	SUMMER24: { description: "20% off summer favorites", percent: 20, expired: true },
};

export const cartRequestSchema = z.object({
	items: z
		.array(
			z.object({
				variant_id: z.string().trim().min(1),
				quantity: z.number().int().min(1).max(MAX_PER_VARIANT),
			}),
		)
		.min(1)
		.max(25),
	shipping_address: z.object({
		name: z.string().trim().min(1).max(100),
		street: z.string().trim().min(3).max(200),
		unit: z.string().trim().max(40).optional(),
		city: z.string().trim().min(1).max(80),
		state: z.string().trim().toUpperCase().length(2),
		postal_code: z
			.string()
			.trim()
			.regex(/^\d{5}(-\d{4})?$/, "must be a US ZIP code"),
		country: z.literal("US").default("US"),
	}),
	shipping_method: z.enum(METHOD_IDS).default("standard"),
	promo_code: z.string().trim().toUpperCase().min(1).max(30).optional(),
});

export type CartRequest = z.output<typeof cartRequestSchema>;

export const cartLineSchema = z.object({
	product_id: z.string(),
	variant_id: z.string(),
	name: z.string(),
	brand: z.string(),
	variant_name: z.string(),
	quantity: z.number().int(),
	unit_price_cents: z.number().int(),
	line_total_cents: z.number().int(),
	discount_cents: z.number().int(),
});

export const totalsSchema = z.object({
	subtotal_cents: z.number().int(),
	discount_cents: z.number().int(),
	shipping_cents: z.number().int(),
	tax_cents: z.number().int(),
	total_cents: z.number().int(),
});

export type Totals = z.output<typeof totalsSchema>;

export interface PricedCart {
	lines: z.output<typeof cartLineSchema>[];
	promo: { code: string; description: string } | null;
	shipping_method: ShippingMethod;
	shipping_fee_cents: number;
	tax_rate_percent: number;
	totals: Totals;
}

export function findVariant(variantId: string): { product: Product; variant: Variant } {
	for (const product of PRODUCTS) {
		const variant = product.variants.find((v) => v.variant_id === variantId);
		if (variant) return { product, variant };
	}
	throw new MerchantError(
		422,
		"variant_not_found",
		`No product variant "${variantId}". Variant ids are listed by GET /products/{product_id}.`,
		{ variant_id: variantId },
	);
}

function promoFor(code: string | undefined): (Promo & { code: string }) | null {
	if (code === undefined) return null;
	const promo = PROMOS[code];
	if (!promo) throw new MerchantError(422, "invalid_promo_code", `"${code}" is not a GlowBeauty promo code.`);
	if (promo.expired) throw new MerchantError(422, "promo_expired", `The promo code ${code} has expired.`);
	return { ...promo, code };
}

/**
 * Prices a cart the way the quote and the checkout both must: same request, same cents. Throws the
 * merchant's 422 errors for unknown variants, short stock, unusable promo codes and unserved states.
 */
export function priceCart(request: CartRequest): PricedCart {
	const quantities = new Map<string, number>();
	for (const item of request.items) {
		quantities.set(item.variant_id, (quantities.get(item.variant_id) ?? 0) + item.quantity);
	}
	const promo = promoFor(request.promo_code);
	const lines = [...quantities].map(([variantId, quantity]) => {
		const { product, variant } = findVariant(variantId);
		if (quantity > Math.min(variant.stock, MAX_PER_VARIANT)) {
			throw new MerchantError(
				422,
				"insufficient_stock",
				variant.stock === 0
					? `${product.brand.name} ${product.name} (${variant.name}) is out of stock.`
					: `Only ${Math.min(variant.stock, MAX_PER_VARIANT)} of ${product.brand.name} ${product.name} (${variant.name}) can be ordered.`,
				{ variant_id: variantId, available: Math.min(variant.stock, MAX_PER_VARIANT) },
			);
		}
		const lineTotal = variant.price_cents * quantity;
		const eligible = promo?.percent !== undefined && (!promo.group || promo.group === product.group);
		return {
			product_id: product.product_id,
			variant_id: variant.variant_id,
			name: product.name,
			brand: product.brand.name,
			variant_name: variant.name,
			quantity,
			unit_price_cents: variant.price_cents,
			line_total_cents: lineTotal,
			discount_cents: eligible ? Math.round((lineTotal * (promo?.percent ?? 0)) / 100) : 0,
		};
	});

	const subtotal = lines.reduce((sum, line) => sum + line.line_total_cents, 0);
	const discount = lines.reduce((sum, line) => sum + line.discount_cents, 0);
	if (promo?.min_subtotal_cents !== undefined && subtotal < promo.min_subtotal_cents) {
		throw new MerchantError(
			422,
			"promo_not_applicable",
			`${promo.code} needs a subtotal of at least ${promo.min_subtotal_cents} cents; this cart is ${subtotal}.`,
			{ min_subtotal_cents: promo.min_subtotal_cents },
		);
	}
	if (promo?.group && discount === 0) {
		throw new MerchantError(422, "promo_not_applicable", `${promo.code} applies to ${promo.group} only.`);
	}
	if (promo?.free_standard_shipping && request.shipping_method !== "standard") {
		throw new MerchantError(422, "promo_not_applicable", `${promo.code} applies to standard shipping only.`);
	}

	const taxRate = STATE_TAX_MILLI_PERCENT[request.shipping_address.state];
	if (taxRate === undefined) {
		throw new MerchantError(
			422,
			"cannot_ship_to",
			`GlowBeauty ships to the 50 US states and DC; "${request.shipping_address.state}" is not one of them.`,
		);
	}
	const merchandise = subtotal - discount;
	const method = SHIPPING_METHODS[request.shipping_method];
	const shipping =
		request.shipping_method === "standard" &&
		(merchandise >= FREE_SHIPPING_CENTS || promo?.free_standard_shipping)
			? 0
			: method.fee_cents;
	// Cosmetics are taxable everywhere that has a sales tax; shipping is not taxed here.
	const tax = Math.round((merchandise * taxRate) / 100_000);
	return {
		lines,
		promo: promo ? { code: promo.code, description: promo.description } : null,
		shipping_method: request.shipping_method,
		shipping_fee_cents: shipping,
		tax_rate_percent: taxRate / 1000,
		totals: {
			subtotal_cents: subtotal,
			discount_cents: discount,
			shipping_cents: shipping,
			tax_cents: tax,
			total_cents: merchandise + shipping + tax,
		},
	};
}

function addBusinessDays(date: string, days: number): string {
	let current = date;
	let left = days;
	while (left > 0) {
		current = addDays(current, 1);
		const weekday = new Date(`${current}T12:00:00Z`).getUTCDay();
		if (weekday !== 0 && weekday !== 6) left--;
	}
	return current;
}

/** Delivery dates for an order placed at `ms`, in the warehouse's business days. */
export function deliveryEstimate(method: ShippingMethod, ms: number) {
	const today = zoned(ms, WAREHOUSE_TIME_ZONE).date;
	const rule = SHIPPING_METHODS[method];
	const latest = addBusinessDays(today, rule.max_days);
	return {
		earliest: addBusinessDays(today, rule.min_days),
		latest,
		/** Orders arrive mid-afternoon on the latest estimated day. */
		delivered_at_ms: zonedToUtc(latest, 14, WAREHOUSE_TIME_ZONE),
		shipped_at_ms: ms + rule.ships_after_hours * 3_600_000,
	};
}
