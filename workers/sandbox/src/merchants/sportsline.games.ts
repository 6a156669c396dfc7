import { weekday } from "../lib/calendar.ts";
import { seeded } from "../lib/random.ts";
import { addDays, zoned, zonedToUtc } from "../lib/time.ts";
import { LEAGUES, type League, type Team, teamsOf } from "./sportsline.data.ts";

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export type Side = "home" | "away";

/** One scheduled game; everything about it follows from its league, date and the two teams. */
export interface Game {
	game_id: string;
	league: League;
	/** Local date at the venue, `YYYY-MM-DD`. */
	date: string;
	home: Team;
	away: Team;
	start_ms: number;
}

// ---- calendar -------------------------------------------------------------------------------

const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Monday-based week number since the epoch (1970-01-05 was a Monday). */
const weekOf = (date: string): number => Math.floor((dayNumber(date) + 3) / 7);

/**
 * The season a date belongs to: its ISO week-year, so every Monday-to-Sunday week (and the rounds in it) lies in
 * one season even across New Year.
 */
export function seasonOf(date: string): number {
	const thursday = dayNumber(date) - ((weekday(date) + 6) % 7) + 3;
	return Number(dateOf(thursday).slice(0, 4));
}

/** The Monday that opens a season (the week holding January 4). */
export function seasonStart(season: number): string {
	const jan4 = `${season}-01-04`;
	return dateOf(dayNumber(jan4) - ((weekday(jan4) + 6) % 7));
}

/** Today's date in a time zone, at the merchant's clock. */
export function today(nowMs: number, timeZone: string): string {
	return zoned(nowMs, timeZone).date;
}

export const compactDate = (date: string): string => date.replaceAll("-", "");

// ---- schedule -------------------------------------------------------------------------------

/** Circle-method round robin: round `r` pairs every team once; the second cycle swaps home and away. */
function pairings(count: number, round: number): [number, number][] {
	const cycle = Math.floor(round / (count - 1));
	const r = round % (count - 1);
	const others = Array.from({ length: count - 1 }, (_, i) => i + 1);
	const order = [0, ...others.map((_, i) => others[(i + r) % (count - 1)] ?? 0)];
	const pairs: [number, number][] = [];
	for (let i = 0; i < count / 2; i++) {
		const a = order[i] ?? 0;
		const b = order[count - 1 - i] ?? 0;
		const aHome = (i === 0 ? r % 2 === 0 : i % 2 === 0) !== (cycle % 2 === 1);
		pairs.push(aHome ? [a, b] : [b, a]);
	}
	return pairs;
}

/** The league's teams in a per-season order, so each season's fixture list differs. */
function seasonOrder(league: League, year: number): Team[] {
	const teams = teamsOf(league.league_id);
	const r = seeded("sportsline", "fixtures", league.league_id, year);
	const keyed = teams.map((team) => ({ team, key: r.next() }));
	return keyed.sort((a, b) => a.key - b.key).map((k) => k.team);
}

/** Which round of the season is played on a date, and which share of its games (null: no games that day). */
function roundOn(league: League, date: string): { round: number; part: number; parts: number } | null {
	const mondayFirst = (day: number) => (day + 6) % 7;
	const days = [...league.game_days].sort((a, b) => mondayFirst(a) - mondayFirst(b));
	const slot = days.indexOf(weekday(date));
	if (slot === -1) return null;
	const perRound = league.days_per_round;
	const week = weekOf(date) - weekOf(seasonStart(seasonOf(date)));
	return {
		round: week * (days.length / perRound) + Math.floor(slot / perRound),
		part: slot % perRound,
		parts: perRound,
	};
}

const scheduleCache = new Map<string, Game[]>();

/** The games of a league on a local date, in start order. */
export function gamesOn(league: League, date: string): Game[] {
	const cacheKey = `${league.league_id}|${date}`;
	const cached = scheduleCache.get(cacheKey);
	if (cached) return cached;
	const round = roundOn(league, date);
	const games: Game[] = [];
	if (round) {
		const teams = seasonOrder(league, seasonOf(date));
		const pairs = pairings(teams.length, round.round).filter((_, i) => i % round.parts === round.part);
		pairs.forEach(([h, a], i) => {
			const home = teams[h];
			const away = teams[a];
			if (!home || !away) return;
			const [hour, minute] = league.start_times[i % league.start_times.length] ?? [19, 0];
			games.push({
				game_id:
					`${league.league_id}-${compactDate(date)}-${away.abbreviation}-${home.abbreviation}`.toLowerCase(),
				league,
				date,
				home,
				away,
				start_ms: zonedToUtc(date, hour, home.timezone) + minute * MINUTE_MS,
			});
		});
		games.sort((x, y) => x.start_ms - y.start_ms || x.game_id.localeCompare(y.game_id));
	}
	if (scheduleCache.size > 20_000) scheduleCache.clear();
	scheduleCache.set(cacheKey, games);
	return games;
}

/** Finds a game by id (`<league>-<yyyymmdd>-<away>-<home>`), or null. */
export function findGame(gameId: string): Game | null {
	const match = /^([a-z]+)-(\d{4})(\d{2})(\d{2})-[a-z]+-[a-z]+$/.exec(gameId);
	if (!match) return null;
	const league = LEAGUES.find((l) => l.league_id === match[1]);
	const date = `${match[2]}-${match[3]}-${match[4]}`;
	if (!league || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) return null;
	return gamesOn(league, date).find((g) => g.game_id === gameId) ?? null;
}

/** Games of a league (or of one team) whose local dates fall in `[from, to]`. */
export function gamesBetween(league: League, from: string, to: string, team?: Team): Game[] {
	const games: Game[] = [];
	for (let date = from; date <= to; date = addDays(date, 1)) {
		for (const game of gamesOn(league, date)) {
			if (!team || game.home.team_id === team.team_id || game.away.team_id === team.team_id) games.push(game);
		}
	}
	return games;
}
