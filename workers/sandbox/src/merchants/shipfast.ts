import { Hono } from "hono";
import { z } from "zod";
import shipfastSpec from "../../../../providers/shipfast/openapi.yaml";
import { MerchantError } from "../lib/errors.ts";
import { distanceKm, type LatLon } from "../lib/geo.ts";
import { idempotencyKeyOf, type PurchaseTerms, placePurchase, storedDocument } from "../lib/purchase.ts";
import { seeded } from "../lib/random.ts";
import { localIso, zonedToUtc } from "../lib/time.ts";
import { parseJsonBody, parseParams } from "../lib/validate.ts";
import { type Merchant, merchantStore, now, type SandboxApp } from "../merchant.ts";
import { AIR_HUB, HUBS, type Hub, SERVICE_LEVELS, STATES } from "./shipfast.data.ts";
import {
	addressSchema,
	chargesSchema,
	PICKUP_CUTOFF_HOUR,
	parcelSchema,
	priceShipment,
	QUOTE_TTL_MS,
	rateRequestSchema,
	serviceLevel,
} from "./shipfast.pricing.ts";

const MERCHANT_ID = "shipfast";
const CURRENCY = "USD";
const TERMS: PurchaseTerms = {
	purchase: "POST /labels",
	quote: "POST /rates",
	hold: "24 hours",
	repeat: "the addresses, parcel, service level and declared value",
};

const iso = (ms: number): string => new Date(ms).toISOString();

const labelRequestSchema = rateRequestSchema.extend({
	quote_id: z.string().trim().min(1),
	label_format: z.enum(["pdf", "png", "zpl"]).default("pdf"),
	reference: z.string().trim().max(50).optional(),
});

const labelDocumentSchema = z.object({
	tracking_number: z.string(),
	quote_id: z.string(),
	service_level: z.string(),
	zone: z.number().int(),
	from_address: addressSchema,
	to_address: addressSchema,
	parcel: parcelSchema.extend({ dim_weight_lb: z.number().int(), billable_weight_lb: z.number().int() }),
	declared_value_cents: z.number().int(),
	ship_date: z.string(),
	transit_business_days: z.number().int(),
	estimated_delivery_date: z.string(),
	charges: chargesSchema.extend({ adjustment_cents: z.number().int().optional() }),
	currency: z.string(),
	label_format: z.string(),
	reference: z.string().optional(),
	created_at_ms: z.number().int(),
});

type LabelDocument = z.output<typeof labelDocumentSchema>;

function timeZoneOf(stateCode: string): string {
	return STATES.find((st) => st.code === stateCode)?.timeZone ?? "America/New_York";
}

function nearestHub(point: LatLon): Hub {
	let best = HUBS[0] ?? AIR_HUB;
	for (const hub of HUBS) if (distanceKm(point, hub) < distanceKm(point, best)) best = hub;
	return best;
}

function stateCentre(code: string): LatLon {
	const state = STATES.find((st) => st.code === code);
	return state ?? AIR_HUB;
}

interface TrackingEvent {
	status: "label_created" | "picked_up" | "in_transit" | "out_for_delivery" | "delivered";
	description: string;
	city: string;
	state: string;
	at: number;
}

