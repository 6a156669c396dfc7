import { seeded } from "../lib/random.ts";

export const CUISINES = [
	"american",
	"chinese",
	"indian",
	"italian",
	"japanese",
	"korean",
	"mediterranean",
	"mexican",
	"thai",
] as const;
export type Cuisine = (typeof CUISINES)[number];

export const DIETARY = ["vegetarian", "vegan", "gluten_free", "spicy", "contains_nuts"] as const;
export type Dietary = (typeof DIETARY)[number];

export interface DeliveryCity {
	slug: string;
	name: string;
	state: string;
	/** Sales tax on prepared food, in thousandths of a percent (8.625 % = 8625). */
	tax_rate_milli_percent: number;
	/** Local price level relative to the menu templates. */
	price_factor: number;
}

export const DELIVERY_CITIES: readonly DeliveryCity[] = [
	{
		slug: "san-francisco",
		name: "San Francisco",
		state: "CA",
		tax_rate_milli_percent: 8625,
		price_factor: 1.15,
	},
	{ slug: "new-york", name: "New York", state: "NY", tax_rate_milli_percent: 8875, price_factor: 1.15 },
	{ slug: "chicago", name: "Chicago", state: "IL", tax_rate_milli_percent: 10250, price_factor: 1.0 },
	{ slug: "austin", name: "Austin", state: "TX", tax_rate_milli_percent: 8250, price_factor: 0.95 },
	{ slug: "seattle", name: "Seattle", state: "WA", tax_rate_milli_percent: 10350, price_factor: 1.08 },
];

type Section = "Starters" | "Mains" | "Sides" | "Desserts" | "Drinks";

/** A dish as a cuisine template lists it; restaurants pick from and reprice these. */
interface Dish {
	slug: string;
	name: string;
	description: string;
	price: number;
	section: Section;
	dietary?: Dietary[];
}

const d = (
	slug: string,
	name: string,
	price: number,
	section: Section,
	description: string,
	dietary: Dietary[] = [],
): Dish => ({ slug, name, price, section, description, dietary });

