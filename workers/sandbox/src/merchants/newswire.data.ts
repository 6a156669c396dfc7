export const SECTIONS = [
	"world",
	"politics",
	"business",
	"technology",
	"science",
	"health",
	"sports",
	"entertainment",
] as const;
export type Section = (typeof SECTIONS)[number];

export const COUNTRIES = ["us", "gb", "de", "fr", "ca", "au", "jp", "in"] as const;
export type Country = (typeof COUNTRIES)[number];

export interface CountryFacts {
	name: string;
	cities: readonly string[];
	legislature: string;
	leader: string;
	currency: string;
	timezone: string;
}

export const COUNTRY_FACTS: Record<Country, CountryFacts> = {
	us: {
		name: "the United States",
		cities: ["Chicago", "Houston", "Denver", "Seattle", "Atlanta", "Boston", "Phoenix", "Pittsburgh"],
		legislature: "Congress",
		leader: "Senator",
		currency: "dollar",
		timezone: "America/New_York",
	},
	gb: {
		name: "the United Kingdom",
		cities: ["Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Cardiff"],
		legislature: "Parliament",
		leader: "MP",
		currency: "pound",
		timezone: "Europe/London",
	},
	de: {
		name: "Germany",
		cities: ["Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Stuttgart"],
		legislature: "the Bundestag",
		leader: "lawmaker",
		currency: "euro",
		timezone: "Europe/Berlin",
	},
	fr: {
		name: "France",
		cities: ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille"],
		legislature: "the National Assembly",
		leader: "deputy",
		currency: "euro",
		timezone: "Europe/Paris",
	},
	ca: {
		name: "Canada",
		cities: ["Toronto", "Montreal", "Vancouver", "Calgary", "Ottawa", "Halifax"],
		legislature: "Parliament",
		leader: "MP",
		currency: "Canadian dollar",
		timezone: "America/Toronto",
	},
	au: {
		name: "Australia",
		cities: ["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Hobart"],
		legislature: "Parliament",
		leader: "senator",
		currency: "Australian dollar",
		timezone: "Australia/Sydney",
	},
	jp: {
		name: "Japan",
		cities: ["Tokyo", "Osaka", "Nagoya", "Sapporo", "Fukuoka", "Kyoto"],
		legislature: "the Diet",
		leader: "lawmaker",
		currency: "yen",
		timezone: "Asia/Tokyo",
	},
	in: {
		name: "India",
		cities: ["Mumbai", "Delhi", "Bengaluru", "Chennai", "Hyderabad", "Pune"],
		legislature: "Parliament",
		leader: "MP",
		currency: "rupee",
		timezone: "Asia/Kolkata",
	},
};

export interface Source {
	source_id: string;
	name: string;
	country: Country;
	domain: string;
	description: string;
	sections: readonly Section[];
	/** Articles per day, before the daily wobble. */
	daily: number;
	authors: readonly string[];
}

export const SOURCES: readonly Source[] = [
	{
		source_id: "meridian-post",
		name: "The Meridian Post",
		country: "us",
		domain: "meridianpost.example",
		description: "National daily covering politics, business and culture.",
		sections: ["world", "politics", "business", "technology", "science", "health", "sports", "entertainment"],
		daily: 11,
		authors: ["Dana Whitcomb", "Luis Ferreira", "Priya Raman", "Tom Okafor", "Grace Lindholm"],
	},
	{
		source_id: "harbor-ledger",
		name: "Harbor Ledger",
		country: "us",
		domain: "harborledger.example",
		description: "Markets, companies and the economy.",
		sections: ["business", "technology"],
		daily: 7,
		authors: ["Ellen Marsh", "Kenji Watanabe", "Rosa Delgado"],
	},
	{
		source_id: "global-dispatch",
		name: "Global Dispatch",
		country: "us",
		domain: "globaldispatch.example",
		description: "International wire service.",
		sections: ["world", "politics", "business", "sports"],
		daily: 10,
		authors: ["Global Dispatch staff", "Amara Nwosu", "Jonas Berg"],
	},
	{
		source_id: "techcurrent",
		name: "TechCurrent",
		country: "us",
		domain: "techcurrent.example",
		description: "Technology and science news and reviews.",
		sections: ["technology", "science"],
		daily: 6,
		authors: ["Maya Chen", "Sam Patel", "Ivy Novak"],
	},
	{
		source_id: "albion-chronicle",
		name: "The Albion Chronicle",
		country: "gb",
		domain: "albionchronicle.example",
		description: "British daily with national and world news.",
		sections: ["world", "politics", "business", "sports", "entertainment"],
		daily: 9,
		authors: ["Harriet Coles", "Rupert Ashdown", "Nadia Hussain", "Owen Pryce"],
	},
	{
		source_id: "thames-observer",
		name: "Thames Observer",
		country: "gb",
		domain: "thamesobserver.example",
		description: "Business, science and health from London.",
		sections: ["business", "science", "health"],
		daily: 5,
		authors: ["Imogen Tate", "Callum Reid"],
	},
	{
		source_id: "rhein-courier",
		name: "Rhein Courier (English edition)",
		country: "de",
		domain: "rheincourier.example",
		description: "German and European affairs in English.",
		sections: ["world", "politics", "business", "technology"],
		daily: 6,
		authors: ["Katrin Vogel", "Matthias Brandt"],
	},
	{
		source_id: "quotidien-lumiere",
		name: "Le Quotidien Lumière (English)",
		country: "fr",
		domain: "quotidienlumiere.example",
		description: "French politics, culture and world news in English.",
		sections: ["world", "politics", "entertainment", "sports"],
		daily: 5,
		authors: ["Camille Roux", "Julien Marchand"],
	},
	{
		source_id: "maple-tribune",
		name: "Maple Tribune",
		country: "ca",
		domain: "mapletribune.example",
		description: "Canadian national news.",
		sections: ["politics", "business", "sports", "health"],
		daily: 6,
		authors: ["Claire Bouchard", "Ethan MacLeod"],
	},
	{
		source_id: "southern-cross-herald",
		name: "Southern Cross Herald",
		country: "au",
		domain: "southerncrossherald.example",
		description: "Australian news, sport and science.",
		sections: ["world", "sports", "science", "politics"],
		daily: 6,
		authors: ["Mia Fitzroy", "Lachlan Hayes"],
	},
	{
		source_id: "sakura-shimbun",
		name: "Sakura Shimbun English",
		country: "jp",
		domain: "sakurashimbun.example",
		description: "Japanese business, technology and national news in English.",
		sections: ["business", "technology", "world"],
		daily: 5,
		authors: ["Haruka Mori", "Daisuke Ito"],
	},
	{
		source_id: "ganges-times",
		name: "Ganges Times",
		country: "in",
		domain: "gangestimes.example",
		description: "Indian politics, markets, technology and cricket.",
		sections: ["politics", "business", "technology", "sports"],
		daily: 7,
		authors: ["Ananya Iyer", "Rohan Mehta", "Kavya Reddy"],
	},
];

