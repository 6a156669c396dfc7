import { seeded } from "../lib/random.ts";
import { slugify } from "../lib/text.ts";

export const SKIN_TYPES = ["dry", "oily", "combination", "normal", "sensitive"] as const;
export type SkinType = (typeof SKIN_TYPES)[number];

export const GROUPS = ["skincare", "makeup", "hair", "fragrance"] as const;
export type Group = (typeof GROUPS)[number];

export const CATEGORIES = {
	cleanser: "skincare",
	toner: "skincare",
	serum: "skincare",
	moisturizer: "skincare",
	sunscreen: "skincare",
	mask: "skincare",
	eye_cream: "skincare",
	foundation: "makeup",
	concealer: "makeup",
	lipstick: "makeup",
	mascara: "makeup",
	blush: "makeup",
	eyeshadow: "makeup",
	shampoo: "hair",
	conditioner: "hair",
	hair_oil: "hair",
	fragrance: "fragrance",
} as const satisfies Record<string, Group>;
export type Category = keyof typeof CATEGORIES;
export const CATEGORY_IDS = Object.keys(CATEGORIES) as Category[];

export const FEATURES = ["vegan", "cruelty_free", "fragrance_free", "clean", "spf", "refillable"] as const;
export type Feature = (typeof FEATURES)[number];

export interface Brand {
	brand_id: string;
	name: string;
	origin: string;
	description: string;
	/** Price level relative to the category's base price. */
	price_factor: number;
	categories: Category[];
	features: Feature[];
}

export const BRANDS: readonly Brand[] = [
	{
		brand_id: "dewdrop-labs",
		name: "Dewdrop Labs",
		origin: "US",
		description: "Clinical skincare built around ceramides and gentle acids.",
		price_factor: 1,
		categories: ["cleanser", "toner", "serum", "moisturizer", "eye_cream", "sunscreen"],
		features: ["cruelty_free", "fragrance_free"],
	},
	{
		brand_id: "pure-theory",
		name: "Pure Theory",
		origin: "UK",
		description: "Affordable, single-active formulas with the percentages on the label.",
		price_factor: 0.6,
		categories: ["cleanser", "toner", "serum", "moisturizer", "mask"],
		features: ["vegan", "cruelty_free"],
	},
	{
		brand_id: "seoul-glow",
		name: "Seoul Glow",
		origin: "KR",
		description: "Korean skincare: layered hydration, essences and sheet masks.",
		price_factor: 0.85,
		categories: ["cleanser", "toner", "serum", "moisturizer", "mask", "sunscreen"],
		features: ["cruelty_free"],
	},
	{
		brand_id: "mirai-skin",
		name: "Mirai Skin",
		origin: "JP",
		description: "Japanese skincare with rice ferments and featherlight sunscreens.",
		price_factor: 1.2,
		categories: ["cleanser", "serum", "moisturizer", "sunscreen", "eye_cream"],
		features: ["cruelty_free"],
	},
	{
		brand_id: "lumiere-paris",
		name: "Lumière Paris",
		origin: "FR",
		description: "Parisian luxury for face, lips and fragrance.",
		price_factor: 2.2,
		categories: ["serum", "moisturizer", "foundation", "lipstick", "fragrance"],
		features: ["refillable"],
	},
	{
		brand_id: "kinfolk-botanicals",
		name: "Kinfolk Botanicals",
		origin: "US",
		description: "Clean, plant-based skin and hair care in recyclable glass.",
		price_factor: 1.1,
		categories: ["cleanser", "moisturizer", "mask", "shampoo", "conditioner", "hair_oil"],
		features: ["vegan", "cruelty_free", "clean"],
	},
	{
		brand_id: "haus-of-hue",
		name: "Haus of Hue",
		origin: "US",
		description: "Color-first makeup with inclusive shade ranges.",
		price_factor: 0.9,
		categories: ["lipstick", "blush", "eyeshadow", "mascara"],
		features: ["vegan", "cruelty_free"],
	},
	{
		brand_id: "bare-canvas",
		name: "Bare Canvas",
		origin: "CA",
		description: "Complexion makeup in 12 shades across three undertones.",
		price_factor: 1,
		categories: ["foundation", "concealer", "blush", "mascara"],
		features: ["cruelty_free", "fragrance_free"],
	},
	{
		brand_id: "velvet-and-vine",
		name: "Velvet & Vine",
		origin: "IT",
		description: "Italian makeup with creamy, long-wear textures.",
		price_factor: 1.3,
		categories: ["foundation", "concealer", "lipstick", "eyeshadow"],
		features: ["cruelty_free"],
	},
	{
		brand_id: "solstice-sun",
		name: "Solstice Sun Care",
		origin: "AU",
		description: "Broad-spectrum sunscreens tested under Australian standards.",
		price_factor: 0.9,
		categories: ["sunscreen", "moisturizer"],
		features: ["cruelty_free", "spf"],
	},
	{
		brand_id: "silk-strand",
		name: "Silk Strand",
		origin: "US",
		description: "Salon hair care for every texture.",
		price_factor: 1,
		categories: ["shampoo", "conditioner", "hair_oil"],
		features: ["cruelty_free"],
	},
	{
		brand_id: "oak-and-ember",
		name: "Oak & Ember",
		origin: "US",
		description: "Small-batch fragrances with woody, smoky and citrus notes.",
		price_factor: 1.4,
		categories: ["fragrance"],
		features: ["vegan", "cruelty_free"],
	},
];

