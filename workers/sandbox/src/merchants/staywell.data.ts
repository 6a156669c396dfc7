import { seeded } from "../lib/random.ts";
import { slugify } from "../lib/text.ts";

export const AMENITIES = [
	"wifi",
	"pool",
	"gym",
	"spa",
	"parking",
	"breakfast",
	"restaurant",
	"bar",
	"room_service",
	"pet_friendly",
	"airport_shuttle",
	"ev_charging",
	"beach_access",
	"business_center",
	"kitchenette",
] as const;
export type Amenity = (typeof AMENITIES)[number];

interface Neighborhood {
	name: string;
	streets: readonly string[];
	beach?: boolean;
}

export interface City {
	slug: string;
	name: string;
	state: string;
	timeZone: string;
	/** Lodging taxes on room and resort fee, in basis points (14.75 % = 1475). */
	tax_bp: number;
	/** Flat occupancy fee per room per night (e.g. New York's hotel unit fee), in cents. */
	nightly_fee_cents: number;
	/** Typical standard room at a 4-star hotel, in cents. */
	base_rate_cents: number;
	/** Business cities empty out at weekends; leisure cities fill up. */
	kind: "business" | "leisure";
	/** Demand by month, January first. */
	season: readonly number[];
	resort: boolean;
	neighborhoods: readonly Neighborhood[];
}

