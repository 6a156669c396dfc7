import { Hono } from "hono";
import { z } from "zod";
import sportslineSpec from "../../../../providers/sportsline/openapi.yaml";
import { daysBetween, isCalendarDate } from "../lib/calendar.ts";
import { MerchantError } from "../lib/errors.ts";
import { closest, slugify } from "../lib/text.ts";
import { addDays, localIso } from "../lib/time.ts";
import { parseParams, parseQuery } from "../lib/validate.ts";
import { type Merchant, now, type SandboxApp } from "../merchant.ts";
import {
	LEAGUES,
	type League,
	leagueOf,
	RULES,
	roster,
	TEAMS,
	type Team,
	teamsOf,
} from "./sportsline.data.ts";
import {
	findGame,
	type Game,
	gamesBetween,
	gamesOn,
	type Side,
	seasonOf,
	today,
} from "./sportsline.games.ts";
import { clockText, type GameState, stateAt } from "./sportsline.live.ts";
import { teamNews, topPerformer } from "./sportsline.news.ts";
import { resultOf } from "./sportsline.results.ts";
import { seasonRecords, type TeamRecord } from "./sportsline.standings.ts";

const MERCHANT_ID = "sportsline";
/** Without a league, "today" is the US Eastern date, as on a US sports site. */
const DEFAULT_TIMEZONE = "America/New_York";
const MAX_SCHEDULE_DAYS = 31;

function findLeague(raw: string): League {
	const wanted = slugify(raw);
	const league = LEAGUES.find((l) => l.league_id === wanted || slugify(l.name) === wanted);
	if (!league) {
		const ids = LEAGUES.map((l) => l.league_id);
		throw new MerchantError(404, "league_not_found", `No league "${raw}". Leagues: ${ids.join(", ")}.`, {
			suggestions: ids,
		});
	}
	return league;
}

function findTeam(raw: string): Team {
	const wanted = slugify(raw);
	const exact = TEAMS.find((t) => t.team_id === wanted || slugify(t.name) === wanted);
	if (exact) return exact;
	const byNickname = TEAMS.filter((t) => slugify(t.nickname) === wanted);
	if (byNickname.length === 1 && byNickname[0]) return byNickname[0];
	const suggestions = closest(
		wanted,
		TEAMS.map((t) => t.team_id),
	);
	throw new MerchantError(
		404,
		"team_not_found",
		`No team "${raw}". Did you mean ${suggestions.join(", ")}?`,
		{
			suggestions,
		},
	);
}

/** `YYYY-MM-DD`, or `today` / `yesterday` / `tomorrow` relative to the zone's date. */
const dateParam = z
	.string()
	.trim()
	.toLowerCase()
	.refine((v) => ["today", "yesterday", "tomorrow"].includes(v) || /^\d{4}-\d{2}-\d{2}$/.test(v), {
		message: "use YYYY-MM-DD, today, yesterday or tomorrow",
	})
	.refine((v) => !/^\d/.test(v) || isCalendarDate(v), {
		message: "not a calendar date",
	});

function resolveDate(value: string | undefined, nowMs: number, timeZone: string): string {
	const base = today(nowMs, timeZone);
	if (value === undefined || value === "today") return base;
	if (value === "yesterday") return addDays(base, -1);
	if (value === "tomorrow") return addDays(base, 1);
	return value;
}

const teamRef = (team: Team) => ({ team_id: team.team_id, name: team.name, abbreviation: team.abbreviation });

function teamCard(team: Team) {
	return {
		team_id: team.team_id,
		league_id: team.league_id,
		name: team.name,
		city: team.city,
		nickname: team.nickname,
		abbreviation: team.abbreviation,
		conference: team.conference,
		venue: team.venue,
		timezone: team.timezone,
		founded: team.founded,
		colors: [...team.colors],
		head_coach: team.head_coach,
	};
}

function winner(state: GameState): "home" | "away" | "draw" | null {
	if (state.status !== "final" || !state.score) return null;
	if (state.score.home === state.score.away) return "draw";
	return state.score.home > state.score.away ? "home" : "away";
}

