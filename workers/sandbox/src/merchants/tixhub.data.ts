export interface City {
	slug: string;
	name: string;
	state: string;
	timeZone: string;
	/** Admission (amusement) tax on the face value, in basis points; 0 where tickets are not taxed. */
	admission_tax_bp: number;
}

export const CITIES: readonly City[] = [
	{ slug: "new-york", name: "New York", state: "NY", timeZone: "America/New_York", admission_tax_bp: 0 },
	{
		slug: "los-angeles",
		name: "Los Angeles",
		state: "CA",
		timeZone: "America/Los_Angeles",
		admission_tax_bp: 0,
	},
	{ slug: "chicago", name: "Chicago", state: "IL", timeZone: "America/Chicago", admission_tax_bp: 900 },
	{ slug: "nashville", name: "Nashville", state: "TN", timeZone: "America/Chicago", admission_tax_bp: 925 },
	{ slug: "austin", name: "Austin", state: "TX", timeZone: "America/Chicago", admission_tax_bp: 825 },
	{
		slug: "las-vegas",
		name: "Las Vegas",
		state: "NV",
		timeZone: "America/Los_Angeles",
		admission_tax_bp: 900,
	},
];

export type VenueKind = "arena" | "stadium" | "theatre" | "club";
export type League = "basketball" | "hockey" | "baseball" | "football";

export interface Team {
	name: string;
	league: League;
}

export interface Venue {
	venue_id: string;
	name: string;
	city: string;
	kind: VenueKind;
	address: string;
	capacity: number;
	/** Per ticket, in cents. */
	facility_fee_cents: number;
	home_teams: readonly Team[];
}

const v = (
	venue_id: string,
	name: string,
	city: string,
	kind: VenueKind,
	address: string,
	capacity: number,
	home_teams: Team[] = [],
): Venue => ({
	venue_id,
	name,
	city,
	kind,
	address,
	capacity,
	facility_fee_cents: { arena: 550, stadium: 650, theatre: 350, club: 250 }[kind],
	home_teams,
});