export const CITIES: readonly City[] = [
	{
		slug: "new-york",
		name: "New York",
		state: "NY",
		timeZone: "America/New_York",
		tax_bp: 1475,
		nightly_fee_cents: 350,
		base_rate_cents: 26_000,
		kind: "business",
		season: [0.74, 0.78, 0.9, 1.0, 1.08, 1.1, 1.0, 0.98, 1.14, 1.16, 1.12, 1.28],
		resort: false,
		neighborhoods: [
			{ name: "Midtown", streets: ["W 44th St", "7th Ave", "W 51st St"] },
			{ name: "SoHo", streets: ["Broome St", "Spring St", "Lafayette St"] },
			{ name: "Financial District", streets: ["Water St", "Broad St", "William St"] },
			{ name: "Chelsea", streets: ["W 23rd St", "10th Ave", "W 28th St"] },
			{ name: "Upper West Side", streets: ["Amsterdam Ave", "W 72nd St", "Broadway"] },
		],
	},
	{
		slug: "san-francisco",
		name: "San Francisco",
		state: "CA",
		timeZone: "America/Los_Angeles",
		tax_bp: 1600,
		nightly_fee_cents: 0,
		base_rate_cents: 23_000,
		kind: "business",
		season: [0.86, 0.9, 0.98, 1.0, 1.04, 1.08, 1.05, 1.06, 1.14, 1.16, 0.98, 0.88],
		resort: false,
		neighborhoods: [
			{ name: "Union Square", streets: ["Post St", "Geary St", "Powell St"] },
			{ name: "SoMa", streets: ["Howard St", "3rd St", "Folsom St"] },
			{ name: "Fisherman's Wharf", streets: ["Jefferson St", "Beach St", "Columbus Ave"] },
			{ name: "Nob Hill", streets: ["California St", "Mason St", "Sacramento St"] },
			{ name: "Mission District", streets: ["Valencia St", "16th St", "Mission St"] },
		],
	},
	{
		slug: "chicago",
		name: "Chicago",
		state: "IL",
		timeZone: "America/Chicago",
		tax_bp: 1740,
		nightly_fee_cents: 0,
		base_rate_cents: 19_000,
		kind: "business",
		season: [0.7, 0.72, 0.84, 0.94, 1.08, 1.2, 1.22, 1.18, 1.1, 1.02, 0.88, 0.8],
		resort: false,
		neighborhoods: [
			{ name: "The Loop", streets: ["S Wabash Ave", "W Adams St", "S State St"] },
			{ name: "River North", streets: ["N Clark St", "W Hubbard St", "N Wells St"] },
			{ name: "Magnificent Mile", streets: ["N Michigan Ave", "E Ohio St", "E Huron St"] },
			{ name: "West Loop", streets: ["W Randolph St", "N Green St", "W Fulton Market"] },
			{ name: "Lincoln Park", streets: ["N Lincoln Ave", "W Armitage Ave", "N Clark St"] },
		],
	},
	{
		slug: "miami",
		name: "Miami",
		state: "FL",
		timeZone: "America/New_York",
		tax_bp: 1400,
		nightly_fee_cents: 0,
		base_rate_cents: 24_000,
		kind: "leisure",
		season: [1.25, 1.32, 1.3, 1.12, 0.92, 0.8, 0.78, 0.76, 0.74, 0.84, 0.98, 1.18],
		resort: true,
		neighborhoods: [
			{ name: "South Beach", streets: ["Collins Ave", "Ocean Dr", "Washington Ave"], beach: true },
			{ name: "Mid-Beach", streets: ["Collins Ave", "Indian Creek Dr"], beach: true },
			{ name: "North Beach", streets: ["Harding Ave", "Collins Ave"], beach: true },
			{ name: "Brickell", streets: ["Brickell Ave", "SE 8th St", "S Miami Ave"] },
			{ name: "Wynwood", streets: ["NW 2nd Ave", "NW 26th St"] },
		],
	},
	{
		slug: "las-vegas",
		name: "Las Vegas",
		state: "NV",
		timeZone: "America/Los_Angeles",
		tax_bp: 1338,
		nightly_fee_cents: 0,
		base_rate_cents: 16_000,
		kind: "leisure",
		season: [0.92, 1.0, 1.08, 1.04, 1.02, 0.9, 0.84, 0.86, 0.98, 1.06, 1.0, 0.94],
		resort: true,
		neighborhoods: [
			{ name: "The Strip", streets: ["Las Vegas Blvd S"] },
			{ name: "Downtown", streets: ["Fremont St", "S 4th St"] },
			{ name: "Arts District", streets: ["S Main St", "E Charleston Blvd"] },
			{ name: "Paradise", streets: ["Paradise Rd", "E Flamingo Rd"] },
			{ name: "Summerlin", streets: ["W Charleston Blvd", "S Town Center Dr"] },
		],
	},
	{
		slug: "honolulu",
		name: "Honolulu",
		state: "HI",
		timeZone: "Pacific/Honolulu",
		tax_bp: 1796,
		nightly_fee_cents: 0,
		base_rate_cents: 29_000,
		kind: "leisure",
		season: [1.15, 1.16, 1.12, 1.0, 0.94, 1.06, 1.14, 1.1, 0.9, 0.92, 0.96, 1.2],
		resort: true,
		neighborhoods: [
			{ name: "Waikiki", streets: ["Kalakaua Ave", "Lewers St", "Kuhio Ave"], beach: true },
			{ name: "Ala Moana", streets: ["Ala Moana Blvd", "Kapiolani Blvd"] },
			{ name: "Downtown", streets: ["Bishop St", "S King St"] },
			{ name: "Kahala", streets: ["Kahala Ave"], beach: true },
			{ name: "Diamond Head", streets: ["Kapahulu Ave", "Monsarrat Ave"] },
		],
	},
	{
		slug: "austin",
		name: "Austin",
		state: "TX",
		timeZone: "America/Chicago",
		tax_bp: 1700,
		nightly_fee_cents: 0,
		base_rate_cents: 19_000,
		kind: "leisure",
		season: [0.86, 0.92, 1.26, 1.04, 1.0, 0.9, 0.84, 0.86, 0.96, 1.16, 1.0, 0.9],
		resort: false,
		neighborhoods: [
			{ name: "Downtown", streets: ["Congress Ave", "E 6th St", "W 2nd St"] },
			{ name: "South Congress", streets: ["S Congress Ave", "W Mary St"] },
			{ name: "Rainey Street", streets: ["Rainey St", "Driskill St"] },
			{ name: "East Austin", streets: ["E Cesar Chavez St", "E 11th St"] },
			{ name: "The Domain", streets: ["Domain Dr", "Palm Way"] },
		],
	},
	{
		slug: "seattle",
		name: "Seattle",
		state: "WA",
		timeZone: "America/Los_Angeles",
		tax_bp: 1570,
		nightly_fee_cents: 0,
		base_rate_cents: 20_000,
		kind: "business",
		season: [0.74, 0.76, 0.84, 0.92, 1.06, 1.22, 1.3, 1.28, 1.12, 0.94, 0.82, 0.8],
		resort: false,
		neighborhoods: [
			{ name: "Downtown", streets: ["Pike St", "4th Ave", "Union St"] },
			{ name: "Pike Place", streets: ["1st Ave", "Western Ave"] },
			{ name: "Capitol Hill", streets: ["E Pine St", "Broadway E"] },
			{ name: "South Lake Union", streets: ["Westlake Ave N", "Terry Ave N"] },
			{ name: "Belltown", streets: ["2nd Ave", "Bell St"] },
		],
	},
];

