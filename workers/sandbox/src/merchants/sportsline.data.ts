import { seeded } from "../lib/random.ts";

export const SPORTS = ["basketball", "soccer", "hockey", "american_football"] as const;
export type Sport = (typeof SPORTS)[number];

/**
 * How a sport's game runs in real time: regulation periods of game clock, the wall-clock minutes each
 * takes with stoppages, and the breaks between them. Game state is derived from these and the start time.
 */
export interface SportRules {
	periods: number;
	periodSeconds: number;
	realPeriodMinutes: number;
	breakMinutes: number;
	/** A longer break after this period (halftime). */
	halftimeAfter?: number;
	halftimeMinutes: number;
	overtimeSeconds: number;
	realOvertimeMinutes: number;
	/** `down` shows the time left in the period; `up` shows the match minute (soccer). */
	clock: "down" | "up";
	periodName: (period: number) => string;
	/** Label of a final that needed extra time. */
	overtimeName: string;
}

const quarters = (period: number) => (period <= 4 ? `Q${period}` : period === 5 ? "OT" : `${period - 4}OT`);

export const RULES: Record<Sport, SportRules> = {
	basketball: {
		periods: 4,
		periodSeconds: 12 * 60,
		realPeriodMinutes: 30,
		breakMinutes: 3,
		halftimeAfter: 2,
		halftimeMinutes: 15,
		overtimeSeconds: 5 * 60,
		realOvertimeMinutes: 14,
		clock: "down",
		periodName: quarters,
		overtimeName: "OT",
	},
	soccer: {
		periods: 2,
		periodSeconds: 45 * 60,
		realPeriodMinutes: 48,
		breakMinutes: 0,
		halftimeAfter: 1,
		halftimeMinutes: 15,
		overtimeSeconds: 0,
		realOvertimeMinutes: 0,
		clock: "up",
		periodName: (period) => (period === 1 ? "1st half" : "2nd half"),
		overtimeName: "AET",
	},
	hockey: {
		periods: 3,
		periodSeconds: 20 * 60,
		realPeriodMinutes: 38,
		breakMinutes: 17,
		halftimeMinutes: 17,
		overtimeSeconds: 5 * 60,
		realOvertimeMinutes: 10,
		clock: "down",
		periodName: (period) => (period <= 3 ? `P${period}` : period === 4 ? "OT" : "SO"),
		overtimeName: "OT",
	},
	american_football: {
		periods: 4,
		periodSeconds: 15 * 60,
		realPeriodMinutes: 42,
		breakMinutes: 2,
		halftimeAfter: 2,
		halftimeMinutes: 13,
		overtimeSeconds: 10 * 60,
		realOvertimeMinutes: 25,
		clock: "down",
		periodName: quarters,
		overtimeName: "OT",
	},
};

export interface League {
	league_id: string;
	name: string;
	sport: Sport;
	region: string;
	/** "Today" for a league is the date in this zone. */
	timezone: string;
	/** Weekdays with games (0 = Sunday); a week (Monday to Sunday) holds `game_days.length / days_per_round` rounds. */
	game_days: readonly number[];
	/** Over how many of those days one round (every team playing once) is spread. */
	days_per_round: number;
	/** Local start times (hour, minute) cycled over a day's games. */
	start_times: readonly (readonly [number, number])[];
	conferences: readonly string[];
}

export const LEAGUES: readonly League[] = [
	{
		league_id: "ubl",
		name: "United Basketball League",
		sport: "basketball",
		region: "United States",
		timezone: "America/New_York",
		game_days: [1, 3, 5, 6],
		days_per_round: 2,
		start_times: [
			[19, 0],
			[19, 30],
			[20, 0],
		],
		conferences: ["Eastern Conference", "Western Conference"],
	},
	{
		league_id: "cpl",
		name: "Continental Premier League",
		sport: "soccer",
		region: "Europe",
		timezone: "Europe/London",
		// A round is split over the weekend: three matches Saturday, three Sunday.
		game_days: [6, 0],
		days_per_round: 2,
		start_times: [
			[12, 30],
			[15, 0],
			[17, 30],
		],
		conferences: [],
	},
	{
		league_id: "fhl",
		name: "Frontier Hockey League",
		sport: "hockey",
		region: "Canada and United States",
		timezone: "America/Toronto",
		game_days: [2, 4, 6, 0],
		days_per_round: 2,
		start_times: [
			[19, 0],
			[19, 30],
		],
		conferences: ["Eastern Division", "Western Division"],
	},
	{
		league_id: "gfl",
		name: "Gridiron Football League",
		sport: "american_football",
		region: "United States",
		timezone: "America/New_York",
		game_days: [0],
		days_per_round: 1,
		start_times: [
			[13, 0],
			[16, 25],
			[20, 20],
		],
		conferences: ["Atlantic Conference", "Pacific Conference"],
	},
];

export interface Team {
	team_id: string;
	league_id: string;
	name: string;
	city: string;
	nickname: string;
	abbreviation: string;
	conference: string | null;
	venue: string;
	timezone: string;
	founded: number;
	colors: readonly string[];
	head_coach: string;
}

