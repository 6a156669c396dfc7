import { daysBetween, weekday } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { distanceKm } from "../lib/geo.ts";
import { seeded } from "../lib/random.ts";
import { closest } from "../lib/text.ts";
import { addDays, localIso, zoned, zonedToUtc } from "../lib/time.ts";
import {
	AIRCRAFT,
	AIRLINES,
	AIRPORTS,
	type Airline,
	type Airport,
	type Cabin,
	DEPARTURE_TAX_CENTS,
} from "./flyaway.data.ts";

/** How far ahead flights are sold. */
export const BOOKING_WINDOW_DAYS = 330;
const MIN_LEG_KM = 250;

export function findAirport(code: string): Airport {
	const wanted = code.trim().toUpperCase();
	const airport = AIRPORTS.find((ap) => ap.iata === wanted);
	if (!airport) {
		const suggestions = closest(
			wanted,
			AIRPORTS.map((ap) => ap.iata),
		);
		throw new MerchantError(
			404,
			"airport_not_found",
			`FlyAway does not fly to "${wanted}". Did you mean ${suggestions.join(", ")}? List airports with GET /airports.`,
			{ suggestions },
		);
	}
	return airport;
}

export interface Segment {
	flight_number: string;
	airline: Airline;
	origin: Airport;
	destination: Airport;
	departure_ms: number;
	arrival_ms: number;
	duration_minutes: number;
	aircraft: string;
	distance_km: number;
}

export interface Itinerary {
	offer_id: string;
	origin: Airport;
	destination: Airport;
	date: string;
	segments: Segment[];
}

function flies(airline: Airline, from: Airport, to: Airport): boolean {
	if (from.iata === to.iata) return false;
	const served = (hub: Airport, other: Airport) =>
		airline.hubs.includes(hub.iata) &&
		(airline.network.includes(other.iata) || airline.hubs.includes(other.iata));
	return (served(from, to) || served(to, from)) && distanceKm(from, to) <= airline.max_range_km;
}

/** Flight time: cruise at ~820 km/h plus taxi and climb, helped east by the jet stream and slowed west. */
function blockMinutes(from: Airport, to: Airport): number {
	const km = distanceKm(from, to);
	const east = ((to.lon - from.lon + 540) % 360) - 180 > 0;
	const minutes = 35 + (km / 820) * 60 * (east ? 0.93 : 1.07);
	return Math.round(minutes / 5) * 5;
}

interface Slot {
	flight_number: string;
	/** Local departure time at the origin, minutes after midnight. */
	departs: number;
	aircraft: string;
}

/** The airline's daily timetable on a route: the same flights at the same times every day. */
function timetable(airline: Airline, from: Airport, to: Airport): Slot[] {
	const km = distanceKm(from, to);
	const r = seeded("flyaway", airline.code, from.iata, to.iata);
	const base = km < 1500 ? 4 : km < 3000 ? 3 : km < 6000 ? 2 : 1;
	const count = Math.max(1, base - (r.chance(0.4) ? 1 : 0));
	// Transatlantic eastbound flights leave in the evening to land in Europe in the morning.
	const overnight = km > 5000 && from.lon < -30 && to.lon > -30;
	const [start, end] = overnight ? [16 * 60 + 30, 22 * 60 + 30] : [6 * 60, 22 * 60];
	const width = (end - start) / count;
	const fleet = km < 2500 ? AIRCRAFT.short : km < 6000 ? AIRCRAFT.medium : AIRCRAFT.long;
	const first = km > 6000 ? r.int(1, 45) * 2 : r.int(50, 950) * 2;
	// Flight numbers are even one way and odd the other, as airlines number them.
	const parity = from.iata < to.iata ? 0 : 1;
	return Array.from({ length: count }, (_, i) => ({
		flight_number: `${airline.code}${first + i * 2 + parity}`,
		departs: Math.round((start + width * (i + r.range(0.1, 0.9))) / 5) * 5,
		aircraft: r.pick(fleet),
	}));
}

