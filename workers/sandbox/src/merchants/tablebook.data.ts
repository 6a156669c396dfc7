import { seeded } from "../lib/random.ts";

export const CUISINES = [
	"american",
	"bbq",
	"french",
	"indian",
	"italian",
	"japanese",
	"korean",
	"mediterranean",
	"mexican",
	"seafood",
	"steakhouse",
	"vietnamese",
] as const;
export type Cuisine = (typeof CUISINES)[number];

export const SEATING_AREAS = ["dining_room", "bar", "patio", "chef_counter"] as const;
export type SeatingArea = (typeof SEATING_AREAS)[number];

export const OCCASIONS = [
	"birthday",
	"anniversary",
	"date_night",
	"business",
	"celebration",
	"other",
] as const;

export interface BookingCity {
	slug: string;
	name: string;
	state: string;
	time_zone: string;
}

export const BOOKING_CITIES: readonly BookingCity[] = [
	{ slug: "san-francisco", name: "San Francisco", state: "CA", time_zone: "America/Los_Angeles" },
	{ slug: "new-york", name: "New York", state: "NY", time_zone: "America/New_York" },
	{ slug: "chicago", name: "Chicago", state: "IL", time_zone: "America/Chicago" },
	{ slug: "austin", name: "Austin", state: "TX", time_zone: "America/Chicago" },
	{ slug: "seattle", name: "Seattle", state: "WA", time_zone: "America/Los_Angeles" },
];

interface RestaurantSeed {
	id: string;
	name: string;
	city: string;
	cuisine: Cuisine;
	neighborhood: string;
	street: string;
	price_level: 2 | 3 | 4;
	areas: SeatingArea[];
	tags: string[];
}

const r = (
	id: string,
	name: string,
	city: string,
	cuisine: Cuisine,
	neighborhood: string,
	street: string,
	price_level: 2 | 3 | 4,
	areas: SeatingArea[],
	tags: string[],
): RestaurantSeed => ({ id, name, city, cuisine, neighborhood, street, price_level, areas, tags });