/** A product as a category template lists it; brands pick from and reprice these. */
interface Template {
	name: string;
	description: string;
	ingredients: string[];
	skin_types: SkinType[];
	/** Base price in cents for the smallest regular size or the single price of shades. */
	price: number;
}

const ALL_SKIN: SkinType[] = ["dry", "oily", "combination", "normal", "sensitive"];

const t = (
	name: string,
	price: number,
	ingredients: string[],
	skin_types: SkinType[],
	description: string,
): Template => ({
	name,
	price,
	ingredients,
	skin_types,
	description,
});

const TEMPLATES: Record<Category, readonly Template[]> = {
	cleanser: [
		t(
			"Gentle Foaming Cleanser",
			1400,
			["ceramides", "glycerin"],
			["normal", "combination", "oily"],
			"A low-foam gel that cleans without stripping.",
		),
		t(
			"Hydrating Cream Cleanser",
			1500,
			["hyaluronic acid", "ceramides"],
			["dry", "normal", "sensitive"],
			"A milky, non-foaming cleanser for dry and sensitive skin.",
		),
		t(
			"Clarifying Salicylic Cleanser",
			1300,
			["salicylic acid 2%", "zinc"],
			["oily", "combination"],
			"Unclogs pores and calms breakouts.",
		),
		t(
			"Cleansing Balm",
			2800,
			["jojoba oil", "vitamin E"],
			["dry", "normal", "combination"],
			"Melts sunscreen and makeup, rinses clean.",
		),
	],
	toner: [
		t(
			"Glycolic Exfoliating Toner",
			1900,
			["glycolic acid 7%", "aloe"],
			["normal", "oily", "combination"],
			"Smooths texture and brightens overnight.",
		),
		t(
			"Rice Water Essence Toner",
			2200,
			["rice ferment", "niacinamide"],
			["dry", "normal", "sensitive"],
			"A watery essence for bounce and glow.",
		),
		t(
			"Pore-Refining Toner",
			1700,
			["witch hazel", "niacinamide"],
			["oily", "combination"],
			"Balances oil and tightens the look of pores.",
		),
	],
	serum: [
		t(
			"Vitamin C 15% Serum",
			3400,
			["ascorbic acid 15%", "ferulic acid", "vitamin E"],
			["normal", "dry", "combination", "oily"],
			"Brightens dullness and fades dark spots.",
		),
		t(
			"Niacinamide 10% + Zinc Serum",
			1200,
			["niacinamide 10%", "zinc 1%"],
			["oily", "combination", "normal"],
			"Targets blemishes and excess oil.",
		),
		t(
			"Hyaluronic Acid Hydrating Serum",
			2400,
			["hyaluronic acid", "panthenol"],
			ALL_SKIN,
			"Plumps and hydrates every skin type.",
		),
		t(
			"Retinol 0.5% Night Serum",
			3800,
			["retinol 0.5%", "squalane"],
			["normal", "dry", "combination"],
			"Softens fine lines; start twice a week.",
		),
		t(
			"Centella Calming Serum",
			2600,
			["centella asiatica", "madecassoside"],
			["sensitive", "dry", "normal"],
			"Soothes redness and irritation.",
		),
	],
	moisturizer: [
		t(
			"Daily Moisture Lotion",
			1800,
			["ceramides", "glycerin"],
			["normal", "combination", "oily"],
			"A lightweight lotion that sinks in fast.",
		),
		t(
			"Barrier Repair Cream",
			2600,
			["ceramides", "cholesterol", "fatty acids"],
			["dry", "sensitive", "normal"],
			"Rich cream that restores a damaged barrier.",
		),
		t(
			"Oil-Free Gel Cream",
			2200,
			["hyaluronic acid", "green tea"],
			["oily", "combination"],
			"A water-gel that hydrates without shine.",
		),
		t(
			"Overnight Sleeping Mask Cream",
			3000,
			["peptides", "shea butter"],
			["dry", "normal"],
			"Wake up to soft, rested skin.",
		),
	],
	sunscreen: [
		t(
			"Invisible Fluid SPF 50",
			2400,
			["zinc oxide", "niacinamide"],
			ALL_SKIN,
			"A sheer, no-white-cast mineral fluid.",
		),
		t(
			"Daily Defense Lotion SPF 30",
			1800,
			["avobenzone", "vitamin E"],
			["normal", "dry", "combination"],
			"An everyday lotion that wears well under makeup.",
		),
		t(
			"Matte Sun Gel SPF 45",
			2100,
			["silica", "green tea"],
			["oily", "combination"],
			"Controls shine through the day.",
		),
	],
	mask: [
		t(
			"Purifying Clay Mask",
			2000,
			["kaolin", "bentonite"],
			["oily", "combination"],
			"Draws out oil in ten minutes.",
		),
		t(
			"Hydrating Sheet Mask (5 pack)",
			1500,
			["hyaluronic acid", "snail mucin"],
			ALL_SKIN,
			"Five single-use masks for instant hydration.",
		),
		t(
			"Enzyme Exfoliating Mask",
			2600,
			["papaya enzyme", "lactic acid"],
			["normal", "dry", "combination"],
			"Gentle resurfacing without scrubbing.",
		),
	],
	eye_cream: [
		t("Caffeine Eye Cream", 2200, ["caffeine", "peptides"], ALL_SKIN, "De-puffs and brightens under-eyes."),
		t(
			"Retinal Eye Renewal Cream",
			4200,
			["retinal", "ceramides"],
			["normal", "dry"],
			"Targets crow's feet and crepiness.",
		),
	],
	foundation: [
		t(
			"Skin Tint Foundation",
			3600,
			["hyaluronic acid", "SPF 20"],
			["dry", "normal", "combination"],
			"Sheer-to-medium, dewy finish.",
		),
		t(
			"Long-Wear Matte Foundation",
			3900,
			["silica", "kaolin"],
			["oily", "combination", "normal"],
			"Full coverage that lasts 24 hours.",
		),
	],
	concealer: [
		t("Radiant Creamy Concealer", 2800, ["vitamin E"], ALL_SKIN, "Brightens and covers without creasing."),
		t(
			"Full-Cover Matte Concealer",
			2600,
			["kaolin"],
			["oily", "combination", "normal"],
			"Covers spots and redness.",
		),
	],
	lipstick: [
		t("Satin Lipstick", 2400, ["shea butter", "jojoba oil"], [], "Creamy color with a soft satin sheen."),
		t("Velvet Matte Lip", 2600, ["vitamin E"], [], "Weightless matte color that does not dry out."),
		t("Tinted Lip Balm", 1400, ["shea butter", "SPF 15"], [], "A sheer wash of color with SPF."),
	],
	mascara: [
		t("Lengthening Mascara", 2400, ["panthenol"], [], "Separates and lengthens every lash."),
		t("Volumizing Waterproof Mascara", 2600, ["beeswax"], [], "Smudge-proof volume through a long day."),
	],
	blush: [
		t("Cream Blush Stick", 2600, ["squalane"], [], "Blends with fingertips for a fresh flush."),
		t("Powder Blush", 2800, ["mica"], [], "Buildable, finely milled color."),
	],
	eyeshadow: [
		t("Everyday Neutrals Palette", 4200, ["mica"], [], "Twelve matte and shimmer neutrals."),
		t(
			"Liquid Glitter Shadow",
			2200,
			["pearl pigments"],
			[],
			"Dries down to a sparkling, crease-free finish.",
		),
	],
	shampoo: [
		t(
			"Moisture Repair Shampoo",
			1600,
			["argan oil", "keratin"],
			[],
			"For dry, damaged and color-treated hair.",
		),
		t(
			"Clarifying Scalp Shampoo",
			1500,
			["tea tree oil", "salicylic acid"],
			[],
			"Removes buildup and soothes an oily scalp.",
		),
		t(
			"Curl Cleansing Cream",
			1900,
			["shea butter", "coconut oil"],
			[],
			"A low-lather cleanser for curls and coils.",
		),
	],
	conditioner: [
		t("Moisture Repair Conditioner", 1700, ["argan oil", "ceramides"], [], "Detangles and softens dry ends."),
		t(
			"Lightweight Volume Conditioner",
			1600,
			["rice protein"],
			[],
			"Conditions fine hair without weighing it down.",
		),
	],
	hair_oil: [
		t("Argan Shine Hair Oil", 2800, ["argan oil", "camellia oil"], [], "Tames frizz and adds gloss."),
		t(
			"Scalp Treatment Oil",
			2400,
			["rosemary oil", "peppermint oil"],
			[],
			"A pre-wash massage oil for the scalp.",
		),
	],
	fragrance: [
		t("Santal Dusk Eau de Parfum", 7800, ["sandalwood", "cardamom", "leather"], [], "Warm, creamy woods."),
		t(
			"Neroli Coast Eau de Parfum",
			7200,
			["neroli", "bergamot", "sea salt"],
			[],
			"Bright Mediterranean citrus.",
		),
		t("Velvet Rose Eau de Parfum", 8200, ["rose", "oud", "vanilla"], [], "A deep, modern rose."),
	],
};

