import { seeded } from "../lib/random.ts";
import { addDays, zoned, zonedToUtc } from "../lib/time.ts";
import type { City } from "./skycast.data.ts";

export const CONDITIONS = [
	"clear",
	"partly_cloudy",
	"cloudy",
	"fog",
	"drizzle",
	"rain",
	"thunderstorm",
	"snow",
] as const;
export type Condition = (typeof CONDITIONS)[number];

export const CONDITION_TEXT: Record<Condition, string> = {
	clear: "Clear",
	partly_cloudy: "Partly cloudy",
	cloudy: "Overcast",
	fog: "Fog",
	drizzle: "Light drizzle",
	rain: "Rain",
	thunderstorm: "Thunderstorms",
	snow: "Snow",
};

const WET: ReadonlySet<Condition> = new Set(["drizzle", "rain", "thunderstorm", "snow"]);

/** One local calendar day of weather, metric units. */
export interface DayWeather {
	date: string;
	condition: Condition;
	temp_max_c: number;
	temp_min_c: number;
	precipitation_probability: number;
	precipitation_mm: number;
	humidity: number;
	wind_kmh: number;
	gust_kmh: number;
	wind_direction_deg: number;
	pressure_hpa: number;
	uv_index_max: number;
	/** UTC ms; null during polar day or night. */
	sunrise: number | null;
	sunset: number | null;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const clamp = (n: number, min: number, max: number): number => Math.min(max, Math.max(min, n));
const rad = (deg: number): number => (deg * Math.PI) / 180;

function solar(date: string, lat: number, lon: number) {
	const [y, m, d] = date.split("-").map(Number);
	const midnight = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
	const dayOfYear = Math.round((midnight - Date.UTC(y ?? 1970, 0, 1)) / 86_400_000) + 1;
	// NOAA's fractional-year approximations of the equation of time and the solar declination.
	const g = ((2 * Math.PI) / 365) * (dayOfYear - 1);
	const eqTimeMin =
		229.18 *
		(0.000075 +
			0.001868 * Math.cos(g) -
			0.032077 * Math.sin(g) -
			0.014615 * Math.cos(2 * g) -
			0.040849 * Math.sin(2 * g));
	const decl =
		0.006918 -
		0.399912 * Math.cos(g) +
		0.070257 * Math.sin(g) -
		0.006758 * Math.cos(2 * g) +
		0.000907 * Math.sin(2 * g) -
		0.002697 * Math.cos(3 * g) +
		0.00148 * Math.sin(3 * g);
	const cosHourAngle =
		Math.cos(rad(90.833)) / (Math.cos(rad(lat)) * Math.cos(decl)) - Math.tan(rad(lat)) * Math.tan(decl);
	const noonElevationDeg = 90 - Math.abs(lat - (decl * 180) / Math.PI);
	if (Math.abs(cosHourAngle) > 1) return { sunrise: null, sunset: null, noonElevationDeg };
	const hourAngleDeg = (Math.acos(cosHourAngle) * 180) / Math.PI;
	// Almanacs publish sun times to the minute.
	const minutes = (m: number) => midnight + Math.round(m) * 60_000;
	return {
		sunrise: minutes(720 - 4 * (lon + hourAngleDeg) - eqTimeMin),
		sunset: minutes(720 - 4 * (lon - hourAngleDeg) - eqTimeMin),
		noonElevationDeg,
	};
}

const CLOUD_UV: Record<Condition, number> = {
	clear: 1,
	partly_cloudy: 0.85,
	cloudy: 0.55,
	fog: 0.5,
	drizzle: 0.45,
	rain: 0.35,
	thunderstorm: 0.35,
	snow: 0.4,
};

/** The day's weather: climate normal for the month plus a seeded anomaly that drifts smoothly day to day. */
export function dayWeather(city: City, date: string): DayWeather {
	const month = Number(date.slice(5, 7)) - 1;
	const { high, low, wetDays, humidity, wind } = city.climate;
	const noise = (d: string) => seeded("skycast", city.slug, d, "anomaly").range(-1, 1);
	const anomaly = 4.5 * (0.6 * noise(date) + 0.4 * noise(addDays(date, -1)));
	const r = seeded("skycast", city.slug, date);

	const tempMax = (high[month] ?? 20) + anomaly + r.range(-1, 1);
	const tempMin = Math.min(tempMax - 2, (low[month] ?? 10) + anomaly * 0.7 + r.range(-1, 1));
	const wetChance = (wetDays[month] ?? 8) / 30;
	const wet = r.chance(wetChance);

	let condition: Condition;
	let precipitation = 0;
	if (wet) {
		if (tempMax <= 2) {
			condition = "snow";
			precipitation = r.range(1, 14);
		} else if (tempMax >= 24 && r.chance(0.35)) {
			condition = "thunderstorm";
			precipitation = r.range(8, 45);
		} else if (r.chance(0.3)) {
			condition = "drizzle";
			precipitation = r.range(0.3, 2);
		} else {
			condition = "rain";
			precipitation = r.chance(0.12) ? r.range(20, 48) : r.range(2, 16);
		}
	} else {
		const sky = r.next();
		if (sky < 0.45) condition = "clear";
		else if (sky < 0.75) condition = "partly_cloudy";
		else if (sky < 0.93 || humidity < 70) condition = "cloudy";
		else condition = "fog";
	}

	const windKmh = wind * r.range(0.55, 1.5) + (condition === "thunderstorm" ? 12 : 0);
	const sun = solar(date, city.lat, city.lon);
	const sunElevation = Math.max(0, Math.sin(rad(sun.noonElevationDeg)));
	const uvMax = 12.5 * sunElevation ** 2.5 * CLOUD_UV[condition] * (1 + city.elevation_m / 12_500);

	return {
		date,
		condition,
		temp_max_c: round1(tempMax),
		temp_min_c: round1(tempMin),
		precipitation_probability: wet
			? r.int(60, 95)
			: clamp(Math.round(wetChance * 35 + r.range(-10, 10)), 0, 40),
		precipitation_mm: round1(precipitation),
		humidity: clamp(Math.round(humidity + (wet ? 12 : -4) + r.range(-8, 8)), 15, 100),
		wind_kmh: round1(windKmh),
		gust_kmh: round1(windKmh * r.range(1.4, 1.9)),
		wind_direction_deg: r.int(0, 359),
		pressure_hpa: Math.round(1013 + (wet ? -r.range(4, 18) : r.range(-3, 12))),
		uv_index_max: Math.round(uvMax),
		sunrise: sun.sunrise,
		sunset: sun.sunset,
	};
}

/** Conditions at one moment, metric units. */
export interface Observation {
	observed_at: number;
	day: DayWeather;
	condition: Condition;
	is_day: boolean;
	temperature_c: number;
	feels_like_c: number;
	dew_point_c: number;
	humidity: number;
	wind_kmh: number;
	gust_kmh: number;
	wind_direction_deg: number;
	pressure_hpa: number;
	uv_index: number;
	visibility_km: number;
	cloud_cover: number;
	precipitation_last_hour_mm: number;
}

/** 0 at the 05:00 minimum, 1 at the 15:00 maximum. */
function diurnal(hour: number): number {
	if (hour >= 5 && hour <= 15) return 0.5 - 0.5 * Math.cos((Math.PI * (hour - 5)) / 10);
	const since = hour > 15 ? hour - 15 : hour + 9;
	return 0.5 + 0.5 * Math.cos((Math.PI * since) / 14);
}

/** Australian Bureau of Meteorology apparent temperature: one formula for cold wind and humid heat. */
function apparentTemperature(tempC: number, humidity: number, windKmh: number): number {
	const vapourPressure = (humidity / 100) * 6.105 * Math.exp((17.27 * tempC) / (237.7 + tempC));
	return tempC + 0.33 * vapourPressure - 0.7 * (windKmh / 3.6) - 4;
}

function dewPoint(tempC: number, humidity: number): number {
	const gamma = Math.log(Math.max(humidity, 1) / 100) + (17.62 * tempC) / (243.12 + tempC);
	return (243.12 * gamma) / (17.62 - gamma);
}

/** The observation for the current local hour; stable within that hour. */
export function observe(city: City, nowMs: number): Observation {
	const local = zoned(nowMs, city.timezone);
	const day = dayWeather(city, local.date);
	const r = seeded("skycast", city.slug, local.date, local.hour);
	const observedAt = zonedToUtc(local.date, local.hour, city.timezone);

	const f = diurnal(local.hour + 0.5);
	const temperature = day.temp_min_c + (day.temp_max_c - day.temp_min_c) * f + r.range(-0.5, 0.5);
	const humidity = clamp(Math.round(day.humidity + (0.5 - f) * 20 + r.range(-3, 3)), 15, 100);
	const windKmh = day.wind_kmh * r.range(0.6, 1.1);
	// Wet days have dry spells: the hour's sky is overcast then, and nothing fell in the last hour.
	const raining = WET.has(day.condition) && r.chance(0.65);
	const condition: Condition = WET.has(day.condition) && !raining ? "cloudy" : day.condition;

	const isDay =
		day.sunrise !== null && day.sunset !== null
			? observedAt >= day.sunrise && observedAt < day.sunset
			: day.uv_index_max > 0;
	let uv = 0;
	if (isDay && day.sunrise !== null && day.sunset !== null) {
		uv = Math.round(
			day.uv_index_max * Math.sin((Math.PI * (observedAt - day.sunrise)) / (day.sunset - day.sunrise)) ** 1.5,
		);
	}

	const visibility: Record<Condition, [number, number]> = {
		clear: [16, 30],
		partly_cloudy: [14, 25],
		cloudy: [10, 20],
		fog: [0.2, 0.9],
		drizzle: [5, 10],
		rain: [3, 8],
		thunderstorm: [2, 6],
		snow: [0.8, 4],
	};
	const cover: Record<Condition, [number, number]> = {
		clear: [0, 10],
		partly_cloudy: [25, 60],
		cloudy: [75, 100],
		fog: [95, 100],
		drizzle: [85, 100],
		rain: [90, 100],
		thunderstorm: [80, 100],
		snow: [90, 100],
	};
	const [visMin, visMax] = visibility[condition];
	const [coverMin, coverMax] = cover[condition];

	return {
		observed_at: observedAt,
		day,
		condition,
		is_day: isDay,
		temperature_c: round1(temperature),
		feels_like_c: round1(apparentTemperature(temperature, humidity, windKmh)),
		dew_point_c: round1(dewPoint(temperature, humidity)),
		humidity,
		wind_kmh: round1(windKmh),
		gust_kmh: round1(Math.max(windKmh, day.gust_kmh * r.range(0.6, 1))),
		wind_direction_deg: (day.wind_direction_deg + r.int(-25, 25) + 360) % 360,
		pressure_hpa: day.pressure_hpa + r.int(-1, 1),
		uv_index: uv,
		visibility_km: round1(r.range(visMin, visMax)),
		cloud_cover: r.int(coverMin, coverMax),
		precipitation_last_hour_mm: raining ? round1((day.precipitation_mm / 10) * r.range(0.3, 1.7)) : 0,
	};
}

export const SEVERITIES = ["minor", "moderate", "severe"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface WeatherAlert {
	alert_id: string;
	city: string;
	event: string;
	severity: Severity;
	headline: string;
	description: string;
	instruction: string;
	starts_at: number;
	ends_at: number;
	issued_at: number;
	issued_by: string;
}

interface AlertRule {
	event: string;
	severity: Severity;
	applies(day: DayWeather, city: City): boolean;
	headline(day: DayWeather): string;
	description(day: DayWeather): string;
	instruction: string;
}

const normalHigh = (city: City, day: DayWeather) => city.climate.high[Number(day.date.slice(5, 7)) - 1] ?? 20;

// Most severe first: a day triggers at most one rule per hazard group (the first match wins).
const ALERT_RULES: ReadonlyArray<readonly AlertRule[]> = [
	[
		{
			event: "Excessive Heat Warning",
			severity: "severe",
			applies: (d) => d.temp_max_c >= 38,
			headline: (d) => `Dangerous heat with highs near ${Math.round(d.temp_max_c)}°C`,
			description: (d) =>
				`Temperatures up to ${Math.round(d.temp_max_c)}°C; overnight lows only near ${Math.round(d.temp_min_c)}°C.`,
			instruction: "Stay in air-conditioned rooms, drink plenty of water and check on elderly neighbours.",
		},
		{
			event: "Heat Advisory",
			severity: "moderate",
			applies: (d, c) => d.temp_max_c >= 32 && d.temp_max_c >= normalHigh(c, d) + 3,
			headline: (d) => `Hot conditions with highs around ${Math.round(d.temp_max_c)}°C`,
			description: (d) => `Unusually hot for the season: highs around ${Math.round(d.temp_max_c)}°C.`,
			instruction: "Limit strenuous outdoor activity during the afternoon.",
		},
	],
	[
		{
			event: "Flash Flood Warning",
			severity: "severe",
			applies: (d) => d.precipitation_mm >= 35,
			headline: (d) => `Heavy rain, ${Math.round(d.precipitation_mm)} mm possible`,
			description: (d) =>
				`Rainfall totals up to ${Math.round(d.precipitation_mm)} mm may cause rapid flooding of streets and underpasses.`,
			instruction: "Do not drive through flooded roads. Turn around, don't drown.",
		},
		{
			event: "Severe Thunderstorm Watch",
			severity: "moderate",
			applies: (d) => d.condition === "thunderstorm",
			headline: () => "Thunderstorms with gusty winds and hail possible",
			description: (d) => `Storms may bring gusts to ${Math.round(d.gust_kmh)} km/h and local downpours.`,
			instruction: "Secure loose outdoor objects and stay indoors during storms.",
		},
		{
			event: "Flood Watch",
			severity: "moderate",
			applies: (d) => d.precipitation_mm >= 20,
			headline: (d) => `Persistent rain, ${Math.round(d.precipitation_mm)} mm expected`,
			description: (d) => `Around ${Math.round(d.precipitation_mm)} mm of rain may cause localized flooding.`,
			instruction: "Avoid low-lying areas and watch for rising water.",
		},
	],
	[
		{
			event: "Winter Storm Warning",
			severity: "severe",
			applies: (d) => d.condition === "snow" && d.precipitation_mm >= 8,
			headline: (d) => `Heavy snow, ${Math.round(d.precipitation_mm)} cm possible`,
			description: (d) =>
				`Snowfall of ${Math.round(d.precipitation_mm)} cm with reduced visibility; roads will be hazardous.`,
			instruction: "Avoid travel if you can; keep an emergency kit in your vehicle.",
		},
		{
			event: "Winter Weather Advisory",
			severity: "minor",
			applies: (d) => d.condition === "snow",
			headline: () => "Light snow and slippery roads",
			description: (d) =>
				`Light snow, ${Math.round(d.precipitation_mm)} cm; icy patches on untreated surfaces.`,
			instruction: "Allow extra time for travel.",
		},
		{
			event: "Extreme Cold Warning",
			severity: "severe",
			applies: (d) => d.temp_min_c <= -15,
			headline: (d) => `Extreme cold, lows near ${Math.round(d.temp_min_c)}°C`,
			description: (d) =>
				`Lows near ${Math.round(d.temp_min_c)}°C; frostbite possible on exposed skin within minutes.`,
			instruction: "Dress in layers and limit time outdoors.",
		},
	],
	[
		{
			event: "Wind Advisory",
			severity: "minor",
			applies: (d) => d.gust_kmh >= 65,
			headline: (d) => `Strong winds, gusts to ${Math.round(d.gust_kmh)} km/h`,
			description: (d) =>
				`Sustained winds near ${Math.round(d.wind_kmh)} km/h with gusts to ${Math.round(d.gust_kmh)} km/h.`,
			instruction: "Secure outdoor objects; use caution if driving high-profile vehicles.",
		},
	],
	[
		{
			event: "Dense Fog Advisory",
			severity: "minor",
			applies: (d) => d.condition === "fog",
			headline: () => "Dense fog with visibility under 1 km",
			description: () => "Visibility may drop below 500 m, especially in the morning.",
			instruction: "Slow down and use low-beam headlights.",
		},
	],
];

/** Alerts for the next three local days, derived from the same daily weather the forecast shows. */
export function activeAlerts(city: City, nowMs: number): WeatherAlert[] {
	const today = zoned(nowMs, city.timezone).date;
	const alerts: WeatherAlert[] = [];
	for (let offset = 0; offset < 3; offset++) {
		const day = dayWeather(city, addDays(today, offset));
		const startsAt = zonedToUtc(day.date, 0, city.timezone);
		const endsAt = zonedToUtc(addDays(day.date, 1), 0, city.timezone);
		for (const group of ALERT_RULES) {
			const rule = group.find((candidate) => candidate.applies(day, city));
			if (!rule) continue;
			alerts.push({
				alert_id: `${city.slug}-${day.date}-${rule.event.toLowerCase().replaceAll(" ", "-")}`,
				city: city.slug,
				event: rule.event,
				severity: rule.severity,
				headline: rule.headline(day),
				description: rule.description(day),
				instruction: rule.instruction,
				starts_at: startsAt,
				ends_at: endsAt,
				// Issued the afternoon before, but never in the future for days further out.
				issued_at: Math.min(
					zonedToUtc(addDays(day.date, -1), 15, city.timezone),
					nowMs - (nowMs % 3_600_000),
				),
				issued_by: city.met_service,
			});
		}
	}
	return alerts.filter((alert) => alert.ends_at > nowMs);
}