function gameCard(game: Game, nowMs: number) {
	const state = stateAt(game, nowMs);
	const side = (team: Team, s: Side) => ({ ...teamRef(team), score: state.score ? state.score[s] : null });
	return {
		game_id: game.game_id,
		league_id: game.league.league_id,
		sport: game.league.sport,
		date: game.date,
		start_time: localIso(game.start_ms, game.home.timezone),
		status: state.status,
		status_detail: state.status_detail,
		period: state.period,
		period_label: state.period_label,
		clock: state.clock,
		in_break: state.in_break,
		home: side(game.home, "home"),
		away: side(game.away, "away"),
		venue: { name: game.home.venue, city: game.home.city },
		winner: winner(state),
	};
}

function gameDetail(game: Game, nowMs: number) {
	const card = gameCard(game, nowMs);
	const state = stateAt(game, nowMs);
	const result = resultOf(game);
	const rules = RULES[game.league.sport];
	const cursor = state.cursor;
	const reached = (period: number, second: number) =>
		cursor !== null && (period < cursor.period || (period === cursor.period && second <= cursor.second));
	let linescore = null;
	if (cursor) {
		const played = Math.min(cursor.period, rules.periods + result.overtime_periods);
		const labels = Array.from({ length: played }, (_, i) => rules.periodName(i + 1));
		const points = (s: Side) =>
			labels.map((_, i) => {
				const period = i + 1;
				if (game.league.sport !== "basketball") {
					return result.events
						.filter(
							(e) =>
								e.side === s && e.period === period && e.kind !== "shootout" && reached(e.period, e.second),
						)
						.reduce((sum, e) => sum + e.points, 0);
				}
				const full = result.periods[s][i] ?? 0;
				if (period < cursor.period) return full;
				const length = period > rules.periods ? rules.overtimeSeconds : rules.periodSeconds;
				return Math.floor((full * Math.min(cursor.second, length)) / length);
			});
		linescore = { periods: labels, home: points("home"), away: points("away") };
	}
	const running = { home: 0, away: 0 };
	const plays = result.events
		.filter((e) => (e.kind === "shootout" ? state.status === "final" : reached(e.period, e.second)))
		.map((e) => {
			running[e.side] += e.points;
			const team = e.side === "home" ? game.home : game.away;
			return {
				period: e.period,
				period_label: e.kind === "shootout" ? "SO" : rules.periodName(e.period),
				clock: e.kind === "shootout" ? null : clockText(rules, e.period, e.second),
				team_id: team.team_id,
				type: e.kind,
				points: e.points,
				player: e.player.name,
				assist: e.assist?.name ?? null,
				score: { ...running },
			};
		});
	const performers =
		state.status === "final"
			? (["home", "away"] as const).map((s) => {
					const top = topPerformer(game, s);
					const team = s === "home" ? game.home : game.away;
					return {
						team_id: team.team_id,
						player: top.player.name,
						position: top.player.position,
						line: top.line,
					};
				})
			: [];
	return {
		...card,
		linescore,
		scoring_plays: plays,
		top_performers: performers,
		updated_at: new Date(nowMs).toISOString(),
	};
}

function streak(form: string[]): string {
	const last = form.at(-1);
	if (!last) return "-";
	let count = 0;
	for (let i = form.length - 1; i >= 0 && form[i] === last; i--) count++;
	return `${last}${count}`;
}

function lastTen(form: string[]): string {
	const recent = form.slice(-10);
	const wins = recent.filter((f) => f === "W").length;
	return `${wins}-${recent.length - wins}`;
}

const pct = (wins: number, played: number): number =>
	played === 0 ? 0 : Math.round((wins / played) * 1000) / 1000;