const SEEDS: readonly RestaurantSeed[] = [
	r(
		"lupa-trattoria-sf",
		"Lupa Trattoria",
		"san-francisco",
		"italian",
		"Noe Valley",
		"4109 24th St",
		3,
		["dining_room", "bar"],
		["pasta", "wine bar", "romantic"],
	),
	r(
		"hearth-and-vine-sf",
		"Hearth & Vine",
		"san-francisco",
		"american",
		"NoPa",
		"560 Divisadero St",
		3,
		["dining_room", "bar", "patio"],
		["californian", "wood-fired", "farm to table"],
	),
	r(
		"salt-point-oyster-bar-sf",
		"Salt Point Oyster Bar",
		"san-francisco",
		"seafood",
		"Embarcadero",
		"33 Pier Way",
		2,
		["dining_room", "bar", "patio"],
		["oysters", "waterfront", "happy hour"],
	),
	r(
		"koji-omakase-sf",
		"Kōji Omakase",
		"san-francisco",
		"japanese",
		"Japantown",
		"1737 Post St",
		4,
		["chef_counter"],
		["omakase", "sushi", "tasting menu"],
	),
	r(
		"mission-comal-sf",
		"Mission Comal",
		"san-francisco",
		"mexican",
		"Mission",
		"2889 Mission St",
		2,
		["dining_room", "patio"],
		["tacos", "mezcal", "groups"],
	),
	r(
		"pacific-heights-bistro-sf",
		"Pacific Heights Bistro",
		"san-francisco",
		"french",
		"Pacific Heights",
		"2238 Fillmore St",
		3,
		["dining_room", "bar"],
		["bistro", "steak frites", "brunch"],
	),
	r(
		"saigon-lantern-sf",
		"Saigon Lantern",
		"san-francisco",
		"vietnamese",
		"Tenderloin",
		"501 Larkin St",
		2,
		["dining_room"],
		["pho", "banh mi", "casual"],
	),
	r(
		"ember-steakhouse-sf",
		"Ember Steakhouse",
		"san-francisco",
		"steakhouse",
		"Financial District",
		"300 California St",
		4,
		["dining_room", "bar"],
		["dry-aged", "wine list", "business dinner"],
	),
	r(
		"osteria-greco-nyc",
		"Osteria Greco",
		"new-york",
		"italian",
		"West Village",
		"112 Bleecker St",
		3,
		["dining_room", "bar"],
		["handmade pasta", "romantic", "wine bar"],
	),
	r(
		"bowery-table-nyc",
		"The Bowery Table",
		"new-york",
		"american",
		"Lower East Side",
		"215 Bowery",
		3,
		["dining_room", "bar"],
		["seasonal", "cocktails", "brunch"],
	),
	r(
		"maison-laurent-nyc",
		"Maison Laurent",
		"new-york",
		"french",
		"Upper East Side",
		"40 E 68th St",
		4,
		["dining_room"],
		["tasting menu", "fine dining", "special occasion"],
	),
	r(
		"han-river-bbq-nyc",
		"Han River BBQ",
		"new-york",
		"korean",
		"Koreatown",
		"34 W 32nd St",
		2,
		["dining_room"],
		["korean bbq", "groups", "late night"],
	),
	r(
		"tribeca-oyster-room-nyc",
		"Tribeca Oyster Room",
		"new-york",
		"seafood",
		"Tribeca",
		"88 Hudson St",
		3,
		["dining_room", "bar"],
		["oysters", "raw bar", "martinis"],
	),
	r(
		"casa-marigold-nyc",
		"Casa Marigold",
		"new-york",
		"mexican",
		"Williamsburg",
		"160 N 6th St",
		2,
		["dining_room", "patio"],
		["tacos", "margaritas", "garden"],
	),
	r(
		"shinjuku-counter-nyc",
		"Shinjuku Counter",
		"new-york",
		"japanese",
		"East Village",
		"27 St Marks Pl",
		4,
		["chef_counter"],
		["omakase", "sushi", "sake"],
	),
	r(
		"gramercy-chop-house-nyc",
		"Gramercy Chop House",
		"new-york",
		"steakhouse",
		"Gramercy",
		"120 E 20th St",
		4,
		["dining_room", "bar"],
		["porterhouse", "classic", "business dinner"],
	),
	r(
		"fulton-market-grill-chi",
		"Fulton Market Grill",
		"chicago",
		"american",
		"West Loop",
		"820 W Fulton Market",
		3,
		["dining_room", "bar", "patio"],
		["wood-fired", "cocktails", "groups"],
	),
	r(
		"bella-notte-chi",
		"Trattoria Bella Notte",
		"chicago",
		"italian",
		"Little Italy",
		"1441 W Taylor St",
		2,
		["dining_room"],
		["red sauce", "family style", "classic"],
	),
	r(
		"lakeview-sushi-bar-chi",
		"Lakeview Sushi Bar",
		"chicago",
		"japanese",
		"Lakeview",
		"3240 N Clark St",
		3,
		["dining_room", "chef_counter"],
		["sushi", "omakase", "sake"],
	),
	r(
		"maxwell-street-cantina-chi",
		"Maxwell Street Cantina",
		"chicago",
		"mexican",
		"Pilsen",
		"1800 S Halsted St",
		2,
		["dining_room", "patio"],
		["tacos", "mole", "margaritas"],
	),
	r(
		"le-petit-chicago-chi",
		"Le Petit Chicago",
		"chicago",
		"french",
		"Gold Coast",
		"21 E Bellevue Pl",
		3,
		["dining_room", "bar"],
		["bistro", "wine", "romantic"],
	),
	r(
		"prairie-chophouse-chi",
		"Prairie Chophouse",
		"chicago",
		"steakhouse",
		"River North",
		"445 N Dearborn St",
		4,
		["dining_room", "bar"],
		["dry-aged", "martinis", "business dinner"],
	),
	r(
		"devon-tandoor-chi",
		"Devon Avenue Tandoor",
		"chicago",
		"indian",
		"West Ridge",
		"2610 W Devon Ave",
		2,
		["dining_room"],
		["tandoori", "curry", "vegetarian friendly"],
	),
	r(
		"gold-coast-oyster-co-chi",
		"Gold Coast Oyster Co.",
		"chicago",
		"seafood",
		"Gold Coast",
		"1015 N Rush St",
		3,
		["dining_room", "bar"],
		["oysters", "lobster", "raw bar"],
	),
	r(
		"bluebonnet-smokehouse-atx",
		"Bluebonnet Smokehouse",
		"austin",
		"bbq",
		"East Austin",
		"1200 E 11th St",
		2,
		["dining_room", "patio"],
		["brisket", "beer garden", "groups"],
	),
	r(
		"rainey-street-cantina-atx",
		"Rainey Street Cantina",
		"austin",
		"mexican",
		"Rainey Street",
		"71 Rainey St",
		2,
		["dining_room", "patio", "bar"],
		["tacos", "margaritas", "patio"],
	),
	r(
		"olive-and-oak-atx",
		"Olive & Oak",
		"austin",
		"italian",
		"South Congress",
		"1509 S Congress Ave",
		3,
		["dining_room", "patio"],
		["pasta", "wood-fired", "date night"],
	),
	r(
		"lady-bird-bistro-atx",
		"Lady Bird Bistro",
		"austin",
		"french",
		"Clarksville",
		"1110 W Lynn St",
		3,
		["dining_room", "bar"],
		["bistro", "brunch", "wine"],
	),
	r(
		"hill-country-chophouse-atx",
		"Hill Country Chophouse",
		"austin",
		"steakhouse",
		"Downtown",
		"301 Lavaca St",
		4,
		["dining_room", "bar"],
		["wagyu", "texas", "business dinner"],
	),
	r(
		"sakura-izakaya-atx",
		"Sakura Izakaya",
		"austin",
		"japanese",
		"North Loop",
		"5312 Airport Blvd",
		2,
		["dining_room", "bar"],
		["izakaya", "ramen", "sake"],
	),
	r(
		"barton-springs-kitchen-atx",
		"Barton Springs Kitchen",
		"austin",
		"american",
		"Zilker",
		"1707 Barton Springs Rd",
		2,
		["dining_room", "patio"],
		["brunch", "burgers", "family friendly"],
	),
	r(
		"aegean-table-atx",
		"Aegean Table",
		"austin",
		"mediterranean",
		"Mueller",
		"1801 Aldrich St",
		2,
		["dining_room", "patio"],
		["mezze", "grill", "healthy"],
	),
	r(
		"salish-sea-oyster-house-sea",
		"Salish Sea Oyster House",
		"seattle",
		"seafood",
		"Pike Place",
		"1531 Western Ave",
		3,
		["dining_room", "bar"],
		["oysters", "dungeness crab", "waterfront"],
	),
	r(
		"ballard-brasserie-sea",
		"Ballard Brasserie",
		"seattle",
		"french",
		"Ballard",
		"5410 Ballard Ave NW",
		3,
		["dining_room", "bar"],
		["brasserie", "mussels", "brunch"],
	),
	r(
		"capitol-hill-trattoria-sea",
		"Capitol Hill Trattoria",
		"seattle",
		"italian",
		"Capitol Hill",
		"1518 11th Ave",
		2,
		["dining_room", "bar"],
		["pasta", "wine", "cozy"],
	),
	r(
		"pike-street-izakaya-sea",
		"Pike Street Izakaya",
		"seattle",
		"japanese",
		"Capitol Hill",
		"1200 E Pike St",
		2,
		["dining_room", "bar"],
		["izakaya", "skewers", "late night"],
	),
	r(
		"cascade-chophouse-sea",
		"Cascade Chophouse",
		"seattle",
		"steakhouse",
		"Downtown",
		"1420 5th Ave",
		4,
		["dining_room", "bar"],
		["dry-aged", "northwest wine", "business dinner"],
	),
	r(
		"fremont-tandoor-sea",
		"Fremont Tandoor",
		"seattle",
		"indian",
		"Fremont",
		"3516 Fremont Pl N",
		2,
		["dining_room"],
		["tandoori", "biryani", "vegetarian friendly"],
	),
	r(
		"olympic-mezze-sea",
		"Olympic Mezze",
		"seattle",
		"mediterranean",
		"Queen Anne",
		"2 Boston St",
		2,
		["dining_room", "patio"],
		["mezze", "lamb", "healthy"],
	),
	r(
		"seoul-garden-sea",
		"Seoul Garden",
		"seattle",
		"korean",
		"University District",
		"4515 University Way NE",
		2,
		["dining_room"],
		["korean bbq", "bibimbap", "groups"],
	),
];

