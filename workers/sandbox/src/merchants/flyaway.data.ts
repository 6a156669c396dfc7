import type { LatLon } from "../lib/geo.ts";

export interface Airport extends LatLon {
	iata: string;
	name: string;
	city: string;
	country: string;
	timeZone: string;
}

const a = (
	iata: string,
	name: string,
	city: string,
	country: string,
	timeZone: string,
	lat: number,
	lon: number,
): Airport => ({ iata, name, city, country, timeZone, lat, lon });

export const AIRPORTS: readonly Airport[] = [
	a("JFK", "John F. Kennedy International", "New York", "US", "America/New_York", 40.6413, -73.7781),
	a("EWR", "Newark Liberty International", "Newark", "US", "America/New_York", 40.6895, -74.1745),
	a("BOS", "Logan International", "Boston", "US", "America/New_York", 42.3656, -71.0096),
	a("MIA", "Miami International", "Miami", "US", "America/New_York", 25.7959, -80.287),
	a(
		"ATL",
		"Hartsfield-Jackson Atlanta International",
		"Atlanta",
		"US",
		"America/New_York",
		33.6407,
		-84.4277,
	),
	a("ORD", "O'Hare International", "Chicago", "US", "America/Chicago", 41.9742, -87.9073),
	a("DFW", "Dallas/Fort Worth International", "Dallas", "US", "America/Chicago", 32.8998, -97.0403),
	a("AUS", "Austin-Bergstrom International", "Austin", "US", "America/Chicago", 30.1975, -97.6664),
	a("DEN", "Denver International", "Denver", "US", "America/Denver", 39.8561, -104.6737),
	a("LAS", "Harry Reid International", "Las Vegas", "US", "America/Los_Angeles", 36.084, -115.1537),
	a("LAX", "Los Angeles International", "Los Angeles", "US", "America/Los_Angeles", 33.9416, -118.4085),
	a("SFO", "San Francisco International", "San Francisco", "US", "America/Los_Angeles", 37.6213, -122.379),
	a("SEA", "Seattle-Tacoma International", "Seattle", "US", "America/Los_Angeles", 47.4502, -122.3088),
	a("HNL", "Daniel K. Inouye International", "Honolulu", "US", "Pacific/Honolulu", 21.3187, -157.9225),
	a("YYZ", "Toronto Pearson International", "Toronto", "CA", "America/Toronto", 43.6777, -79.6248),
	a("MEX", "Mexico City International", "Mexico City", "MX", "America/Mexico_City", 19.4361, -99.0719),
	a("LHR", "Heathrow", "London", "GB", "Europe/London", 51.47, -0.4543),
	a("CDG", "Charles de Gaulle", "Paris", "FR", "Europe/Paris", 49.0097, 2.5479),
	a("AMS", "Schiphol", "Amsterdam", "NL", "Europe/Amsterdam", 52.3105, 4.7683),
	a("FRA", "Frankfurt", "Frankfurt", "DE", "Europe/Berlin", 50.0379, 8.5622),
	a("MAD", "Adolfo Suárez Madrid-Barajas", "Madrid", "ES", "Europe/Madrid", 40.4983, -3.5676),
	a("LIS", "Humberto Delgado", "Lisbon", "PT", "Europe/Lisbon", 38.7742, -9.1342),
	a("DXB", "Dubai International", "Dubai", "AE", "Asia/Dubai", 25.2532, 55.3657),
	a("HND", "Haneda", "Tokyo", "JP", "Asia/Tokyo", 35.5494, 139.7798),
	a("SIN", "Changi", "Singapore", "SG", "Asia/Singapore", 1.3644, 103.9915),
	a("SYD", "Kingsford Smith", "Sydney", "AU", "Australia/Sydney", -33.9399, 151.1753),
];

export interface Airline {
	code: string;
	name: string;
	/** IATA accounting prefix: the first three digits of its ticket numbers. */
	ticket_prefix: string;
	hubs: readonly string[];
	/** Airports it flies to from its hubs. */
	network: readonly string[];
	/** Longest nonstop it flies, in km. */
	max_range_km: number;
}

const US = ["JFK", "EWR", "BOS", "MIA", "ATL", "ORD", "DFW", "AUS", "DEN", "LAS", "LAX", "SFO", "SEA", "HNL"];

