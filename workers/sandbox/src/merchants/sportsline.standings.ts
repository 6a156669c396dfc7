import { type League, type Team, teamsOf } from "./sportsline.data.ts";
import { gamesBetween, seasonOf, seasonStart, today } from "./sportsline.games.ts";
import { stateAt } from "./sportsline.live.ts";
import { resultOf } from "./sportsline.results.ts";

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
