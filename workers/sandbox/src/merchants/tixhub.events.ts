import { daysBetween, isCalendarDate, weekday } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { type Rng, seeded } from "../lib/random.ts";
import { addDays, zoned, zonedToUtc } from "../lib/time.ts";
import {
	type Artist,
	CITIES,
	type City,
	CLUB_ACTS,
	HEADLINERS,
	LAYOUTS,
	LEAGUE_BASE_CENTS,
	SEASONS,
	type SectionTemplate,
	SHOWS,
	type Team,
	VENUES,
	type Venue,
	VISITORS,
} from "./tixhub.data.ts";

/** How far ahead events are on sale, and how long past ones can still be looked up. */
export const ON_SALE_DAYS = 180;
const LOOKBACK_DAYS = 30;
const SERVICE_FEE_BP = 1500;
const MIN_SERVICE_FEE_CENTS = 450;
/** Mailed tickets need this many days before the event. */
export const MAIL_CUTOFF_DAYS = 10;
export const PER_ORDER_LIMIT = 8;

export const CATEGORIES = ["concert", "sports", "theatre"] as const;
export type Category = (typeof CATEGORIES)[number];

export const DELIVERY_METHODS = ["mobile", "will_call", "mail"] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
export const DELIVERY_FEES: Record<DeliveryMethod, number> = { mobile: 0, will_call: 250, mail: 1500 };

type Layout = keyof typeof LAYOUTS;

export interface TixEvent {
	event_id: string;
	name: string;
	category: Category;
	genre: string;
	performers: string[];
	description: string;
	venue: Venue;
	city: City;
	/** Local calendar date and start time (minutes after midnight). */
	date: string;
	start_minutes: number;
	starts_at_ms: number;
	doors_open_ms: number;
	age_restriction: "all_ages" | "18+" | "21+";
	layout: Layout;
	/** Face value of an average seat for this event, in cents. */
	base_cents: number;
	/** How hot the event is: prices and sell-through rise with it. */
	demand: number;
}

export function cityOf(venue: Venue): City {
	const city = CITIES.find((c) => c.slug === venue.city);
	if (!city) throw new Error(`venue ${venue.venue_id} is in unknown city ${venue.city}`);
	return city;
}

const hhmm = (minutes: number): string =>
	`${String(Math.floor(minutes / 60)).padStart(2, "0")}${String(minutes % 60).padStart(2, "0")}`;

function make(
	venue: Venue,
	date: string,
	startMinutes: number,
	r: Rng,
	fields: Pick<
		TixEvent,
		"name" | "category" | "genre" | "performers" | "description" | "layout" | "base_cents"
	> & {
		age_restriction?: TixEvent["age_restriction"];
	},
): TixEvent {
	const city = cityOf(venue);
	const day = weekday(date);
	const startsAt = zonedToUtc(date, 0, city.timeZone) + startMinutes * 60_000;
	const demand = r.range(0.85, 1.35) * (day === 5 || day === 6 ? 1.12 : 1);
	return {
		event_id: `${venue.venue_id}-${date}-${hhmm(startMinutes)}`,
		venue,
		city,
		date,
		start_minutes: startMinutes,
		starts_at_ms: startsAt,
		doors_open_ms: startsAt - (venue.kind === "stadium" ? 90 : 60) * 60_000,
		age_restriction: fields.age_restriction ?? "all_ages",
		demand,
		...fields,
	};
}

function concert(
	venue: Venue,
	date: string,
	startMinutes: number,
	r: Rng,
	artist: Artist,
	layout: Layout,
): TixEvent {
	const opener = r.pick(CLUB_ACTS.filter((a) => a.name !== artist.name));
	const big = layout !== "club";
	return make(venue, date, startMinutes, r, {
		name: big ? `${artist.name}: ${artist.tour}` : artist.name,
		category: "concert",
		genre: artist.genre,
		performers: [artist.name, opener.name],
		description: `${artist.name} (${artist.genre}) live at ${venue.name}, with special guest ${opener.name}.`,
		layout,
		base_cents: artist.base_cents,
		...(venue.kind === "club" ? { age_restriction: startMinutes >= 21 * 60 ? "21+" : "18+" } : {}),
	});
}