export const VENUES: readonly Venue[] = [
	v("harborview-arena", "Harborview Arena", "new-york", "arena", "401 W 31st St, New York, NY", 19_500, [
		{ name: "New York Skyliners", league: "basketball" },
		{ name: "New York Rivermen", league: "hockey" },
	]),
	v("gotham-park", "Gotham Park", "new-york", "stadium", "880 River Ave, Bronx, NY", 46_000, [
		{ name: "New York Harbor Hawks", league: "baseball" },
	]),
	v(
		"empire-stage-theatre",
		"Empire Stage Theatre",
		"new-york",
		"theatre",
		"236 W 45th St, New York, NY",
		1_600,
	),
	v("lower-east-music-hall", "Lower East Music Hall", "new-york", "club", "6 Delancey St, New York, NY", 900),
	v("pacific-arena", "Pacific Arena", "los-angeles", "arena", "1250 W Pico Blvd, Los Angeles, CA", 19_000, [
		{ name: "Los Angeles Comets", league: "basketball" },
	]),
	v(
		"sunset-coliseum",
		"Sunset Coliseum",
		"los-angeles",
		"stadium",
		"3900 Exposition Blvd, Los Angeles, CA",
		70_000,
		[{ name: "Los Angeles Condors", league: "football" }],
	),
	v(
		"vine-street-theatre",
		"Vine Street Theatre",
		"los-angeles",
		"theatre",
		"1735 Vine St, Los Angeles, CA",
		2_700,
	),
	v("the-echo-room", "The Echo Room", "los-angeles", "club", "1822 Sunset Blvd, Los Angeles, CA", 650),
	v("lakeshore-arena", "Lakeshore Arena", "chicago", "arena", "1800 W Washington Blvd, Chicago, IL", 20_900, [
		{ name: "Chicago Windrunners", league: "basketball" },
		{ name: "Chicago Blizzard", league: "hockey" },
	]),
	v("north-side-park", "North Side Park", "chicago", "stadium", "3600 N Clark St, Chicago, IL", 41_000, [
		{ name: "Chicago Stockyards", league: "baseball" },
	]),
	v("loop-playhouse", "Loop Playhouse", "chicago", "theatre", "24 W Randolph St, Chicago, IL", 2_200),
	v("kingsbury-hall", "Kingsbury Hall", "chicago", "club", "1000 N Kingsbury St, Chicago, IL", 1_100),
	v("music-row-arena", "Music Row Arena", "nashville", "arena", "520 Demonbreun St, Nashville, TN", 17_100, [
		{ name: "Nashville Outlaws", league: "hockey" },
	]),
	v(
		"riverfront-stadium",
		"Riverfront Stadium",
		"nashville",
		"stadium",
		"100 Riverfront Way, Nashville, TN",
		69_000,
		[{ name: "Nashville Stallions", league: "football" }],
	),
	v("cumberland-hall", "Cumberland Hall", "nashville", "theatre", "116 5th Ave N, Nashville, TN", 2_360),
	v("the-bluebird-room", "The Bluebird Room", "nashville", "club", "4200 Hillsboro Pike, Nashville, TN", 400),
	v("capital-city-arena", "Capital City Arena", "austin", "arena", "1750 Red River St, Austin, TX", 15_000, [
		{ name: "Austin Armadillos", league: "basketball" },
	]),
	v(
		"congress-avenue-theatre",
		"Congress Avenue Theatre",
		"austin",
		"theatre",
		"713 Congress Ave, Austin, TX",
		1_270,
	),
	v("red-river-hall", "Red River Hall", "austin", "club", "801 Red River St, Austin, TX", 1_200),
	v(
		"desert-star-arena",
		"Desert Star Arena",
		"las-vegas",
		"arena",
		"3850 Frank Sinatra Dr, Las Vegas, NV",
		17_500,
		[{ name: "Las Vegas Jackpots", league: "hockey" }],
	),
	v(
		"silver-state-stadium",
		"Silver State Stadium",
		"las-vegas",
		"stadium",
		"6800 Dean Martin Dr, Las Vegas, NV",
		65_000,
		[{ name: "Las Vegas Highrollers", league: "football" }],
	),
	v(
		"neon-palace-theatre",
		"Neon Palace Theatre",
		"las-vegas",
		"theatre",
		"3570 Las Vegas Blvd S, Las Vegas, NV",
		1_800,
	),
	v("fremont-lounge", "Fremont Lounge", "las-vegas", "club", "129 Fremont St, Las Vegas, NV", 750),
];

/** Visiting teams, by league; home teams of other cities visit too. */
export const VISITORS: Record<League, readonly string[]> = {
	basketball: [
		"Boston Harbormasters",
		"Miami Heatwave",
		"Denver Summit",
		"Seattle Rain",
		"Phoenix Flares",
		"Atlanta Peaches",
	],
	hockey: [
		"Toronto Timberwolves",
		"Detroit Ironworks",
		"Minnesota Loons",
		"Boston Ironsides",
		"Denver Snowcaps",
	],
	baseball: [
		"Boston Lobstermen",
		"St. Louis Riverboats",
		"San Diego Surfriders",
		"Atlanta Foxes",
		"Seattle Orcas",
	],
	football: [
		"Dallas Wranglers",
		"Green Bay Lumberjacks",
		"Denver Peaks",
		"Miami Manatees",
		"Kansas City Stockmen",
	],
};

/** Months (1-12) each league plays in. */
export const SEASONS: Record<League, readonly number[]> = {
	basketball: [10, 11, 12, 1, 2, 3, 4],
	hockey: [10, 11, 12, 1, 2, 3, 4],
	baseball: [4, 5, 6, 7, 8, 9],
	football: [9, 10, 11, 12, 1],
};

/** Typical face value of an average seat, in cents. */
export const LEAGUE_BASE_CENTS: Record<League, number> = {
	basketball: 8_500,
	hockey: 7_000,
	baseball: 4_500,
	football: 12_000,
};

export interface Artist {
	name: string;
	genre: string;
	tour: string;
	/** Typical face value of an average seat, in cents. */
	base_cents: number;
}