const BRANDS: Record<number, readonly string[]> = {
	2: ["Sleepwell Inn", "Metro Lodge", "Wayside Inn"],
	3: ["Parkline Hotel", "Cityscape Suites", "Hearth & Key Hotel", "The Wayfarer"],
	4: ["Halcyon Hotel", "Atlas House", "The Linden", "Harborlight Hotel"],
	5: ["The Aurelian", "Maison Lumière", "The Grand Meridian"],
};
const RESORT_BRANDS: Record<number, readonly string[]> = {
	4: ["Palmcrest Resort", "Coral Tide Resort & Spa"],
	5: ["The Solana Resort", "Azure Crown Resort & Spa"],
};

const STAR_FACTOR: Record<number, number> = { 2: 0.55, 3: 0.78, 4: 1, 5: 1.7 };

interface RoomTemplate {
	id: string;
	name: string;
	beds: string;
	max_occupancy: number;
	size_sqm: number;
	factor: number;
	description: string;
}

const ROOMS: Record<string, RoomTemplate> = {
	"standard-queen": {
		id: "standard-queen",
		name: "Standard Queen",
		beds: "1 queen bed",
		max_occupancy: 2,
		size_sqm: 22,
		factor: 1,
		description: "A compact room with one queen bed, work desk and walk-in shower.",
	},
	"standard-king": {
		id: "standard-king",
		name: "Standard King",
		beds: "1 king bed",
		max_occupancy: 2,
		size_sqm: 26,
		factor: 1.06,
		description: "One king bed, a work desk, a 55-inch TV and a rain shower.",
	},
	"double-queen": {
		id: "double-queen",
		name: "Double Queen",
		beds: "2 queen beds",
		max_occupancy: 4,
		size_sqm: 32,
		factor: 1.18,
		description: "Two queen beds for families or friends travelling together.",
	},
	"deluxe-king": {
		id: "deluxe-king",
		name: "Deluxe King",
		beds: "1 king bed",
		max_occupancy: 3,
		size_sqm: 34,
		factor: 1.3,
		description: "A larger corner room with one king bed, a reading chair and a soaking tub.",
	},
	"view-king": {
		id: "view-king",
		name: "View King",
		beds: "1 king bed",
		max_occupancy: 2,
		size_sqm: 34,
		factor: 1.42,
		description: "One king bed on a high floor with floor-to-ceiling windows.",
	},
	"junior-suite": {
		id: "junior-suite",
		name: "Junior Suite",
		beds: "1 king bed and a sofa bed",
		max_occupancy: 4,
		size_sqm: 48,
		factor: 1.75,
		description: "An open-plan suite with a separate sitting area and a sofa bed.",
	},
	"one-bedroom-suite": {
		id: "one-bedroom-suite",
		name: "One-Bedroom Suite",
		beds: "1 king bed and a sofa bed",
		max_occupancy: 4,
		size_sqm: 68,
		factor: 2.4,
		description: "A separate bedroom and living room, dining table and a second bathroom.",
	},
};

const ROOMS_BY_STARS: Record<number, readonly string[]> = {
	2: ["standard-queen", "standard-king", "double-queen"],
	3: ["standard-king", "double-queen", "deluxe-king", "junior-suite"],
	4: ["standard-king", "double-queen", "view-king", "junior-suite"],
	5: ["deluxe-king", "view-king", "junior-suite", "one-bedroom-suite"],
};

export interface RoomType {
	room_type_id: string;
	name: string;
	description: string;
	beds: string;
	max_occupancy: number;
	size_sqm: number;
	/** The room's rate on an average night, before season and day of week, in cents. */
	base_rate_cents: number;
}

export interface Hotel {
	hotel_id: string;
	name: string;
	city: City;
	neighborhood: string;
	address: string;
	stars: number;
	guest_rating: number;
	review_count: number;
	amenities: Amenity[];
	/** Per room per night, in cents; 0 when the hotel charges none. */
	resort_fee_cents: number;
	check_in_time: string;
	check_out_time: string;
	/** Flexible rates cancel for free until this many hours before check-in. */
	free_cancellation_hours: number;
	description: string;
	room_types: RoomType[];
}

const CITY_CODES: Record<string, string> = {
	"new-york": "nyc",
	"san-francisco": "sf",
	chicago: "chi",
	miami: "mia",
	"las-vegas": "lv",
	honolulu: "hnl",
	austin: "atx",
	seattle: "sea",
};

