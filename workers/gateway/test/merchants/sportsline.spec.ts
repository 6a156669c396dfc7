import { beforeAll, describe, expect, it } from "vitest";
import { call, createKey, expectProblem, json, sandboxOrigin } from "../helpers.ts";

interface Side {
	team_id: string;
	name: string;
	score: number | null;
}
interface Game {
	game_id: string;
	league_id: string;
	date: string;
	status: string;
	home: Side;
	away: Side;
	winner: string | null;
}
interface Row {
	team: { team_id: string };
	played: number;
	wins: number;
	losses: number;
}

let key: string;
beforeAll(async () => {
	key = (await createKey("authenticated")).key;
});

async function execute<T>(tool: string, parameters: Record<string, unknown>, as = key): Promise<T> {
	const response = await call(`/v1/services/sportsline/tools/${tool}`, { key: as, body: { parameters } });
	expect(response.status, await response.clone().text()).toBe(200);
	const body = await json<{ service: string; tool: string; result: T; upstream: { status: number } }>(
		response,
	);
	expect(body).toMatchObject({ service: "sportsline", tool, upstream: { status: 200 } });
	return body.result;
}

/** The same request straight to the sandbox, to compare what the gateway passed through. */
async function direct<T>(path: string): Promise<T> {
	const response = await fetch(`${sandboxOrigin()}/sportsline${path}`);
	expect(response.status).toBe(200);
	return json<T>(response);
}

const isoDay = (offsetDays: number): string =>
	new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe("sportsline through the gateway", () => {
	it("is a free sports service with eight tools, none of them purchases", async () => {
		const body = await json<{
			service: { category: string; has_purchases: boolean };
			tools: { name: string }[];
		}>(await call("/v1/services/sportsline"));
		expect(body.service).toMatchObject({ category: "sports", has_purchases: false });
		expect(body.tools.map((t) => t.name).sort()).toEqual([
			"get_game",
			"get_schedule",
			"get_scores",
			"get_standings",
			"get_team",
			"get_team_news",
			"list_leagues",
			"list_teams",
		]);
		const services = await json<{ services: { id: string }[] }>(await call("/v1/services?category=sports"));
		expect(services.services.map((s) => s.id)).toContain("sportsline");
	});

	it("lists leagues and a league's teams", async () => {
		const leagues = await execute<{ leagues: { league_id: string; sport: string }[] }>("list_leagues", {});
		expect(leagues.leagues.map((l) => l.league_id)).toEqual(["ubl", "cpl", "fhl", "gfl"]);
		const teams = await execute<{ teams: { team_id: string; conference: string }[]; count: number }>(
			"list_teams",
			{
				league_id: "fhl",
				conference: "Western",
			},
		);
		expect(teams.count).toBe(5);
		expect(teams.teams.map((t) => t.team_id)).toContain("vancouver-tides");
	});

	it("gives scores and schedules that agree with each other and with the box score", async () => {
		const yesterday = await execute<{ date: string; games: Game[] }>("get_scores", {
			league: "fhl",
			date: "yesterday",
		});
		const schedule = await execute<{ games: Game[] }>("get_schedule", {
			team: "vancouver-tides",
			from: isoDay(-14),
			to: isoDay(-1),
		});
		expect(schedule.games.length).toBeGreaterThanOrEqual(3);
		for (const game of schedule.games) {
			expect([game.home.team_id, game.away.team_id]).toContain("vancouver-tides");
			expect(game.status).toBe("final");
		}
		const last = schedule.games.at(-1);
		if (!last) throw new Error("no games");
		const box = await execute<Game & { linescore: { home: number[] }; scoring_plays: unknown[] }>(
			"get_game",
			{
				game_id: last.game_id,
			},
		);
		expect(box).toMatchObject({
			game_id: last.game_id,
			home: last.home,
			away: last.away,
			winner: last.winner,
		});
		expect(box.linescore.home.reduce((a, b) => a + b, 0)).toBe(last.home.score);
		expect(box.scoring_plays.length).toBeGreaterThanOrEqual(
			(last.home.score ?? 0) + (last.away.score ?? 0) - 1,
		);
		// The gateway passes the merchant's answer through unchanged.
		expect(await direct(`/scores?league=fhl&date=${yesterday.date}`)).toEqual(yesterday);
	});

	it("shows standings consistent with the team page and team news", async () => {
		const standings = await execute<{ season: string; groups: { standings: Row[] }[] }>("get_standings", {
			league_id: "cpl",
		});
		const rows = standings.groups.flatMap((g) => g.standings);
		expect(rows).toHaveLength(12);
		const team = await execute<{ team_id: string; record: Row; last_game: Game | null; roster: unknown[] }>(
			"get_team",
			{ team_id: "Lisbon Navigators" },
		);
		expect(team.team_id).toBe("lisbon-navigators");
		expect(rows.find((r) => r.team.team_id === "lisbon-navigators")).toMatchObject({
			played: team.record.played,
			wins: team.record.wins,
			losses: team.record.losses,
		});
		expect(team.roster.length).toBe(22);
		const news = await execute<{ news: { category: string; game_id: string | null }[]; count: number }>(
			"get_team_news",
			{ team_id: "lisbon-navigators", category: "recap", limit: 3 },
		);
		expect(news.count).toBeGreaterThan(0);
		expect(news.news.every((n) => n.category === "recap")).toBe(true);
		const recapped = await execute<Game>("get_game", { game_id: news.news[0]?.game_id });
		expect(recapped.status).toBe("final");
		expect([recapped.home.team_id, recapped.away.team_id]).toContain("lisbon-navigators");
	});

	it("validates parameters before calling the merchant, and passes its 404s on with suggestions", async () => {
		const invalid = await expectProblem(
			await call("/v1/services/sportsline/tools/get_team_news", {
				key,
				body: { parameters: { team_id: "seattle-orcas", limit: 0 } },
			}),
			400,
			"VALIDATION_FAILED",
		);
		expect(invalid.errors).toEqual([expect.objectContaining({ pointer: "/parameters/limit" })]);
		await expectProblem(
			await call("/v1/services/sportsline/tools/list_teams", { key, body: { parameters: {} } }),
			400,
			"VALIDATION_FAILED",
		);
		const unknown = await expectProblem(
			await call("/v1/services/sportsline/tools/get_team", {
				key,
				body: { parameters: { team_id: "seatle-orcas" } },
			}),
			404,
			"NOT_FOUND",
		);
		expect(unknown.upstream_message).toContain("seattle-orcas");
	});

	it("serves identified callers (free tools), refuses anonymous ones, and proxies paths", async () => {
		const identified = (await createKey("identified", "fan@example.com", 0)).key;
		const leagues = await execute<{ leagues: unknown[] }>("list_leagues", {}, identified);
		expect(leagues.leagues).toHaveLength(4);
		await expectProblem(
			await call("/v1/services/sportsline/tools/list_leagues", { body: { parameters: {} } }),
			401,
			"AUTH_REQUIRED",
		);
		const proxied = await call("/sportsline/leagues/gfl/teams", { key });
		expect(proxied.status).toBe(200);
		expect(await json(proxied)).toEqual(await direct("/leagues/gfl/teams"));
	});
});