interface Shade {
	name: string;
	hex: string;
}

const COMPLEXION_SHADES: readonly Shade[] = [
	{ name: "1N Porcelain", hex: "#F4DCC6" },
	{ name: "2W Ivory", hex: "#EFD1B1" },
	{ name: "3C Alabaster", hex: "#E8C8AE" },
	{ name: "4N Sand", hex: "#DDB592" },
	{ name: "5W Golden", hex: "#D2A274" },
	{ name: "6C Rose Beige", hex: "#C99A7F" },
	{ name: "7N Tan", hex: "#B9825B" },
	{ name: "8W Caramel", hex: "#A66F45" },
	{ name: "9C Mocha", hex: "#8C5A43" },
	{ name: "10N Chestnut", hex: "#714532" },
	{ name: "11W Espresso", hex: "#573322" },
	{ name: "12C Ebony", hex: "#3F2419" },
];

const LIP_SHADES: readonly Shade[] = [
	{ name: "Nude Silk", hex: "#C48A78" },
	{ name: "Rosewood", hex: "#9E5B5B" },
	{ name: "Classic Red", hex: "#B0182A" },
	{ name: "Berry Crush", hex: "#7C2548" },
	{ name: "Coral Sunset", hex: "#E2654F" },
	{ name: "Mauve Mood", hex: "#9C6B86" },
	{ name: "Brick", hex: "#8E3B2C" },
	{ name: "Plum Noir", hex: "#4E1F3A" },
];