const DISHES: Record<Cuisine, readonly Dish[]> = {
	italian: [
		d(
			"burrata",
			"Burrata & Heirloom Tomato",
			1400,
			"Starters",
			"Creamy burrata, heirloom tomatoes, basil oil, grilled bread.",
			["vegetarian"],
		),
		d(
			"arancini",
			"Arancini",
			1100,
			"Starters",
			"Three saffron risotto balls stuffed with mozzarella, marinara.",
			["vegetarian"],
		),
		d("calamari", "Fried Calamari", 1500, "Starters", "Lightly fried squid, lemon aioli, Calabrian chili."),
		d(
			"margherita",
			"Margherita Pizza",
			1700,
			"Mains",
			"San Marzano tomato, fior di latte, basil, olive oil.",
			["vegetarian"],
		),
		d("diavola", "Diavola Pizza", 1900, "Mains", "Spicy salami, tomato, mozzarella, chili honey.", ["spicy"]),
		d("cacio-e-pepe", "Cacio e Pepe", 1800, "Mains", "Tonnarelli, pecorino romano, toasted black pepper.", [
			"vegetarian",
		]),
		d(
			"rigatoni-vodka",
			"Rigatoni alla Vodka",
			1900,
			"Mains",
			"Tomato cream, vodka, parmigiano, chili flakes.",
			["vegetarian"],
		),
		d("lasagna", "Lasagna Bolognese", 2200, "Mains", "Layers of fresh pasta, beef and pork ragù, béchamel."),
		d(
			"chicken-parm",
			"Chicken Parmigiana",
			2400,
			"Mains",
			"Breaded chicken cutlet, marinara, mozzarella, side of spaghetti.",
		),
		d("caesar", "Caesar Salad", 1200, "Sides", "Romaine, parmigiano, garlic croutons, anchovy dressing."),
		d("tiramisu", "Tiramisù", 1000, "Desserts", "Espresso-soaked ladyfingers, mascarpone, cocoa.", [
			"vegetarian",
		]),
		d("san-pellegrino", "San Pellegrino", 400, "Drinks", "Sparkling mineral water, 500 ml.", [
			"vegan",
			"gluten_free",
		]),
	],
	mexican: [
		d(
			"guacamole",
			"Guacamole & Chips",
			1000,
			"Starters",
			"Hass avocado, lime, serrano, cilantro, warm tortilla chips.",
			["vegan", "gluten_free"],
		),
		d("elote", "Elote", 700, "Starters", "Grilled street corn, cotija, chili-lime mayo.", [
			"vegetarian",
			"gluten_free",
		]),
		d(
			"tacos-al-pastor",
			"Tacos al Pastor (3)",
			1300,
			"Mains",
			"Marinated pork, pineapple, onion, cilantro, corn tortillas.",
			["gluten_free"],
		),
		d(
			"tacos-carnitas",
			"Carnitas Tacos (3)",
			1300,
			"Mains",
			"Slow-braised pork shoulder, salsa verde, pickled onion.",
			["gluten_free"],
		),
		d("tacos-baja", "Baja Fish Tacos (3)", 1500, "Mains", "Beer-battered cod, cabbage slaw, chipotle crema."),
		d(
			"burrito-carne-asada",
			"Carne Asada Burrito",
			1500,
			"Mains",
			"Grilled steak, rice, pinto beans, pico de gallo, salsa roja.",
		),
		d(
			"burrito-veggie",
			"Veggie Burrito",
			1300,
			"Mains",
			"Roasted peppers, black beans, rice, guacamole, salsa fresca.",
			["vegan"],
		),
		d(
			"enchiladas",
			"Enchiladas Suizas",
			1700,
			"Mains",
			"Chicken enchiladas, tomatillo cream sauce, melted cheese.",
			["gluten_free"],
		),
		d("quesadilla", "Quesadilla", 1200, "Mains", "Flour tortilla, Oaxaca cheese, rajas, crema.", [
			"vegetarian",
		]),
		d("churros", "Churros", 800, "Desserts", "Cinnamon sugar churros, Mexican chocolate dip.", [
			"vegetarian",
		]),
		d("horchata", "Horchata", 500, "Drinks", "Rice and cinnamon agua fresca.", ["vegan", "gluten_free"]),
		d("jarritos", "Jarritos", 400, "Drinks", "Mexican soda: tamarind, mandarin or lime.", [
			"vegan",
			"gluten_free",
		]),
	],
	chinese: [
		d("har-gow", "Har Gow (4)", 900, "Starters", "Crystal shrimp dumplings."),
		d("siu-mai", "Pork Siu Mai (4)", 850, "Starters", "Open-top pork and shrimp dumplings, tobiko."),
		d("xiao-long-bao", "Xiao Long Bao (6)", 1200, "Starters", "Soup dumplings with pork and ginger broth."),
		d(
			"scallion-pancake",
			"Scallion Pancake",
			800,
			"Starters",
			"Flaky pan-fried flatbread, soy-vinegar dip.",
			["vegan"],
		),
		d(
			"kung-pao-chicken",
			"Kung Pao Chicken",
			1700,
			"Mains",
			"Wok-tossed chicken, peanuts, dried chilies, Sichuan pepper.",
			["spicy", "contains_nuts"],
		),
		d("mapo-tofu", "Mapo Tofu", 1500, "Mains", "Silken tofu, fermented bean chili sauce, Sichuan pepper.", [
			"spicy",
			"vegetarian",
		]),
		d("beef-broccoli", "Beef & Broccoli", 1800, "Mains", "Flank steak, Chinese broccoli, oyster sauce."),
		d("orange-chicken", "Orange Chicken", 1600, "Mains", "Crispy chicken, sweet orange glaze, sesame."),
		d("dan-dan", "Dan Dan Noodles", 1500, "Mains", "Wheat noodles, spicy pork, chili oil, sesame paste.", [
			"spicy",
			"contains_nuts",
		]),
		d("fried-rice", "Yangzhou Fried Rice", 1300, "Sides", "Egg fried rice, char siu, shrimp, peas."),
		d("egg-tarts", "Egg Tarts (3)", 700, "Desserts", "Flaky custard tarts.", ["vegetarian"]),
		d("jasmine-tea", "Jasmine Tea", 400, "Drinks", "Hot jasmine green tea pot.", ["vegan", "gluten_free"]),
	],
	japanese: [
		d("edamame", "Edamame", 600, "Starters", "Steamed soybeans, flaky sea salt.", ["vegan", "gluten_free"]),
		d("gyoza", "Pork Gyoza (6)", 900, "Starters", "Pan-fried dumplings, ponzu."),
		d("agedashi-tofu", "Agedashi Tofu", 850, "Starters", "Crispy tofu in dashi broth, grated daikon.", [
			"vegetarian",
		]),
		d(
			"tonkotsu-ramen",
			"Tonkotsu Ramen",
			1800,
			"Mains",
			"Rich pork bone broth, chashu, ajitama egg, nori, scallions.",
		),
		d("shoyu-ramen", "Shoyu Ramen", 1700, "Mains", "Soy-chicken broth, chashu, bamboo shoots, egg."),
		d(
			"spicy-miso-ramen",
			"Spicy Miso Ramen",
			1850,
			"Mains",
			"Miso broth, chili paste, ground pork, corn, egg.",
			["spicy"],
		),
		d("veggie-ramen", "Vegetable Ramen", 1650, "Mains", "Kombu-shiitake broth, tofu, seasonal vegetables.", [
			"vegan",
		]),
		d("salmon-nigiri", "Salmon Nigiri (2)", 900, "Mains", "Scottish salmon over seasoned rice.", [
			"gluten_free",
		]),
		d("spicy-tuna-roll", "Spicy Tuna Roll", 1100, "Mains", "Tuna, spicy mayo, cucumber, sesame.", ["spicy"]),
		d("chirashi", "Chirashi Bowl", 2800, "Mains", "Chef's selection of sashimi over sushi rice.", [
			"gluten_free",
		]),
		d("chicken-katsu", "Chicken Katsu Curry", 1900, "Mains", "Panko chicken cutlet, Japanese curry, rice."),
		d("mochi", "Mochi Ice Cream (3)", 750, "Desserts", "Matcha, mango and strawberry.", [
			"vegetarian",
			"gluten_free",
		]),
		d("ramune", "Ramune Soda", 450, "Drinks", "Japanese marble soda.", ["vegan", "gluten_free"]),
	],
	indian: [
		d(
			"samosa",
			"Vegetable Samosas (2)",
			800,
			"Starters",
			"Spiced potato and pea pastries, tamarind chutney.",
			["vegan"],
		),
		d("pakora", "Onion Pakora", 750, "Starters", "Chickpea-battered onion fritters, mint chutney.", [
			"vegan",
			"gluten_free",
		]),
		d(
			"butter-chicken",
			"Butter Chicken",
			1900,
			"Mains",
			"Tandoori chicken in tomato, butter and fenugreek gravy.",
			["gluten_free"],
		),
		d(
			"chicken-tikka-masala",
			"Chicken Tikka Masala",
			1900,
			"Mains",
			"Charred chicken tikka, creamy spiced tomato sauce.",
			["gluten_free"],
		),
		d("lamb-rogan-josh", "Lamb Rogan Josh", 2300, "Mains", "Kashmiri chili lamb curry, slow-cooked.", [
			"spicy",
			"gluten_free",
		]),
		d("palak-paneer", "Palak Paneer", 1700, "Mains", "Cottage cheese in spiced spinach purée.", [
			"vegetarian",
			"gluten_free",
		]),
		d("chana-masala", "Chana Masala", 1500, "Mains", "Chickpeas in onion-tomato masala.", [
			"vegan",
			"gluten_free",
		]),
		d(
			"chicken-biryani",
			"Chicken Biryani",
			2000,
			"Mains",
			"Dum-cooked basmati, saffron, fried onions, raita.",
			["gluten_free"],
		),
		d("vindaloo", "Pork Vindaloo", 2000, "Mains", "Goan chili-vinegar curry.", ["spicy", "gluten_free"]),
		d("garlic-naan", "Garlic Naan", 450, "Sides", "Tandoor-baked flatbread, garlic butter.", ["vegetarian"]),
		d("basmati-rice", "Basmati Rice", 400, "Sides", "Steamed long-grain rice.", ["vegan", "gluten_free"]),
		d("gulab-jamun", "Gulab Jamun", 700, "Desserts", "Milk dumplings in cardamom syrup.", ["vegetarian"]),
		d("mango-lassi", "Mango Lassi", 550, "Drinks", "Yogurt, Alphonso mango, cardamom.", [
			"vegetarian",
			"gluten_free",
		]),
	],
	korean: [
		d("kimchi-pancake", "Kimchi Pancake", 1300, "Starters", "Crispy kimchi and scallion pancake.", ["spicy"]),
		d("mandu", "Pork Mandu (6)", 1000, "Starters", "Pan-fried dumplings, soy-vinegar."),
		d(
			"korean-fried-chicken",
			"Korean Fried Chicken",
			2100,
			"Mains",
			"Double-fried wings, yangnyeom or soy-garlic glaze.",
			["spicy"],
		),
		d(
			"bibimbap",
			"Dolsot Bibimbap",
			1800,
			"Mains",
			"Rice in a hot stone bowl, vegetables, gochujang, fried egg.",
			["vegetarian", "spicy"],
		),
		d("bulgogi", "Beef Bulgogi", 2200, "Mains", "Marinated rib-eye, onions, rice, banchan."),
		d("japchae", "Japchae", 1600, "Mains", "Sweet potato glass noodles, vegetables, sesame.", [
			"vegan",
			"gluten_free",
		]),
		d("kimchi-jjigae", "Kimchi Jjigae", 1700, "Mains", "Kimchi stew with pork belly and tofu.", ["spicy"]),
		d("tteokbokki", "Tteokbokki", 1300, "Mains", "Rice cakes in sweet-spicy gochujang sauce, fish cake.", [
			"spicy",
		]),
		d("banchan", "Banchan Set", 600, "Sides", "Kimchi, pickled radish, spinach namul.", ["vegan"]),
		d("hotteok", "Hotteok", 700, "Desserts", "Sweet pancake with brown sugar and walnuts.", [
			"vegetarian",
			"contains_nuts",
		]),
		d("barley-tea", "Roasted Barley Tea", 350, "Drinks", "Iced boricha.", ["vegan"]),
	],
	american: [
		d("wings", "Buffalo Wings (8)", 1400, "Starters", "Crispy wings, buffalo sauce, blue cheese, celery.", [
			"spicy",
			"gluten_free",
		]),
		d("mac-and-cheese", "Mac & Cheese", 1000, "Sides", "Three-cheese baked macaroni.", ["vegetarian"]),
		d(
			"classic-burger",
			"Classic Cheeseburger",
			1600,
			"Mains",
			"Two smashed patties, American cheese, pickles, special sauce.",
		),
		d(
			"bacon-burger",
			"Bacon BBQ Burger",
			1850,
			"Mains",
			"Beef patty, bacon, cheddar, onion rings, BBQ sauce.",
		),
		d(
			"veggie-burger",
			"Black Bean Burger",
			1500,
			"Mains",
			"House black bean patty, avocado, chipotle mayo.",
			["vegetarian"],
		),
		d(
			"brisket-plate",
			"Brisket Plate",
			2600,
			"Mains",
			"Half pound of 14-hour smoked brisket, pickles, white bread.",
			["gluten_free"],
		),
		d("pulled-pork", "Pulled Pork Sandwich", 1500, "Mains", "Smoked pork shoulder, slaw, brioche bun."),
		d(
			"fried-chicken-sandwich",
			"Fried Chicken Sandwich",
			1550,
			"Mains",
			"Buttermilk-fried thigh, hot honey, pickles.",
			["spicy"],
		),
		d("clam-chowder", "Clam Chowder Bread Bowl", 1700, "Mains", "New England chowder in a sourdough bowl."),
		d("fries", "Fries", 550, "Sides", "Skin-on fries, sea salt.", ["vegan", "gluten_free"]),
		d("coleslaw", "Coleslaw", 450, "Sides", "Creamy cabbage slaw.", ["vegetarian", "gluten_free"]),
		d("milkshake", "Vanilla Milkshake", 800, "Desserts", "Hand-spun vanilla bean shake.", [
			"vegetarian",
			"gluten_free",
		]),
		d("brownie", "Fudge Brownie", 600, "Desserts", "Dark chocolate brownie, walnuts.", [
			"vegetarian",
			"contains_nuts",
		]),
		d("lemonade", "Fresh Lemonade", 450, "Drinks", "Squeezed to order.", ["vegan", "gluten_free"]),
	],
	thai: [
		d("spring-rolls", "Fresh Spring Rolls", 900, "Starters", "Rice paper, herbs, vermicelli, peanut sauce.", [
			"vegan",
			"contains_nuts",
		]),
		d("satay", "Chicken Satay", 1100, "Starters", "Grilled turmeric chicken skewers, peanut sauce.", [
			"contains_nuts",
			"gluten_free",
		]),
		d("tom-yum", "Tom Yum Goong", 1300, "Starters", "Hot and sour prawn soup, lemongrass, galangal.", [
			"spicy",
			"gluten_free",
		]),
		d("pad-thai", "Pad Thai", 1600, "Mains", "Rice noodles, tamarind, egg, tofu, peanuts, lime.", [
			"contains_nuts",
		]),
		d("pad-see-ew", "Pad See Ew", 1600, "Mains", "Wide rice noodles, Chinese broccoli, sweet soy."),
		d("green-curry", "Green Curry", 1700, "Mains", "Coconut green curry, Thai eggplant, basil, chicken.", [
			"spicy",
			"gluten_free",
		]),
		d("massaman-curry", "Massaman Curry", 1800, "Mains", "Beef, potato, peanuts, mild coconut curry.", [
			"contains_nuts",
			"gluten_free",
		]),
		d("khao-soi", "Khao Soi", 1800, "Mains", "Northern curry noodle soup, chicken, crispy noodles.", [
			"spicy",
		]),
		d(
			"basil-tofu",
			"Pad Kra Pao Tofu",
			1500,
			"Mains",
			"Holy basil stir-fry with tofu and chili, jasmine rice.",
			["vegan", "spicy"],
		),
		d("sticky-rice", "Mango Sticky Rice", 900, "Desserts", "Sweet coconut sticky rice, ripe mango.", [
			"vegan",
			"gluten_free",
		]),
		d("thai-iced-tea", "Thai Iced Tea", 500, "Drinks", "Black tea, condensed milk.", [
			"vegetarian",
			"gluten_free",
		]),
	],
	mediterranean: [
		d("hummus", "Hummus & Pita", 900, "Starters", "Chickpea hummus, olive oil, warm pita.", ["vegan"]),
		d("falafel", "Falafel (5)", 900, "Starters", "Crispy herb falafel, tahini.", ["vegan"]),
		d("halloumi", "Grilled Halloumi", 1100, "Starters", "Halloumi, honey, za'atar.", [
			"vegetarian",
			"gluten_free",
		]),
		d(
			"chicken-shawarma",
			"Chicken Shawarma Plate",
			1800,
			"Mains",
			"Spit-roasted chicken, rice, salad, garlic toum.",
			["gluten_free"],
		),
		d("lamb-kofta", "Lamb Kofta Plate", 2100, "Mains", "Grilled lamb skewers, rice, tabbouleh, tzatziki."),
		d("falafel-wrap", "Falafel Wrap", 1300, "Mains", "Falafel, pickles, tahini, lavash.", ["vegan"]),
		d("gyro", "Gyro", 1400, "Mains", "Beef and lamb gyro, tomato, onion, tzatziki, pita."),
		d("moussaka", "Moussaka", 1900, "Mains", "Eggplant, spiced beef, béchamel."),
		d("greek-salad", "Greek Salad", 1200, "Sides", "Tomato, cucumber, olives, feta, oregano.", [
			"vegetarian",
			"gluten_free",
		]),
		d("baklava", "Baklava", 700, "Desserts", "Pistachio and walnut phyllo pastry.", [
			"vegetarian",
			"contains_nuts",
		]),
		d("mint-lemonade", "Mint Lemonade", 500, "Drinks", "Blended lemon and mint.", ["vegan", "gluten_free"]),
	],
};

