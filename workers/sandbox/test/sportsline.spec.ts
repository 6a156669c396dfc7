import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

interface Side {
	team_id: string;
	name: string;
	abbreviation: string;
	score: number | null;
}
interface Game {
	game_id: string;
	league_id: string;
	sport: string;
	date: string;
	start_time: string;
	status: "scheduled" | "in_progress" | "final";
	status_detail: string;
	period: number | null;
	period_label: string | null;
	clock: string | null;
	in_break: boolean;
	home: Side;
	away: Side;
	winner: "home" | "away" | "draw" | null;
}
interface GameDetail extends Game {
	linescore: { periods: string[]; home: number[]; away: number[] } | null;
	scoring_plays: {
		period: number;
		team_id: string;
		points: number;
		type: string;
		score: { home: number; away: number };
	}[];
	top_performers: { team_id: string; player: string; line: string }[];
}
interface Team {
	team_id: string;
	league_id: string;
	name: string;
	abbreviation: string;
	conference: string | null;
}
interface Row {
	rank: number;
	team: { team_id: string };
	played: number;
	wins: number;
	losses: number;
	draws?: number;
	ot_losses?: number;
	points?: number;
	games_behind?: number;
	win_pct?: number;
}
interface Standings {
	season: string;
	groups: { name: string; standings: Row[] }[];
}
interface TeamDetail extends Team {
	record: { played: number; wins: number; losses: number; draws: number; ot_losses: number; summary: string };
	last_game: Game | null;
	next_game: Game | null;
	roster: { name: string; number: number; position: string }[];
}
interface News {
	news: {
		news_id: string;
		category: string;
		headline: string;
		published_at: string;
		game_id: string | null;
	}[];
	count: number;
}

const get = <T>(path: string, fault?: string) =>
	call(`/sportsline${path}`, fault ? { headers: { "x-sandbox-fault": fault } } : {}).then(async (r) => {
		expect(r.status, `${path} ${await r.clone().text()}`).toBe(200);
		return json<T>(r);
	});

/** Midnight UTC of the Monday `weeks` weeks before this one. */
function mondayWeeksAgo(weeks: number): number {
	const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
	const sinceMonday = (new Date(today).getUTCDay() + 6) % 7;
	return today - (sinceMonday + 7 * weeks) * 86_400_000;
}
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A clock fault that puts the merchant's "now" at `ms`. */
const at = (ms: number): string => `clock=${Math.round((ms - Date.now()) / 1000)}`;
const MIN = 60_000;

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/sportsline/openapi.json"));
});

describe("sportsline leagues and teams", () => {
	it("covers four leagues of different sports with 46 teams in all", async () => {
		const body = await get<{
			leagues: { league_id: string; sport: string; season: string; team_count: number }[];
		}>("/leagues");
		expectSchema(spec, "LeagueList", body);
		expect(body.leagues.map((l) => [l.league_id, l.sport])).toEqual([
			["ubl", "basketball"],
			["cpl", "soccer"],
			["fhl", "hockey"],
			["gfl", "american_football"],
		]);
		expect(body.leagues.reduce((sum, l) => sum + l.team_count, 0)).toBe(46);
		const season = Number(body.leagues[0]?.season);
		expect(Math.abs(season - new Date().getUTCFullYear())).toBeLessThanOrEqual(1);
		expect(body.leagues.every((l) => l.season === String(season))).toBe(true);
	});

	it("lists each league's teams with unique ids and abbreviations, filterable by conference", async () => {
		const ids = new Set<string>();
		for (const league of ["ubl", "cpl", "fhl", "gfl"]) {
			const body = await get<{ teams: Team[]; count: number }>(`/leagues/${league}/teams`);
			expectSchema(spec, "TeamList", body);
			expect(body.count).toBe(body.teams.length);
			expect(new Set(body.teams.map((t) => t.abbreviation)).size).toBe(body.count);
			for (const team of body.teams) {
				expect(team.league_id).toBe(league);
				ids.add(team.team_id);
			}
		}
		expect(ids.size).toBe(46);
		const east = await get<{ teams: Team[] }>("/leagues/ubl/teams?conference=eastern");
		expect(east.teams).toHaveLength(6);
		expect(east.teams.every((t) => t.conference === "Eastern Conference")).toBe(true);
	});

	it("refuses an unknown league with the list of leagues", async () => {
		const error = await expectError(await call("/sportsline/leagues/nba/teams"), 404, "league_not_found");
		expect(error.suggestions).toEqual(["ubl", "cpl", "fhl", "gfl"]);
	});
});

