import { addDays } from "./time.ts";

/** Day of the week of a `YYYY-MM-DD` date: 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
	return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export function isWeekend(date: string): boolean {
	const day = weekday(date);
	return day === 0 || day === 6;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
	return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The `days`-th business day (Monday to Friday) after `date`; public holidays are not modelled. */
export function addBusinessDays(date: string, days: number): string {
	let current = date;
	let left = days;
	while (left > 0) {
		current = addDays(current, 1);
		if (!isWeekend(current)) left--;
	}
	return current;
}

/** Strict `YYYY-MM-DD` that names a real calendar day (rejects `2026-02-30`). */
export function isCalendarDate(text: string): boolean {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
	const ms = Date.parse(`${text}T00:00:00Z`);
	return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}
