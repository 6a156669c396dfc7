export const AISLES = {
	produce: "Produce",
	dairy_eggs: "Dairy & Eggs",
	bakery: "Bakery",
	meat_seafood: "Meat & Seafood",
	pantry: "Pantry",
	frozen: "Frozen",
	beverages: "Beverages",
	snacks: "Snacks",
	household: "Household",
	personal_care: "Personal Care",
} as const;
export type Aisle = keyof typeof AISLES;
export const AISLE_IDS = Object.keys(AISLES) as [Aisle, ...Aisle[]];

export const TAGS = ["organic", "gluten_free", "vegan", "local", "store_brand"] as const;
export type Tag = (typeof TAGS)[number];

/** The unit a shelf label compares prices by. */
export type CompareUnit = "lb" | "qt" | "ct" | "each";

export interface GroceryItem {
	item_id: string;
	name: string;
	brand: string;
	aisle: Aisle;
	/** Package size as printed, e.g. `1 gal`, `12 oz`. */
	size: string;
	/** The package in compare units, for the unit price: 12 oz is 0.75 lb. */
	compare: { quantity: number; unit: CompareUnit };
	/** Price before the city's price level, in cents. */
	base_price_cents: number;
	/** Sales tax applies (most food is exempt; household goods, personal care, soda and candy are not). */
	taxable: boolean;
	tags: Tag[];
}

type Row = [
	id: string,
	name: string,
	brand: string,
	size: string,
	compare: [number, CompareUnit],
	price: number,
	taxable: boolean,
	tags: Tag[],
];