const CHEEK_SHADES: readonly Shade[] = [
	{ name: "Peach Fizz", hex: "#F3A583" },
	{ name: "Petal", hex: "#E9959B" },
	{ name: "Terracotta", hex: "#C8694E" },
	{ name: "Berry", hex: "#A84A63" },
	{ name: "Bronze", hex: "#A86B45" },
];

const EYE_SHADES: readonly Shade[] = [
	{ name: "Champagne", hex: "#E8D3A9" },
	{ name: "Copper", hex: "#B86B3E" },
	{ name: "Smoke", hex: "#5A5A5E" },
	{ name: "Emerald", hex: "#1F6B4E" },
	{ name: "Rose Gold", hex: "#C98E7E" },
];

const MASCARA_SHADES: readonly Shade[] = [
	{ name: "Black", hex: "#111111" },
	{ name: "Brown-Black", hex: "#2E2119" },
];

/** Size ladders: the base size costs the base price, bigger sizes cost less per ml. */
const SIZES: Partial<Record<Category, readonly { size: string; factor: number }[]>> = {
	cleanser: [
		{ size: "50 ml", factor: 0.55 },
		{ size: "150 ml", factor: 1 },
		{ size: "400 ml", factor: 2.1 },
	],
	toner: [
		{ size: "100 ml", factor: 0.75 },
		{ size: "200 ml", factor: 1 },
	],
	serum: [
		{ size: "15 ml", factor: 0.6 },
		{ size: "30 ml", factor: 1 },
		{ size: "60 ml", factor: 1.7 },
	],
	moisturizer: [
		{ size: "15 ml", factor: 0.45 },
		{ size: "50 ml", factor: 1 },
		{ size: "100 ml", factor: 1.75 },
	],
	sunscreen: [
		{ size: "30 ml", factor: 0.7 },
		{ size: "50 ml", factor: 1 },
	],
	mask: [{ size: "standard", factor: 1 }],
	eye_cream: [{ size: "15 ml", factor: 1 }],
	shampoo: [
		{ size: "250 ml", factor: 1 },
		{ size: "1 L", factor: 2.8 },
	],
	conditioner: [
		{ size: "250 ml", factor: 1 },
		{ size: "1 L", factor: 2.8 },
	],
	hair_oil: [
		{ size: "50 ml", factor: 1 },
		{ size: "100 ml", factor: 1.7 },
	],
	fragrance: [
		{ size: "10 ml travel spray", factor: 0.35 },
		{ size: "50 ml", factor: 1 },
		{ size: "100 ml", factor: 1.6 },
	],
};