function segmentOn(airline: Airline, from: Airport, to: Airport, date: string, slot: Slot): Segment {
	const departure = zonedToUtc(date, 0, from.timeZone) + slot.departs * 60_000;
	const duration = blockMinutes(from, to);
	return {
		flight_number: slot.flight_number,
		airline,
		origin: from,
		destination: to,
		departure_ms: departure,
		arrival_ms: departure + duration * 60_000,
		duration_minutes: duration,
		aircraft: slot.aircraft,
		distance_km: Math.round(distanceKm(from, to)),
	};
}

function offerId(origin: Airport, destination: Airport, date: string, segments: Segment[]): string {
	return `${origin.iata}${destination.iata}${date.replaceAll("-", "")}-${segments.map((s) => s.flight_number).join("-")}`;
}

/** Nonstop and one-stop itineraries leaving `origin` on local `date`; the same inputs always give the same flights. */
export function itineraries(origin: Airport, destination: Airport, date: string): Itinerary[] {
	const out: Itinerary[] = [];
	const direct = distanceKm(origin, destination);
	const add = (segments: Segment[]) =>
		out.push({ offer_id: offerId(origin, destination, date, segments), origin, destination, date, segments });
	for (const airline of AIRLINES) {
		if (flies(airline, origin, destination)) {
			for (const slot of timetable(airline, origin, destination)) {
				add([segmentOn(airline, origin, destination, date, slot)]);
			}
		}
		for (const hubCode of airline.hubs) {
			const hub = AIRPORTS.find((ap) => ap.iata === hubCode);
			if (!hub || hub === origin || hub === destination) continue;
			if (!flies(airline, origin, hub) || !flies(airline, hub, destination)) continue;
			const [toHub, fromHub] = [distanceKm(origin, hub), distanceKm(hub, destination)];
			// Nobody connects through the airport next door, or flies far out of the way to connect.
			if (Math.min(toHub, fromHub) < MIN_LEG_KM || toHub + fromHub > Math.max(direct * 1.35, direct + 900))
				continue;
			const international = origin.country !== destination.country;
			const minConnect = (international ? 75 : 45) * 60_000;
			const maxConnect = (direct > 6000 ? 14 : 6) * 3600_000;
			for (const slot of timetable(airline, origin, hub)) {
				const first = segmentOn(airline, origin, hub, date, slot);
				const arrivalDate = zoned(first.arrival_ms, hub.timeZone).date;
				const onward = [arrivalDate, addDays(arrivalDate, 1)]
					.flatMap((day) =>
						timetable(airline, hub, destination).map((s) => segmentOn(airline, hub, destination, day, s)),
					)
					.filter(
						(s) =>
							s.departure_ms - first.arrival_ms >= minConnect &&
							s.departure_ms - first.arrival_ms <= maxConnect,
					)
					.sort((a, b) => a.departure_ms - b.departure_ms)[0];
				if (onward) add([first, onward]);
			}
		}
	}
	return out;
}

/** Looks an offer up by id by rebuilding that day's flights; 404 `offer_not_found` otherwise. */
export function findItinerary(offerIdText: string): Itinerary {
	const match = /^([A-Z]{3})([A-Z]{3})(\d{4})(\d{2})(\d{2})-[A-Z0-9-]+$/.exec(
		offerIdText.trim().toUpperCase(),
	);
	const origin = AIRPORTS.find((ap) => ap.iata === match?.[1]);
	const destination = AIRPORTS.find((ap) => ap.iata === match?.[2]);
	const found =
		match && origin && destination
			? itineraries(origin, destination, `${match[3]}-${match[4]}-${match[5]}`).find(
					(it) => it.offer_id === offerIdText.trim().toUpperCase(),
				)
			: undefined;
	if (!found) {
		throw new MerchantError(
			404,
			"offer_not_found",
			`No flight offer "${offerIdText}". Search with GET /flights.`,
		);
	}
	return found;
}

/** Checks a departure date against the booking window at the origin; 422 otherwise. */
export function checkTravelDate(origin: Airport, date: string, nowMs: number): void {
	const ahead = daysBetween(zoned(nowMs, origin.timeZone).date, date);
	if (ahead < 0 || ahead > BOOKING_WINDOW_DAYS) {
		throw new MerchantError(
			422,
			"date_out_of_range",
			ahead < 0
				? `${date} is in the past at ${origin.iata}.`
				: `Flights are sold up to ${BOOKING_WINDOW_DAYS} days ahead; ${date} is not on sale yet.`,
		);
	}
}