type TeamRow = [
	city: string,
	nickname: string,
	abbreviation: string,
	venue: string,
	timezone: string,
	conference: number,
];

const TEAM_ROWS: Record<string, readonly TeamRow[]> = {
	ubl: [
		["Boston", "Ironclads", "BOS", "Harborview Arena", "America/New_York", 0],
		["New York", "Skyliners", "NYS", "Empire Hall", "America/New_York", 0],
		["Philadelphia", "Founders", "PHI", "Liberty Fieldhouse", "America/New_York", 0],
		["Atlanta", "Firebirds", "ATL", "Peachtree Center Arena", "America/New_York", 0],
		["Chicago", "Blizzard", "CHI", "Lakeshore Arena", "America/Chicago", 0],
		["Detroit", "Gearheads", "DET", "Motor City Dome", "America/Detroit", 0],
		["Seattle", "Orcas", "SEA", "Sound Arena", "America/Los_Angeles", 1],
		["San Francisco", "Fogcutters", "SFF", "Bayside Pavilion", "America/Los_Angeles", 1],
		["Los Angeles", "Stars", "LAS", "Sunset Arena", "America/Los_Angeles", 1],
		["Denver", "Peaks", "DEN", "Altitude Center", "America/Denver", 1],
		["Phoenix", "Scorch", "PHX", "Desert Dome", "America/Phoenix", 1],
		["Dallas", "Outlaws", "DAL", "Trinity Arena", "America/Chicago", 1],
	],
	cpl: [
		["London", "Athletic", "LON", "Riverside Stadium", "Europe/London", -1],
		["Manchester", "Rovers", "MAN", "Irwell Park", "Europe/London", -1],
		["Liverpool", "Mariners", "LIV", "Mersey Ground", "Europe/London", -1],
		["Glasgow", "Thistle", "GLA", "Clyde Park", "Europe/London", -1],
		["Dublin", "Harps", "DUB", "Liffey Stadium", "Europe/Dublin", -1],
		["Amsterdam", "Canal FC", "AMS", "Amstel Arena", "Europe/Amsterdam", -1],
		["Paris", "Lumière", "PAR", "Stade de la Seine", "Europe/Paris", -1],
		["Lyon", "Confluence", "LYO", "Stade du Rhône", "Europe/Paris", -1],
		["Madrid", "Castellana", "MAD", "Estadio del Manzanares", "Europe/Madrid", -1],
		["Lisbon", "Navigators", "LIS", "Estádio do Tejo", "Europe/Lisbon", -1],
		["Munich", "Alpenstern", "MUN", "Isar Arena", "Europe/Berlin", -1],
		["Milan", "Navigli", "MIL", "Stadio dei Navigli", "Europe/Rome", -1],
	],
	fhl: [
		["Toronto", "Northmen", "TOR", "Harbourfront Gardens", "America/Toronto", 0],
		["Montreal", "Voyageurs", "MTL", "Centre Mont-Royal", "America/Toronto", 0],
		["Ottawa", "Sentinels", "OTT", "Capital Ice Centre", "America/Toronto", 0],
		["Quebec City", "Glaciers", "QUE", "Colisée du Fleuve", "America/Toronto", 0],
		["Buffalo", "Squall", "BUF", "Niagara Ice Arena", "America/New_York", 0],
		["Minneapolis", "Loons", "MIN", "Twin Lakes Arena", "America/Chicago", 1],
		["Winnipeg", "Prairie Kings", "WPG", "Red River Centre", "America/Winnipeg", 1],
		["Calgary", "Chinooks", "CGY", "Bow Valley Saddle", "America/Edmonton", 1],
		["Edmonton", "Aurora", "EDM", "North Saskatchewan Arena", "America/Edmonton", 1],
		["Vancouver", "Tides", "VAN", "Burrard Ice Pavilion", "America/Vancouver", 1],
	],
	gfl: [
		["Baltimore", "Harbormasters", "BAL", "Inner Harbor Field", "America/New_York", 0],
		["Charlotte", "Stallions", "CHA", "Queen City Stadium", "America/New_York", 0],
		["Miami", "Riptide", "MIA", "Biscayne Bowl", "America/New_York", 0],
		["Pittsburgh", "Foundry", "PIT", "Three Rivers Field", "America/New_York", 0],
		["Cleveland", "Shoremen", "CLE", "Lake Erie Stadium", "America/New_York", 0],
		["Nashville", "Rhythm", "NSH", "Cumberland Park", "America/Chicago", 0],
		["Houston", "Wildcatters", "HOU", "Bayou Stadium", "America/Chicago", 1],
		["Kansas City", "Plainsmen", "KC", "Heartland Field", "America/Chicago", 1],
		["San Antonio", "Vaqueros", "SA", "Alamo Plaza Stadium", "America/Chicago", 1],
		["Portland", "Lumberjacks", "POR", "Willamette Field", "America/Los_Angeles", 1],
		["Las Vegas", "High Rollers", "LV", "Mojave Dome", "America/Los_Angeles", 1],
		["Salt Lake", "Summit", "SLC", "Wasatch Stadium", "America/Denver", 1],
	],
};