const SHADES: Partial<Record<Category, readonly Shade[]>> = {
	foundation: COMPLEXION_SHADES,
	concealer: COMPLEXION_SHADES,
	lipstick: LIP_SHADES,
	blush: CHEEK_SHADES,
	eyeshadow: EYE_SHADES,
	mascara: MASCARA_SHADES,
};

export interface Variant {
	variant_id: string;
	name: string;
	kind: "size" | "shade";
	shade_hex: string | null;
	price_cents: number;
	stock: number;
}

export interface Product {
	product_id: string;
	name: string;
	brand: Brand;
	category: Category;
	group: Group;
	description: string;
	ingredients: string[];
	skin_types: SkinType[];
	features: Feature[];
	rating: number;
	review_count: number;
	variants: Variant[];
}

/** Retail prices end in .00 or .50 above $20 and in .99 below, as beauty shelves do. */
function retail(cents: number): number {
	if (cents >= 2000) return Math.round(cents / 50) * 50;
	return Math.max(499, Math.round(cents / 100) * 100 - 1);
}

function buildProducts(): Product[] {
	const products: Product[] = [];
	BRANDS.forEach((brand, brandIndex) => {
		for (const category of brand.categories) {
			const templates = TEMPLATES[category];
			// Each brand makes one or two of the category's products, not always the same ones.
			const count = Math.min(
				templates.length,
				seeded("glowbeauty", brand.brand_id, category).chance(0.5) ? 2 : 1,
			);
			for (let i = 0; i < count; i++) {
				const template = templates[(brandIndex + i) % templates.length];
				if (!template) continue;
				const productId = slugify(`${brand.brand_id} ${template.name}`)
					.replace(/[^a-z0-9-]/g, "")
					.replace(/-+/g, "-");
				const r = seeded("glowbeauty", productId);
				const base = template.price * brand.price_factor;
				const shades = SHADES[category];
				const variants: Variant[] = shades
					? shades.map((shade) => ({
							variant_id: `${productId}--${slugify(shade.name)}`,
							name: shade.name,
							kind: "shade",
							shade_hex: shade.hex,
							price_cents: retail(base),
							stock: r.chance(0.12) ? 0 : r.int(2, 60),
						}))
					: (SIZES[category] ?? [{ size: "standard", factor: 1 }]).map((size) => ({
							variant_id: `${productId}--${slugify(size.size)}`,
							name: size.size,
							kind: "size",
							shade_hex: null,
							price_cents: retail(base * size.factor),
							stock: r.chance(0.08) ? 0 : r.int(3, 80),
						}));
				const features = brand.features.filter(
					(f) => f !== "fragrance_free" || CATEGORIES[category] === "skincare" || category === "foundation",
				);
				if (category === "sunscreen" && !features.includes("spf")) features.push("spf");
				products.push({
					product_id: productId,
					name: template.name,
					brand,
					category,
					group: CATEGORIES[category],
					description: template.description,
					ingredients: template.ingredients,
					skin_types: template.skin_types,
					features,
					rating: Math.round(r.range(3.9, 4.9) * 10) / 10,
					review_count: r.int(40, 12_000),
					variants,
				});
			}
		}
	});
	return products;
}