/** Acts big enough to fill arenas and stadiums. */
export const HEADLINERS: readonly Artist[] = [
	{ name: "The Midnight Arcade", genre: "indie rock", tour: "Neon Cathedral Tour", base_cents: 8_900 },
	{ name: "Nova Reyes", genre: "pop", tour: "The Afterglow Tour", base_cents: 11_900 },
	{ name: "Copper & Pine", genre: "country", tour: "Long Way Home Tour", base_cents: 7_900 },
	{ name: "Lil Satellite", genre: "hip-hop", tour: "Orbit World Tour", base_cents: 9_900 },
	{ name: "Aurora Static", genre: "electronic", tour: "Signal Lights Live", base_cents: 7_500 },
	{ name: "Velvet Thunder", genre: "rock", tour: "Loud Again Tour", base_cents: 8_500 },
	{ name: "Dakota Hale", genre: "country", tour: "Dust & Diamonds Tour", base_cents: 8_900 },
	{ name: "Kiko & the Tides", genre: "pop", tour: "Undertow Tour", base_cents: 6_900 },
	{ name: "Ghost Harbor", genre: "indie rock", tour: "Fog Lines Tour", base_cents: 6_500 },
];

/** Acts that play clubs and halls. */
export const CLUB_ACTS: readonly Artist[] = [
	{ name: "The Paper Lanterns", genre: "indie folk", tour: "Fireflies Tour", base_cents: 2_800 },
	{ name: "Sam Okafor Trio", genre: "jazz", tour: "Late Set", base_cents: 3_500 },
	{ name: "Honeycomb Riot", genre: "punk", tour: "Sticky Fingers Tour", base_cents: 2_200 },
	{ name: "Marisol Vega", genre: "latin pop", tour: "Corazón Abierto Tour", base_cents: 4_500 },
	{ name: "Blue Ridge Ramblers", genre: "bluegrass", tour: "Holler & Hymn Tour", base_cents: 2_500 },
	{ name: "Neon Prairie", genre: "country", tour: "Backroads Revival", base_cents: 3_000 },
	{ name: "DJ Sable", genre: "electronic", tour: "Nightshift Sessions", base_cents: 3_200 },
	{ name: "The Static Hearts", genre: "rock", tour: "Feedback Loop Tour", base_cents: 2_600 },
	{ name: "June & the Lowlights", genre: "soul", tour: "Slow Burn Tour", base_cents: 3_800 },
	{ name: "Lena Kowalski Quartet", genre: "jazz", tour: "Blue Hour", base_cents: 4_000 },
	{ name: "Rust Belt Revival", genre: "rock", tour: "Steel & Smoke Tour", base_cents: 2_400 },
	{ name: "Whiskey Creek Choir", genre: "country", tour: "Front Porch Tour", base_cents: 2_700 },
];

export interface Show {
	name: string;
	genre: "musical" | "play" | "comedy";
	description: string;
	base_cents: number;
	runtime_minutes: number;
}

export const SHOWS: readonly Show[] = [
	{
		name: "The Clockmaker's Daughter",
		genre: "musical",
		description: "A sweeping musical about a Prague clockmaker's daughter who can stop time, once.",
		base_cents: 11_500,
		runtime_minutes: 150,
	},
	{
		name: "Harbor Lights",
		genre: "musical",
		description: "Dockworkers, a lighthouse and a love song: a new musical set in 1950s Baltimore.",
		base_cents: 9_900,
		runtime_minutes: 140,
	},
	{
		name: "Paper Moon Boulevard",
		genre: "musical",
		description: "A jazz-age musical comedy about a failing Hollywood studio and its last chance.",
		base_cents: 10_500,
		runtime_minutes: 145,
	},
	{
		name: "A Quiet Inheritance",
		genre: "play",
		description: "Three estranged siblings, one farmhouse and a will nobody expected. A drama in two acts.",
		base_cents: 7_900,
		runtime_minutes: 125,
	},
	{
		name: "The Last Ferry to Brooklyn",
		genre: "play",
		description: "Two strangers miss the last ferry and talk until dawn. Tony-nominated revival.",
		base_cents: 8_500,
		runtime_minutes: 100,
	},
	{
		name: "Laugh Track Live",
		genre: "comedy",
		description: "A rotating line-up of touring stand-up comedians, hosted by Dani Brooks.",
		base_cents: 4_900,
		runtime_minutes: 90,
	},
];