/** A service period: seatings every 30 minutes from `first` to `last`, both included (`HH:MM`). */
export interface ServicePeriod {
	name: "lunch" | "dinner";
	first: string;
	last: string;
}

export interface CancellationPolicy {
	/** At least this many hours before the reservation, the deposit is refunded in full. */
	full_refund_hours: number;
	/** At least this many hours before, `partial_refund_percent` of the deposit is refunded. */
	partial_refund_hours: number;
	partial_refund_percent: number;
}

export interface Restaurant {
	restaurant_id: string;
	name: string;
	city: string;
	cuisine: Cuisine;
	neighborhood: string;
	address: string;
	price_level: string;
	rating: number;
	review_count: number;
	tags: string[];
	seating_areas: SeatingArea[];
	max_party_size: number;
	/** Held per guest at booking and credited to the bill. */
	deposit_per_person_cents: number;
	/** TableBook's own fee per booking; never refunded. */
	booking_fee_cents: number;
	service_periods: ServicePeriod[];
	/** Days of the week the restaurant is closed, 0 = Sunday. */
	closed_weekdays: number[];
	cancellation_policy: CancellationPolicy;
	/** How fully booked the restaurant tends to be, 0-1. */
	popularity: number;
}

const DEPOSIT_BY_LEVEL: Record<2 | 3 | 4, readonly number[]> = {
	2: [1000, 1500],
	3: [2000, 2500, 3000],
	4: [5000, 7500, 10000],
};

