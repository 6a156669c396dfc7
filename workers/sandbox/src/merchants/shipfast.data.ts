import type { LatLon } from "../lib/geo.ts";

export interface UsState extends LatLon {
	code: string;
	name: string;
	timeZone: string;
	/** Three-digit ZIP prefixes the USPS assigns to the state, as inclusive ranges. */
	zip3: readonly (readonly [number, number])[];
}

const s = (
	code: string,
	name: string,
	lat: number,
	lon: number,
	timeZone: string,
	...zip3: [number, number][]
): UsState => ({ code, name, lat, lon, timeZone, zip3 });

const ET = "America/New_York";
const CT = "America/Chicago";
const MT = "America/Denver";
const PT = "America/Los_Angeles";

/** The 50 states and DC, located at their main population centre (what zone charts measure from). */
export const STATES: readonly UsState[] = [
	s("AL", "Alabama", 33.52, -86.8, CT, [350, 369]),
	s("AK", "Alaska", 61.22, -149.9, "America/Anchorage", [995, 999]),
	s("AZ", "Arizona", 33.45, -112.07, "America/Phoenix", [850, 865]),
	s("AR", "Arkansas", 34.75, -92.29, CT, [716, 729]),
	s("CA", "California", 35.4, -119.0, PT, [900, 961]),
	s("CO", "Colorado", 39.74, -104.99, MT, [800, 816]),
	s("CT", "Connecticut", 41.76, -72.68, ET, [60, 69]),
	s("DE", "Delaware", 39.16, -75.52, ET, [197, 199]),
	s("DC", "District of Columbia", 38.91, -77.04, ET, [200, 205], [569, 569]),
	s("FL", "Florida", 28.54, -81.38, ET, [320, 349]),
	s("GA", "Georgia", 33.75, -84.39, ET, [300, 319], [398, 399]),
	s("HI", "Hawaii", 21.31, -157.86, "Pacific/Honolulu", [967, 968]),
	s("ID", "Idaho", 43.62, -116.2, "America/Boise", [832, 838]),
	s("IL", "Illinois", 41.5, -88.2, CT, [600, 629]),
	s("IN", "Indiana", 39.77, -86.16, "America/Indiana/Indianapolis", [460, 479]),
	s("IA", "Iowa", 41.59, -93.62, CT, [500, 528]),
	s("KS", "Kansas", 37.69, -97.34, CT, [660, 679]),
	s("KY", "Kentucky", 38.25, -85.76, ET, [400, 427]),
	s("LA", "Louisiana", 30.45, -91.19, CT, [700, 714]),
	s("ME", "Maine", 43.66, -70.26, ET, [39, 49]),
	s("MD", "Maryland", 39.29, -76.61, ET, [206, 219]),
	s("MA", "Massachusetts", 42.36, -71.06, ET, [10, 27], [55, 55]),
	s("MI", "Michigan", 42.73, -84.56, "America/Detroit", [480, 499]),
	s("MN", "Minnesota", 44.98, -93.27, CT, [550, 567]),
	s("MS", "Mississippi", 32.3, -90.18, CT, [386, 397]),
	s("MO", "Missouri", 38.58, -92.17, CT, [630, 658]),
	s("MT", "Montana", 46.59, -112.04, MT, [590, 599]),
	s("NE", "Nebraska", 41.26, -95.94, CT, [680, 693]),
	s("NV", "Nevada", 36.17, -115.14, PT, [889, 898]),
	s("NH", "New Hampshire", 42.99, -71.46, ET, [30, 38]),
	s("NJ", "New Jersey", 40.58, -74.41, ET, [70, 89]),
	s("NM", "New Mexico", 35.08, -106.65, MT, [870, 884]),
	s("NY", "New York", 40.71, -74.01, ET, [100, 149]),
	s("NC", "North Carolina", 35.78, -78.64, ET, [270, 289]),
	s("ND", "North Dakota", 46.81, -100.78, CT, [580, 588]),
	s("OH", "Ohio", 39.96, -83.0, ET, [430, 459]),
	s("OK", "Oklahoma", 35.47, -97.52, CT, [730, 749]),
	s("OR", "Oregon", 45.52, -122.68, PT, [970, 979]),
	s("PA", "Pennsylvania", 40.27, -76.88, ET, [150, 196]),
	s("RI", "Rhode Island", 41.82, -71.41, ET, [28, 29]),
	s("SC", "South Carolina", 34.0, -81.03, ET, [290, 299]),
	s("SD", "South Dakota", 43.54, -96.73, CT, [570, 577]),
	s("TN", "Tennessee", 36.16, -86.78, CT, [370, 385]),
	s("TX", "Texas", 31.0, -97.5, CT, [750, 799], [885, 885]),
	s("UT", "Utah", 40.76, -111.89, MT, [840, 847]),
	s("VT", "Vermont", 44.26, -72.58, ET, [50, 59]),
	s("VA", "Virginia", 37.54, -77.44, ET, [201, 201], [220, 246]),
	s("WA", "Washington", 47.61, -122.33, PT, [980, 994]),
	s("WV", "West Virginia", 38.35, -81.63, ET, [247, 268]),
	s("WI", "Wisconsin", 43.07, -89.4, CT, [530, 549]),
	s("WY", "Wyoming", 41.14, -104.82, MT, [820, 831]),
];

/** States only reached by air: ground services stay within them. */
export const NON_CONTIGUOUS = new Set(["AK", "HI"]);