export type Tier =
	| "floor"
	| "courtside"
	| "field"
	| "lower"
	| "club"
	| "upper"
	| "bleachers"
	| "orchestra"
	| "mezzanine"
	| "balcony"
	| "general_admission";

export interface SectionTemplate {
	section_id: string;
	name: string;
	tier: Tier;
	/** Face value relative to the event's average seat. */
	factor: number;
	/** Share of the venue's capacity. */
	share: number;
	/** Row labels, or none for standing areas. */
	rows: readonly string[] | null;
	seats_per_row: number;
}

const letters = (from: string, to: string): string[] => {
	const out: string[] = [];
	for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) out.push(String.fromCharCode(c));
	return out;
};
const numbers = (from: number, to: number): string[] =>
	Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

const sec = (
	section_id: string,
	name: string,
	tier: Tier,
	factor: number,
	share: number,
	rows: readonly string[] | null,
	seats_per_row = 20,
): SectionTemplate => ({ section_id, name, tier, factor, share, rows, seats_per_row });

/** Sections by venue layout; an arena's floor is standing room for concerts and courtside for games. */
export const LAYOUTS: Record<
	"arena-concert" | "arena-sports" | "stadium" | "theatre" | "club",
	readonly SectionTemplate[]
> = {
	"arena-concert": [
		sec("floor", "Floor (standing)", "general_admission", 1.55, 0.12, null),
		sec("lower-101", "Lower Level 101", "lower", 1.3, 0.08, numbers(1, 24), 18),
		sec("lower-112", "Lower Level 112", "lower", 1.15, 0.08, numbers(1, 24), 18),
		sec("club-205", "Club Level 205", "club", 1.4, 0.05, letters("A", "H"), 16),
		sec("upper-310", "Upper Level 310", "upper", 0.6, 0.1, numbers(1, 18), 22),
		sec("upper-322", "Upper Level 322", "upper", 0.5, 0.1, numbers(1, 18), 22),
	],
	"arena-sports": [
		sec("courtside", "Courtside / Glass", "courtside", 4.5, 0.005, letters("A", "C"), 14),
		sec("lower-101", "Lower Level 101", "lower", 1.5, 0.08, numbers(1, 24), 18),
		sec("lower-112", "Lower Level 112", "lower", 1.25, 0.08, numbers(1, 24), 18),
		sec("club-205", "Club Level 205", "club", 1.45, 0.05, letters("A", "H"), 16),
		sec("upper-310", "Upper Level 310", "upper", 0.55, 0.1, numbers(1, 18), 22),
		sec("upper-322", "Upper Level 322", "upper", 0.45, 0.1, numbers(1, 18), 22),
	],
	stadium: [
		sec("field-12", "Field Box 12", "field", 1.8, 0.03, numbers(1, 20), 24),
		sec("lower-124", "Lower Reserved 124", "lower", 1.2, 0.06, numbers(1, 30), 24),
		sec("club-215", "Club 215", "club", 1.6, 0.03, letters("A", "L"), 20),
		sec("upper-410", "Upper Reserved 410", "upper", 0.6, 0.08, numbers(1, 25), 26),
		sec("bleachers-140", "Bleachers 140", "bleachers", 0.45, 0.05, numbers(1, 20), 30),
	],
	theatre: [
		sec("orchestra-center", "Orchestra Center", "orchestra", 1.5, 0.22, letters("A", "P"), 14),
		sec("orchestra-side", "Orchestra Side", "orchestra", 1.2, 0.18, letters("A", "P"), 8),
		sec("front-mezzanine", "Front Mezzanine", "mezzanine", 1.1, 0.15, letters("A", "F"), 18),
		sec("rear-mezzanine", "Rear Mezzanine", "mezzanine", 0.8, 0.15, letters("G", "M"), 18),
		sec("balcony", "Balcony", "balcony", 0.55, 0.2, letters("A", "J"), 20),
	],
	club: [
		sec("ga", "General Admission (standing)", "general_admission", 1, 0.8, null),
		sec("balcony", "Balcony Reserved", "balcony", 1.35, 0.2, letters("A", "D"), 12),
	],
};
