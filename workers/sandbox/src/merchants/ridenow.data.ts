export const PRODUCT_IDS = ["standard", "green", "comfort", "xl", "black"] as const;
export type ProductId = (typeof PRODUCT_IDS)[number];

export const PLACE_KINDS = ["airport", "station", "landmark", "neighborhood", "venue"] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];

/** A ride product; its rates are the city's standard rates times `rate_factor`. */
export interface Product {
	product_id: ProductId;
	name: string;
	description: string;
	seats: number;
	rate_factor: number;
	/** The minimum fare is the city's times this. */
	minimum_factor: number;
	/** Charged when a ride is cancelled after the grace period. */
	cancellation_fee_cents: number;
	/** Drivers are scarcer for premium products, so pickups take longer. */
	extra_pickup_minutes: number;
}

export const PRODUCTS: readonly Product[] = [
	{
		product_id: "standard",
		name: "RideNow",
		description: "Everyday rides in a 4-seat car.",
		seats: 4,
		rate_factor: 1,
		minimum_factor: 1,
		cancellation_fee_cents: 500,
		extra_pickup_minutes: 0,
	},
	{
		product_id: "green",
		name: "RideNow Green",
		description: "Electric or hybrid car, 4 seats.",
		seats: 4,
		rate_factor: 1.05,
		minimum_factor: 1,
		cancellation_fee_cents: 500,
		extra_pickup_minutes: 1,
	},
	{
		product_id: "comfort",
		name: "RideNow Comfort",
		description: "Newer cars with extra legroom and top-rated drivers.",
		seats: 4,
		rate_factor: 1.3,
		minimum_factor: 1.25,
		cancellation_fee_cents: 600,
		extra_pickup_minutes: 1,
	},
	{
		product_id: "xl",
		name: "RideNow XL",
		description: "SUVs and minivans for groups of up to 6.",
		seats: 6,
		rate_factor: 1.6,
		minimum_factor: 1.5,
		cancellation_fee_cents: 750,
		extra_pickup_minutes: 2,
	},
	{
		product_id: "black",
		name: "RideNow Black",
		description: "Premium black cars with professional drivers.",
		seats: 4,
		rate_factor: 2.4,
		minimum_factor: 2.5,
		cancellation_fee_cents: 1000,
		extra_pickup_minutes: 3,
	},
];

export interface Place {
	place_id: string;
	name: string;
	kind: PlaceKind;
	address: string;
	lat: number;
	lng: number;
	/** Airport access fee, charged when a trip starts or ends here. */
	airport_fee_cents?: number;
}

export interface RideCity {
	slug: string;
	name: string;
	state: string;
	time_zone: string;
	center: { lat: number; lng: number };
	/** Street addresses are geocoded within this radius of the center. */
	radius_km: number;
	/** Standard-product rates, in cents. */
	rates: {
		base_fare_cents: number;
		per_mile_cents: number;
		per_minute_cents: number;
		booking_fee_cents: number;
		minimum_fare_cents: number;
	};
	/** Average driving speed off-peak. */
	speed_mph: number;
	/** A flat per-trip charge set by the city or state, if any. */
	city_fee: { label: string; cents: number } | null;
	/** Tax on the fare (not on fees or tip), in thousandths of a percent. */
	tax_rate_milli_percent: number;
	places: readonly Place[];
}

const place = (
	place_id: string,
	name: string,
	kind: PlaceKind,
	address: string,
	lat: number,
	lng: number,
	airport_fee_cents?: number,
): Place => ({
	place_id,
	name,
	kind,
	address,
	lat,
	lng,
	...(airport_fee_cents ? { airport_fee_cents } : {}),
});