/** The parcel's whole journey, from label to doorstep; what the customer sees is the part before now. */
function journey(label: LabelDocument): TrackingEvent[] {
	const level = serviceLevel(label.service_level);
	const from = label.from_address;
	const to = label.to_address;
	const r = seeded(MERCHANT_ID, label.tracking_number);
	const minutes = (n: number) => n * 60_000;
	const events: TrackingEvent[] = [
		{
			status: "label_created",
			description: "Shipping label created; ShipFast is awaiting the parcel.",
			city: from.city,
			state: from.state,
			at: label.created_at_ms,
		},
	];
	const pickup = Math.max(
		zonedToUtc(label.ship_date, PICKUP_CUTOFF_HOUR, timeZoneOf(from.state)) + minutes(r.int(0, 50)),
		label.created_at_ms + minutes(45),
	);
	events.push({
		status: "picked_up",
		description: "Picked up by ShipFast.",
		city: from.city,
		state: from.state,
		at: pickup,
	});
	const originHub = nearestHub(stateCentre(from.state));
	const destinationHub = nearestHub(stateCentre(to.state));
	events.push(
		{
			status: "in_transit",
			description: "Arrived at ShipFast facility.",
			city: originHub.city,
			state: originHub.state,
			at: pickup + minutes(r.int(80, 130)),
		},
		{
			status: "in_transit",
			description: "Departed ShipFast facility.",
			city: originHub.city,
			state: originHub.state,
			at: pickup + minutes(r.int(220, 290)),
		},
	);
	const deliveryDate = label.estimated_delivery_date;
	const destinationZone = timeZoneOf(to.state);
	const outForDelivery = zonedToUtc(deliveryDate, 8, destinationZone) + minutes(r.int(0, 40));
	const departed = events.at(-1)?.at ?? pickup;
	const longHaul = distanceKm(originHub, destinationHub) > (level.air ? 500 : 1500);
	if (originHub !== destinationHub && longHaul) {
		const via = level.air
			? AIR_HUB
			: nearestHub({
					lat: (originHub.lat + destinationHub.lat) / 2,
					lon: (originHub.lon + destinationHub.lon) / 2,
				});
		if (via !== originHub && via !== destinationHub) {
			const at = level.air
				? departed + minutes(r.int(150, 240))
				: Math.round((departed + outForDelivery) / 2);
			events.push({
				status: "in_transit",
				description: level.air ? "Arrived at ShipFast air hub." : "In transit through ShipFast facility.",
				city: via.city,
				state: via.state,
				at,
			});
		}
	}
	if (originHub !== destinationHub) {
		const previous = events.at(-1)?.at ?? departed;
		const arrival = Math.max(
			zonedToUtc(deliveryDate, 4, destinationZone) + minutes(r.int(0, 60)),
			previous + minutes(60),
		);
		events.push({
			status: "in_transit",
			description: "Arrived at ShipFast facility.",
			city: destinationHub.city,
			state: destinationHub.state,
			at: Math.min(arrival, outForDelivery - minutes(30)),
		});
	}
	events.push({
		status: "out_for_delivery",
		description:
			level.service_level === "economy"
				? "Handed to the local post office for delivery."
				: "Out for delivery.",
		city: to.city,
		state: to.state,
		at: outForDelivery,
	});
	const [lastHour, lastMinute] = level.delivered_by;
	const earliest = level.service_level === "overnight" ? 9 * 60 : 11 * 60;
	const deliveredMinute = r.int(earliest, lastHour * 60 + lastMinute);
	events.push({
		status: "delivered",
		description: to.residential
			? "Delivered; left at the front door."
			: "Delivered; received at the front desk.",
		city: to.city,
		state: to.state,
		at: zonedToUtc(deliveryDate, 0, destinationZone) + minutes(deliveredMinute),
	});
	return events.sort((a, b) => a.at - b.at);
}

function renderTracking(label: LabelDocument, at: number) {
	const level = serviceLevel(label.service_level);
	const seen = journey(label).filter((event) => event.at <= at);
	const latest = seen.at(-1);
	const status =
		latest?.status === "picked_up" ? "in_transit" : (latest?.status ?? ("label_created" as const));
	return {
		tracking_number: label.tracking_number,
		status,
		service_level: level.service_level,
		service_name: level.name,
		origin: { city: label.from_address.city, state: label.from_address.state },
		destination: { city: label.to_address.city, state: label.to_address.state },
		ship_date: label.ship_date,
		estimated_delivery_date: label.estimated_delivery_date,
		delivered_at: latest?.status === "delivered" ? iso(latest.at) : null,
		events: seen
			.map((event) => ({
				status: event.status,
				description: event.description,
				location: `${event.city}, ${event.state}`,
				at: localIso(event.at, timeZoneOf(event.state)),
			}))
			.reverse(),
	};
}

function renderLabel(label: LabelDocument) {
	const { created_at_ms: createdAt, ...rest } = label;
	const level = serviceLevel(label.service_level);
	return {
		...rest,
		status: "label_created",
		service_name: level.name,
		label_url: `https://labels.shipfast.example/v2/${label.tracking_number}.${label.label_format}`,
		created_at: iso(createdAt),
	};
}

function trackingNumber(): string {
	const digits = crypto.getRandomValues(new Uint8Array(13));
	return `SFX${Array.from(digits, (d) => d % 10).join("")}`;
}

const routes = new Hono<SandboxApp>();