describe("sportsline get_scores and get_schedule", () => {
	it("plays every day of the week, each team at most once a day, on the league's weekdays", async () => {
		const expected: Record<number, string[]> = {
			0: ["cpl", "fhl", "gfl"],
			1: ["ubl"],
			2: ["fhl"],
			3: ["ubl"],
			4: ["fhl"],
			5: ["ubl"],
			6: ["cpl", "fhl", "ubl"],
		};
		for (let i = 0; i < 7; i++) {
			const date = new Date(mondayWeeksAgo(3) + i * 86_400_000).toISOString().slice(0, 10);
			const board = await get<{ date: string; games: Game[]; count: number }>(`/scores?date=${date}`);
			expectSchema(spec, "Scoreboard", board);
			expect(board.date).toBe(date);
			expect(board.count).toBeGreaterThan(0);
			expect([...new Set(board.games.map((g) => g.league_id))].sort()).toEqual(
				expected[new Date(`${date}T00:00:00Z`).getUTCDay()],
			);
			const teams = board.games.flatMap((g) => [g.home.team_id, g.away.team_id]);
			expect(new Set(teams).size).toBe(teams.length);
			for (const game of board.games) {
				expect(game.date).toBe(date);
				expect(game.start_time.slice(0, 10)).toBe(date);
				expect(game.status).toBe("final");
				expect(game.home.score).toEqual(expect.any(Number));
			}
		}
	});

	it("keeps every week whole, even the one spanning New Year (whatever weekday it falls on)", async () => {
		for (let year = new Date().getUTCFullYear(); year < new Date().getUTCFullYear() + 7; year++) {
			await expectWholeWeek(year);
		}
	});

	async function expectWholeWeek(year: number) {
		const dec31 = Date.UTC(year, 11, 31);
		const monday = dec31 - ((new Date(dec31).getUTCDay() + 6) % 7) * 86_400_000;
		const from = isoDate(monday);
		const to = isoDate(monday + 6 * 86_400_000);
		for (const [league, perWeek] of [
			["ubl", 2],
			["cpl", 1],
			["fhl", 2],
			["gfl", 1],
		] as const) {
			const week = await get<{ games: Game[] }>(`/schedule?league=${league}&from=${from}&to=${to}`);
			const counts = new Map<string, number>();
			for (const g of week.games) {
				for (const id of [g.home.team_id, g.away.team_id]) counts.set(id, (counts.get(id) ?? 0) + 1);
			}
			expect(
				[...counts.values()].every((n) => n === perWeek),
				`${league} ${from}`,
			).toBe(true);
			expect(counts.size).toBe(league === "fhl" ? 10 : 12);
		}
	}

	it("filters by league and understands today, yesterday and tomorrow", async () => {
		const today = await get<{ date: string; league_id: string; games: Game[] }>("/scores?league=CPL");
		expect(today.league_id).toBe("cpl");
		expect(today.games.every((g) => g.league_id === "cpl")).toBe(true);
		const yesterday = await get<{ date: string }>("/scores?league=cpl&date=yesterday");
		const tomorrow = await get<{ date: string }>("/scores?league=cpl&date=tomorrow");
		const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
		expect(day(today.date) - day(yesterday.date)).toBe(1);
		expect(day(tomorrow.date) - day(today.date)).toBe(1);
		await expectError(await call("/sportsline/scores?date=2026-02-30"), 400, "invalid_request");
		await expectError(await call("/sportsline/scores?date=next-week"), 400, "invalid_request");
		await expectError(await call("/sportsline/scores?league=xfl"), 404, "league_not_found");
	});

	it("schedules a team twice a week, home and away, and refuses ranges over 31 days", async () => {
		const from = isoDate(mondayWeeksAgo(6));
		const to = isoDate(mondayWeeksAgo(2) - 86_400_000);
		const body = await get<{ from: string; to: string; games: Game[]; count: number }>(
			`/schedule?team=Seattle%20Orcas&from=${from}&to=${to}`,
		);
		expectSchema(spec, "Schedule", body);
		expect(body.count).toBe(8);
		expect(
			body.games.every((g) => g.home.team_id === "seattle-orcas" || g.away.team_id === "seattle-orcas"),
		).toBe(true);
		const home = body.games.filter((g) => g.home.team_id === "seattle-orcas").length;
		expect(home).toBeGreaterThan(0);
		expect(home).toBeLessThan(8);
		const starts = body.games.map((g) => Date.parse(g.start_time));
		expect(starts).toEqual([...starts].sort((a, b) => a - b));

		const week = await get<{ from: string; to: string; games: Game[] }>("/schedule?league=gfl");
		const span = (Date.parse(week.to) - Date.parse(week.from)) / 86_400_000;
		expect(span).toBe(6);
		expect(week.games).toHaveLength(6);
		expect(week.games.every((g) => g.status !== "final" || g.winner !== null)).toBe(true);

		await expectError(
			await call("/sportsline/schedule?league=ubl&from=2026-01-01&to=2026-03-01"),
			400,
			"invalid_date_range",
		);
		await expectError(
			await call("/sportsline/schedule?league=ubl&from=2026-03-01&to=2026-02-01"),
			400,
			"invalid_date_range",
		);
		await expectError(
			await call("/sportsline/schedule?league=cpl&team=seattle-orcas"),
			400,
			"team_not_in_league",
		);
	});
});