function standingsRows(league: League, records: TeamRecord[]) {
	const sport = league.sport;
	const points = (r: TeamRecord) => (sport === "soccer" ? r.wins * 3 + r.draws : r.wins * 2 + r.ot_losses);
	const sorted = [...records].sort((a, b) => {
		if (sport === "soccer" || sport === "hockey") {
			return (
				points(b) - points(a) ||
				b.scored - b.conceded - (a.scored - a.conceded) ||
				b.scored - a.scored ||
				a.team.name.localeCompare(b.team.name)
			);
		}
		return (
			pct(b.wins, b.played) - pct(a.wins, a.played) ||
			b.wins - a.wins ||
			a.team.name.localeCompare(b.team.name)
		);
	});
	const leader = sorted[0];
	return sorted.map((r, i) => {
		const common = {
			rank: i + 1,
			team: teamRef(r.team),
			played: r.played,
			wins: r.wins,
			losses: r.losses,
			streak: streak(r.form),
		};
		switch (sport) {
			case "soccer":
				return {
					...common,
					draws: r.draws,
					goals_for: r.scored,
					goals_against: r.conceded,
					goal_difference: r.scored - r.conceded,
					points: points(r),
					form: r.form.slice(-5).join(""),
				};
			case "hockey":
				return {
					...common,
					ot_losses: r.ot_losses,
					points: points(r),
					goals_for: r.scored,
					goals_against: r.conceded,
					goal_difference: r.scored - r.conceded,
					last_10: lastTen(r.form),
				};
			default:
				return {
					...common,
					win_pct: pct(r.wins, r.played),
					games_behind: leader ? (leader.wins - r.wins + (r.losses - leader.losses)) / 2 : 0,
					points_for: r.scored,
					points_against: r.conceded,
					home_record: `${r.home[0]}-${r.home[1]}`,
					away_record: `${r.away[0]}-${r.away[1]}`,
					last_10: lastTen(r.form),
				};
		}
	});
}

const routes = new Hono<SandboxApp>();

routes.get("/leagues", (c) => {
	const at = now(c);
	return c.json({
		leagues: LEAGUES.map((league) => ({
			league_id: league.league_id,
			name: league.name,
			sport: league.sport,
			region: league.region,
			timezone: league.timezone,
			season: String(seasonOf(today(at, league.timezone))),
			team_count: teamsOf(league.league_id).length,
			conferences: [...league.conferences],
		})),
	});
});

routes.get("/leagues/:league_id/teams", (c) => {
	const league = findLeague(parseParams(c, z.object({ league_id: z.string().min(1) })).league_id);
	const { conference } = parseQuery(c, z.object({ conference: z.string().trim().min(1).max(60).optional() }));
	const wanted = conference?.toLowerCase();
	const teams = teamsOf(league.league_id).filter(
		(t) => !wanted || (t.conference ?? "").toLowerCase().startsWith(wanted),
	);
	return c.json({ league_id: league.league_id, teams: teams.map(teamCard), count: teams.length });
});

routes.get("/leagues/:league_id/standings", (c) => {
	const league = findLeague(parseParams(c, z.object({ league_id: z.string().min(1) })).league_id);
	const at = now(c);
	const { season, records } = seasonRecords(league, at);
	const groups =
		league.conferences.length > 0
			? league.conferences.map((name) => ({
					name,
					standings: standingsRows(
						league,
						records.filter((r) => r.team.conference === name),
					),
				}))
			: [{ name: "League table", standings: standingsRows(league, records) }];
	return c.json({
		league_id: league.league_id,
		sport: league.sport,
		season,
		updated_at: new Date(at).toISOString(),
		groups,
	});
});

routes.get("/teams/:team_id", (c) => {
	const team = findTeam(parseParams(c, z.object({ team_id: z.string().min(1) })).team_id);
	const league = leagueOf(team);
	const at = now(c);
	const record = seasonRecords(league, at).records.find((r) => r.team.team_id === team.team_id);
	const date = today(at, team.timezone);
	const recent = gamesBetween(league, addDays(date, -14), date, team).filter(
		(g) => stateAt(g, at).status === "final",
	);
	const upcoming = gamesBetween(league, date, addDays(date, 14), team).filter(
		(g) => stateAt(g, at).status !== "final",
	);
	const last = recent.at(-1);
	const next = upcoming[0];
	const wins = record?.wins ?? 0;
	const losses = record?.losses ?? 0;
	const summary =
		league.sport === "soccer"
			? `${wins}-${record?.draws ?? 0}-${losses}`
			: league.sport === "hockey"
				? `${wins}-${losses}-${record?.ot_losses ?? 0}`
				: `${wins}-${losses}`;
	return c.json({
		...teamCard(team),
		record: {
			played: record?.played ?? 0,
			wins,
			losses,
			draws: record?.draws ?? 0,
			ot_losses: record?.ot_losses ?? 0,
			summary,
		},
		last_game: last ? gameCard(last, at) : null,
		next_game: next ? gameCard(next, at) : null,
		roster: roster(team).map((p) => ({ ...p })),
	});
});

