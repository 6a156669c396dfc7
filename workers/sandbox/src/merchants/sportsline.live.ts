import { RULES, type SportRules } from "./sportsline.data.ts";
import { type Game, MINUTE_MS, type Side } from "./sportsline.games.ts";
import { type Result, resultOf } from "./sportsline.results.ts";

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

function periodSeconds(rules: SportRules, period: number): number {
	return period > rules.periods ? rules.overtimeSeconds : rules.periodSeconds;
}

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
	return inProgress(game, rules, result, segment, elapsedMin, base);
}

function inProgress(
	game: Game,
	rules: SportRules,
	result: Result,
	segment: Segment,
	elapsedMin: number,
	base: { ends_ms: number },
): GameState {
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
