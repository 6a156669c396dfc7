import { z } from "zod";
import { addBusinessDays, daysBetween, isCalendarDate, isWeekend } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { distanceKm } from "../lib/geo.ts";
import { zoned } from "../lib/time.ts";
import {
	NON_CONTIGUOUS,
	SERVICE_LEVEL_IDS,
	SERVICE_LEVELS,
	type ServiceLevel,
	STATES,
	type UsState,
} from "./shipfast.data.ts";

/** How long a rate quote is honoured. */
export const QUOTE_TTL_MS = 24 * 3600 * 1000;
/** Parcels handed over after this local hour ship the next business day. */
export const PICKUP_CUTOFF_HOUR = 17;
const MAX_SHIP_AHEAD_DAYS = 10;
const DIM_DIVISOR = 139;
const MAX_LENGTH_IN = 108;
const MAX_LENGTH_PLUS_GIRTH_IN = 165;
const OVERSIZE_LENGTH_PLUS_GIRTH_IN = 130;
const OVERSIZE_LENGTH_IN = 96;
const OVERSIZE_CENTS = 11_500;
const ADDITIONAL_HANDLING_CENTS = 2_650;
const DELIVERY_AREA_SURCHARGE_CENTS = 4_300;
/** Declared value covered at no charge; above it, this much per started $100. */
const FREE_COVER_CENTS = 10_000;
const COVER_PER_100_CENTS = 115;

export const addressSchema = z.object({
	name: z.string().trim().min(1).max(100),
	company: z.string().trim().max(100).optional(),
	street1: z.string().trim().min(3).max(200),
	street2: z.string().trim().max(200).optional(),
	city: z.string().trim().min(1).max(80),
	state: z
		.string()
		.trim()
		.toUpperCase()
		.regex(/^[A-Z]{2}$/, "must be a two-letter state code"),
	postal_code: z
		.string()
		.trim()
		.regex(/^\d{5}(-\d{4})?$/, "must be a US ZIP code (12345 or 12345-6789)"),
	country: z.literal("US").default("US"),
	residential: z.boolean().default(false),
});

export type Address = z.output<typeof addressSchema>;

export const parcelSchema = z.object({
	length_in: z.number().positive().max(MAX_LENGTH_IN),
	width_in: z.number().positive().max(MAX_LENGTH_IN),
	height_in: z.number().positive().max(MAX_LENGTH_IN),
	weight_oz: z.number().positive().max(2400),
});

export const rateRequestSchema = z.object({
	from_address: addressSchema,
	to_address: addressSchema,
	parcel: parcelSchema,
	service_level: z.enum(SERVICE_LEVEL_IDS),
	ship_date: z.string().refine(isCalendarDate, "must be a date as YYYY-MM-DD").optional(),
	declared_value_cents: z.number().int().min(0).max(5_000_000).default(0),
});

export type RateRequest = z.output<typeof rateRequestSchema>;

export const chargesSchema = z.object({
	base_cents: z.number().int(),
	fuel_surcharge_cents: z.number().int(),
	residential_surcharge_cents: z.number().int(),
	additional_handling_cents: z.number().int(),
	oversize_cents: z.number().int(),
	delivery_area_surcharge_cents: z.number().int(),
	insurance_cents: z.number().int(),
	total_cents: z.number().int(),
});

export type Charges = z.output<typeof chargesSchema>;

export interface PricedShipment {
	level: ServiceLevel;
	from: UsState;
	to: UsState;
	zone: number;
	parcel: z.output<typeof parcelSchema> & { dim_weight_lb: number; billable_weight_lb: number };
	ship_date: string;
	transit_business_days: number;
	estimated_delivery_date: string;
	charges: Charges;
}

export function serviceLevel(id: string): ServiceLevel {
	const level = SERVICE_LEVELS.find((l) => l.service_level === id);
	if (!level) throw new MerchantError(404, "service_level_not_found", `No service level "${id}".`);
	return level;
}

function stateOf(address: Address, field: string): UsState {
	const state = STATES.find((st) => st.code === address.state);
	if (!state) {
		throw new MerchantError(422, "address_invalid", `${field}.state "${address.state}" is not a US state.`, {
			field: `${field}.state`,
		});
	}
	const zip3 = Number(address.postal_code.slice(0, 3));
	if (!state.zip3.some(([lo, hi]) => zip3 >= lo && zip3 <= hi)) {
		throw new MerchantError(
			422,
			"address_invalid",
			`${field}.postal_code ${address.postal_code} is not a ZIP code in ${state.name}.`,
			{ field: `${field}.postal_code` },
		);
	}
	return state;
}

/** Zone 1-8 as on a carrier's zone chart: by distance between the two ZIP areas. */
export function zoneOf(from: UsState, to: UsState, fromZip: string, toZip: string): number {
	if (from.code === to.code) return fromZip.slice(0, 3) === toZip.slice(0, 3) ? 1 : 2;
	if (NON_CONTIGUOUS.has(from.code) || NON_CONTIGUOUS.has(to.code)) return 8;
	const miles = distanceKm(from, to) / 1.609344;
	const bands = [50, 150, 300, 600, 1000, 1400, 1800];
	const index = bands.findIndex((limit) => miles <= limit);
	return index === -1 ? 8 : index + 1;
}

/** The first pickup on or after now at the origin: today before the cutoff on a weekday, else the next business day. */
export function defaultShipDate(nowMs: number, timeZone: string): string {
	const local = zoned(nowMs, timeZone);
	if (isWeekend(local.date) || local.hour >= PICKUP_CUTOFF_HOUR) return addBusinessDays(local.date, 1);
	return local.date;
}