routes.get("/teams/:team_id/news", (c) => {
	const team = findTeam(parseParams(c, z.object({ team_id: z.string().min(1) })).team_id);
	const query = parseQuery(
		c,
		z.object({
			category: z.enum(["recap", "preview", "injury", "transaction"]).optional(),
			limit: z.coerce.number().int().min(1).max(50).default(10),
		}),
	);
	const items = teamNews(team, now(c)).filter((n) => !query.category || n.category === query.category);
	return c.json({
		team: teamRef(team),
		news: items.slice(0, query.limit).map((n) => ({
			news_id: n.news_id,
			category: n.category,
			headline: n.headline,
			summary: n.summary,
			published_at: new Date(n.published_ms).toISOString(),
			game_id: n.game_id,
		})),
		count: Math.min(items.length, query.limit),
	});
});

routes.get("/scores", (c) => {
	const query = parseQuery(
		c,
		z.object({ league: z.string().trim().min(1).max(60).optional(), date: dateParam.optional() }),
	);
	const at = now(c);
	const league = query.league === undefined ? undefined : findLeague(query.league);
	const date = resolveDate(query.date, at, league?.timezone ?? DEFAULT_TIMEZONE);
	const games = (league ? [league] : LEAGUES)
		.flatMap((l) => gamesOn(l, date))
		.sort((a, b) => a.start_ms - b.start_ms || a.game_id.localeCompare(b.game_id));
	return c.json({
		date,
		league_id: league?.league_id ?? null,
		games: games.map((g) => gameCard(g, at)),
		count: games.length,
	});
});

routes.get("/schedule", (c) => {
	const query = parseQuery(
		c,
		z.object({
			league: z.string().trim().min(1).max(60).optional(),
			team: z.string().trim().min(1).max(80).optional(),
			from: dateParam.optional(),
			to: dateParam.optional(),
		}),
	);
	const at = now(c);
	const team = query.team === undefined ? undefined : findTeam(query.team);
	const league = query.league === undefined ? undefined : findLeague(query.league);
	if (team && league && team.league_id !== league.league_id) {
		throw new MerchantError(
			400,
			"team_not_in_league",
			`The ${team.name} play in ${team.league_id}, not ${league.league_id}.`,
		);
	}
	const zone = team?.timezone ?? league?.timezone ?? DEFAULT_TIMEZONE;
	const from = resolveDate(query.from, at, zone);
	const to = query.to === undefined ? addDays(from, 6) : resolveDate(query.to, at, zone);
	const span = daysBetween(from, to);
	if (span < 0 || span >= MAX_SCHEDULE_DAYS) {
		throw new MerchantError(
			400,
			"invalid_date_range",
			`"to" must be on or after "from" and at most ${MAX_SCHEDULE_DAYS} days later.`,
		);
	}
	const leagues = team ? [leagueOf(team)] : league ? [league] : LEAGUES;
	const games = leagues
		.flatMap((l) => gamesBetween(l, from, to, team))
		.sort((a, b) => a.start_ms - b.start_ms || a.game_id.localeCompare(b.game_id));
	return c.json({ from, to, games: games.map((g) => gameCard(g, at)), count: games.length });
});

routes.get("/games/:game_id", (c) => {
	const { game_id } = parseParams(c, z.object({ game_id: z.string().trim().toLowerCase().max(60) }));
	const game = findGame(game_id);
	if (!game) {
		throw new MerchantError(
			404,
			"game_not_found",
			`No game "${game_id}". Game ids come from get_scores or get_schedule.`,
		);
	}
	return c.json(gameDetail(game, now(c)));
});

/** SportsLine: scores (live games advance with the clock), schedules, standings and team news for four leagues. */
export const sportsline: Merchant = {
	id: MERCHANT_ID,
	name: "SportsLine",
	specYaml: sportslineSpec,
	routes,
};
