import { seeded } from "../lib/random.ts";
import { addDays } from "../lib/time.ts";
import { leagueOf, type Player, roster, TEAMS, type Team } from "./sportsline.data.ts";
import { DAY_MS, type Game, gamesBetween, MINUTE_MS, type Side, today } from "./sportsline.games.ts";
import { type GameState, stateAt } from "./sportsline.live.ts";
import { resultOf } from "./sportsline.results.ts";

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
		const injury = day % 7 === 0 ? injuryNews(team, players, day) : undefined;
		if (injury) items.push(injury);
		const transaction = day % 10 === 3 ? transactionNews(team, players, day) : undefined;
		if (transaction) items.push(transaction);
	}
	return items;
}

function injuryNews(team: Team, players: Player[], day: number): NewsItem | undefined {
	const r = seeded("sportsline", "injury", team.team_id, day);
	if (!r.chance(0.6)) return undefined;
	const player = r.pick(players);
	const injury = r.pick(INJURIES);
	const status = r.pick(INJURY_STATUS);
	return {
		news_id: `${team.team_id}-injury-${day}`,
		team_id: team.team_id,
		category: "injury",
		headline: `${player.name} ${status.status === "out" ? "sidelined" : status.status} with ${injury.replace(/^an? /, "")}`,
		summary: `${team.name} ${player.position} ${player.name} (#${player.number}) ${status.detail} with ${injury}, head coach ${team.head_coach} said.`,
		published_ms: day * DAY_MS + r.int(9, 20) * 60 * MINUTE_MS,
		game_id: null,
	};
}

function transactionNews(team: Team, players: Player[], day: number): NewsItem | undefined {
	const r = seeded("sportsline", "transaction", team.team_id, day);
	if (!r.chance(0.45)) return undefined;
	const player = r.pick(players);
	const other = r.pick(TEAMS.filter((t) => t.league_id === team.league_id && t.team_id !== team.team_id));
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
	return {
		news_id: `${team.team_id}-transaction-${day}`,
		team_id: team.team_id,
		category: "transaction",
		headline,
		summary,
		published_ms: day * DAY_MS + r.int(10, 22) * 60 * MINUTE_MS,
		game_id: null,
	};
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