function buildRestaurant(seed: RestaurantSeed): Restaurant {
	const city = BOOKING_CITIES.find((c) => c.slug === seed.city);
	if (!city) throw new Error(`restaurant ${seed.id} is in unknown city ${seed.city}`);
	const rng = seeded("tablebook", seed.id);
	const counterOnly = seed.areas.length === 1 && seed.areas[0] === "chef_counter";
	const fine = seed.price_level === 4;
	const periods: ServicePeriod[] = [];
	if (seed.price_level === 2 && rng.chance(0.7))
		periods.push({ name: "lunch", first: "11:30", last: "14:00" });
	periods.push(
		fine
			? { name: "dinner", first: "17:30", last: "21:00" }
			: rng.pick([
					{ name: "dinner", first: "17:00", last: "21:30" },
					{ name: "dinner", first: "17:30", last: "22:00" },
				] as const),
	);
	return {
		restaurant_id: seed.id,
		name: seed.name,
		city: seed.city,
		cuisine: seed.cuisine,
		neighborhood: seed.neighborhood,
		address: `${seed.street}, ${city.name}, ${city.state}`,
		price_level: "$".repeat(seed.price_level),
		rating: Math.round(rng.range(4.2, 4.9) * 10) / 10,
		review_count: rng.int(180, 6200),
		tags: seed.tags,
		seating_areas: seed.areas,
		max_party_size: counterOnly ? 4 : fine ? 8 : rng.pick([6, 8, 10]),
		deposit_per_person_cents: rng.pick(DEPOSIT_BY_LEVEL[seed.price_level]),
		booking_fee_cents: seed.price_level === 2 ? 0 : seed.price_level === 3 ? 150 : 300,
		service_periods: periods,
		closed_weekdays: fine ? [1] : rng.chance(0.4) ? [rng.pick([1, 2])] : [],
		cancellation_policy: fine
			? { full_refund_hours: 48, partial_refund_hours: 24, partial_refund_percent: 50 }
			: { full_refund_hours: 24, partial_refund_hours: 2, partial_refund_percent: 50 },
		popularity: Math.round(rng.range(0.3, 0.75) * 100) / 100,
	};
}

export const RESTAURANTS: readonly Restaurant[] = SEEDS.map(buildRestaurant);
