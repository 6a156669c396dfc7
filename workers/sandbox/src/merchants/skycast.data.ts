/** Monthly climate normals (January first) that the weather model varies around. */
export interface Climate {
	/** Mean daily maximum, °C. */
	high: readonly number[];
	/** Mean daily minimum, °C. */
	low: readonly number[];
	/** Days with precipitation per month. */
	wetDays: readonly number[];
	/** Mean relative humidity, %. */
	humidity: number;
	/** Mean wind speed, km/h. */
	wind: number;
}

export interface City {
	slug: string;
	name: string;
	country: string;
	country_code: string;
	lat: number;
	lon: number;
	timezone: string;
	elevation_m: number;
	/** Who issues the city's weather alerts. */
	met_service: string;
	climate: Climate;
}

export const CITIES: readonly City[] = [
	{
		slug: "lisbon",
		name: "Lisbon",
		country: "Portugal",
		country_code: "PT",
		lat: 38.7223,
		lon: -9.1393,
		timezone: "Europe/Lisbon",
		elevation_m: 77,
		met_service: "IPMA",
		climate: {
			high: [15, 16, 19, 20, 22, 26, 28, 29, 27, 23, 18, 15],
			low: [8, 9, 11, 12, 14, 17, 18, 19, 18, 15, 11, 9],
			wetDays: [10, 9, 8, 9, 6, 2, 1, 1, 4, 9, 10, 11],
			humidity: 70,
			wind: 16,
		},
	},
	{
		slug: "london",
		name: "London",
		country: "United Kingdom",
		country_code: "GB",
		lat: 51.5072,
		lon: -0.1276,
		timezone: "Europe/London",
		elevation_m: 11,
		met_service: "Met Office",
		climate: {
			high: [8, 9, 12, 15, 18, 21, 24, 23, 20, 16, 11, 9],
			low: [3, 3, 4, 6, 9, 12, 14, 14, 12, 9, 6, 3],
			wetDays: [11, 9, 9, 9, 8, 8, 7, 8, 8, 10, 10, 10],
			humidity: 76,
			wind: 15,
		},
	},
	{
		slug: "paris",
		name: "Paris",
		country: "France",
		country_code: "FR",
		lat: 48.8566,
		lon: 2.3522,
		timezone: "Europe/Paris",
		elevation_m: 35,
		met_service: "Météo-France",
		climate: {
			high: [7, 9, 13, 16, 20, 23, 25, 25, 21, 16, 11, 8],
			low: [3, 3, 5, 7, 11, 14, 16, 16, 13, 10, 6, 4],
			wetDays: [10, 9, 10, 9, 9, 8, 7, 7, 8, 9, 10, 11],
			humidity: 74,
			wind: 14,
		},
	},
	{
		slug: "berlin",
		name: "Berlin",
		country: "Germany",
		country_code: "DE",
		lat: 52.52,
		lon: 13.405,
		timezone: "Europe/Berlin",
		elevation_m: 34,
		met_service: "Deutscher Wetterdienst",
		climate: {
			high: [3, 5, 9, 15, 19, 22, 24, 24, 19, 14, 8, 4],
			low: [-2, -2, 1, 4, 9, 12, 14, 14, 10, 6, 2, -1],
			wetDays: [10, 8, 9, 8, 9, 9, 9, 8, 8, 8, 9, 10],
			humidity: 75,
			wind: 13,
		},
	},
	{
		slug: "reykjavik",
		name: "Reykjavík",
		country: "Iceland",
		country_code: "IS",
		lat: 64.1466,
		lon: -21.9426,
		timezone: "Atlantic/Reykjavik",
		elevation_m: 20,
		met_service: "Veðurstofa Íslands",
		climate: {
			high: [3, 3, 4, 6, 10, 12, 14, 14, 11, 7, 4, 3],
			low: [-3, -3, -2, 0, 4, 7, 9, 8, 5, 2, -2, -3],
			wetDays: [16, 15, 16, 14, 12, 12, 13, 14, 16, 17, 15, 17],
			humidity: 78,
			wind: 22,
		},
	},
	{
		slug: "new-york",
		name: "New York",
		country: "United States",
		country_code: "US",
		lat: 40.7128,
		lon: -74.006,
		timezone: "America/New_York",
		elevation_m: 10,
		met_service: "NWS New York, NY",
		climate: {
			high: [4, 6, 11, 17, 22, 27, 29, 29, 25, 18, 13, 7],
			low: [-3, -2, 2, 8, 13, 18, 21, 21, 17, 10, 6, 0],
			wetDays: [11, 10, 11, 11, 11, 10, 10, 9, 8, 9, 10, 11],
			humidity: 63,
			wind: 15,
		},
	},
	{
		slug: "chicago",
		name: "Chicago",
		country: "United States",
		country_code: "US",
		lat: 41.8781,
		lon: -87.6298,
		timezone: "America/Chicago",
		elevation_m: 181,
		met_service: "NWS Chicago, IL",
		climate: {
			high: [0, 2, 9, 16, 22, 27, 29, 28, 24, 17, 9, 2],
			low: [-8, -6, -1, 5, 11, 16, 19, 19, 14, 7, 1, -5],
			wetDays: [11, 9, 11, 12, 12, 11, 10, 9, 9, 10, 11, 11],
			humidity: 68,
			wind: 17,
		},
	},
	{
		slug: "san-francisco",
		name: "San Francisco",
		country: "United States",
		country_code: "US",
		lat: 37.7749,
		lon: -122.4194,
		timezone: "America/Los_Angeles",
		elevation_m: 16,
		met_service: "NWS San Francisco Bay Area, CA",
		climate: {
			high: [14, 16, 17, 18, 19, 21, 21, 22, 23, 21, 18, 14],
			low: [8, 9, 10, 10, 11, 12, 13, 14, 14, 13, 11, 8],
			wetDays: [11, 10, 10, 6, 3, 1, 0, 0, 1, 3, 7, 10],
			humidity: 75,
			wind: 18,
		},
	},
	{
		slug: "mexico-city",
		name: "Mexico City",
		country: "Mexico",
		country_code: "MX",
		lat: 19.4326,
		lon: -99.1332,
		timezone: "America/Mexico_City",
		elevation_m: 2240,
		met_service: "Servicio Meteorológico Nacional",
		climate: {
			high: [22, 24, 26, 27, 27, 25, 23, 24, 23, 23, 23, 22],
			low: [6, 7, 9, 11, 12, 13, 12, 12, 12, 10, 8, 6],
			wetDays: [2, 2, 3, 6, 10, 17, 22, 21, 18, 8, 3, 2],
			humidity: 55,
			wind: 9,
		},
	},
	{
		slug: "tokyo",
		name: "Tokyo",
		country: "Japan",
		country_code: "JP",
		lat: 35.6762,
		lon: 139.6503,
		timezone: "Asia/Tokyo",
		elevation_m: 40,
		met_service: "Japan Meteorological Agency",
		climate: {
			high: [10, 11, 14, 19, 23, 26, 30, 31, 27, 22, 17, 12],
			low: [1, 2, 5, 10, 15, 19, 23, 24, 21, 15, 9, 4],
			wetDays: [5, 6, 10, 10, 11, 13, 12, 8, 12, 10, 7, 5],
			humidity: 65,
			wind: 12,
		},
	},
	{
		slug: "singapore",
		name: "Singapore",
		country: "Singapore",
		country_code: "SG",
		lat: 1.3521,
		lon: 103.8198,
		timezone: "Asia/Singapore",
		elevation_m: 15,
		met_service: "Meteorological Service Singapore",
		climate: {
			high: [30, 31, 32, 32, 32, 31, 31, 31, 31, 31, 31, 30],
			low: [24, 24, 25, 25, 26, 26, 25, 25, 25, 25, 24, 24],
			wetDays: [15, 11, 14, 15, 15, 13, 14, 14, 14, 16, 19, 19],
			humidity: 84,
			wind: 10,
		},
	},
	{
		slug: "sydney",
		name: "Sydney",
		country: "Australia",
		country_code: "AU",
		lat: -33.8688,
		lon: 151.2093,
		timezone: "Australia/Sydney",
		elevation_m: 39,
		met_service: "Bureau of Meteorology",
		climate: {
			high: [26, 26, 25, 23, 20, 18, 17, 18, 20, 22, 24, 25],
			low: [19, 19, 18, 15, 12, 10, 8, 9, 11, 14, 16, 18],
			wetDays: [12, 13, 14, 12, 12, 12, 10, 9, 10, 11, 12, 11],
			humidity: 65,
			wind: 16,
		},
	},
];
