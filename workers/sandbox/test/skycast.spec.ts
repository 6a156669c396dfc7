import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, json } from "./helpers.ts";
import { expectSchema } from "./spec-check.ts";

interface Day {
	date: string;
	condition: string;
	condition_text: string;
	summary: string;
	temp_max: number;
	temp_min: number;
	precipitation_probability: number;
	precipitation: number;
	sunrise: string | null;
	sunset: string | null;
	wind_gust: number;
}
interface Forecast {
	location: { city: string; distance_km?: number; timezone: string };
	units: { temperature: string };
	days: Day[];
}
interface Current {
	location: { city: string; name: string };
	observed_at: string;
	temperature: number;
	humidity: number;
	uv_index: number;
	is_day: boolean;
	today: Day;
}
interface Alert {
	alert_id: string;
	city: string;
	event: string;
	severity: string;
	starts_at: string;
	ends_at: string;
}

let spec: unknown;
beforeAll(async () => {
	spec = await json(await call("/skycast/openapi.json"));
});

describe("skycast list_cities", () => {
	it("lists a dozen cities with slugs, coordinates and time zones", async () => {
		const body = await json<{ cities: { city: string; timezone: string }[]; count: number }>(
			await call("/skycast/cities"),
		);
		expectSchema(spec, "CityList", body);
		expect(body.count).toBe(12);
		expect(body.cities.map((c) => c.city)).toContain("lisbon");
		expect(new Set(body.cities.map((c) => c.city)).size).toBe(12);
	});

	it("filters by country code", async () => {
		const body = await json<{ cities: { city: string }[] }>(await call("/skycast/cities?country_code=us"));
		expect(body.cities.map((c) => c.city).sort()).toEqual(["chicago", "new-york", "san-francisco"]);
	});
});

describe("skycast get_current_conditions", () => {
	it("answers for every city by slug, consistently with today's forecast", async () => {
		const cities = await json<{ cities: { city: string }[] }>(await call("/skycast/cities"));
		for (const { city } of cities.cities) {
			const response = await call(`/skycast/current?city=${city}`);
			expect(response.status).toBe(200);
			const current = await json<Current>(response);
			expectSchema(spec, "CurrentConditions", current);
			expect(current.location.city).toBe(city);
			expect(current.temperature).toBeGreaterThanOrEqual(current.today.temp_min - 1);
			expect(current.temperature).toBeLessThanOrEqual(current.today.temp_max + 1);
			expect(current.humidity).toBeGreaterThanOrEqual(15);
			expect(current.humidity).toBeLessThanOrEqual(100);
			if (!current.is_day) expect(current.uv_index).toBe(0);
			expect(current.observed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00[+-]\d\d:\d\d$/);
		}
	});

	it("accepts city names, with or without accents", async () => {
		for (const name of ["New York", "Reykjavík", "reykjavik", "MEXICO CITY"]) {
			expect((await call(`/skycast/current?city=${encodeURIComponent(name)}`)).status).toBe(200);
		}
		const ny = await json<Current>(await call("/skycast/current?city=New%20York"));
		expect(ny.location).toMatchObject({ city: "new-york", name: "New York" });
	});

	it("finds the nearest station for coordinates and says how far it is", async () => {
		const near = await json<Forecast>(await call("/skycast/current?lat=38.75&lon=-9.2"));
		expect(near.location.city).toBe("lisbon");
		expect(near.location.distance_km).toBeGreaterThan(0);
		expect(near.location.distance_km).toBeLessThan(10);
	});

	it("refuses coordinates far from every station, naming the nearest", async () => {
		const error = await expectError(
			await call("/skycast/current?lat=30&lon=-40"),
			404,
			"location_not_covered",
		);
		expect(typeof error.nearest_city).toBe("string");
	});

	it("suggests close slugs for an unknown city", async () => {
		const error = await expectError(await call("/skycast/current?city=lisbn"), 404, "city_not_found");
		expect(error.suggestions).toContain("lisbon");
	});

	it("rejects a missing or invalid location", async () => {
		await expectError(await call("/skycast/current"), 400, "missing_location");
		await expectError(await call("/skycast/current?lat=10"), 400, "missing_location");
		const invalid = await expectError(await call("/skycast/current?lat=95&lon=0"), 400, "invalid_request");
		expect(invalid.message).toContain("query.lat");
		await expectError(await call("/skycast/current?city=lisbon&units=kelvin"), 400, "invalid_request");
	});
});