describe("sportsline live games", () => {
	async function nextGame(league: string): Promise<Game> {
		const body = await get<{ games: Game[] }>(`/schedule?league=${league}&from=tomorrow`);
		const game = body.games[0];
		if (!game) throw new Error(`no ${league} game in the next week`);
		expect(game.status).toBe("scheduled");
		expect(game.home.score).toBeNull();
		return game;
	}

	it("advances a basketball game through quarters, breaks and halftime to the final", async () => {
		const game = await nextGame("ubl");
		const start = Date.parse(game.start_time);
		const view = (minutes: number) => get<GameDetail>(`/games/${game.game_id}`, at(start + minutes * MIN));

		const before = await view(-10);
		expect(before).toMatchObject({ status: "scheduled", linescore: null, period: null });
		const q1 = await view(20);
		expectSchema(spec, "GameDetail", q1);
		expect(q1).toMatchObject({ status: "in_progress", period: 1, period_label: "Q1", in_break: false });
		expect(q1.clock).toMatch(/^0[34]:\d\d$/);
		expect(q1.status_detail).toBe(`Q1 ${q1.clock}`);
		expect(await view(31.5)).toMatchObject({ status_detail: "End of Q1", in_break: true, clock: "00:00" });
		expect(await view(70)).toMatchObject({ status_detail: "Halftime", period: 2, in_break: true });
		expect((await view(90)).period_label).toBe("Q3");

		let previous = { home: 0, away: 0 };
		for (const minutes of [5, 20, 40, 70, 90, 120, 135]) {
			const state = await view(minutes);
			const score = { home: state.home.score ?? -1, away: state.away.score ?? -1 };
			expect(score.home).toBeGreaterThanOrEqual(previous.home);
			expect(score.away).toBeGreaterThanOrEqual(previous.away);
			expect(state.linescore?.home.reduce((a, b) => a + b, 0)).toBe(score.home);
			previous = score;
		}

		const final = await view(6 * 60);
		expectSchema(spec, "GameDetail", final);
		expect(final.status).toBe("final");
		expect(final.status_detail).toMatch(/^Final(\/\d?OT)?$/);
		expect(final.home.score).toBeGreaterThanOrEqual(previous.home);
		expect(final.home.score).not.toBe(final.away.score);
		expect(final.winner).toBe((final.home.score ?? 0) > (final.away.score ?? 0) ? "home" : "away");
		expect(final.linescore?.periods.slice(0, 4)).toEqual(["Q1", "Q2", "Q3", "Q4"]);
		expect(final.linescore?.away.reduce((a, b) => a + b, 0)).toBe(final.away.score);
		expect(final.top_performers.map((p) => p.team_id)).toEqual([final.home.team_id, final.away.team_id]);
		// The scoreboard of that date agrees with the box score.
		const board = await get<{ games: Game[] }>(`/scores?date=${game.date}`, at(start + 6 * 60 * MIN));
		expect(board.games.find((g) => g.game_id === game.game_id)).toMatchObject({
			status: "final",
			home: { score: final.home.score },
			away: { score: final.away.score },
		});
	});

	it("runs a soccer clock upwards with stoppage time, and lists goals as they happen", async () => {
		const game = await nextGame("cpl");
		const start = Date.parse(game.start_time);
		const view = (minutes: number) => get<GameDetail>(`/games/${game.game_id}`, at(start + minutes * MIN));
		expect(await view(22.5)).toMatchObject({ clock: "23'", status_detail: "23'", period_label: "1st half" });
		expect((await view(47.5)).clock).toBe("45+3'");
		expect(await view(55)).toMatchObject({ status_detail: "Halftime", in_break: true });
		expect(await view(70.5)).toMatchObject({ clock: "53'", period_label: "2nd half" });

		const final = await view(4 * 60);
		expect(final.status_detail).toBe("Full time");
		const plays = final.scoring_plays;
		expect(plays.filter((p) => p.team_id === final.home.team_id).length).toBe(final.home.score);
		expect(plays.at(-1)?.score ?? { home: 0, away: 0 }).toEqual({
			home: final.home.score,
			away: final.away.score,
		});
		expect(final.winner).toBe(
			final.home.score === final.away.score
				? "draw"
				: (final.home.score ?? 0) > (final.away.score ?? 0)
					? "home"
					: "away",
		);
		const halftime = await view(55);
		expect(halftime.scoring_plays).toEqual(plays.filter((p) => p.period === 1));
	});

	it("settles hockey and football ties in overtime, never as draws", async () => {
		for (const league of ["fhl", "gfl"]) {
			const from = isoDate(mondayWeeksAgo(6));
			const body = await get<{ games: Game[] }>(
				`/schedule?league=${league}&from=${from}&to=${isoDate(mondayWeeksAgo(2))}`,
			);
			const finals = body.games.filter((g) => g.status === "final");
			expect(finals.length).toBeGreaterThan(5);
			for (const game of finals) {
				expect(game.home.score).not.toBe(game.away.score);
				if (/OT|SO/.test(game.status_detail)) {
					const detail = await get<GameDetail>(`/games/${game.game_id}`);
					expect(detail.linescore?.periods.length).toBeGreaterThan(league === "fhl" ? 3 : 4);
				}
			}
		}
	});

	it("answers 404 for an unknown game", async () => {
		await expectError(await call("/sportsline/games/ubl-20260302-sea-bos"), 404, "game_not_found");
		await expectError(await call("/sportsline/games/nonsense"), 404, "game_not_found");
	});
});