const ROWS: Record<Aisle, readonly Row[]> = {
	produce: [
		["bananas", "Bananas", "FreshCart", "2 lb bunch", [2, "lb"], 138, false, ["store_brand"]],
		[
			"organic-bananas",
			"Organic Bananas",
			"FreshCart Organic",
			"2 lb bunch",
			[2, "lb"],
			198,
			false,
			["organic", "store_brand"],
		],
		["hass-avocados", "Hass Avocados", "Mission", "4 ct bag", [4, "ct"], 599, false, []],
		["gala-apples", "Gala Apples", "Stemilt", "3 lb bag", [3, "lb"], 499, false, []],
		["honeycrisp-apples", "Honeycrisp Apples", "Stemilt", "2 lb bag", [2, "lb"], 599, false, ["local"]],
		["strawberries", "Strawberries", "Driscoll's", "1 lb clamshell", [1, "lb"], 449, false, []],
		["blueberries", "Organic Blueberries", "Driscoll's", "6 oz", [0.375, "lb"], 499, false, ["organic"]],
		[
			"baby-spinach",
			"Organic Baby Spinach",
			"Earthbound Farm",
			"5 oz",
			[0.3125, "lb"],
			399,
			false,
			["organic", "vegan"],
		],
		["romaine-hearts", "Romaine Hearts", "Fresh Express", "3 ct", [3, "ct"], 399, false, ["vegan"]],
		["yellow-onions", "Yellow Onions", "FreshCart", "3 lb bag", [3, "lb"], 349, false, ["store_brand"]],
		["russet-potatoes", "Russet Potatoes", "FreshCart", "5 lb bag", [5, "lb"], 499, false, ["store_brand"]],
		["roma-tomatoes", "Roma Tomatoes", "FreshCart", "1.5 lb", [1.5, "lb"], 299, false, ["store_brand"]],
		["lemons", "Lemons", "Sunkist", "2 lb bag", [2, "lb"], 449, false, []],
		["broccoli-crowns", "Broccoli Crowns", "FreshCart", "1 lb", [1, "lb"], 249, false, ["store_brand"]],
	],
	dairy_eggs: [
		["whole-milk-gallon", "Whole Milk", "FreshCart", "1 gal", [4, "qt"], 449, false, ["store_brand"]],
		[
			"organic-2-milk",
			"Organic 2% Reduced Fat Milk",
			"Horizon",
			"half gal",
			[2, "qt"],
			549,
			false,
			["organic"],
		],
		["oat-milk", "Oat Milk Original", "Oatly", "64 fl oz", [2, "qt"], 549, false, ["vegan"]],
		["large-eggs-dozen", "Grade A Large Eggs", "FreshCart", "12 ct", [12, "ct"], 399, false, ["store_brand"]],
		["pasture-eggs", "Pasture-Raised Large Eggs", "Vital Farms", "12 ct", [12, "ct"], 749, false, []],
		["greek-yogurt", "Plain Greek Yogurt", "Fage", "32 oz", [2, "lb"], 749, false, ["gluten_free"]],
		["salted-butter", "Salted Butter", "Kerrygold", "8 oz", [0.5, "lb"], 499, false, []],
		["sharp-cheddar", "Sharp Cheddar Block", "Tillamook", "8 oz", [0.5, "lb"], 449, false, ["gluten_free"]],
		[
			"shredded-mozzarella",
			"Shredded Mozzarella",
			"FreshCart",
			"8 oz",
			[0.5, "lb"],
			349,
			false,
			["store_brand"],
		],
		["cream-cheese", "Cream Cheese", "Philadelphia", "8 oz", [0.5, "lb"], 349, false, []],
	],
	bakery: [
		["sourdough-loaf", "Sourdough Loaf", "Boudin", "24 oz", [1.5, "lb"], 649, false, ["local"]],
		[
			"whole-wheat-bread",
			"100% Whole Wheat Bread",
			"Dave's Killer Bread",
			"25 oz",
			[1.5625, "lb"],
			599,
			false,
			["organic"],
		],
		[
			"gluten-free-bread",
			"Gluten-Free Sandwich Bread",
			"Canyon Bakehouse",
			"18 oz",
			[1.125, "lb"],
			749,
			false,
			["gluten_free"],
		],
		["plain-bagels", "Plain Bagels", "Thomas'", "6 ct", [6, "ct"], 449, false, []],
		["croissants", "Butter Croissants", "FreshCart Bakery", "4 ct", [4, "ct"], 599, false, ["store_brand"]],
		["flour-tortillas", "Flour Tortillas", "Mission", "10 ct", [10, "ct"], 349, false, []],
		[
			"chocolate-chip-cookies",
			"Chocolate Chip Cookies",
			"FreshCart Bakery",
			"12 ct",
			[12, "ct"],
			499,
			true,
			["store_brand"],
		],
		[
			"blueberry-muffins",
			"Blueberry Muffins",
			"FreshCart Bakery",
			"4 ct",
			[4, "ct"],
			549,
			false,
			["store_brand"],
		],
	],
	meat_seafood: [
		[
			"chicken-breast",
			"Boneless Skinless Chicken Breast",
			"Foster Farms",
			"1.5 lb",
			[1.5, "lb"],
			899,
			false,
			["gluten_free"],
		],
		[
			"chicken-thighs",
			"Boneless Chicken Thighs",
			"Foster Farms",
			"1.5 lb",
			[1.5, "lb"],
			749,
			false,
			["gluten_free"],
		],
		["ground-beef-85", "85% Lean Ground Beef", "FreshCart", "1 lb", [1, "lb"], 649, false, ["store_brand"]],
		[
			"ribeye-steak",
			"Choice Ribeye Steak",
			"FreshCart Butcher",
			"1 lb",
			[1, "lb"],
			1699,
			false,
			["store_brand"],
		],
		[
			"atlantic-salmon",
			"Atlantic Salmon Fillet",
			"FreshCart Seafood",
			"1 lb",
			[1, "lb"],
			1299,
			false,
			["gluten_free"],
		],
		[
			"raw-shrimp",
			"Raw Shrimp, Peeled & Deveined",
			"FreshCart Seafood",
			"1 lb",
			[1, "lb"],
			1099,
			false,
			["gluten_free"],
		],
		["thick-cut-bacon", "Thick Cut Bacon", "Applegate", "12 oz", [0.75, "lb"], 799, false, []],
		[
			"turkey-deli",
			"Oven Roasted Turkey Breast, Sliced",
			"Boar's Head",
			"8 oz",
			[0.5, "lb"],
			749,
			false,
			["gluten_free"],
		],
		["firm-tofu", "Organic Firm Tofu", "Hodo", "12 oz", [0.75, "lb"], 399, false, ["organic", "vegan"]],
	],
	pantry: [
		["spaghetti", "Spaghetti", "Barilla", "16 oz", [1, "lb"], 199, false, ["vegan"]],
		[
			"marinara-sauce",
			"Marinara Sauce",
			"Rao's Homemade",
			"24 oz",
			[1.5, "lb"],
			899,
			false,
			["vegan", "gluten_free"],
		],
		["jasmine-rice", "Jasmine Rice", "Mahatma", "5 lb", [5, "lb"], 799, false, ["vegan", "gluten_free"]],
		[
			"black-beans",
			"Organic Black Beans",
			"Eden",
			"15 oz can",
			[0.9375, "lb"],
			249,
			false,
			["organic", "vegan"],
		],
		[
			"olive-oil",
			"Extra Virgin Olive Oil",
			"California Olive Ranch",
			"25.4 fl oz",
			[0.79375, "qt"],
			1199,
			false,
			["vegan"],
		],
		[
			"peanut-butter",
			"Creamy Peanut Butter",
			"Jif",
			"16 oz",
			[1, "lb"],
			399,
			false,
			["vegan", "gluten_free"],
		],
		["rolled-oats", "Old Fashioned Rolled Oats", "Quaker", "42 oz", [2.625, "lb"], 649, false, ["vegan"]],
		[
			"honey-nut-cheerios",
			"Honey Nut Cheerios",
			"General Mills",
			"15.4 oz",
			[0.9625, "lb"],
			549,
			false,
			["gluten_free"],
		],
		[
			"chicken-broth",
			"Organic Chicken Broth",
			"Pacific Foods",
			"32 fl oz",
			[1, "qt"],
			399,
			false,
			["organic", "gluten_free"],
		],
		["all-purpose-flour", "All-Purpose Flour", "King Arthur", "5 lb", [5, "lb"], 599, false, ["vegan"]],
		["granulated-sugar", "Granulated Sugar", "C&H", "4 lb", [4, "lb"], 449, false, ["vegan", "gluten_free"]],
		["ground-coffee", "Medium Roast Ground Coffee", "Peet's", "12 oz", [0.75, "lb"], 1099, false, ["vegan"]],
	],
	frozen: [
		["frozen-pizza", "Margherita Pizza", "Screamin' Sicilian", "18 oz", [1.125, "lb"], 899, false, []],
		["frozen-peas", "Sweet Peas", "FreshCart", "16 oz", [1, "lb"], 199, false, ["store_brand", "vegan"]],
		[
			"frozen-berries",
			"Mixed Berries",
			"FreshCart",
			"32 oz",
			[2, "lb"],
			899,
			false,
			["store_brand", "vegan"],
		],
		[
			"vanilla-ice-cream",
			"Vanilla Bean Ice Cream",
			"Häagen-Dazs",
			"14 fl oz",
			[0.4375, "qt"],
			549,
			false,
			["gluten_free"],
		],
		["chicken-dumplings", "Chicken & Vegetable Dumplings", "Bibigo", "24 oz", [1.5, "lb"], 799, false, []],
		["frozen-waffles", "Homestyle Waffles", "Eggo", "10 ct", [10, "ct"], 399, false, []],
		[
			"veggie-burgers",
			"Plant-Based Burgers",
			"Beyond Meat",
			"2 ct",
			[2, "ct"],
			699,
			false,
			["vegan", "gluten_free"],
		],
		["frozen-fries", "Crinkle Cut Fries", "Ore-Ida", "32 oz", [2, "lb"], 549, false, ["vegan"]],
	],
	beverages: [
		[
			"sparkling-water-12",
			"Sparkling Water, Lime",
			"LaCroix",
			"12 x 12 fl oz",
			[12, "ct"],
			599,
			false,
			["vegan"],
		],
		["cola-12", "Cola", "Coca-Cola", "12 x 12 fl oz", [12, "ct"], 899, true, []],
		["orange-juice", "Orange Juice, No Pulp", "Tropicana", "52 fl oz", [1.625, "qt"], 549, false, ["vegan"]],
		["cold-brew", "Cold Brew Coffee", "Stumptown", "32 fl oz", [1, "qt"], 799, false, ["vegan"]],
		["green-tea", "Organic Green Tea", "Numi", "18 ct", [18, "ct"], 699, false, ["organic", "vegan"]],
		["kombucha", "Ginger Lemon Kombucha", "GT's", "16 fl oz", [0.5, "qt"], 399, false, ["organic", "vegan"]],
		[
			"spring-water-24",
			"Spring Water",
			"FreshCart",
			"24 x 16.9 fl oz",
			[24, "ct"],
			499,
			false,
			["store_brand"],
		],
		["sports-drink", "Sports Drink, Lemon-Lime", "Gatorade", "8 x 20 fl oz", [8, "ct"], 849, true, []],
	],
	snacks: [
		[
			"tortilla-chips",
			"Tortilla Chips",
			"Late July",
			"11 oz",
			[0.6875, "lb"],
			449,
			false,
			["organic", "vegan", "gluten_free"],
		],
		[
			"potato-chips",
			"Sea Salt Potato Chips",
			"Kettle Brand",
			"8 oz",
			[0.5, "lb"],
			449,
			false,
			["vegan", "gluten_free"],
		],
		["hummus", "Classic Hummus", "Sabra", "10 oz", [0.625, "lb"], 449, false, ["vegan", "gluten_free"]],
		[
			"almonds",
			"Roasted Salted Almonds",
			"Blue Diamond",
			"16 oz",
			[1, "lb"],
			799,
			false,
			["vegan", "gluten_free"],
		],
		["dark-chocolate", "72% Dark Chocolate Bar", "Lindt", "3.5 oz", [0.21875, "lb"], 399, true, []],
		["granola-bars", "Chewy Granola Bars", "Nature Valley", "12 ct", [12, "ct"], 549, false, []],
		[
			"popcorn",
			"Sea Salt Popcorn",
			"SkinnyPop",
			"4.4 oz",
			[0.275, "lb"],
			449,
			false,
			["vegan", "gluten_free"],
		],
		["gummy-bears", "Gummy Bears", "Haribo", "8 oz", [0.5, "lb"], 299, true, []],
		["salsa", "Medium Salsa", "Frontera", "16 oz", [1, "lb"], 449, false, ["vegan", "gluten_free"]],
	],
	household: [
		["paper-towels-6", "Paper Towels, Double Rolls", "Bounty", "6 ct", [6, "ct"], 1299, true, []],
		["toilet-paper-12", "Toilet Paper, Mega Rolls", "Charmin", "12 ct", [12, "ct"], 1599, true, []],
		["dish-soap", "Dish Soap, Original", "Dawn", "19.4 fl oz", [0.60625, "qt"], 399, true, []],
		[
			"laundry-detergent",
			"Free & Clear Laundry Detergent",
			"Seventh Generation",
			"100 fl oz",
			[3.125, "qt"],
			1499,
			true,
			["vegan"],
		],
		["trash-bags", "Tall Kitchen Trash Bags", "Glad", "40 ct", [40, "ct"], 1099, true, []],
		["aluminum-foil", "Aluminum Foil", "Reynolds Wrap", "75 sq ft", [1, "each"], 649, true, []],
		["sponges", "Non-Scratch Sponges", "Scotch-Brite", "6 ct", [6, "ct"], 599, true, []],
		["dishwasher-pods", "Dishwasher Detergent Pods", "Cascade", "43 ct", [43, "ct"], 1499, true, []],
	],
	personal_care: [
		["toothpaste", "Fluoride Toothpaste", "Colgate", "4.8 oz", [0.3, "lb"], 349, true, []],
		["shampoo", "Daily Moisture Shampoo", "Pantene", "12 fl oz", [0.375, "qt"], 699, true, []],
		["body-wash", "Sensitive Skin Body Wash", "Dove", "22 fl oz", [0.6875, "qt"], 849, true, []],
		["deodorant", "Aluminum-Free Deodorant", "Native", "2.65 oz", [1, "each"], 1299, true, ["vegan"]],
		["hand-soap", "Foaming Hand Soap", "Method", "10 fl oz", [0.3125, "qt"], 399, true, ["vegan"]],
		[
			"sunscreen-spf50",
			"Sport Sunscreen Lotion SPF 50",
			"Banana Boat",
			"8 fl oz",
			[0.25, "qt"],
			999,
			true,
			[],
		],
		["razors", "Disposable Razors", "Gillette", "4 ct", [4, "ct"], 1099, true, []],
	],
};