describe("skycast get_forecast", () => {
	it("gives 3 consecutive days by default and up to 7", async () => {
		const three = await json<Forecast>(await call("/skycast/forecast?city=tokyo"));
		expectSchema(spec, "Forecast", three);
		expect(three.days).toHaveLength(3);
		const seven = await json<Forecast>(await call("/skycast/forecast?city=tokyo&days=7"));
		expect(seven.days).toHaveLength(7);
		const dates = seven.days.map((d) => Date.parse(`${d.date}T00:00:00Z`));
		for (let i = 1; i < dates.length; i++) expect((dates[i] ?? 0) - (dates[i - 1] ?? 0)).toBe(86_400_000);
		await expectError(await call("/skycast/forecast?city=tokyo&days=8"), 400, "invalid_request");
		await expectError(await call("/skycast/forecast?city=tokyo&days=0"), 400, "invalid_request");
	});

	it("returns plausible days: max over min, probabilities in range, sunrise before sunset", async () => {
		for (const city of ["singapore", "reykjavik", "sydney", "chicago"]) {
			const forecast = await json<Forecast>(await call(`/skycast/forecast?city=${city}&days=7`));
			for (const day of forecast.days) {
				expect(day.temp_max).toBeGreaterThan(day.temp_min);
				expect(day.precipitation_probability).toBeGreaterThanOrEqual(0);
				expect(day.precipitation_probability).toBeLessThanOrEqual(100);
				expect(day.summary).toContain(day.condition_text);
				if (day.sunrise && day.sunset) expect(Date.parse(day.sunrise)).toBeLessThan(Date.parse(day.sunset));
				if (["rain", "drizzle", "thunderstorm", "snow"].includes(day.condition)) {
					expect(day.precipitation).toBeGreaterThan(0);
				} else {
					expect(day.precipitation).toBe(0);
				}
			}
		}
	});

	it("is deterministic: the same city and date always get the same weather", async () => {
		const a = await json<Forecast>(await call("/skycast/forecast?city=paris&days=7"));
		const b = await json<Forecast>(await call("/skycast/forecast?city=paris&days=7"));
		const byDate = new Map(b.days.map((d) => [d.date, d]));
		const shared = a.days.filter((d) => byDate.has(d.date));
		expect(shared.length).toBeGreaterThanOrEqual(6);
		for (const day of shared) expect(byDate.get(day.date)).toEqual(day);
	});

	it("converts to imperial units", async () => {
		const metric = await json<Forecast>(await call("/skycast/forecast?city=berlin&days=7"));
		const imperial = await json<Forecast>(await call("/skycast/forecast?city=berlin&days=7&units=imperial"));
		expect(imperial.units.temperature).toBe("°F");
		const metricDays = new Map(metric.days.map((d) => [d.date, d]));
		for (const day of imperial.days) {
			const c = metricDays.get(day.date);
			if (!c) continue;
			expect(day.temp_max).toBeCloseTo((c.temp_max * 9) / 5 + 32, 0);
			expect(day.wind_gust).toBeCloseTo(c.wind_gust * 0.621371, 0);
			expect(day.summary).toContain("°F");
		}
	});

	it("shows sunrise in local time for the city's zone", async () => {
		const forecast = await json<Forecast>(await call("/skycast/forecast?city=new-york&days=1"));
		const sunrise = forecast.days[0]?.sunrise ?? "";
		expect(sunrise).toMatch(/T0[5-7]:\d\d:00-0[45]:00$/);
	});
});

describe("skycast list_alerts", () => {
	it("lists alerts that agree with the forecast, over two months of days", async () => {
		let seen = 0;
		for (let day = 0; day < 60; day += 2) {
			const clock = { "x-sandbox-fault": `clock=${day * 86_400}` };
			const body = await json<{ alerts: Alert[]; count: number }>(
				await call("/skycast/alerts", { headers: clock }),
			);
			expectSchema(spec, "AlertList", body);
			expect(body.count).toBe(body.alerts.length);
			for (const alert of body.alerts) {
				seen++;
				const forecast = await json<Forecast>(
					await call(`/skycast/forecast?city=${alert.city}&days=3`, { headers: clock }),
				);
				const date = alert.alert_id.slice(alert.city.length + 1, alert.city.length + 11);
				const forecastDay = forecast.days.find((d) => d.date === date);
				expect(forecastDay, `${alert.alert_id} is for a forecast day`).toBeDefined();
				if (alert.event === "Severe Thunderstorm Watch") expect(forecastDay?.condition).toBe("thunderstorm");
				if (alert.event.startsWith("Winter")) expect(forecastDay?.condition).toBe("snow");
				if (alert.event === "Dense Fog Advisory") expect(forecastDay?.condition).toBe("fog");
				expect(Date.parse(alert.starts_at)).toBeLessThan(Date.parse(alert.ends_at));
			}
		}
		expect(seen).toBeGreaterThan(0);
	});

	it("filters by city and by minimum severity", async () => {
		const clock = { "x-sandbox-fault": "clock=0" };
		for (let day = 0; day < 30; day += 3) {
			const headers = { "x-sandbox-fault": `clock=${day * 86_400}` };
			const all = await json<{ alerts: Alert[] }>(await call("/skycast/alerts", { headers }));
			const severe = await json<{ alerts: Alert[] }>(
				await call("/skycast/alerts?min_severity=severe", { headers }),
			);
			expect(severe.alerts).toEqual(all.alerts.filter((a) => a.severity === "severe"));
			const london = await json<{ alerts: Alert[] }>(await call("/skycast/alerts?city=london", { headers }));
			expect(london.alerts).toEqual(
				all.alerts.filter((a) => a.city === "london").map((a) => expect.objectContaining(a)),
			);
		}
		await expectError(
			await call("/skycast/alerts?min_severity=extreme", { headers: clock }),
			400,
			"invalid_request",
		);
	});
});
