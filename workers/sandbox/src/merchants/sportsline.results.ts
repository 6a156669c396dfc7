import { type Rng, seeded } from "../lib/random.ts";
import { type Player, RULES, roster, SCORING_POSITIONS, type Sport, type Team } from "./sportsline.data.ts";
import { type Game, type Side, seasonOf } from "./sportsline.games.ts";

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