export const ITEMS: readonly GroceryItem[] = Object.entries(ROWS).flatMap(([aisle, rows]) =>
	rows.map(([item_id, name, brand, size, [quantity, unit], price, taxable, tags]) => ({
		item_id,
		name,
		brand,
		aisle: aisle as Aisle,
		size,
		compare: { quantity, unit },
		base_price_cents: price,
		taxable,
		tags,
	})),
);

export interface GroceryCity {
	slug: string;
	name: string;
	state: string;
	time_zone: string;
	/** Shelf prices relative to the base prices. */
	price_factor: number;
	/** Sales tax on taxable items, in thousandths of a percent. */
	tax_rate_milli_percent: number;
	/** The city's charge per checkout bag. */
	bag_fee_cents: number;
}

export const GROCERY_CITIES: readonly GroceryCity[] = [
	{
		slug: "san-francisco",
		name: "San Francisco",
		state: "CA",
		time_zone: "America/Los_Angeles",
		price_factor: 1.12,
		tax_rate_milli_percent: 8625,
		bag_fee_cents: 25,
	},
	{
		slug: "new-york",
		name: "New York",
		state: "NY",
		time_zone: "America/New_York",
		price_factor: 1.15,
		tax_rate_milli_percent: 8875,
		bag_fee_cents: 5,
	},
	{
		slug: "chicago",
		name: "Chicago",
		state: "IL",
		time_zone: "America/Chicago",
		price_factor: 1,
		tax_rate_milli_percent: 10250,
		bag_fee_cents: 7,
	},
	{
		slug: "austin",
		name: "Austin",
		state: "TX",
		time_zone: "America/Chicago",
		price_factor: 0.95,
		tax_rate_milli_percent: 8250,
		bag_fee_cents: 0,
	},
	{
		slug: "seattle",
		name: "Seattle",
		state: "WA",
		time_zone: "America/Los_Angeles",
		price_factor: 1.05,
		tax_rate_milli_percent: 10350,
		bag_fee_cents: 8,
	},
];