/** Fictional carriers; each flies from its hubs to its network. */
export const AIRLINES: readonly Airline[] = [
	{
		code: "PQ",
		name: "Pacific Crest Airlines",
		ticket_prefix: "731",
		hubs: ["SFO", "LAX", "SEA"],
		network: [...US, "YYZ", "MEX", "HND", "SIN", "SYD", "LHR"],
		max_range_km: 14_500,
	},
	{
		code: "LQ",
		name: "Liberty Air",
		ticket_prefix: "742",
		hubs: ["JFK", "EWR", "BOS"],
		network: [...US, "YYZ", "MEX", "LHR", "CDG", "AMS", "FRA", "MAD", "LIS", "DXB"],
		max_range_km: 12_000,
	},
	{
		code: "HQ",
		name: "Heartland Airways",
		ticket_prefix: "758",
		hubs: ["ORD", "DFW", "DEN"],
		network: [...US, "YYZ", "MEX", "LHR", "FRA", "HND"],
		max_range_km: 11_500,
	},
	{
		code: "SX",
		name: "SunCoast Airlines",
		ticket_prefix: "766",
		hubs: ["ATL", "MIA", "AUS"],
		network: [...US.filter((c) => c !== "HNL"), "MEX", "YYZ", "MAD", "LIS"],
		max_range_km: 8_500,
	},
	{
		code: "AQ",
		name: "Aurora Atlantic",
		ticket_prefix: "774",
		hubs: ["LHR"],
		network: [
			"JFK",
			"EWR",
			"BOS",
			"MIA",
			"ATL",
			"ORD",
			"DFW",
			"LAX",
			"SFO",
			"SEA",
			"YYZ",
			"CDG",
			"AMS",
			"FRA",
			"MAD",
			"LIS",
			"DXB",
			"SIN",
			"HND",
		],
		max_range_km: 11_500,
	},
	{
		code: "EQ",
		name: "EuroLink",
		ticket_prefix: "785",
		hubs: ["AMS", "FRA", "CDG"],
		network: [
			"JFK",
			"EWR",
			"BOS",
			"ORD",
			"ATL",
			"MIA",
			"LAX",
			"SFO",
			"YYZ",
			"MEX",
			"LHR",
			"MAD",
			"LIS",
			"DXB",
			"SIN",
			"HND",
		],
		max_range_km: 11_000,
	},
	{
		code: "DQ",
		name: "Desert Falcon",
		ticket_prefix: "793",
		hubs: ["DXB"],
		network: [
			"JFK",
			"BOS",
			"ORD",
			"DFW",
			"LAX",
			"SFO",
			"SEA",
			"YYZ",
			"LHR",
			"CDG",
			"AMS",
			"FRA",
			"MAD",
			"SIN",
			"HND",
			"SYD",
		],
		max_range_km: 14_200,
	},
	{
		code: "LC",
		name: "Lion City Air",
		ticket_prefix: "807",
		hubs: ["SIN"],
		network: ["SFO", "LAX", "SEA", "JFK", "LHR", "FRA", "AMS", "DXB", "HND", "SYD"],
		max_range_km: 15_500,
	},
];

export const CABINS = ["economy", "premium_economy", "business", "first"] as const;
export type Cabin = (typeof CABINS)[number];

/** Departure taxes per passenger by country of the departure airport, in cents (approximate USD). */
export const DEPARTURE_TAX_CENTS: Record<
	string,
	{ code: string; name: string; cents: number; premium_cents: number }
> = {
	GB: { code: "GB", name: "UK Air Passenger Duty", cents: 11_000, premium_cents: 24_500 },
	FR: { code: "FR", name: "French civil aviation and solidarity tax", cents: 2_600, premium_cents: 7_400 },
	NL: { code: "NL", name: "Dutch air passenger tax", cents: 3_200, premium_cents: 3_200 },
	DE: { code: "DE", name: "German air transport tax", cents: 7_000, premium_cents: 7_000 },
	ES: { code: "ES", name: "Spanish departure charge", cents: 2_100, premium_cents: 2_100 },
	PT: { code: "PT", name: "Portuguese passenger service charge", cents: 1_800, premium_cents: 1_800 },
	AE: { code: "AE", name: "UAE passenger departure charge", cents: 2_000, premium_cents: 2_000 },
	JP: { code: "JP", name: "Japan international tourist tax", cents: 700, premium_cents: 700 },
	SG: {
		code: "SG",
		name: "Singapore passenger service and security fee",
		cents: 4_700,
		premium_cents: 4_700,
	},
	AU: { code: "AU", name: "Australian passenger movement charge", cents: 4_300, premium_cents: 4_300 },
	CA: {
		code: "CA",
		name: "Canadian airport improvement and security fees",
		cents: 5_600,
		premium_cents: 5_600,
	},
	MX: { code: "MX", name: "Mexican airport use fee (TUA)", cents: 6_000, premium_cents: 6_000 },
};

export const AIRCRAFT = {
	short: ["Airbus A320neo", "Boeing 737 MAX 8", "Airbus A321neo"],
	medium: ["Boeing 757-200", "Airbus A321LR", "Boeing 737-900ER"],
	long: ["Boeing 787-9", "Airbus A350-900", "Boeing 777-300ER"],
} as const;