export const RIDE_CITIES: readonly RideCity[] = [
	{
		slug: "san-francisco",
		name: "San Francisco",
		state: "CA",
		time_zone: "America/Los_Angeles",
		center: { lat: 37.7749, lng: -122.4194 },
		radius_km: 6,
		rates: {
			base_fare_cents: 255,
			per_mile_cents: 145,
			per_minute_cents: 38,
			booking_fee_cents: 295,
			minimum_fare_cents: 825,
		},
		speed_mph: 15,
		city_fee: null,
		tax_rate_milli_percent: 3250,
		places: [
			place(
				"sfo",
				"San Francisco International Airport (SFO)",
				"airport",
				"780 S Airport Blvd, San Francisco, CA 94128",
				37.6213,
				-122.379,
				550,
			),
			place(
				"oak",
				"Oakland International Airport (OAK)",
				"airport",
				"1 Airport Dr, Oakland, CA 94621",
				37.7126,
				-122.2197,
				400,
			),
			place(
				"ferry-building",
				"Ferry Building",
				"landmark",
				"1 Ferry Building, San Francisco, CA 94111",
				37.7955,
				-122.3937,
			),
			place(
				"union-square",
				"Union Square",
				"landmark",
				"333 Post St, San Francisco, CA 94108",
				37.788,
				-122.4075,
			),
			place(
				"fishermans-wharf",
				"Fisherman's Wharf",
				"landmark",
				"Pier 39, San Francisco, CA 94133",
				37.808,
				-122.4177,
			),
			place(
				"golden-gate-park",
				"Golden Gate Park (de Young Museum)",
				"landmark",
				"50 Hagiwara Tea Garden Dr, San Francisco, CA 94118",
				37.7715,
				-122.4687,
			),
			place(
				"dolores-park",
				"Dolores Park",
				"neighborhood",
				"19th St & Dolores St, San Francisco, CA 94114",
				37.7596,
				-122.4269,
			),
			place(
				"oracle-park",
				"Oracle Park",
				"venue",
				"24 Willie Mays Plaza, San Francisco, CA 94107",
				37.7786,
				-122.3893,
			),
			place(
				"caltrain-4th-king",
				"Caltrain 4th & King Station",
				"station",
				"700 4th St, San Francisco, CA 94107",
				37.7766,
				-122.3947,
			),
			place(
				"castro",
				"The Castro",
				"neighborhood",
				"429 Castro St, San Francisco, CA 94114",
				37.762,
				-122.4348,
			),
			place(
				"palace-of-fine-arts",
				"Palace of Fine Arts",
				"landmark",
				"3601 Lyon St, San Francisco, CA 94123",
				37.8029,
				-122.4484,
			),
			place(
				"chase-center",
				"Chase Center",
				"venue",
				"1 Warriors Way, San Francisco, CA 94158",
				37.768,
				-122.3877,
			),
		],
	},
	{
		slug: "new-york",
		name: "New York",
		state: "NY",
		time_zone: "America/New_York",
		center: { lat: 40.7431, lng: -73.9712 },
		radius_km: 8,
		rates: {
			base_fare_cents: 300,
			per_mile_cents: 175,
			per_minute_cents: 50,
			booking_fee_cents: 325,
			minimum_fare_cents: 1100,
		},
		speed_mph: 11,
		city_fee: { label: "NY State congestion surcharge", cents: 275 },
		tax_rate_milli_percent: 8875,
		places: [
			place(
				"jfk",
				"John F. Kennedy International Airport (JFK)",
				"airport",
				"Queens, NY 11430",
				40.6413,
				-73.7781,
				250,
			),
			place("lga", "LaGuardia Airport (LGA)", "airport", "Queens, NY 11371", 40.7769, -73.874, 250),
			place(
				"ewr",
				"Newark Liberty International Airport (EWR)",
				"airport",
				"3 Brewster Rd, Newark, NJ 07114",
				40.6895,
				-74.1745,
				300,
			),
			place(
				"times-square",
				"Times Square",
				"landmark",
				"1560 Broadway, New York, NY 10036",
				40.758,
				-73.9855,
			),
			place(
				"grand-central",
				"Grand Central Terminal",
				"station",
				"89 E 42nd St, New York, NY 10017",
				40.7527,
				-73.9772,
			),
			place(
				"penn-station",
				"Penn Station",
				"station",
				"351 W 31st St, New York, NY 10001",
				40.7506,
				-73.9935,
			),
			place(
				"the-met",
				"The Metropolitan Museum of Art",
				"landmark",
				"1000 5th Ave, New York, NY 10028",
				40.7794,
				-73.9632,
			),
			place(
				"brooklyn-bridge-park",
				"Brooklyn Bridge Park",
				"landmark",
				"334 Furman St, Brooklyn, NY 11201",
				40.7003,
				-73.9967,
			),
			place(
				"world-trade-center",
				"World Trade Center",
				"landmark",
				"285 Fulton St, New York, NY 10007",
				40.7127,
				-74.0134,
			),
			place(
				"williamsburg",
				"Williamsburg",
				"neighborhood",
				"Bedford Ave & N 7th St, Brooklyn, NY 11249",
				40.7178,
				-73.9573,
			),
			place("yankee-stadium", "Yankee Stadium", "venue", "1 E 161st St, Bronx, NY 10451", 40.8296, -73.9262),
			place(
				"madison-square-garden",
				"Madison Square Garden",
				"venue",
				"4 Pennsylvania Plaza, New York, NY 10001",
				40.7505,
				-73.9934,
			),
		],
	},
	{
		slug: "chicago",
		name: "Chicago",
		state: "IL",
		time_zone: "America/Chicago",
		center: { lat: 41.8781, lng: -87.6298 },
		radius_km: 8,
		rates: {
			base_fare_cents: 200,
			per_mile_cents: 120,
			per_minute_cents: 30,
			booking_fee_cents: 250,
			minimum_fare_cents: 700,
		},
		speed_mph: 17,
		city_fee: { label: "Chicago ground transportation tax", cents: 125 },
		tax_rate_milli_percent: 0,
		places: [
			place(
				"ord",
				"O'Hare International Airport (ORD)",
				"airport",
				"10000 W O'Hare Ave, Chicago, IL 60666",
				41.9742,
				-87.9073,
				500,
			),
			place(
				"mdw",
				"Midway International Airport (MDW)",
				"airport",
				"5700 S Cicero Ave, Chicago, IL 60638",
				41.7868,
				-87.7522,
				500,
			),
			place(
				"union-station-chicago",
				"Chicago Union Station",
				"station",
				"225 S Canal St, Chicago, IL 60606",
				41.8787,
				-87.6403,
			),
			place(
				"millennium-park",
				"Millennium Park",
				"landmark",
				"201 E Randolph St, Chicago, IL 60602",
				41.8826,
				-87.6226,
			),
			place("navy-pier", "Navy Pier", "landmark", "600 E Grand Ave, Chicago, IL 60611", 41.8917, -87.6086),
			place(
				"wrigley-field",
				"Wrigley Field",
				"venue",
				"1060 W Addison St, Chicago, IL 60613",
				41.9484,
				-87.6553,
			),
			place(
				"field-museum",
				"Field Museum",
				"landmark",
				"1400 S Lake Shore Dr, Chicago, IL 60605",
				41.8663,
				-87.617,
			),
			place(
				"water-tower",
				"Water Tower Place",
				"landmark",
				"835 N Michigan Ave, Chicago, IL 60611",
				41.8976,
				-87.6244,
			),
			place(
				"wicker-park",
				"Wicker Park",
				"neighborhood",
				"1425 N Damen Ave, Chicago, IL 60622",
				41.9088,
				-87.6796,
			),
			place(
				"united-center",
				"United Center",
				"venue",
				"1901 W Madison St, Chicago, IL 60612",
				41.8807,
				-87.6742,
			),
		],
	},
	{
		slug: "austin",
		name: "Austin",
		state: "TX",
		time_zone: "America/Chicago",
		center: { lat: 30.2672, lng: -97.7431 },
		radius_km: 9,
		rates: {
			base_fare_cents: 150,
			per_mile_cents: 110,
			per_minute_cents: 22,
			booking_fee_cents: 225,
			minimum_fare_cents: 650,
		},
		speed_mph: 22,
		city_fee: null,
		tax_rate_milli_percent: 0,
		places: [
			place(
				"aus",
				"Austin-Bergstrom International Airport (AUS)",
				"airport",
				"3600 Presidential Blvd, Austin, TX 78719",
				30.1975,
				-97.6664,
				250,
			),
			place(
				"texas-capitol",
				"Texas State Capitol",
				"landmark",
				"1100 Congress Ave, Austin, TX 78701",
				30.2747,
				-97.7404,
			),
			place("ut-tower", "UT Tower", "landmark", "110 Inner Campus Dr, Austin, TX 78712", 30.2862, -97.7394),
			place(
				"zilker-park",
				"Zilker Park",
				"landmark",
				"2100 Barton Springs Rd, Austin, TX 78746",
				30.2669,
				-97.7729,
			),
			place(
				"sixth-street",
				"Sixth Street",
				"neighborhood",
				"E 6th St & Trinity St, Austin, TX 78701",
				30.2672,
				-97.739,
			),
			place(
				"south-congress",
				"South Congress",
				"neighborhood",
				"1400 S Congress Ave, Austin, TX 78704",
				30.25,
				-97.7494,
			),
			place(
				"moody-center",
				"Moody Center",
				"venue",
				"2001 Robert Dedman Dr, Austin, TX 78712",
				30.2818,
				-97.7325,
			),
			place(
				"the-domain",
				"The Domain",
				"neighborhood",
				"11410 Century Oaks Terrace, Austin, TX 78758",
				30.402,
				-97.7254,
			),
			place("mueller", "Mueller", "neighborhood", "1801 Aldrich St, Austin, TX 78723", 30.298, -97.7044),
			place(
				"austin-convention-center",
				"Austin Convention Center",
				"venue",
				"500 E Cesar Chavez St, Austin, TX 78701",
				30.2634,
				-97.7397,
			),
		],
	},
	{
		slug: "seattle",
		name: "Seattle",
		state: "WA",
		time_zone: "America/Los_Angeles",
		center: { lat: 47.6062, lng: -122.3321 },
		radius_km: 7,
		rates: {
			base_fare_cents: 235,
			per_mile_cents: 135,
			per_minute_cents: 35,
			booking_fee_cents: 275,
			minimum_fare_cents: 800,
		},
		speed_mph: 16,
		city_fee: { label: "Seattle rideshare fee", cents: 57 },
		tax_rate_milli_percent: 0,
		places: [
			place(
				"sea",
				"Seattle-Tacoma International Airport (SEA)",
				"airport",
				"17801 International Blvd, SeaTac, WA 98158",
				47.4502,
				-122.3088,
				400,
			),
			place(
				"pike-place",
				"Pike Place Market",
				"landmark",
				"85 Pike St, Seattle, WA 98101",
				47.6097,
				-122.3422,
			),
			place(
				"space-needle",
				"Space Needle",
				"landmark",
				"400 Broad St, Seattle, WA 98109",
				47.6205,
				-122.3493,
			),
			place(
				"king-street-station",
				"King Street Station",
				"station",
				"303 S Jackson St, Seattle, WA 98104",
				47.5986,
				-122.3298,
			),
			place(
				"lumen-field",
				"Lumen Field",
				"venue",
				"800 Occidental Ave S, Seattle, WA 98134",
				47.5952,
				-122.3316,
			),
			place(
				"capitol-hill",
				"Capitol Hill",
				"neighborhood",
				"1635 11th Ave, Seattle, WA 98122",
				47.6172,
				-122.3193,
			),
			place("fremont", "Fremont", "neighborhood", "3405 Fremont Ave N, Seattle, WA 98103", 47.651, -122.3473),
			place(
				"university-of-washington",
				"University of Washington",
				"landmark",
				"1410 NE Campus Pkwy, Seattle, WA 98195",
				47.6553,
				-122.3035,
			),
			place(
				"ballard-locks",
				"Ballard Locks",
				"landmark",
				"3015 NW 54th St, Seattle, WA 98107",
				47.6655,
				-122.3975,
			),
			place(
				"climate-pledge-arena",
				"Climate Pledge Arena",
				"venue",
				"334 1st Ave N, Seattle, WA 98109",
				47.6221,
				-122.354,
			),
		],
	},
];