export const PRODUCTS: readonly Product[] = buildProducts();

/** Combined state and average local sales tax, in thousandths of a percent. */
export const STATE_TAX_MILLI_PERCENT: Record<string, number> = {
	AL: 9290,
	AK: 1820,
	AZ: 8380,
	AR: 9450,
	CA: 8850,
	CO: 7810,
	CT: 6350,
	DE: 0,
	DC: 6000,
	FL: 7020,
	GA: 7380,
	HI: 4500,
	ID: 6030,
	IL: 8860,
	IN: 7000,
	IA: 6940,
	KS: 8650,
	KY: 6000,
	LA: 9560,
	ME: 5500,
	MD: 6000,
	MA: 6250,
	MI: 6000,
	MN: 8040,
	MS: 7060,
	MO: 8390,
	MT: 0,
	NE: 6970,
	NV: 8240,
	NH: 0,
	NJ: 6600,
	NM: 7620,
	NY: 8530,
	NC: 7000,
	ND: 6960,
	OH: 7240,
	OK: 8990,
	OR: 0,
	PA: 6340,
	RI: 7000,
	SC: 7500,
	SD: 6110,
	TN: 9550,
	TX: 8200,
	UT: 7250,
	VT: 6360,
	VA: 5770,
	WA: 9380,
	WV: 6550,
	WI: 5700,
	WY: 5440,
};