function buildHotel(city: City, neighborhood: Neighborhood, stars: number): Hotel {
	const r = seeded("staywell", city.slug, neighborhood.name);
	const resortStyle = city.resort && stars >= 4 && (neighborhood.beach === true || city.slug === "las-vegas");
	const brand = r.pick((resortStyle ? RESORT_BRANDS[stars] : undefined) ?? BRANDS[stars] ?? []);
	const name = `${brand} ${neighborhood.name}`;
	const amenities = new Set<Amenity>(["wifi"]);
	if (stars >= 4) for (const a of ["restaurant", "bar", "gym", "room_service"] as const) amenities.add(a);
	if (stars === 5 || (stars === 4 && r.chance(0.5))) amenities.add("spa");
	if (stars === 3 && r.chance(0.7)) amenities.add("gym");
	if (stars <= 3 && r.chance(0.7)) amenities.add("breakfast");
	if (stars === 3 && r.chance(0.5)) amenities.add("bar");
	if (r.chance(city.resort ? 0.85 : stars >= 4 ? 0.4 : 0.2)) amenities.add("pool");
	if (neighborhood.beach) amenities.add("beach_access");
	if (r.chance(city.slug === "new-york" || city.slug === "san-francisco" ? 0.3 : 0.75))
		amenities.add("parking");
	if (r.chance(0.35)) amenities.add("pet_friendly");
	if (r.chance(0.3)) amenities.add("ev_charging");
	if (r.chance(0.2)) amenities.add("airport_shuttle");
	if (city.kind === "business" && stars >= 3 && r.chance(0.6)) amenities.add("business_center");
	if (brand.includes("Suites")) amenities.add("kitchenette");

	const priceFactor = (STAR_FACTOR[stars] ?? 1) * r.range(0.9, 1.12);
	const [ratingLow, ratingHigh] = ({ 2: [6.8, 8.0], 3: [7.4, 8.6], 4: [8.0, 9.1], 5: [8.7, 9.6] } as const)[
		stars as 2 | 3 | 4 | 5
	];
	const feeChance = resortStyle ? 1 : city.slug === "new-york" && stars >= 4 ? 0.5 : 0;
	const viewName = neighborhood.beach
		? "Ocean View King"
		: city.slug === "las-vegas"
			? "Strip View King"
			: "City View King";
	const roomIds = ROOMS_BY_STARS[stars] ?? [];
	const street = r.pick(neighborhood.streets);
	return {
		hotel_id: `${slugify(name.replaceAll("&", "and").replaceAll("'", ""))}-${CITY_CODES[city.slug] ?? city.slug}`,
		name,
		city,
		neighborhood: neighborhood.name,
		address: `${r.int(10, 1900)} ${street}, ${city.name}, ${city.state}`,
		stars,
		guest_rating: Math.round(r.range(ratingLow, ratingHigh) * 10) / 10,
		review_count: r.int(180, 6400),
		amenities: AMENITIES.filter((a) => amenities.has(a)),
		resort_fee_cents: r.chance(feeChance) ? r.pick([2500, 2995, 3500, 3995, 4500]) : 0,
		check_in_time: r.pick(["15:00", "16:00"]),
		check_out_time: r.pick(["11:00", "12:00"]),
		free_cancellation_hours: stars === 5 ? 72 : r.pick([24, 48]),
		description: `${"★".repeat(stars)} ${resortStyle ? "resort" : "hotel"} in ${neighborhood.name}, ${city.name}, on ${street}.`,
		room_types: roomIds.map((id) => {
			const template = ROOMS[id];
			if (!template) throw new Error(`unknown room template ${id}`);
			return {
				room_type_id: template.id,
				name: template.id === "view-king" ? viewName : template.name,
				description: template.description,
				beds: template.beds,
				max_occupancy: template.max_occupancy,
				size_sqm: template.size_sqm + r.int(-2, 4),
				base_rate_cents:
					Math.round((city.base_rate_cents * priceFactor * template.factor * r.range(0.97, 1.03)) / 100) *
					100,
			};
		}),
	};
}

/** One hotel per neighbourhood; each city has every class from 2 to 5 stars. */
export const HOTELS: readonly Hotel[] = CITIES.flatMap((city) => {
	const r = seeded("staywell", city.slug, "stars");
	const pattern = [2, 3, 3, 4, 5];
	const shift = r.int(0, pattern.length - 1);
	return city.neighborhoods.map((neighborhood, i) =>
		buildHotel(city, neighborhood, pattern[(i + shift) % pattern.length] ?? 3),
	);
});