describe("sportsline get_standings", () => {
	const leagues = ["ubl", "cpl", "fhl", "gfl"];

	it("ranks every team once, with records that add up", async () => {
		for (const league of leagues) {
			const body = await get<Standings>(`/leagues/${league}/standings`);
			expectSchema(spec, "Standings", body);
			const rows = body.groups.flatMap((g) => g.standings);
			expect(rows.length).toBe(league === "fhl" ? 10 : 12);
			expect(new Set(rows.map((r) => r.team.team_id)).size).toBe(rows.length);
			const wins = rows.reduce((s, r) => s + r.wins, 0);
			const losses = rows.reduce((s, r) => s + r.losses + (r.ot_losses ?? 0), 0);
			expect(wins).toBe(losses);
			for (const group of body.groups) {
				expect(group.standings.map((r) => r.rank)).toEqual(group.standings.map((_, i) => i + 1));
				for (const row of group.standings) {
					expect(row.played).toBe(row.wins + row.losses + (row.draws ?? 0) + (row.ot_losses ?? 0));
					if (league === "cpl") expect(row.points).toBe(row.wins * 3 + (row.draws ?? 0));
					if (league === "fhl") expect(row.points).toBe(row.wins * 2 + (row.ot_losses ?? 0));
				}
				const first = group.standings[0];
				if (league === "ubl" || league === "gfl") {
					expect(first?.games_behind).toBe(0);
					const pcts = group.standings.map((r) => r.win_pct ?? 0);
					expect(pcts).toEqual([...pcts].sort((a, b) => b - a));
				} else {
					const points = group.standings.map((r) => r.points ?? 0);
					expect(points).toEqual([...points].sort((a, b) => b - a));
				}
			}
		}
	});

	it("counts the games finished so far this season, and more a week later", async () => {
		// Read on a Wednesday at noon UTC, when no GFL game (weekends only) is in progress: on a weekend, which games
		// have finished at a given instant depends on that week's home teams' time zones.
		const today = new Date();
		const wednesday =
			Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12) -
			((today.getUTCDay() + 4) % 7) * 86_400_000;
		const now = await get<Standings>("/leagues/gfl/standings", at(wednesday));
		const later = await get<Standings>("/leagues/gfl/standings", at(wednesday + 7 * 86_400_000));
		const played = (s: Standings) => s.groups.flatMap((g) => g.standings).reduce((n, r) => n + r.played, 0);
		if (later.season === now.season) expect(played(later)).toBe(played(now) + 12);
		// A new season (from the Monday of the week holding January 4) starts from zero.
		const year = Number(now.season);
		const jan4 = Date.UTC(year + 1, 0, 4);
		const opening = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000 + 12 * 3_600_000;
		const fresh = await get<Standings>("/leagues/ubl/standings", at(opening));
		expect(fresh.season).toBe(String(year + 1));
		expect(played(fresh)).toBe(0);
		const lastWeek = await get<Standings>("/leagues/ubl/standings", at(opening - 86_400_000));
		expect(lastWeek.season).toBe(String(year));
		expect(played(lastWeek)).toBeGreaterThanOrEqual(played(now));
	});
});