export const isDomestic = (it: Itinerary): boolean =>
	it.origin.country === "US" &&
	it.destination.country === "US" &&
	it.segments.every((s) => s.destination.country === "US");

/** Whether the cabin is sold on every flight of the itinerary, and how many seats are left in it. */
export function cabinAvailability(it: Itinerary, cabin: Cabin): { offered: boolean; seats_left: number } {
	const offered = it.segments.every((s) => {
		if (cabin === "economy") return true;
		if (cabin === "premium_economy") return s.distance_km >= 2500;
		if (cabin === "business") return s.distance_km >= 900;
		return s.distance_km >= 7000 && ["PQ", "AQ", "DQ", "LC"].includes(s.airline.code);
	});
	const r = seeded("flyaway", it.offer_id, cabin, "seats");
	return { offered, seats_left: offered ? (r.chance(0.1) ? 0 : r.int(1, 9)) : 0 };
}

export type PassengerType = "adult" | "child" | "infant";

export interface Charge {
	code: string;
	name: string;
	amount_cents: number;
}

export interface PassengerFare {
	base_fare_cents: number;
	taxes: Charge[];
	fees: Charge[];
	total_cents: number;
}

const CABIN_FACTOR: Record<Cabin, (km: number) => number> = {
	economy: () => 1,
	premium_economy: () => 1.7,
	business: (km) => (km < 2500 ? 2.6 : 4.3),
	first: () => 6.8,
};

const SERVICE_FEE_CENTS = 799;
const US_TICKET_TAX_BP = 750;
const US_INTL_TAX_CENTS = 2290;
const SEGMENT_FEE_CENTS = 520;
const SECURITY_FEE_CENTS = 560;
const FACILITY_CHARGE_CENTS = 450;

function demandOf(it: Itinerary, nowMs: number): number {
	const ahead = daysBetween(zoned(nowMs, it.origin.timeZone).date, it.date);
	const advance =
		ahead < 3 ? 1.75 : ahead < 7 ? 1.5 : ahead < 14 ? 1.25 : ahead < 21 ? 1.12 : ahead < 45 ? 1 : 0.94;
	const day = [1.1, 1.04, 0.9, 0.92, 1, 1.12, 0.95][weekday(it.date)] ?? 1;
	const noise = seeded("flyaway", it.offer_id, "fare").range(0.85, 1.2);
	const carrier = seeded("flyaway", it.segments[0]?.airline.code ?? "", "yield").range(0.92, 1.1);
	return advance * day * noise * carrier * (it.segments.length > 1 ? 0.82 : 1);
}

/** The fare bucket a booking lands in, as the letter on the ticket. */
export function bookingClass(it: Itinerary, cabin: Cabin, nowMs: number): string {
	if (cabin === "first") return "F";
	if (cabin === "business") return demandOf(it, nowMs) > 1.1 ? "J" : "C";
	if (cabin === "premium_economy") return "W";
	const demand = demandOf(it, nowMs);
	return demand > 1.3 ? "Y" : demand > 1.15 ? "B" : demand > 1 ? "M" : demand > 0.9 ? "H" : "K";
}

