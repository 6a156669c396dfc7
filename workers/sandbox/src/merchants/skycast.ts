import { Hono } from "hono";
import { z } from "zod";
import skycastSpec from "../../../../providers/skycast/openapi.yaml";
import { MerchantError } from "../lib/errors.ts";
import { closest, slugify } from "../lib/text.ts";
import { addDays, localIso, zoned } from "../lib/time.ts";
import { parseQuery } from "../lib/validate.ts";
import { type Merchant, now, type SandboxApp } from "../merchant.ts";
import { CITIES, type City } from "./skycast.data.ts";
import {
	activeAlerts,
	CONDITION_TEXT,
	type DayWeather,
	dayWeather,
	observe,
	SEVERITIES,
} from "./skycast.weather.ts";

/** Beyond this distance from every covered city a lat/lon lookup is refused rather than guessed. */
const COVERAGE_KM = 300;

type Units = "metric" | "imperial";

const round1 = (n: number): number => Math.round(n * 10) / 10;

function convert(units: Units) {
	const imperial = units === "imperial";
	return {
		temperature: (c: number) => (imperial ? round1((c * 9) / 5 + 32) : c),
		speed: (kmh: number) => (imperial ? round1(kmh * 0.621371) : kmh),
		precipitation: (mm: number) => (imperial ? Math.round((mm / 25.4) * 100) / 100 : mm),
		distance: (km: number) => (imperial ? round1(km * 0.621371) : km),
		labels: imperial
			? { temperature: "°F", wind_speed: "mph", precipitation: "in", visibility: "mi", pressure: "hPa" }
			: { temperature: "°C", wind_speed: "km/h", precipitation: "mm", visibility: "km", pressure: "hPa" },
	};
}

const CARDINALS = [
	"N",
	"NNE",
	"NE",
	"ENE",
	"E",
	"ESE",
	"SE",
	"SSE",
	"S",
	"SSW",
	"SW",
	"WSW",
	"W",
	"WNW",
	"NW",
	"NNW",
];
const cardinal = (deg: number): string => CARDINALS[Math.round(deg / 22.5) % 16] ?? "N";

function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
	const rad = (d: number) => (d * Math.PI) / 180;
	const a =
		Math.sin(rad(lat2 - lat1) / 2) ** 2 +
		Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
	return 6371 * 2 * Math.asin(Math.sqrt(a));
}

const locationQuery = z.object({
	city: z.string().trim().min(1).max(80).optional(),
	lat: z.coerce.number().min(-90).max(90).optional(),
	lon: z.coerce.number().min(-180).max(180).optional(),
	units: z.enum(["metric", "imperial"]).default("metric"),
});

interface Located {
	city: City;
	/** Set for lat/lon lookups: how far the request point is from the city's station. */
	distanceKm?: number;
}

function locate(query: { city?: string; lat?: number; lon?: number }): Located {
	if (query.city !== undefined) {
		const wanted = slugify(query.city);
		const city = CITIES.find((c) => c.slug === wanted || slugify(c.name) === wanted);
		if (city) return { city };
		const suggestions = closest(
			wanted,
			CITIES.map((c) => c.slug),
		);
		throw new MerchantError(
			404,
			"city_not_found",
			`No city "${query.city}". Did you mean ${suggestions.join(", ")}?`,
			{
				suggestions,
			},
		);
	}
	if (query.lat === undefined || query.lon === undefined) {
		throw new MerchantError(
			400,
			"missing_location",
			"Give a location: either city (a slug from GET /cities) or both lat and lon.",
		);
	}
	const { lat, lon } = query;
	const [nearest] = CITIES.map((city) => ({
		city,
		distanceKm: distanceKm(lat, lon, city.lat, city.lon),
	})).sort((a, b) => a.distanceKm - b.distanceKm);
	if (!nearest || nearest.distanceKm > COVERAGE_KM) {
		throw new MerchantError(
			404,
			"location_not_covered",
			`No SkyCast station within ${COVERAGE_KM} km of ${lat}, ${lon}.`,
			{
				nearest_city: nearest?.city.slug,
				nearest_distance_km: nearest ? Math.round(nearest.distanceKm) : undefined,
			},
		);
	}
	return { city: nearest.city, distanceKm: round1(nearest.distanceKm) };
}

function cityCard(city: City) {
	return {
		city: city.slug,
		name: city.name,
		country: city.country,
		country_code: city.country_code,
		lat: city.lat,
		lon: city.lon,
		timezone: city.timezone,
		elevation_m: city.elevation_m,
	};
}

function location(located: Located) {
	return {
		...cityCard(located.city),
		...(located.distanceKm === undefined ? {} : { distance_km: located.distanceKm }),
	};
}