routes.get("/service-levels", (c) =>
	c.json({
		service_levels: SERVICE_LEVELS.map((level) => ({
			service_level: level.service_level,
			name: level.name,
			description: level.description,
			transit_business_days: {
				min: Math.min(...level.transit_days),
				max: Math.max(...level.transit_days),
			},
			delivery_guarantee: level.delivery_guarantee,
			max_weight_lb: level.max_weight_lb,
			fuel_surcharge_percent: level.fuel_surcharge_bp / 100,
			serves_alaska_hawaii: level.air,
		})),
	}),
);

routes.post("/rates", async (c) => {
	const request = await parseJsonBody(c, rateRequestSchema);
	const createdAt = now(c);
	const priced = priceShipment(request, createdAt);
	const quote = {
		quote_id: `rate_${crypto.randomUUID().replaceAll("-", "")}`,
		service_level: priced.level.service_level,
		service_name: priced.level.name,
		zone: priced.zone,
		from_address: request.from_address,
		to_address: request.to_address,
		parcel: priced.parcel,
		declared_value_cents: request.declared_value_cents,
		ship_date: priced.ship_date,
		transit_business_days: priced.transit_business_days,
		estimated_delivery_date: priced.estimated_delivery_date,
		delivery_guarantee: priced.level.delivery_guarantee,
		charges: priced.charges,
		currency: CURRENCY,
		created_at: iso(createdAt),
		expires_at: iso(createdAt + QUOTE_TTL_MS),
	};
	await merchantStore(c, MERCHANT_ID).saveQuote({
		quote_id: quote.quote_id,
		total_cents: priced.charges.total_cents,
		created_at: createdAt,
		expires_at: createdAt + QUOTE_TTL_MS,
		document: JSON.stringify(quote),
	});
	return c.json(quote, 201);
});

routes.post("/labels", async (c) => {
	const key = idempotencyKeyOf(c, TERMS);
	const request = await parseJsonBody(c, labelRequestSchema);
	const at = now(c);
	const priced = priceShipment(request, at);
	const delta = c.get("faults").amountDeltaCents;
	const document: LabelDocument = {
		tracking_number: trackingNumber(),
		quote_id: request.quote_id,
		service_level: priced.level.service_level,
		zone: priced.zone,
		from_address: request.from_address,
		to_address: request.to_address,
		parcel: priced.parcel,
		declared_value_cents: request.declared_value_cents,
		ship_date: priced.ship_date,
		transit_business_days: priced.transit_business_days,
		estimated_delivery_date: priced.estimated_delivery_date,
		// The amount-delta fault plays a carrier that bills other than it quoted.
		charges: {
			...priced.charges,
			total_cents: priced.charges.total_cents + delta,
			...(delta === 0 ? {} : { adjustment_cents: delta }),
		},
		currency: CURRENCY,
		label_format: request.label_format,
		...(request.reference ? { reference: request.reference } : {}),
		created_at_ms: at,
	};
	const placed = await placePurchase(c, merchantStore(c, MERCHANT_ID), {
		idempotencyKey: key,
		request,
		quoteId: request.quote_id,
		expectedTotalCents: priced.charges.total_cents,
		id: document.tracking_number,
		totalCents: document.charges.total_cents,
		document,
		terms: TERMS,
	});
	return c.json(renderLabel(labelDocumentSchema.parse(JSON.parse(placed.document))), 201);
});

routes.get("/tracking/:tracking_number", async (c) => {
	const { tracking_number } = parseParams(
		c,
		z.object({
			tracking_number: z
				.string()
				.trim()
				.toUpperCase()
				.pipe(z.string().regex(/^SFX\d{13}$/)),
		}),
	);
	const stored = await storedDocument(merchantStore(c, MERCHANT_ID), tracking_number);
	if (!stored) {
		throw new MerchantError(404, "tracking_number_not_found", `No ShipFast shipment "${tracking_number}".`);
	}
	return c.json(renderTracking(labelDocumentSchema.parse(JSON.parse(stored)), now(c)));
});

/** ShipFast: US parcel rates by zone, weight and service, label purchase (quote → label) and tracking. */
export const shipfast: Merchant = {
	id: MERCHANT_ID,
	name: "ShipFast",
	specYaml: shipfastSpec,
	apiKeyHeader: "X-API-Key",
	routes,
};