/** One passenger's fare on an itinerary: base fare, itemised government taxes and carrier/agency fees, in cents. */
export function passengerFare(
	it: Itinerary,
	cabin: Cabin,
	type: PassengerType,
	nowMs: number,
): PassengerFare {
	const km = distanceKm(it.origin, it.destination);
	const dollars = km <= 3000 ? 39 + 0.085 * km : 39 + 255 + 0.06 * (km - 3000);
	const adultBase = Math.round(dollars * CABIN_FACTOR[cabin](km) * demandOf(it, nowMs)) * 100;
	const domestic = isDomestic(it);
	const share = type === "adult" ? 1 : type === "child" ? (domestic ? 1 : 0.75) : domestic ? 0 : 0.1;
	const base = Math.round((adultBase * share) / 100) * 100;
	const lapInfant = type === "infant";
	const taxes: Charge[] = [];
	const fees: Charge[] = [];
	const usEnplanements = it.segments.filter((s) => s.origin.country === "US").length;
	if (domestic) {
		if (!lapInfant) {
			taxes.push(
				{
					code: "US",
					name: "US federal transportation tax (7.5%)",
					amount_cents: Math.round((base * US_TICKET_TAX_BP) / 10_000),
				},
				{ code: "ZP", name: "US flight segment fee", amount_cents: SEGMENT_FEE_CENTS * it.segments.length },
				{
					code: "AY",
					name: "September 11th security fee",
					amount_cents: SECURITY_FEE_CENTS * usEnplanements,
				},
				{
					code: "XF",
					name: "Passenger facility charge",
					amount_cents: FACILITY_CHARGE_CENTS * usEnplanements,
				},
			);
		}
	} else {
		if (it.origin.country === "US") {
			taxes.push({ code: "US", name: "US international departure tax", amount_cents: US_INTL_TAX_CENTS });
		} else {
			const local = DEPARTURE_TAX_CENTS[it.origin.country];
			if (local) {
				const premium = cabin === "business" || cabin === "first" || cabin === "premium_economy";
				taxes.push({
					code: local.code,
					name: local.name,
					amount_cents: premium ? local.premium_cents : local.cents,
				});
			}
		}
		if (it.destination.country === "US") {
			taxes.push(
				{ code: "US", name: "US international arrival tax", amount_cents: US_INTL_TAX_CENTS },
				{ code: "YC", name: "US customs user fee", amount_cents: 700 },
				{ code: "XA", name: "US agriculture inspection fee", amount_cents: 396 },
			);
		}
		if (usEnplanements > 0 && !lapInfant) {
			taxes.push(
				{
					code: "AY",
					name: "September 11th security fee",
					amount_cents: SECURITY_FEE_CENTS * usEnplanements,
				},
				{
					code: "XF",
					name: "Passenger facility charge",
					amount_cents: FACILITY_CHARGE_CENTS * usEnplanements,
				},
			);
		}
		if (!lapInfant) {
			const surcharge =
				(km < 3000 ? 4000 : km < 7000 ? 9000 : 14000) *
				(cabin === "economy" ? 1 : cabin === "premium_economy" ? 1.5 : 2.5);
			fees.push({ code: "YQ", name: "Carrier-imposed surcharge", amount_cents: surcharge });
		}
	}
	if (!lapInfant) fees.push({ code: "SF", name: "FlyAway service fee", amount_cents: SERVICE_FEE_CENTS });
	const sum = (charges: Charge[]) => charges.reduce((total, c) => total + c.amount_cents, 0);
	return { base_fare_cents: base, taxes, fees, total_cents: base + sum(taxes) + sum(fees) };
}

/** An itinerary as the customer sees it: local times at each airport. */
export function renderItinerary(it: Itinerary) {
	const first = it.segments[0];
	const last = it.segments.at(-1);
	if (!first || !last) throw new Error(`itinerary ${it.offer_id} has no flights`);
	return {
		origin: it.origin.iata,
		destination: it.destination.iata,
		departure_at: localIso(first.departure_ms, it.origin.timeZone),
		arrival_at: localIso(last.arrival_ms, it.destination.timeZone),
		duration_minutes: Math.round((last.arrival_ms - first.departure_ms) / 60_000),
		stops: it.segments.length - 1,
		segments: it.segments.map((s) => ({
			flight_number: s.flight_number,
			airline: { code: s.airline.code, name: s.airline.name },
			origin: { iata: s.origin.iata, city: s.origin.city },
			destination: { iata: s.destination.iata, city: s.destination.city },
			departure_at: localIso(s.departure_ms, s.origin.timeZone),
			arrival_at: localIso(s.arrival_ms, s.destination.timeZone),
			duration_minutes: s.duration_minutes,
			aircraft: s.aircraft,
		})),
		layovers: it.segments.slice(1).map((s, i) => ({
			airport: s.origin.iata,
			minutes: Math.round((s.departure_ms - (it.segments[i]?.arrival_ms ?? s.departure_ms)) / 60_000),
		})),
	};
}

/** Airlines with flights at an airport. */
export function airlinesAt(airport: Airport): string[] {
	return AIRLINES.filter((al) => al.hubs.includes(airport.iata) || al.network.includes(airport.iata)).map(
		(al) => al.code,
	);
}