interface RestaurantSeed {
	id: string;
	name: string;
	city: string;
	cuisine: Cuisine;
	neighborhood: string;
	street: string;
	tags: string[];
	price_level: 1 | 2 | 3;
}

const SEEDS: readonly RestaurantSeed[] = [
	{
		id: "trattoria-lucia-sf",
		name: "Trattoria Lucia",
		city: "san-francisco",
		cuisine: "italian",
		neighborhood: "North Beach",
		street: "512 Columbus Ave",
		tags: ["pizza", "pasta", "date night"],
		price_level: 2,
	},
	{
		id: "el-sol-taqueria-sf",
		name: "El Sol Taqueria",
		city: "san-francisco",
		cuisine: "mexican",
		neighborhood: "Mission",
		street: "2890 Mission St",
		tags: ["tacos", "burritos", "late night"],
		price_level: 1,
	},
	{
		id: "golden-lotus-sf",
		name: "Golden Lotus Dim Sum",
		city: "san-francisco",
		cuisine: "chinese",
		neighborhood: "Chinatown",
		street: "745 Clay St",
		tags: ["dim sum", "dumplings", "noodles"],
		price_level: 2,
	},
	{
		id: "sakura-ramen-sf",
		name: "Sakura Ramen House",
		city: "san-francisco",
		cuisine: "japanese",
		neighborhood: "Japantown",
		street: "1737 Post St",
		tags: ["ramen", "noodles", "soup"],
		price_level: 2,
	},
	{
		id: "bleecker-slice-nyc",
		name: "Bleecker Street Slice",
		city: "new-york",
		cuisine: "italian",
		neighborhood: "Greenwich Village",
		street: "271 Bleecker St",
		tags: ["pizza", "slices", "late night"],
		price_level: 1,
	},
	{
		id: "curry-hill-kitchen-nyc",
		name: "Curry Hill Kitchen",
		city: "new-york",
		cuisine: "indian",
		neighborhood: "Murray Hill",
		street: "112 Lexington Ave",
		tags: ["curry", "biryani", "vegetarian friendly"],
		price_level: 2,
	},
	{
		id: "seoul-kitchen-nyc",
		name: "Seoul Kitchen",
		city: "new-york",
		cuisine: "korean",
		neighborhood: "Koreatown",
		street: "32 W 32nd St",
		tags: ["fried chicken", "bibimbap", "bbq"],
		price_level: 2,
	},
	{
		id: "brooklyn-burger-nyc",
		name: "Brooklyn Burger Co.",
		city: "new-york",
		cuisine: "american",
		neighborhood: "Williamsburg",
		street: "184 Bedford Ave",
		tags: ["burgers", "fries", "shakes"],
		price_level: 2,
	},
	{
		id: "windy-city-deep-dish-chi",
		name: "Windy City Deep Dish",
		city: "chicago",
		cuisine: "italian",
		neighborhood: "River North",
		street: "29 E Ohio St",
		tags: ["pizza", "deep dish", "family"],
		price_level: 2,
	},
	{
		id: "pilsen-cantina-chi",
		name: "Pilsen Cantina",
		city: "chicago",
		cuisine: "mexican",
		neighborhood: "Pilsen",
		street: "1824 S Blue Island Ave",
		tags: ["tacos", "enchiladas", "margaritas"],
		price_level: 1,
	},
	{
		id: "lakeview-thai-chi",
		name: "Lakeview Thai",
		city: "chicago",
		cuisine: "thai",
		neighborhood: "Lakeview",
		street: "3180 N Broadway",
		tags: ["curry", "noodles", "spicy"],
		price_level: 1,
	},
	{
		id: "olive-and-vine-chi",
		name: "Olive & Vine",
		city: "chicago",
		cuisine: "mediterranean",
		neighborhood: "West Loop",
		street: "915 W Randolph St",
		tags: ["healthy", "shawarma", "falafel"],
		price_level: 3,
	},
	{
		id: "smoke-and-barrel-atx",
		name: "Smoke & Barrel BBQ",
		city: "austin",
		cuisine: "american",
		neighborhood: "East Austin",
		street: "1106 E 11th St",
		tags: ["bbq", "brisket", "texas"],
		price_level: 2,
	},
	{
		id: "eastside-tacos-atx",
		name: "Eastside Tacos",
		city: "austin",
		cuisine: "mexican",
		neighborhood: "Holly",
		street: "2410 E Cesar Chavez St",
		tags: ["tacos", "breakfast tacos", "cheap eats"],
		price_level: 1,
	},
	{
		id: "zen-sushi-atx",
		name: "Zen Sushi Bar",
		city: "austin",
		cuisine: "japanese",
		neighborhood: "South Congress",
		street: "1400 S Congress Ave",
		tags: ["sushi", "sashimi", "ramen"],
		price_level: 3,
	},
	{
		id: "spice-route-atx",
		name: "Spice Route",
		city: "austin",
		cuisine: "indian",
		neighborhood: "North Loop",
		street: "5310 Airport Blvd",
		tags: ["curry", "tandoori", "vegan friendly"],
		price_level: 2,
	},
	{
		id: "pike-chowder-sea",
		name: "Pike Place Chowder House",
		city: "seattle",
		cuisine: "american",
		neighborhood: "Downtown",
		street: "1530 Post Alley",
		tags: ["seafood", "chowder", "sandwiches"],
		price_level: 2,
	},
	{
		id: "emerald-thai-sea",
		name: "Emerald Thai",
		city: "seattle",
		cuisine: "thai",
		neighborhood: "Capitol Hill",
		street: "619 E Pine St",
		tags: ["curry", "noodles", "vegan friendly"],
		price_level: 2,
	},
	{
		id: "ballard-noodle-bar-sea",
		name: "Ballard Noodle Bar",
		city: "seattle",
		cuisine: "chinese",
		neighborhood: "Ballard",
		street: "5401 Ballard Ave NW",
		tags: ["noodles", "dumplings", "spicy"],
		price_level: 1,
	},
	{
		id: "sound-sushi-sea",
		name: "Sound Sushi",
		city: "seattle",
		cuisine: "japanese",
		neighborhood: "Fremont",
		street: "3509 Fremont Ave N",
		tags: ["sushi", "poke", "bento"],
		price_level: 2,
	},
	{
		id: "cedar-grill-sea",
		name: "Cedar Grill",
		city: "seattle",
		cuisine: "mediterranean",
		neighborhood: "University District",
		street: "4542 University Way NE",
		tags: ["gyros", "falafel", "healthy"],
		price_level: 1,
	},
];