const COLORS = [
	"navy",
	"gold",
	"crimson",
	"silver",
	"forest green",
	"orange",
	"teal",
	"black",
	"white",
	"royal blue",
	"maroon",
	"sky blue",
];

export const FIRST_NAMES = [
	"Marcus",
	"Jalen",
	"Tyrese",
	"Devin",
	"Andre",
	"Luka",
	"Mateo",
	"Jonas",
	"Kai",
	"Elijah",
	"Noah",
	"Theo",
	"Rafael",
	"Dmitri",
	"Kofi",
	"Hiroshi",
	"Liam",
	"Owen",
	"Santiago",
	"Emeka",
	"Finn",
	"Callum",
	"Niko",
	"Bruno",
	"Isaac",
	"Marco",
	"Aleksander",
	"Tomás",
	"Jamal",
	"Caleb",
	"Oskar",
	"Samuel",
];

export const LAST_NAMES = [
	"Okafor",
	"Brennan",
	"Whitfield",
	"Castellanos",
	"Lindqvist",
	"Moreau",
	"Takahashi",
	"Delgado",
	"Achterberg",
	"Novak",
	"Fitzgerald",
	"Mensah",
	"Halvorsen",
	"Ribeiro",
	"Kowalski",
	"Petrov",
	"Oyelaran",
	"Sutherland",
	"Valentin",
	"Beaumont",
	"Idowu",
	"Carrington",
	"Esposito",
	"Nakamura",
	"Whitaker",
	"Lacroix",
	"Marsh",
	"Abernathy",
	"Soriano",
	"Kessler",
	"Drummond",
	"Vasquez",
];

const POSITIONS: Record<Sport, readonly string[]> = {
	basketball: ["PG", "SG", "SF", "PF", "C"],
	soccer: ["GK", "DF", "DF", "DF", "DF", "MF", "MF", "MF", "FW", "FW", "FW"],
	hockey: ["G", "D", "D", "C", "LW", "RW"],
	american_football: ["QB", "RB", "WR", "WR", "TE", "OL", "DL", "LB", "CB", "S", "K"],
};

const ROSTER_SIZE: Record<Sport, number> = {
	basketball: 13,
	soccer: 22,
	hockey: 20,
	american_football: 24,
};

/** Positions that score in each sport; scorers are drawn from these. */
export const SCORING_POSITIONS: Record<Sport, readonly string[]> = {
	basketball: ["PG", "SG", "SF", "PF", "C"],
	soccer: ["FW", "FW", "FW", "MF", "MF", "DF"],
	hockey: ["C", "LW", "RW", "C", "LW", "RW", "D"],
	american_football: ["RB", "WR", "WR", "TE", "QB"],
};

export interface Player {
	name: string;
	number: number;
	position: string;
}

const slug = (text: string): string =>
	text
		.normalize("NFD")
		.replace(/\p{Diacritic}/gu, "")
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, "-")
		.replace(/^-|-$/g, "");

function buildTeams(): Team[] {
	return LEAGUES.flatMap((league) =>
		(TEAM_ROWS[league.league_id] ?? []).map(([city, nickname, abbreviation, venue, timezone, conference]) => {
			const name = `${city} ${nickname}`;
			const r = seeded("sportsline", "team", name);
			const primary = r.pick(COLORS);
			return {
				team_id: slug(name),
				league_id: league.league_id,
				name,
				city,
				nickname,
				abbreviation,
				conference: league.conferences[conference] ?? null,
				venue,
				timezone,
				founded: r.int(1921, 2004),
				colors: [primary, r.pick(COLORS.filter((c) => c !== primary))],
				head_coach: `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`,
			};
		}),
	);
}

export const TEAMS: readonly Team[] = buildTeams();

const rosters = new Map<string, Player[]>();

/** A team's roster: stable names, unique jersey numbers, every position of the sport covered. */
export function roster(team: Team): Player[] {
	const cached = rosters.get(team.team_id);
	if (cached) return cached;
	const sport = leagueOf(team).sport;
	const r = seeded("sportsline", "roster", team.team_id);
	const positions = POSITIONS[sport];
	const used = new Set<number>();
	const names = new Set<string>();
	const players: Player[] = [];
	for (let i = 0; i < ROSTER_SIZE[sport]; i++) {
		let name = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
		while (names.has(name)) name = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
		names.add(name);
		let number = r.int(1, 99);
		while (used.has(number)) number = r.int(1, 99);
		used.add(number);
		players.push({ name, number, position: positions[i % positions.length] ?? "" });
	}
	rosters.set(team.team_id, players);
	return players;
}

export function leagueOf(team: Team): League {
	const league = LEAGUES.find((l) => l.league_id === team.league_id);
	if (!league) throw new Error(`team ${team.team_id} has no league`);
	return league;
}

export function teamsOf(leagueId: string): Team[] {
	return TEAMS.filter((t) => t.league_id === leagueId);
}