export interface Store {
	store_id: string;
	name: string;
	city: string;
	address: string;
	/** Opening hours, local `HH:MM`; deliveries run 08:00-22:00 regardless. */
	hours: { opens: string; closes: string };
}

export const STORES: readonly Store[] = [
	{
		store_id: "sf-mission",
		name: "FreshCart Mission",
		city: "san-francisco",
		address: "2245 Mission St, San Francisco, CA 94110",
		hours: { opens: "07:00", closes: "23:00" },
	},
	{
		store_id: "sf-marina",
		name: "FreshCart Marina",
		city: "san-francisco",
		address: "3350 Fillmore St, San Francisco, CA 94123",
		hours: { opens: "07:00", closes: "22:00" },
	},
	{
		store_id: "nyc-chelsea",
		name: "FreshCart Chelsea",
		city: "new-york",
		address: "250 W 23rd St, New York, NY 10011",
		hours: { opens: "06:00", closes: "00:00" },
	},
	{
		store_id: "nyc-park-slope",
		name: "FreshCart Park Slope",
		city: "new-york",
		address: "214 7th Ave, Brooklyn, NY 11215",
		hours: { opens: "07:00", closes: "23:00" },
	},
	{
		store_id: "chi-lincoln-park",
		name: "FreshCart Lincoln Park",
		city: "chicago",
		address: "1550 N Kingsbury St, Chicago, IL 60642",
		hours: { opens: "07:00", closes: "22:00" },
	},
	{
		store_id: "atx-south-lamar",
		name: "FreshCart South Lamar",
		city: "austin",
		address: "1000 S Lamar Blvd, Austin, TX 78704",
		hours: { opens: "07:00", closes: "22:00" },
	},
	{
		store_id: "sea-capitol-hill",
		name: "FreshCart Capitol Hill",
		city: "seattle",
		address: "1401 Broadway, Seattle, WA 98122",
		hours: { opens: "06:00", closes: "23:00" },
	},
];