function game(venue: Venue, date: string, startMinutes: number, r: Rng, team: Team): TixEvent {
	const rivals = VENUES.flatMap((other) => other.home_teams)
		.filter((t) => t.league === team.league && t.name !== team.name)
		.map((t) => t.name);
	const opponent = r.pick([...VISITORS[team.league], ...rivals]);
	return make(venue, date, startMinutes, r, {
		name: `${team.name} vs ${opponent}`,
		category: "sports",
		genre: team.league,
		performers: [team.name, opponent],
		description: `${team.league[0]?.toUpperCase()}${team.league.slice(1)}: the ${team.name} host the ${opponent} at ${venue.name}.`,
		layout: venue.kind === "stadium" ? "stadium" : "arena-sports",
		base_cents: LEAGUE_BASE_CENTS[team.league],
	});
}

/** Theatres run one production per 13-week season. */
function showAt(venue: Venue, date: string) {
	const season = Math.floor(daysBetween("2020-01-06", date) / 91);
	return seeded("tixhub", venue.venue_id, "season", season).pick(SHOWS);
}

/** Everything on at a venue on a local date; the same venue and date always have the same events. */
export function eventsOn(venue: Venue, date: string): TixEvent[] {
	const r = seeded("tixhub", venue.venue_id, date);
	const month = Number(date.slice(5, 7));
	const day = weekday(date);
	const weekend = day === 0 || day === 6;
	switch (venue.kind) {
		case "theatre": {
			if (day === 1) return [];
			const show = showAt(venue, date);
			const times = day === 0 ? [15 * 60] : day === 3 || day === 6 ? [14 * 60, 19 * 60 + 30] : [19 * 60 + 30];
			return times.map((start) =>
				make(venue, date, start, seeded("tixhub", venue.venue_id, date, start), {
					name: show.name,
					category: "theatre",
					genre: show.genre,
					performers: [show.name],
					description: `${show.description} Running time ${show.runtime_minutes} minutes.`,
					layout: "theatre",
					base_cents: show.base_cents,
				}),
			);
		}
		case "arena": {
			const teams = venue.home_teams.filter((t) => SEASONS[t.league].includes(month));
			if (teams.length > 0 && r.chance(0.45)) {
				return [
					game(
						venue,
						date,
						weekend ? r.pick([13 * 60, 18 * 60]) : 19 * 60 + r.pick([0, 30]),
						r,
						r.pick(teams),
					),
				];
			}
			if (r.chance(0.4)) return [concert(venue, date, 20 * 60, r, r.pick(HEADLINERS), "arena-concert")];
			return [];
		}
		case "stadium": {
			const team = venue.home_teams[0];
			if (team && SEASONS[team.league].includes(month)) {
				if (team.league === "football" && day === 0 && r.chance(0.5)) {
					return [game(venue, date, r.pick([13 * 60, 16 * 60 + 25]), r, team)];
				}
				if (team.league === "baseball" && r.chance(0.55)) {
					const start = day === 0 ? 13 * 60 + 10 : day === 6 ? 16 * 60 + 10 : 19 * 60 + 5;
					return [game(venue, date, start, r, team)];
				}
			}
			// Summer stadium tours on weekend nights without a home game.
			if ((day === 5 || day === 6) && month >= 5 && month <= 9 && r.chance(0.2)) {
				return [concert(venue, date, 19 * 60 + 30, r, r.pick(HEADLINERS), "stadium")];
			}
			return [];
		}
		case "club": {
			if (!r.chance(0.7)) return [];
			const country = venue.city === "nashville" && r.chance(0.6);
			const acts = country
				? CLUB_ACTS.filter((a) => a.genre === "country" || a.genre === "bluegrass")
				: CLUB_ACTS;
			return [concert(venue, date, day === 5 || day === 6 ? 21 * 60 : 20 * 60, r, r.pick(acts), "club")];
		}
	}
}