/** Fictional companies (so no story is about a real business) and what each is known for. */
export const COMPANIES: readonly (readonly [name: string, product: string])[] = [
	["Novatek Systems", "smart glasses"],
	["Aurelia Motors", "electric pickup truck"],
	["Corvane Energy", "home battery"],
	["Halcyon Airlines", "premium economy cabin"],
	["Quantis Bank", "mobile banking app"],
	["Orbital Freight", "satellite tracking service"],
	["Veridian Foods", "plant-based snack range"],
	["Lumen Semiconductors", "AI accelerator chip"],
	["Pallas Robotics", "self-driving delivery van"],
	["Skyhaven Telecom", "5G home internet service"],
	["Tessaro Retail", "same-day delivery service"],
	["Cobalt Ridge Mining", "battery-grade lithium"],
	["Nimbus Cloudworks", "quantum computing cloud service"],
	["Marlow & Finch Insurance", "pay-per-mile car insurance"],
];

/** Drug makers, for health stories. */
export const PHARMA = ["Brightwell Pharma", "Ardent Biotech", "Kessler Therapeutics"];

export const FIRST_NAMES = [
	"Elena",
	"Marcus",
	"Aiko",
	"Rahul",
	"Sophie",
	"Daniel",
	"Ingrid",
	"Tariq",
	"Lucía",
	"Oliver",
	"Mei",
	"Samuel",
	"Chloé",
	"Arjun",
	"Hannah",
	"Kwame",
];

export const LAST_NAMES = [
	"Varga",
	"Hale",
	"Sato",
	"Kapoor",
	"Lambert",
	"Okonkwo",
	"Lindgren",
	"Haddad",
	"Moreno",
	"Whitfield",
	"Zhang",
	"Adeyemi",
	"Dubois",
	"Nair",
	"Fischer",
	"Mensah",
];

export const TEAMS = [
	"the Harbor City Hawks",
	"Northgate United",
	"the Redwood Rangers",
	"Castle Vale Rovers",
	"the Silverlake Comets",
	"Eastport Athletic",
	"the Ironbridge Giants",
	"Westfield Wanderers",
];

export const CONDITIONS = [
	"heart disease",
	"type 2 diabetes",
	"dementia",
	"depression",
	"high blood pressure",
	"asthma",
];
export const HABITS = [
	"a daily 20-minute walk",
	"eating more fibre",
	"regular sleep times",
	"cutting back on ultra-processed food",
	"strength training twice a week",
	"a Mediterranean-style diet",
];
export const DISCOVERIES = [
	"a new species of deep-sea coral",
	"water ice beneath a Martian crater",
	"a protein that slows muscle ageing in mice",
	"the oldest known cave paintings in the region",
	"a fast radio burst from a nearby galaxy",
	"bacteria that break down plastic bottles",
];
export const FILMS = [
	"The Lantern Keeper",
	"Salt and Starlight",
	"Northbound",
	"A Quiet Orbit",
	"The Glass Orchard",
	"Midnight at the Paloma",
];
export const ARTISTS = [
	"Juniper Vale",
	"The Night Ferries",
	"Rosa Calder",
	"Kite Parade",
	"Theo Marlowe",
	"Amber Sounds",
];
export const TOPICS = [
	"housing costs",
	"rail investment",
	"a digital services tax",
	"water shortages",
	"teacher pay",
	"clean-energy subsidies",
	"border checks",
	"pension reform",
];