export interface MenuItem {
	item_id: string;
	name: string;
	description: string;
	section: Section;
	price_cents: number;
	dietary: Dietary[];
	popular: boolean;
}

export interface Restaurant {
	restaurant_id: string;
	name: string;
	city: string;
	cuisine: Cuisine;
	neighborhood: string;
	address: string;
	tags: string[];
	price_level: string;
	rating: number;
	review_count: number;
	delivery_fee_cents: number;
	/** Delivery is free at or above this subtotal; null when never free. */
	free_delivery_over_cents: number | null;
	minimum_order_cents: number;
	prep_minutes: number;
	menu: MenuItem[];
}

const SECTION_ORDER: readonly Section[] = ["Starters", "Mains", "Sides", "Desserts", "Drinks"];

/** Menu prices end in .49 or .99, as delivery menus do. */
function menuPrice(base: number, factor: number): number {
	return Math.max(199, Math.round((base * factor) / 50) * 50 - 1);
}

function buildRestaurant(seed: RestaurantSeed): Restaurant {
	const city = DELIVERY_CITIES.find((c) => c.slug === seed.city);
	if (!city) throw new Error(`restaurant ${seed.id} is in unknown city ${seed.city}`);
	const r = seeded("fooddash", seed.id);
	const levelFactor = [0.9, 1, 1.2][seed.price_level - 1] ?? 1;
	const dishes = DISHES[seed.cuisine];
	// Each kitchen leaves out some of its cuisine's extras, but always serves every main and drink.
	const menu = dishes
		.filter((dish) => dish.section === "Mains" || dish.section === "Drinks" || r.chance(0.8))
		.map((dish) => ({
			item_id: dish.slug,
			name: dish.name,
			description: dish.description,
			section: dish.section,
			price_cents: menuPrice(dish.price, city.price_factor * levelFactor * r.range(0.92, 1.1)),
			dietary: dish.dietary ?? [],
			popular: r.chance(0.25),
		}))
		.sort((a, b) => SECTION_ORDER.indexOf(a.section) - SECTION_ORDER.indexOf(b.section));
	const deliveryFee = r.pick([0, 99, 149, 199, 249, 299, 349, 399]);
	return {
		restaurant_id: seed.id,
		name: seed.name,
		city: seed.city,
		cuisine: seed.cuisine,
		neighborhood: seed.neighborhood,
		address: `${seed.street}, ${city.name}, ${city.state}`,
		tags: seed.tags,
		price_level: "$".repeat(seed.price_level),
		rating: Math.round(r.range(4.1, 4.9) * 10) / 10,
		review_count: r.int(140, 4800),
		delivery_fee_cents: deliveryFee,
		free_delivery_over_cents: deliveryFee > 0 && r.chance(0.5) ? r.pick([3000, 3500, 4000]) : null,
		minimum_order_cents: r.pick([1000, 1200, 1500]),
		prep_minutes: r.int(10, 25),
		menu,
	};
}

export const RESTAURANTS: readonly Restaurant[] = SEEDS.map(buildRestaurant);