describe("sportsline get_team and get_team_news", () => {
	it("describes a team with its record, last and next game and roster, by id, name or nickname", async () => {
		const team = await get<TeamDetail>("/teams/seattle-orcas");
		expectSchema(spec, "TeamDetail", team);
		expect(team).toMatchObject({ name: "Seattle Orcas", league_id: "ubl", conference: "Western Conference" });
		expect(team.record.summary).toBe(`${team.record.wins}-${team.record.losses}`);
		const standings = await get<Standings>("/leagues/ubl/standings");
		const row = standings.groups.flatMap((g) => g.standings).find((r) => r.team.team_id === "seattle-orcas");
		expect(row).toMatchObject({
			wins: team.record.wins,
			losses: team.record.losses,
			played: team.record.played,
		});
		expect(team.last_game?.status).toBe("final");
		expect(team.next_game?.status).not.toBe("final");
		expect(new Set(team.roster.map((p) => p.number)).size).toBe(team.roster.length);
		expect(team.roster.length).toBe(13);
		expect((await get<Team>("/teams/Seattle%20Orcas")).team_id).toBe("seattle-orcas");
		expect((await get<Team>("/teams/orcas")).team_id).toBe("seattle-orcas");
		const unknown = await expectError(await call("/sportsline/teams/seatle-orcas"), 404, "team_not_found");
		expect(unknown.suggestions).toContain("seattle-orcas");
	});

	it("serves two weeks of news, newest first, with recaps that match the results", async () => {
		const body = await get<News>("/teams/london-athletic/news?limit=50");
		expectSchema(spec, "TeamNews", body);
		expect(body.count).toBe(body.news.length);
		expect(body.count).toBeGreaterThan(2);
		const times = body.news.map((n) => Date.parse(n.published_at));
		expect(times).toEqual([...times].sort((a, b) => b - a));
		for (const t of times) {
			expect(t).toBeLessThanOrEqual(Date.now());
			expect(t).toBeGreaterThan(Date.now() - 14 * 86_400_000);
		}
		const recaps = body.news.filter((n) => n.category === "recap");
		expect(recaps.length).toBeGreaterThan(0);
		for (const recap of recaps) {
			const game = await get<GameDetail>(`/games/${recap.game_id}`);
			expect(game.status).toBe("final");
			const high = Math.max(game.home.score ?? 0, game.away.score ?? 0);
			const low = Math.min(game.home.score ?? 0, game.away.score ?? 0);
			expect(recap.headline).toContain(`${high}-${low}`);
		}
		const injuries = await get<News>("/teams/london-athletic/news?category=injury&limit=50");
		expect(injuries.news.every((n) => n.category === "injury" && n.game_id === null)).toBe(true);
		expect((await get<News>("/teams/london-athletic/news?limit=2")).news).toEqual(body.news.slice(0, 2));
		await expectError(await call("/sportsline/teams/london-athletic/news?limit=0"), 400, "invalid_request");
	});

	it("is deterministic: the same request at the same time gives the same answer", async () => {
		const clock = `clock=${-3 * 86_400}`;
		expect(await get<News>("/teams/toronto-northmen/news", clock)).toEqual(
			await get<News>("/teams/toronto-northmen/news", clock),
		);
		const week = await get<{ games: Game[] }>(`/schedule?league=gfl&from=${isoDate(mondayWeeksAgo(1))}`);
		const id = week.games[0]?.game_id;
		const a = await get<GameDetail>(`/games/${id}`);
		expect(a.status).toBe("final");
		expect(await get<GameDetail>(`/games/${id}`)).toEqual({ ...a, updated_at: expect.any(String) });
	});
});