export const DRIVER_NAMES = [
	"Alex M.",
	"Bianca R.",
	"Carlos D.",
	"Dana K.",
	"Elena P.",
	"Farid H.",
	"Grace L.",
	"Hiro T.",
	"Imani W.",
	"Jonah B.",
	"Kavya S.",
	"Luca F.",
	"Mei C.",
	"Nadia O.",
	"Omar Z.",
	"Priya N.",
	"Quinn A.",
	"Rafael G.",
	"Sofia V.",
	"Tomás E.",
];

/** Cars by product; a driver's car is picked from their product's list. */
export const VEHICLES: Record<ProductId, readonly { make: string; model: string }[]> = {
	standard: [
		{ make: "Toyota", model: "Camry" },
		{ make: "Honda", model: "Accord" },
		{ make: "Hyundai", model: "Elantra" },
		{ make: "Nissan", model: "Altima" },
		{ make: "Kia", model: "K5" },
	],
	green: [
		{ make: "Toyota", model: "Prius" },
		{ make: "Tesla", model: "Model 3" },
		{ make: "Hyundai", model: "Ioniq 5" },
		{ make: "Chevrolet", model: "Bolt EV" },
	],
	comfort: [
		{ make: "Toyota", model: "Camry Hybrid" },
		{ make: "Honda", model: "Accord Touring" },
		{ make: "Tesla", model: "Model Y" },
		{ make: "Volkswagen", model: "Passat" },
	],
	xl: [
		{ make: "Honda", model: "Odyssey" },
		{ make: "Toyota", model: "Highlander" },
		{ make: "Chrysler", model: "Pacifica" },
		{ make: "Kia", model: "Telluride" },
	],
	black: [
		{ make: "Cadillac", model: "Escalade" },
		{ make: "Mercedes-Benz", model: "E-Class" },
		{ make: "BMW", model: "5 Series" },
		{ make: "Lincoln", model: "Navigator" },
	],
};

export const VEHICLE_COLORS = ["Black", "White", "Silver", "Gray", "Blue", "Red"];
