/** A wall-clock reading in some IANA time zone. */
export interface ZonedTime {
	/** `YYYY-MM-DD`, the local calendar date. */
	date: string;
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
	/** UTC offset as `+hh:mm`. */
	offset: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
	let format = formatters.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat("en-US", {
			timeZone,
			year: "numeric",
			month: "2-digit",
			day: "2-digit",
			hour: "2-digit",
			minute: "2-digit",
			second: "2-digit",
			hourCycle: "h23",
			timeZoneName: "longOffset",
		});
		formatters.set(timeZone, format);
	}
	return format;
}

export function zoned(ms: number, timeZone: string): ZonedTime {
	const parts: Record<string, string> = {};
	for (const part of formatter(timeZone).formatToParts(new Date(ms))) parts[part.type] = part.value;
	const year = Number(parts.year);
	const month = Number(parts.month);
	const day = Number(parts.day);
	// "GMT" alone means a zero offset; otherwise "GMT+01:00".
	const offset = (parts.timeZoneName ?? "GMT").replace("GMT", "") || "+00:00";
	return {
		date: `${parts.year}-${parts.month}-${parts.day}`,
		year,
		month,
		day,
		hour: Number(parts.hour),
		minute: Number(parts.minute),
		second: Number(parts.second),
		offset,
	};
}

/** ISO 8601 local time with the zone's offset, e.g. `2026-08-15T06:58:00+01:00`. */
export function localIso(ms: number, timeZone: string): string {
	const t = zoned(ms, timeZone);
	const two = (n: number) => String(n).padStart(2, "0");
	return `${t.date}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}${t.offset}`;
}

/** Calendar arithmetic on `YYYY-MM-DD` dates. */
export function addDays(date: string, days: number): string {
	const [y, m, d] = date.split("-").map(Number);
	return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** UTC ms of a local wall-clock time in a zone (exact except within a DST transition hour). */
export function zonedToUtc(date: string, hour: number, timeZone: string): number {
	const guess = Date.parse(`${date}T${String(hour).padStart(2, "0")}:00:00Z`);
	const offset = zoned(guess, timeZone).offset;
	const sign = offset.startsWith("-") ? -1 : 1;
	const [oh, om] = offset.slice(1).split(":").map(Number);
	return guess - sign * ((oh ?? 0) * 60 + (om ?? 0)) * 60_000;
}