export interface Hub extends LatLon {
	city: string;
	state: string;
}

const h = (city: string, state: string, lat: number, lon: number): Hub => ({ city, state, lat, lon });

/** ShipFast sort facilities; tracking events name the ones a parcel passes through. */
export const HUBS: readonly Hub[] = [
	h("Secaucus", "NJ", 40.79, -74.06),
	h("Hartford", "CT", 41.76, -72.68),
	h("Philadelphia", "PA", 39.95, -75.17),
	h("Atlanta", "GA", 33.75, -84.39),
	h("Orlando", "FL", 28.54, -81.38),
	h("Charlotte", "NC", 35.23, -80.84),
	h("Chicago", "IL", 41.88, -87.63),
	h("Columbus", "OH", 39.96, -83.0),
	h("Minneapolis", "MN", 44.98, -93.27),
	h("Kansas City", "MO", 39.1, -94.58),
	h("Memphis", "TN", 35.15, -90.05),
	h("Dallas", "TX", 32.78, -96.8),
	h("Houston", "TX", 29.76, -95.37),
	h("Denver", "CO", 39.74, -104.99),
	h("Salt Lake City", "UT", 40.76, -111.89),
	h("Phoenix", "AZ", 33.45, -112.07),
	h("Ontario", "CA", 34.06, -117.65),
	h("Oakland", "CA", 37.8, -122.27),
	h("Portland", "OR", 45.52, -122.68),
	h("Seattle", "WA", 47.61, -122.33),
	h("Anchorage", "AK", 61.22, -149.9),
	h("Honolulu", "HI", 21.31, -157.86),
];

/** The air hub every express and overnight parcel between distant regions is sorted through. */
export const AIR_HUB: Hub = h("Louisville", "KY", 38.25, -85.76);

export const SERVICE_LEVEL_IDS = ["economy", "ground", "express", "overnight"] as const;
export type ServiceLevelId = (typeof SERVICE_LEVEL_IDS)[number];

export interface ServiceLevel {
	service_level: ServiceLevelId;
	name: string;
	description: string;
	air: boolean;
	/** Business days in transit by zone 1-8. */
	transit_days: readonly number[];
	delivery_guarantee: string | null;
	max_weight_lb: number;
	/** First pound and each additional pound, by zone 1-8, in cents. */
	first_lb_cents: readonly number[];
	additional_lb_cents: readonly number[];
	/** Fuel surcharge on the base rate, in basis points (16.5 % = 1650). */
	fuel_surcharge_bp: number;
	residential_cents: number;
	/** Latest local time a delivery is made, as `[hour, minute]`. */
	delivered_by: readonly [number, number];
}

const GROUND_FIRST = [1025, 1058, 1112, 1165, 1210, 1262, 1310, 1365];
const GROUND_ADDITIONAL = [58, 72, 95, 120, 158, 189, 215, 240];

export const SERVICE_LEVELS: readonly ServiceLevel[] = [
	{
		service_level: "economy",
		name: "ShipFast Saver",
		description:
			"Lowest price for parcels that are not in a hurry: ground network, handed to the local post office for the last mile.",
		air: false,
		transit_days: [2, 3, 4, 5, 6, 6, 7, 7],
		delivery_guarantee: null,
		max_weight_lb: 70,
		first_lb_cents: GROUND_FIRST.map((c) => Math.round(c * 0.86)),
		additional_lb_cents: GROUND_ADDITIONAL.map((c) => Math.round(c * 0.86)),
		fuel_surcharge_bp: 1650,
		residential_cents: 0,
		delivered_by: [19, 59],
	},
	{
		service_level: "ground",
		name: "ShipFast Ground",
		description: "Day-definite ground delivery to every business and home in the contiguous US.",
		air: false,
		transit_days: [1, 1, 2, 3, 4, 4, 5, 5],
		delivery_guarantee: null,
		max_weight_lb: 150,
		first_lb_cents: GROUND_FIRST,
		additional_lb_cents: GROUND_ADDITIONAL,
		fuel_surcharge_bp: 1650,
		residential_cents: 545,
		delivered_by: [19, 59],
	},
	{
		service_level: "express",
		name: "ShipFast 2Day",
		description: "Delivery by the end of the second business day, anywhere in the 50 states.",
		air: true,
		transit_days: [2, 2, 2, 2, 2, 2, 2, 2],
		delivery_guarantee: "by end of day",
		max_weight_lb: 150,
		first_lb_cents: [2295, 2410, 2720, 2990, 3185, 3420, 3610, 3890],
		additional_lb_cents: [165, 210, 260, 330, 405, 470, 520, 585],
		fuel_surcharge_bp: 2025,
		residential_cents: 610,
		delivered_by: [16, 59],
	},
	{
		service_level: "overnight",
		name: "ShipFast Overnight",
		description: "Next business day by 10:30 a.m. to most addresses.",
		air: true,
		transit_days: [1, 1, 1, 1, 1, 1, 1, 1],
		delivery_guarantee: "by 10:30 a.m.",
		max_weight_lb: 150,
		first_lb_cents: [3850, 4120, 4675, 5210, 5590, 6045, 6330, 6770],
		additional_lb_cents: [290, 360, 450, 560, 690, 790, 880, 960],
		fuel_surcharge_bp: 2025,
		residential_cents: 610,
		delivered_by: [10, 29],
	},
];