const EVENT_ID = /^([a-z0-9-]+)-(\d{4}-\d{2}-\d{2})-(\d{4})$/;

/** Looks an event up by id; 404 `event_not_found` for anything not on the venue's calendar. */
export function findEvent(eventId: string, nowMs: number): TixEvent {
	const match = EVENT_ID.exec(eventId);
	const venue = VENUES.find((v) => v.venue_id === match?.[1]);
	const date = match?.[2] ?? "";
	const event =
		venue && isCalendarDate(date) && withinCalendar(venue, date, nowMs)
			? eventsOn(venue, date).find((e) => e.event_id === eventId)
			: undefined;
	if (!event) {
		throw new MerchantError(404, "event_not_found", `No event "${eventId}". Find events with GET /events.`);
	}
	return event;
}

function withinCalendar(venue: Venue, date: string, nowMs: number): boolean {
	const ahead = daysBetween(zoned(nowMs, cityOf(venue).timeZone).date, date);
	return ahead >= -LOOKBACK_DAYS && ahead <= ON_SALE_DAYS;
}

/** Events at these venues on local dates from `from` to `to`, both included, in start order. */
export function eventsBetween(venues: readonly Venue[], from: string, to: string, nowMs: number): TixEvent[] {
	const events: TixEvent[] = [];
	for (let date = from; date <= to; date = addDays(date, 1)) {
		for (const venue of venues) if (withinCalendar(venue, date, nowMs)) events.push(...eventsOn(venue, date));
	}
	return events.sort((a, b) => a.starts_at_ms - b.starts_at_ms || a.name.localeCompare(b.name));
}

export interface SectionOffer {
	template: SectionTemplate;
	face_value_cents: number;
	service_fee_cents: number;
	facility_fee_cents: number;
	available: number;
}

/** A section's prices and how many seats are left; sales pick up as the date nears. */
export function sectionOffers(event: TixEvent, nowMs: number): SectionOffer[] {
	const daysOut = (event.starts_at_ms - nowMs) / 86_400_000;
	const rush = daysOut < 7 ? 0.25 : daysOut < 30 ? 0.12 : 0;
	return LAYOUTS[event.layout].map((template) => {
		const r = seeded("tixhub", event.event_id, template.section_id);
		const face = Math.round((event.base_cents * event.demand * template.factor) / 50) * 50;
		const capacity = Math.max(
			template.rows ? template.seats_per_row * 2 : 40,
			Math.round(event.venue.capacity * template.share),
		);
		const sold = Math.min(1, Math.max(0, 0.35 + (event.demand - 0.85) * 0.8 + rush + r.range(-0.1, 0.1)));
		const soldOut = r.chance(template.factor >= 1.4 ? 0.12 : 0.04);
		return {
			template,
			face_value_cents: face,
			service_fee_cents: Math.max(
				MIN_SERVICE_FEE_CENTS,
				Math.round((face * SERVICE_FEE_BP) / 10_000 / 5) * 5,
			),
			facility_fee_cents: event.venue.facility_fee_cents,
			available: soldOut || nowMs >= event.starts_at_ms ? 0 : Math.round(capacity * (1 - sold)),
		};
	});
}

export type EventStatus = "on_sale" | "few_left" | "sold_out" | "ended";

export function statusOf(event: TixEvent, offers: SectionOffer[], nowMs: number): EventStatus {
	if (nowMs >= event.starts_at_ms) return "ended";
	const left = offers.reduce((sum, o) => sum + o.available, 0);
	if (left === 0) return "sold_out";
	return left < 100 ? "few_left" : "on_sale";
}