function shipDateOf(requested: string | undefined, nowMs: number, origin: UsState): string {
	if (requested === undefined) return defaultShipDate(nowMs, origin.timeZone);
	const local = zoned(nowMs, origin.timeZone);
	const ahead = daysBetween(local.date, requested);
	const refuse = (why: string) => {
		throw new MerchantError(422, "invalid_ship_date", `ship_date ${requested} ${why}.`, {
			earliest_ship_date: defaultShipDate(nowMs, origin.timeZone),
		});
	};
	if (ahead < 0) refuse("is in the past");
	if (ahead > MAX_SHIP_AHEAD_DAYS) refuse(`is more than ${MAX_SHIP_AHEAD_DAYS} days ahead`);
	if (isWeekend(requested)) refuse("is a weekend; ShipFast picks up Monday to Friday");
	if (ahead === 0 && local.hour >= PICKUP_CUTOFF_HOUR) refuse("is past today's 5 p.m. pickup cutoff");
	return requested;
}

/**
 * Prices a shipment the way the rate quote and the label purchase both must: same request, same cents.
 * Throws the merchant's 422 errors for bad addresses, parcels no service takes, or unserved routes.
 */
export function priceShipment(request: RateRequest, nowMs: number): PricedShipment {
	const level = serviceLevel(request.service_level);
	const from = stateOf(request.from_address, "from_address");
	const to = stateOf(request.to_address, "to_address");
	const offMainland = from.code !== to.code && (NON_CONTIGUOUS.has(from.code) || NON_CONTIGUOUS.has(to.code));
	if (offMainland && !level.air) {
		throw new MerchantError(
			422,
			"service_unavailable_for_route",
			`${level.name} does not serve ${from.code} → ${to.code}; use express or overnight.`,
			{ available_service_levels: SERVICE_LEVELS.filter((l) => l.air).map((l) => l.service_level) },
		);
	}

	const dims = [request.parcel.length_in, request.parcel.width_in, request.parcel.height_in]
		.map((d) => Math.ceil(d))
		.sort((a, b) => b - a);
	const [length = 0, width = 0, height = 0] = dims;
	const lengthPlusGirth = length + 2 * (width + height);
	const weightLb = request.parcel.weight_oz / 16;
	if (lengthPlusGirth > MAX_LENGTH_PLUS_GIRTH_IN) {
		throw new MerchantError(
			422,
			"parcel_too_large",
			`Length plus girth is ${lengthPlusGirth} in; ShipFast takes at most ${MAX_LENGTH_PLUS_GIRTH_IN} in.`,
		);
	}
	if (weightLb > level.max_weight_lb) {
		throw new MerchantError(
			422,
			"parcel_overweight",
			`${level.name} takes parcels up to ${level.max_weight_lb} lb; this one weighs ${Math.round(weightLb * 10) / 10} lb.`,
			{ max_weight_lb: level.max_weight_lb },
		);
	}
	const oversize = lengthPlusGirth > OVERSIZE_LENGTH_PLUS_GIRTH_IN || length > OVERSIZE_LENGTH_IN;
	if (oversize && level.service_level === "economy") {
		throw new MerchantError(
			422,
			"parcel_too_large",
			`${level.name} takes parcels up to ${OVERSIZE_LENGTH_PLUS_GIRTH_IN} in length plus girth; use ground.`,
		);
	}
	const dimWeightLb = Math.ceil((length * width * height) / DIM_DIVISOR);
	const billable = Math.max(1, Math.ceil(weightLb), dimWeightLb);
	const zone = zoneOf(from, to, request.from_address.postal_code, request.to_address.postal_code);

	const base =
		(level.first_lb_cents[zone - 1] ?? 0) + (level.additional_lb_cents[zone - 1] ?? 0) * (billable - 1);
	const fuel = Math.round((base * level.fuel_surcharge_bp) / 10_000);
	const residential = request.to_address.residential ? level.residential_cents : 0;
	const handling = !oversize && (length > 48 || width > 30 || weightLb > 50) ? ADDITIONAL_HANDLING_CENTS : 0;
	const deliveryArea = offMainland && NON_CONTIGUOUS.has(to.code) ? DELIVERY_AREA_SURCHARGE_CENTS : 0;
	const insurance =
		request.declared_value_cents > FREE_COVER_CENTS
			? Math.ceil((request.declared_value_cents - FREE_COVER_CENTS) / 10_000) * COVER_PER_100_CENTS
			: 0;
	const charges: Charges = {
		base_cents: base,
		fuel_surcharge_cents: fuel,
		residential_surcharge_cents: residential,
		additional_handling_cents: handling,
		oversize_cents: oversize ? OVERSIZE_CENTS : 0,
		delivery_area_surcharge_cents: deliveryArea,
		insurance_cents: insurance,
		total_cents: 0,
	};
	charges.total_cents =
		base + fuel + residential + handling + charges.oversize_cents + deliveryArea + insurance;

	const shipDate = shipDateOf(request.ship_date, nowMs, from);
	const transit = level.transit_days[zone - 1] ?? 5;
	return {
		level,
		from,
		to,
		zone,
		parcel: { ...request.parcel, dim_weight_lb: dimWeightLb, billable_weight_lb: billable },
		ship_date: shipDate,
		transit_business_days: transit,
		estimated_delivery_date: addBusinessDays(shipDate, transit),
		charges,
	};
}
