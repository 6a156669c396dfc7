import { weekday } from "../lib/calendar.ts";
import { type Rng, seeded } from "../lib/random.ts";
import { addDays, zoned, zonedToUtc } from "../lib/time.ts";
import {
	LEAGUES,
	type League,
	leagueOf,
	type Player,
	RULES,
	roster,
	SCORING_POSITIONS,
	type Sport,
	type SportRules,
	TEAMS,
	type Team,
	teamsOf,
} from "./sportsline.data.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

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

export interface ScoringEvent {
	side: Side;
	period: number;
	/** Game-clock seconds elapsed in the period when it happened. */
	second: number;
	points: number;
	kind: "goal" | "penalty" | "touchdown" | "field_goal" | "shootout";
	player: Player;
	assist?: Player;
}

/** How a game ends, scripted in advance from the teams' strengths so a live game always reaches it. */
export interface Result {
	home: number;
	away: number;
	/** Points per period per side, regulation first, then overtime periods. */
	periods: { home: number[]; away: number[] };
	overtime_periods: number;
	shootout: boolean;
	/** Goals, touchdowns and field goals; empty for basketball, which is scored per period. */
	events: ScoringEvent[];
}

export type GameStatus = "scheduled" | "in_progress" | "final";

export interface GameState {
	status: GameStatus;
	/** Null before the start. */
	score: { home: number; away: number } | null;
	period: number | null;
	period_label: string | null;
	clock: string | null;
	in_break: boolean;
	status_detail: string;
	ends_ms: number;
	/** How far the game has got: events at or before this period and game second have happened. */
	cursor: { period: number; second: number } | null;
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

// ---- results --------------------------------------------------------------------------------

function strength(team: Team, year: number): number {
	return seeded("sportsline", "strength", team.team_id, year).range(-1, 1);
}

/** Roughly standard normal, from four uniforms (enough for scorelines). */
function normal(r: Rng): number {
	return (r.next() + r.next() + r.next() + r.next() - 2) * Math.sqrt(3);
}

function poisson(r: Rng, lambda: number): number {
	const limit = Math.exp(-Math.max(0.05, lambda));
	let k = 0;
	let p = r.next();
	while (p > limit) {
		k++;
		p *= r.next();
	}
	return k;
}

function split(r: Rng, total: number, parts: number): number[] {
	const weights = Array.from({ length: parts }, () => 0.85 + r.next() * 0.3);
	const sum = weights.reduce((a, b) => a + b, 0);
	const out = weights.map((w) => Math.floor((total * w) / sum));
	out[parts - 1] = (out[parts - 1] ?? 0) + total - out.reduce((a, b) => a + b, 0);
	return out;
}

function scorer(r: Rng, team: Team, sport: Sport, kind: ScoringEvent["kind"]): Player {
	const players = roster(team);
	const position = kind === "field_goal" ? "K" : r.pick(SCORING_POSITIONS[sport]);
	const candidates = players.filter((p) => p.position === position);
	return r.pick(candidates.length > 0 ? candidates : players);
}

function periodSeconds(rules: SportRules, period: number): number {
	return period > rules.periods ? rules.overtimeSeconds : rules.periodSeconds;
}

function basketballResult(r: Rng, edge: number): Result {
	const home = Math.max(78, Math.round(111 + 5 * edge + 1.5 + normal(r) * 10));
	const away = Math.max(78, Math.round(111 - 5 * edge - 1.5 + normal(r) * 10));
	const periods = { home: split(r, home, 4), away: split(r, away, 4) };
	let h = home;
	let a = away;
	let overtime = 0;
	while (h === a) {
		overtime++;
		const oh = r.int(6, 16);
		let oa = r.int(6, 16);
		// A third overtime is settled by one basket rather than looping on.
		if (overtime >= 3 && oa === oh) oa = oh + 2;
		periods.home.push(oh);
		periods.away.push(oa);
		h += oh;
		a += oa;
	}
	return { home: h, away: a, periods, overtime_periods: overtime, shootout: false, events: [] };
}

function eventResult(r: Rng, game: Game, edge: number): Result {
	const sport = game.league.sport;
	const rules = RULES[sport];
	const events: ScoringEvent[] = [];
	const teamOf = (side: Side) => (side === "home" ? game.home : game.away);
	const add = (side: Side, period: number, second: number, points: number, kind: ScoringEvent["kind"]) => {
		const player = scorer(r, teamOf(side), sport, kind);
		const assistant = roster(teamOf(side)).filter((p) => p.name !== player.name);
		const assist = kind === "goal" && r.chance(0.7) ? r.pick(assistant) : undefined;
		events.push({ side, period, second, points, kind, player, ...(assist ? { assist } : {}) });
	};
	const regulationSecond = () =>
		sport === "soccer" && r.chance(0.08)
			? rules.periodSeconds + r.int(0, 179)
			: r.int(20, rules.periodSeconds - 1);
	const randomPeriod = () => r.int(1, rules.periods);

	if (sport === "american_football") {
		for (const side of ["home", "away"] as const) {
			const bias = side === "home" ? edge + 0.15 : -edge;
			for (let i = poisson(r, 2.5 + 0.6 * bias); i > 0; i--) {
				const period = randomPeriod();
				const roll = r.next();
				add(side, period, regulationSecond(), roll < 0.88 ? 7 : roll < 0.95 ? 6 : 8, "touchdown");
			}
			for (let i = poisson(r, 1.7); i > 0; i--) {
				const period = randomPeriod();
				add(side, period, regulationSecond(), 3, "field_goal");
			}
		}
	} else {
		const base =
			sport === "soccer" ? { home: 1.5, away: 1.15, swing: 0.45 } : { home: 3.2, away: 2.9, swing: 0.5 };
		for (const side of ["home", "away"] as const) {
			const bias = side === "home" ? edge : -edge;
			const goals = poisson(r, base[side] + base.swing * bias);
			for (let i = 0; i < goals; i++) {
				const period = randomPeriod();
				add(side, period, regulationSecond(), 1, sport === "soccer" && r.chance(0.1) ? "penalty" : "goal");
			}
		}
	}
	const total = (side: Side) => events.filter((e) => e.side === side).reduce((s, e) => s + e.points, 0);
	let overtime = 0;
	let shootout = false;
	if (total("home") === total("away") && sport !== "soccer") {
		overtime = 1;
		const winner: Side = r.chance(0.5 + edge * 0.2) ? "home" : "away";
		const period = rules.periods + 1;
		if (sport === "american_football") {
			add(winner, period, r.int(120, rules.overtimeSeconds - 10), 3, "field_goal");
		} else if (r.chance(0.6)) {
			add(winner, period, r.int(10, rules.overtimeSeconds - 1), 1, "goal");
		} else {
			shootout = true;
			add(winner, period + 1, 0, 1, "shootout");
		}
	}
	events.sort((x, y) => x.period - y.period || x.second - y.second);
	const periodCount = rules.periods + overtime;
	const perPeriod = (side: Side) =>
		Array.from({ length: periodCount }, (_, i) =>
			events
				.filter((e) => e.side === side && e.period === i + 1 && e.kind !== "shootout")
				.reduce((s, e) => s + e.points, 0),
		);
	return {
		home: total("home"),
		away: total("away"),
		periods: { home: perPeriod("home"), away: perPeriod("away") },
		overtime_periods: overtime,
		shootout,
		events,
	};
}

const resultCache = new Map<string, Result>();

/** The game's final result (fixed from the start: a live game plays toward it). */
export function resultOf(game: Game): Result {
	const cached = resultCache.get(game.game_id);
	if (cached) return cached;
	const year = seasonOf(game.date);
	const edge = (strength(game.home, year) - strength(game.away, year)) / 2;
	const r = seeded("sportsline", "result", game.game_id);
	const result = game.league.sport === "basketball" ? basketballResult(r, edge) : eventResult(r, game, edge);
	if (resultCache.size > 50_000) resultCache.clear();
	resultCache.set(game.game_id, result);
	return result;
}

// ---- live state ------------------------------------------------------------------------------

interface Segment {
	kind: "period" | "break" | "shootout";
	period: number;
	startMin: number;
	minutes: number;
}

function segments(rules: SportRules, result: Result): Segment[] {
	const out: Segment[] = [];
	let at = 0;
	const push = (kind: Segment["kind"], period: number, minutes: number) => {
		out.push({ kind, period, startMin: at, minutes });
		at += minutes;
	};
	for (let p = 1; p <= rules.periods; p++) {
		push("period", p, rules.realPeriodMinutes);
		if (p < rules.periods)
			push("break", p, p === rules.halftimeAfter ? rules.halftimeMinutes : rules.breakMinutes);
	}
	for (let o = 1; o <= result.overtime_periods; o++) {
		push("break", rules.periods + o - 1, 3);
		push("period", rules.periods + o, rules.realOvertimeMinutes);
	}
	if (result.shootout) push("shootout", rules.periods + result.overtime_periods + 1, 8);
	return out.filter((s) => s.minutes > 0);
}

const two = (n: number): string => String(n).padStart(2, "0");

export function clockText(rules: SportRules, period: number, second: number): string {
	if (rules.clock === "up") {
		const regulation = rules.periodSeconds / 60;
		const minute = Math.floor(second / 60) + 1;
		const base = (period - 1) * regulation;
		return minute > regulation ? `${base + regulation}+${minute - regulation}'` : `${base + minute}'`;
	}
	const left = Math.max(0, periodSeconds(rules, period) - second);
	return `${two(Math.floor(left / 60))}:${two(left % 60)}`;
}

function scoreAt(game: Game, result: Result, period: number, second: number): { home: number; away: number } {
	if (game.league.sport === "basketball") {
		const rules = RULES.basketball;
		const sum = (side: Side) =>
			result.periods[side].reduce((total, points, i) => {
				if (i + 1 < period) return total + points;
				if (i + 1 > period) return total;
				return (
					total +
					Math.floor((points * Math.min(second, periodSeconds(rules, period))) / periodSeconds(rules, period))
				);
			}, 0);
		return { home: sum("home"), away: sum("away") };
	}
	const sum = (side: Side) =>
		result.events
			.filter(
				(e) =>
					e.side === side &&
					e.kind !== "shootout" &&
					(e.period < period || (e.period === period && e.second <= second)),
			)
			.reduce((total, e) => total + e.points, 0);
	return { home: sum("home"), away: sum("away") };
}

/** The game as it stands at `nowMs`: not started, in a period or a break, or final. */
export function stateAt(game: Game, nowMs: number): GameState {
	const rules = RULES[game.league.sport];
	const result = resultOf(game);
	const parts = segments(rules, result);
	const last = parts.at(-1);
	const endsMs = game.start_ms + ((last?.startMin ?? 0) + (last?.minutes ?? 0)) * MINUTE_MS;
	const base = { ends_ms: endsMs };
	if (nowMs < game.start_ms) {
		return {
			...base,
			status: "scheduled",
			score: null,
			period: null,
			period_label: null,
			clock: null,
			in_break: false,
			status_detail: "Scheduled",
			cursor: null,
		};
	}
	if (nowMs >= endsMs) {
		const extra = result.shootout
			? "/SO"
			: result.overtime_periods > 1
				? `/${result.overtime_periods}${rules.overtimeName}`
				: result.overtime_periods === 1
					? `/${rules.overtimeName}`
					: "";
		return {
			...base,
			status: "final",
			score: { home: result.home, away: result.away },
			period: null,
			period_label: null,
			clock: null,
			in_break: false,
			status_detail: `${game.league.sport === "soccer" ? "Full time" : "Final"}${extra}`,
			cursor: { period: Number.POSITIVE_INFINITY, second: Number.POSITIVE_INFINITY },
		};
	}
	const elapsedMin = (nowMs - game.start_ms) / MINUTE_MS;
	const segment = parts.find((s) => elapsedMin < s.startMin + s.minutes) ?? parts[0];
	if (!segment) throw new Error(`game ${game.game_id} has no segments`);
	const label = rules.periodName(segment.period);
	if (segment.kind === "shootout") {
		const regulationEnd = scoreAt(game, result, segment.period, 0);
		return {
			...base,
			status: "in_progress",
			score: regulationEnd,
			period: segment.period,
			period_label: "SO",
			clock: null,
			in_break: false,
			status_detail: "Shootout",
			cursor: { period: segment.period, second: 0 },
		};
	}
	if (segment.kind === "break") {
		const halftime = segment.period === rules.halftimeAfter;
		return {
			...base,
			status: "in_progress",
			score: scoreAt(game, result, segment.period, Number.POSITIVE_INFINITY),
			period: segment.period,
			period_label: label,
			clock: rules.clock === "down" ? "00:00" : null,
			in_break: true,
			status_detail: halftime ? "Halftime" : `End of ${label}`,
			cursor: { period: segment.period, second: Number.POSITIVE_INFINITY },
		};
	}
	const fraction = (elapsedMin - segment.startMin) / segment.minutes;
	const second =
		rules.clock === "up"
			? Math.floor((elapsedMin - segment.startMin) * 60)
			: Math.floor(fraction * periodSeconds(rules, segment.period));
	const clock = clockText(rules, segment.period, second);
	return {
		...base,
		status: "in_progress",
		score: scoreAt(game, result, segment.period, second),
		period: segment.period,
		period_label: label,
		clock,
		in_break: false,
		status_detail: rules.clock === "up" ? clock : `${label} ${clock}`,
		cursor: { period: segment.period, second },
	};
}

// ---- standings -------------------------------------------------------------------------------

export interface TeamRecord {
	team: Team;
	played: number;
	wins: number;
	losses: number;
	draws: number;
	ot_losses: number;
	scored: number;
	conceded: number;
	home: [number, number];
	away: [number, number];
	/** Most recent last: "W", "L", "D" (an overtime loss counts as "L"). */
	form: string[];
}

/** Every final result of the league's current season, per team, at `nowMs`. */
export function seasonRecords(league: League, nowMs: number): { season: string; records: TeamRecord[] } {
	const date = today(nowMs, league.timezone);
	const season = seasonOf(date);
	const records = new Map<string, TeamRecord>(
		teamsOf(league.league_id).map((team) => [
			team.team_id,
			{
				team,
				played: 0,
				wins: 0,
				losses: 0,
				draws: 0,
				ot_losses: 0,
				scored: 0,
				conceded: 0,
				home: [0, 0],
				away: [0, 0],
				form: [],
			},
		]),
	);
	// The last day's late games are usually not over yet; stateAt decides.
	for (const game of gamesBetween(league, seasonStart(season), date)) {
		if (stateAt(game, nowMs).status !== "final") continue;
		const result = resultOf(game);
		for (const side of ["home", "away"] as const) {
			const record = records.get((side === "home" ? game.home : game.away).team_id);
			if (!record) continue;
			const own = result[side];
			const other = result[side === "home" ? "away" : "home"];
			record.played++;
			record.scored += own;
			record.conceded += other;
			const venue = record[side];
			if (own > other) {
				record.wins++;
				venue[0]++;
				record.form.push("W");
			} else if (own < other) {
				// Only hockey keeps overtime losses apart (they earn a point).
				if (league.sport === "hockey" && (result.overtime_periods > 0 || result.shootout)) record.ot_losses++;
				else record.losses++;
				venue[1]++;
				record.form.push("L");
			} else {
				record.draws++;
				record.form.push("D");
			}
		}
	}
	return { season: String(season), records: [...records.values()] };
}

// ---- news -------------------------------------------------------------------------------------

export interface NewsItem {
	news_id: string;
	team_id: string;
	category: "recap" | "preview" | "injury" | "transaction";
	headline: string;
	summary: string;
	published_ms: number;
	game_id: string | null;
}

const INJURIES = [
	"a sprained left ankle",
	"a hamstring strain",
	"a sore right knee",
	"a bruised shoulder",
	"an illness",
	"a lower-back strain",
	"a hip flexor strain",
	"a concussion",
];
const INJURY_STATUS = [
	{ status: "day-to-day", detail: "is listed as day-to-day" },
	{ status: "questionable", detail: "is questionable for the next game" },
	{ status: "out", detail: "will miss at least two weeks" },
	{ status: "out", detail: "is expected to be out four to six weeks" },
];

/** The top performer of a side in a finished game, as a stat line. */
export function topPerformer(game: Game, side: Side): { player: Player; line: string } {
	const team = side === "home" ? game.home : game.away;
	const result = resultOf(game);
	const r = seeded("sportsline", "performer", game.game_id, side);
	const players = roster(team);
	switch (game.league.sport) {
		case "basketball": {
			const player = r.pick(players.slice(0, 8));
			const points = Math.min(result[side] - 20, r.int(19, 41));
			return { player, line: `${points} PTS, ${r.int(2, 13)} REB, ${r.int(1, 11)} AST` };
		}
		case "american_football": {
			const qb = players.find((p) => p.position === "QB") ?? r.pick(players);
			const touchdowns = result.events.filter((e) => e.side === side && e.kind === "touchdown").length;
			const completions = r.int(14, 31);
			return {
				player: qb,
				line: `${completions}/${completions + r.int(5, 14)}, ${r.int(160, 360)} YDS, ${Math.max(0, touchdowns - r.int(0, 1))} TD`,
			};
		}
		default: {
			const tally = new Map<string, { player: Player; goals: number; assists: number }>();
			for (const e of result.events.filter((x) => x.side === side && x.kind !== "shootout")) {
				const entry = tally.get(e.player.name) ?? { player: e.player, goals: 0, assists: 0 };
				entry.goals++;
				tally.set(e.player.name, entry);
				if (e.assist) {
					const helper = tally.get(e.assist.name) ?? { player: e.assist, goals: 0, assists: 0 };
					helper.assists++;
					tally.set(e.assist.name, helper);
				}
			}
			const best = [...tally.values()].sort((a, b) => b.goals * 2 + b.assists - (a.goals * 2 + a.assists))[0];
			if (!best) {
				const keeper = players.find((p) => p.position === "GK" || p.position === "G") ?? r.pick(players);
				return { player: keeper, line: `${r.int(18, 36)} saves` };
			}
			const goals = `${best.goals} goal${best.goals === 1 ? "" : "s"}`;
			return {
				player: best.player,
				line: best.assists > 0 ? `${goals}, ${best.assists} assist${best.assists === 1 ? "" : "s"}` : goals,
			};
		}
	}
}

function recap(game: Game, team: Team, state: GameState): NewsItem {
	const result = resultOf(game);
	const homeWon = result.home > result.away;
	const draw = result.home === result.away;
	const winner = homeWon ? game.home : game.away;
	const loser = homeWon ? game.away : game.home;
	const high = Math.max(result.home, result.away);
	const low = Math.min(result.home, result.away);
	const margin = high - low;
	const blowout =
		game.league.sport === "basketball"
			? margin >= 18
			: game.league.sport === "american_football"
				? margin >= 21
				: margin >= 3;
	const extra = result.shootout ? " in a shootout" : result.overtime_periods > 0 ? " in overtime" : "";
	const verb = blowout ? "rout" : margin <= (game.league.sport === "basketball" ? 4 : 1) ? "edge" : "beat";
	const headline = draw
		? `${game.home.name} and ${game.away.name} draw ${result.home}-${result.away}`
		: `${winner.nickname} ${verb} ${loser.nickname} ${high}-${low}${extra}`;
	const star = topPerformer(game, draw ? "home" : homeWon ? "home" : "away");
	const summary = draw
		? `${game.home.name} and ${game.away.name} shared the points at ${game.home.venue}. ${star.player.name} led the hosts with ${star.line}.`
		: `${star.player.name} (${star.line}) led the ${winner.name} past the ${loser.name} at ${game.home.venue}.`;
	return {
		news_id: `${team.team_id}-recap-${game.game_id}`,
		team_id: team.team_id,
		category: "recap",
		headline,
		summary,
		published_ms: state.ends_ms + 40 * MINUTE_MS,
		game_id: game.game_id,
	};
}

function preview(game: Game, team: Team): NewsItem {
	const opponent = game.home.team_id === team.team_id ? game.away : game.home;
	const r = seeded("sportsline", "preview", game.game_id);
	const key = r.pick(roster(team).slice(0, 6));
	return {
		news_id: `${team.team_id}-preview-${game.game_id}`,
		team_id: team.team_id,
		category: "preview",
		headline: `Preview: ${game.away.name} at ${game.home.name}`,
		summary: `The ${team.nickname} face the ${opponent.name} at ${game.home.venue}. All eyes on ${key.name} (#${key.number}, ${key.position}).`,
		published_ms: game.start_ms - 20 * 60 * MINUTE_MS,
		game_id: game.game_id,
	};
}

function bucketNews(team: Team, fromMs: number, toMs: number): NewsItem[] {
	const items: NewsItem[] = [];
	const players = roster(team);
	for (let day = Math.floor(fromMs / DAY_MS) - 10; day <= Math.floor(toMs / DAY_MS); day++) {
		if (day % 7 === 0) {
			const r = seeded("sportsline", "injury", team.team_id, day);
			if (r.chance(0.6)) {
				const player = r.pick(players);
				const injury = r.pick(INJURIES);
				const status = r.pick(INJURY_STATUS);
				items.push({
					news_id: `${team.team_id}-injury-${day}`,
					team_id: team.team_id,
					category: "injury",
					headline: `${player.name} ${status.status === "out" ? "sidelined" : status.status} with ${injury.replace(/^an? /, "")}`,
					summary: `${team.name} ${player.position} ${player.name} (#${player.number}) ${status.detail} with ${injury}, head coach ${team.head_coach} said.`,
					published_ms: day * DAY_MS + r.int(9, 20) * 60 * MINUTE_MS,
					game_id: null,
				});
			}
		}
		if (day % 10 === 3) {
			const r = seeded("sportsline", "transaction", team.team_id, day);
			if (r.chance(0.45)) {
				const player = r.pick(players);
				const other = r.pick(
					TEAMS.filter((t) => t.league_id === team.league_id && t.team_id !== team.team_id),
				);
				const years = r.int(2, 5);
				const millions = r.int(8, 140);
				const kind = r.int(0, 2);
				const [headline, summary] =
					kind === 0
						? [
								`${team.nickname} sign ${player.name} to ${years}-year extension`,
								`${player.name} agreed to a ${years}-year, $${millions} million extension with the ${team.name}.`,
							]
						: kind === 1
							? [
									`${team.nickname} acquire draft pick from ${other.nickname}`,
									`The ${team.name} acquired a future draft pick from the ${other.name}; ${player.name} moves to a bigger role.`,
								]
							: [
									`${player.name} named ${team.nickname} captain`,
									`${team.head_coach} named ${player.position} ${player.name} captain of the ${team.name} for the rest of the season.`,
								];
				items.push({
					news_id: `${team.team_id}-transaction-${day}`,
					team_id: team.team_id,
					category: "transaction",
					headline,
					summary,
					published_ms: day * DAY_MS + r.int(10, 22) * 60 * MINUTE_MS,
					game_id: null,
				});
			}
		}
	}
	return items;
}

/** A team's news published in the last `days` days at `nowMs`, newest first. */
export function teamNews(team: Team, nowMs: number, days = 14): NewsItem[] {
	const league = leagueOf(team);
	const fromMs = nowMs - days * DAY_MS;
	const date = today(nowMs, team.timezone);
	const items: NewsItem[] = [];
	for (const game of gamesBetween(league, addDays(date, -days - 1), addDays(date, 2), team)) {
		const state = stateAt(game, nowMs);
		if (state.status === "final") items.push(recap(game, team, state));
		else if (state.status === "scheduled") items.push(preview(game, team));
	}
	items.push(...bucketNews(team, fromMs, nowMs));
	return items
		.filter((item) => item.published_ms <= nowMs && item.published_ms > fromMs)
		.sort((a, b) => b.published_ms - a.published_ms || a.news_id.localeCompare(b.news_id));
}