const timeOrNull = (ms: number | null, city: City): string | null =>
	ms === null ? null : localIso(ms, city.timezone);

function forecastDay(day: DayWeather, city: City, units: Units) {
	const u = convert(units);
	const chance = day.condition === "snow" ? "snow" : "rain";
	return {
		date: day.date,
		condition: day.condition,
		condition_text: CONDITION_TEXT[day.condition],
		summary: `${CONDITION_TEXT[day.condition]}, high ${Math.round(u.temperature(day.temp_max_c))}${u.labels.temperature}, low ${Math.round(u.temperature(day.temp_min_c))}${u.labels.temperature}, ${day.precipitation_probability}% chance of ${chance}.`,
		temp_max: u.temperature(day.temp_max_c),
		temp_min: u.temperature(day.temp_min_c),
		precipitation_probability: day.precipitation_probability,
		precipitation: u.precipitation(day.precipitation_mm),
		humidity: day.humidity,
		wind_speed: u.speed(day.wind_kmh),
		wind_gust: u.speed(day.gust_kmh),
		wind_direction: day.wind_direction_deg,
		wind_direction_cardinal: cardinal(day.wind_direction_deg),
		pressure_hpa: day.pressure_hpa,
		uv_index_max: day.uv_index_max,
		sunrise: timeOrNull(day.sunrise, city),
		sunset: timeOrNull(day.sunset, city),
	};
}

const routes = new Hono<SandboxApp>();

routes.get("/cities", (c) => {
	const { country_code } = parseQuery(
		c,
		z.object({ country_code: z.string().trim().length(2).toUpperCase().optional() }),
	);
	const cities = CITIES.filter((city) => !country_code || city.country_code === country_code).map(cityCard);
	return c.json({ cities, count: cities.length });
});

routes.get("/current", (c) => {
	const query = parseQuery(c, locationQuery);
	const located = locate(query);
	const { city } = located;
	const obs = observe(city, now(c));
	const u = convert(query.units);
	return c.json({
		location: location(located),
		units: u.labels,
		observed_at: localIso(obs.observed_at, city.timezone),
		condition: obs.condition,
		condition_text: CONDITION_TEXT[obs.condition],
		is_day: obs.is_day,
		temperature: u.temperature(obs.temperature_c),
		feels_like: u.temperature(obs.feels_like_c),
		dew_point: u.temperature(obs.dew_point_c),
		humidity: obs.humidity,
		wind_speed: u.speed(obs.wind_kmh),
		wind_gust: u.speed(obs.gust_kmh),
		wind_direction: obs.wind_direction_deg,
		wind_direction_cardinal: cardinal(obs.wind_direction_deg),
		pressure_hpa: obs.pressure_hpa,
		uv_index: obs.uv_index,
		visibility: u.distance(obs.visibility_km),
		cloud_cover: obs.cloud_cover,
		precipitation_last_hour: u.precipitation(obs.precipitation_last_hour_mm),
		today: forecastDay(obs.day, city, query.units),
	});
});

routes.get("/forecast", (c) => {
	const query = parseQuery(
		c,
		locationQuery.extend({ days: z.coerce.number().int().min(1).max(7).default(3) }),
	);
	const located = locate(query);
	const { city } = located;
	const at = now(c);
	const today = zoned(at, city.timezone).date;
	return c.json({
		location: location(located),
		units: convert(query.units).labels,
		generated_at: localIso(at, city.timezone),
		days: Array.from({ length: query.days }, (_, i) =>
			forecastDay(dayWeather(city, addDays(today, i)), city, query.units),
		),
	});
});

routes.get("/alerts", (c) => {
	const query = parseQuery(
		c,
		locationQuery.omit({ units: true }).extend({ min_severity: z.enum(SEVERITIES).default("minor") }),
	);
	const cities =
		query.city !== undefined || query.lat !== undefined || query.lon !== undefined
			? [locate(query).city]
			: CITIES;
	const at = now(c);
	const floor = SEVERITIES.indexOf(query.min_severity);
	const alerts = cities.flatMap((city) =>
		activeAlerts(city, at)
			.filter((alert) => SEVERITIES.indexOf(alert.severity) >= floor)
			.map((alert) => ({
				...alert,
				city_name: city.name,
				starts_at: localIso(alert.starts_at, city.timezone),
				ends_at: localIso(alert.ends_at, city.timezone),
				issued_at: localIso(alert.issued_at, city.timezone),
			})),
	);
	return c.json({ alerts, count: alerts.length, generated_at: new Date(at).toISOString() });
});

/** SkyCast: free weather information (current conditions, 7-day forecast, alerts) for a dozen cities. */
export const skycast: Merchant = {
	id: "skycast",
	name: "SkyCast Weather",
	specYaml: skycastSpec,
	routes,
};
