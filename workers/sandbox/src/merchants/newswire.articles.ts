import { type Rng, seeded } from "../lib/random.ts";
import {
	ARTISTS,
	COMPANIES,
	CONDITIONS,
	COUNTRY_FACTS,
	type Country,
	DISCOVERIES,
	FILMS,
	FIRST_NAMES,
	HABITS,
	LAST_NAMES,
	PHARMA,
	type Section,
	SOURCES,
	type Source,
	TEAMS,
	TOPICS,
} from "./newswire.data.ts";

const DAY_MS = 86_400_000;
const WORDS_PER_MINUTE = 230;

/** Values a story template is filled with; one set per article so its paragraphs agree. */
interface Slots {
	company: string;
	pharma: string;
	company2: string;
	product: string;
	city: string;
	country: string;
	legislature: string;
	currency: string;
	person: string;
	official: string;
	pct: number;
	pct2: number;
	billions: string;
	count: number;
	team: string;
	team2: string;
	score: string;
	condition: string;
	habit: string;
	discovery: string;
	university: string;
	film: string;
	artist: string;
	topic: string;
	weekday: string;
}

interface Story {
	headline: string;
	description: string;
	body: readonly string[];
	/** Slot names whose values become the article's keywords. */
	keywords: readonly (keyof Slots)[];
}

const s = (headline: string, description: string, body: string[], keywords: (keyof Slots)[]): Story => ({
	headline,
	description,
	body,
	keywords,
});

const STORIES: Record<Section, readonly Story[]> = {
	business: [
		s(
			"{company} shares jump {pct}% after quarterly profit beats forecasts",
			"Stronger demand and lower costs lifted earnings at {company}, which also raised its outlook for the year.",
			[
				"Shares in {company} rose {pct}% in early trading on {weekday} after the company reported quarterly profit well ahead of analysts' expectations.",
				"Revenue grew to {billions} billion, helped by demand for its {product} and tighter cost control, the company said.",
				"Chief executive {person} told analysts the company would keep investing in its {city} operations while returning more cash to shareholders.",
				"Analysts said the results eased worries about a slowdown, though several cautioned that the {currency}'s strength could weigh on the next quarter.",
			],
			["company", "product", "person"],
		),
		s(
			"{company} agrees to buy {company2} in {billions} billion deal",
			"The all-cash takeover would create one of the largest players in its market, pending regulatory approval.",
			[
				"{company} has agreed to acquire {company2} for {billions} billion, the two companies said on {weekday}.",
				"The offer values {company2} at a {pct}% premium to its closing share price and is expected to close next year, subject to approval by regulators.",
				"{person}, who will lead the combined company, said the deal would speed up development of its {product}.",
				"Competition lawyers said the tie-up was likely to face scrutiny given the companies' overlapping customers in {country}.",
			],
			["company", "company2", "person"],
		),
		s(
			"Central bank holds rates as inflation eases to {pct2}%",
			"Policymakers kept borrowing costs unchanged but signalled cuts could come later in the year.",
			[
				"The central bank left its benchmark interest rate unchanged on {weekday}, as expected, after inflation in {country} slowed to {pct2}%.",
				"In a statement, policymakers said price pressures were easing but that wage growth remained strong enough to warrant caution.",
				"Economist {person} said markets now expected the first cut within two meetings, and the {currency} slipped against major currencies after the decision.",
				"Mortgage lenders in {city} said demand for fixed-rate loans had picked up in recent weeks.",
			],
			["country", "person", "currency"],
		),
		s(
			"{company} to cut {count} jobs in restructuring",
			"The company said it would close two sites and shift investment towards its {product}.",
			[
				"{company} said on {weekday} it would cut about {count} jobs, or {pct}% of its workforce, as it restructures after a difficult year.",
				"Sites near {city} will close by the end of next year, the company said, with some roles moving to other locations.",
				"Unions criticised the decision. Chief executive {person} said the savings would fund investment in its {product}.",
			],
			["company", "city", "person"],
		),
		s(
			"Retail sales rise {pct2}% as shoppers return to high streets",
			"Consumer spending rose for a third straight month, led by clothing and household goods.",
			[
				"Retail sales in {country} rose {pct2}% last month, official figures showed on {weekday}, beating forecasts.",
				"Retailers including {company} reported strong footfall, particularly in {city}, where new shopping districts opened this year.",
				"Economist {person} said falling energy bills had left households with more to spend.",
			],
			["country", "company", "city"],
		),
	],
	technology: [
		s(
			"{company} unveils {product} aimed at mainstream buyers",
			"The launch puts {company} in direct competition with larger rivals and goes on sale next month.",
			[
				"{company} unveiled its long-awaited {product} at an event in {city} on {weekday}, promising a lower price than rivals.",
				"The company said the device uses {pct}% less energy than its previous generation and will go on sale in {country} next month.",
				"{person}, who leads the product team, said early orders had exceeded expectations.",
				"Analysts said the launch could help {company} win back market share lost to {company2} over the past two years.",
			],
			["company", "product", "company2"],
		),
		s(
			"{company} outage disrupts services for millions",
			"A configuration error took down payments, email and streaming apps for several hours.",
			[
				"Millions of users were unable to reach apps and websites on {weekday} after an outage at {company}'s cloud services.",
				"The company blamed a faulty configuration change and said services were fully restored after about {count} minutes.",
				"Businesses in {city} reported failed card payments during the disruption.",
				"{person}, a resilience researcher, said the incident showed how much of the internet depends on a handful of providers.",
			],
			["company", "person", "city"],
		),
		s(
			"Regulators open inquiry into {company}'s AI assistant",
			"Officials will examine how the assistant uses personal data and whether it was tested enough before launch.",
			[
				"Regulators in {country} have opened an inquiry into the AI assistant launched by {company} earlier this year.",
				"The investigation will examine how the assistant collects and uses personal data, officials said on {weekday}.",
				"{company} said it was cooperating fully. {official} welcomed the inquiry, saying rules had to keep pace with the technology.",
			],
			["company", "country", "official"],
		),
		s(
			"{company} opens {billions} billion plant near {city}",
			"The site is expected to create {count} jobs and build the company's {product}.",
			[
				"{company} opened a {billions} billion plant near {city} on {weekday}, the largest investment in the region in a decade.",
				"The site will employ about {count} people when fully operational and build the company's {product}.",
				"{official} said the plant would make supply chains in {country} more resilient.",
			],
			["company", "city", "official"],
		),
		s(
			"Start-up backed by {company} raises funding for {product}",
			"The round values the young company at more than a billion.",
			[
				"A {city}-based start-up backed by {company} has raised new funding to develop its {product}, it said on {weekday}.",
				"The round, led by existing investors, values the company at {billions} billion, people familiar with the matter said.",
				"Co-founder {person} said the money would be used to double the engineering team to {count} people.",
			],
			["company", "product", "city"],
		),
	],
	politics: [
		s(
			"{legislature} passes bill on {topic} after late-night debate",
			"The legislation passed by a narrow margin after weeks of negotiation.",
			[
				"{legislature} approved a long-debated bill on {topic} late on {weekday}, after amendments won over wavering members.",
				"Supporters said the measure would help families in cities such as {city}; opponents warned of its cost.",
				"{official}, who steered the bill through, called the vote a turning point. Critics vowed to keep campaigning for changes.",
			],
			["legislature", "topic", "official"],
		),
		s(
			"Poll shows voters split over {topic}",
			"A new survey finds support for change but deep disagreement on how to pay for it.",
			[
				"A new poll published on {weekday} found voters in {country} almost evenly divided over {topic}.",
				"Some {pct}% of respondents backed the government's plans, while a similar share opposed them, with the rest undecided.",
				"{official} said the figures showed the need for a broader debate. Pollster {person} said opinion had shifted in {city} in particular.",
			],
			["topic", "country", "official"],
		),
		s(
			"{official} resigns amid row over {topic}",
			"The departure follows weeks of pressure over the handling of the issue.",
			[
				"{official} resigned on {weekday}, saying the row over {topic} had become a distraction.",
				"The resignation follows reports that internal warnings were ignored, which colleagues in {legislature} described as damaging.",
				"A successor is expected to be named within days. {person}, a political analyst in {city}, said the episode would weigh on the government.",
			],
			["official", "topic", "legislature"],
		),
		s(
			"Government unveils plan to tackle {topic}",
			"Ministers promised new funding and faster decisions, but opposition parties called the plan vague.",
			[
				"The government set out a plan on {weekday} to tackle {topic}, promising {billions} billion of new funding over five years.",
				"The first projects will start in {city}, officials said.",
				"{official} called the plan ambitious but realistic; opposition leaders said it lacked detail.",
			],
			["topic", "city", "official"],
		),
	],
	world: [
		s(
			"Leaders meet in {city} for talks on {topic}",
			"Delegations from more than {count} countries are expected at the two-day summit.",
			[
				"Leaders gathered in {city} on {weekday} for a two-day summit focused on {topic} and regional security.",
				"Hosts said delegations from {count} countries would attend. {official} said the meeting was a chance to rebuild trust.",
				"Protesters marched through the city centre, calling for faster action.",
			],
			["city", "topic", "official"],
		),
		s(
			"Floods force thousands from homes near {city}",
			"Emergency services rescued residents as rivers burst their banks after days of heavy rain.",
			[
				"Thousands of people were evacuated from homes near {city} on {weekday} after days of heavy rain sent rivers over their banks.",
				"Emergency services said about {count} people had been moved to shelters. Rail lines were closed and schools shut.",
				"{official} promised support for affected families and said the damage would run into the hundreds of millions.",
			],
			["city", "official", "country"],
		),
		s(
			"{country} and neighbours sign trade agreement",
			"The deal cuts tariffs on farm goods and eases rules for service companies.",
			[
				"{country} and its neighbours signed a trade agreement in {city} on {weekday}, ending years of negotiation.",
				"The deal removes tariffs on {pct}% of goods traded between the signatories and eases rules for service companies.",
				"Business groups welcomed the agreement. {official} said it would take effect once ratified by {legislature}.",
			],
			["country", "city", "legislature"],
		),
		s(
			"Wildfire near {city} brought under control",
			"Firefighters contained the blaze after a week, though hot, dry weather keeps the risk high.",
			[
				"Firefighters said on {weekday} they had contained a wildfire that burned for a week near {city}.",
				"The fire destroyed {count} buildings and forced the evacuation of several villages, officials said.",
				"{official} thanked crews from across {country} and warned that the danger was not over.",
			],
			["city", "country", "official"],
		),
	],
	science: [
		s(
			"Researchers discover {discovery}",
			"The finding, published this week, surprised scientists and opens new lines of research.",
			[
				"Scientists at the {university} say they have found {discovery}, in a study published on {weekday}.",
				"Lead author {person} said the team spent {count} days analysing samples before they were confident in the result.",
				"Other researchers called the finding exciting but said it would need to be confirmed by independent teams.",
			],
			["discovery", "university", "person"],
		),
		s(
			"Space agency confirms launch date for lunar mission",
			"The uncrewed lander will carry instruments from {count} research teams.",
			[
				"The space agency in {country} confirmed on {weekday} that its lunar lander will launch early next year.",
				"The uncrewed mission will carry instruments built by {count} teams, including one from the {university}.",
				"Mission scientist {person} said the lander would search for water ice near the Moon's south pole.",
			],
			["country", "university", "person"],
		),
		s(
			"Record ocean temperatures alarm climate scientists",
			"Sea surface temperatures have been above the long-term average for {count} days in a row.",
			[
				"Ocean temperatures have broken records for {count} consecutive days, researchers at the {university} said on {weekday}.",
				"The warming is stressing coral reefs and fisheries, said oceanographer {person}.",
				"Scientists said the data strengthened the case for faster cuts in emissions.",
			],
			["university", "person"],
		),
	],
	health: [
		s(
			"Study links {habit} to lower risk of {condition}",
			"The large study followed participants for more than a decade.",
			[
				"People who kept up {habit} were {pct}% less likely to develop {condition}, according to a study published on {weekday}.",
				"Researchers at the {university} followed {count} adults for more than ten years.",
				"Lead researcher {person} said the findings did not prove cause and effect but were consistent with earlier work.",
			],
			["habit", "condition", "university"],
		),
		s(
			"{pharma} drug for {condition} wins approval",
			"Regulators approved the treatment after trials showed it cut hospital admissions.",
			[
				"Regulators in {country} approved a new treatment for {condition} developed by {pharma} on {weekday}.",
				"In trials, patients taking the drug had {pct}% fewer hospital admissions than those on standard care.",
				"{person}, a specialist in {city}, said the approval would give patients an important new option.",
			],
			["pharma", "condition", "country"],
		),
		s(
			"Hospitals in {city} report waiting times falling",
			"New figures show the longest waits have halved since last year.",
			[
				"Waiting times at hospitals in {city} have fallen for a sixth month, figures published on {weekday} showed.",
				"The number of patients waiting more than a year dropped by {pct}%, health officials said.",
				"{official} credited extra weekend clinics; doctors' groups said staffing remained a concern.",
			],
			["city", "official"],
		),
	],
	sports: [
		s(
			"{team} beat {team2} {score} to go top of the league",
			"A late goal settled a tense match in front of a sell-out crowd.",
			[
				"{team} went top of the league with a {score} win over {team2} on {weekday}.",
				"Captain {person} scored the decisive goal in the closing minutes in front of {count} fans.",
				"The result leaves {team2} needing a win in their next match to stay in the title race.",
			],
			["team", "team2", "person"],
		),
		s(
			"{person} signs record contract with {team}",
			"The deal is the largest in the club's history.",
			[
				"{team} have signed {person} on a five-year contract, the club announced on {weekday}.",
				"The deal, reported to be the largest in the club's history, follows a season in which {person} scored {count} times.",
				"The coach said the signing showed the club's ambition to compete for trophies.",
			],
			["person", "team"],
		),
		s(
			"{city} chosen to host next year's championship finals",
			"Organisers praised the city's new stadium and transport links.",
			[
				"{city} will host next year's championship finals, organisers announced on {weekday}.",
				"The city's new stadium holds {count} spectators. {official} said the event would bring millions in visitor spending.",
				"{team} and {team2} are among the favourites to reach the finals.",
			],
			["city", "team", "official"],
		),
	],
	entertainment: [
		s(
			"'{film}' tops the box office in its opening weekend",
			"The drama beat expectations with strong word of mouth.",
			[
				"'{film}' took the top spot at the box office on its opening weekend, earning more than analysts had predicted.",
				"Director {person} said the reception had been overwhelming. The film was shot largely in {city}.",
				"Cinemas reported that {pct}% of screenings sold out on Saturday.",
			],
			["film", "person", "city"],
		),
		s(
			"{artist} announce world tour with stop in {city}",
			"Tickets go on sale next week, with extra dates already being added.",
			[
				"{artist} announced a world tour on {weekday}, including {count} dates and a stop in {city}.",
				"The tour follows the release of their latest album, which went to number one in {country}.",
				"Promoter {person} said demand for tickets was expected to be high.",
			],
			["artist", "city"],
		),
		s(
			"Festival in {city} draws record crowds",
			"More than {count} visitors attended the four-day event.",
			[
				"A record {count} people attended the four-day arts festival in {city}, organisers said on {weekday}.",
				"Highlights included a premiere of '{film}' and a closing set by {artist}.",
				"{official} said the festival had become one of the biggest in {country}.",
			],
			["city", "film", "artist"],
		),
	],
};

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function slotsFor(r: Rng, country: Country, publishedMs: number): Slots {
	const facts = COUNTRY_FACTS[country];
	const name = () => `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
	const [company, product] = r.pick(COMPANIES);
	const team = r.pick(TEAMS);
	const goals = [r.int(1, 4), r.int(0, 2)];
	const city = r.pick(facts.cities);
	return {
		company,
		pharma: r.pick(PHARMA),
		company2: r.pick(COMPANIES.filter(([name]) => name !== company))[0],
		product,
		city,
		country: facts.name,
		legislature: facts.legislature,
		currency: facts.currency,
		person: name(),
		official: `${facts.leader} ${name()}`,
		pct: r.int(3, 24),
		pct2: Number((r.int(15, 48) / 10).toFixed(1)),
		billions: (r.int(12, 480) / 10).toFixed(1),
		count: r.pick([40, 120, 350, 800, 1200, 2500, 4000, 15000, 42000]),
		team,
		team2: r.pick(TEAMS.filter((t) => t !== team)),
		score: `${Math.max(...goals)}-${Math.min(...goals)}`,
		condition: r.pick(CONDITIONS),
		habit: r.pick(HABITS),
		discovery: r.pick(DISCOVERIES),
		university: `University of ${r.pick(facts.cities)}`,
		film: r.pick(FILMS),
		artist: r.pick(ARTISTS),
		topic: r.pick(TOPICS),
		weekday: WEEKDAYS[new Date(publishedMs).getUTCDay()] ?? "Monday",
	};
}

function fill(template: string, slots: Slots): string {
	const text = template.replace(/\{(\w+)\}/g, (whole, key: string) => {
		const value = Reflect.get(slots, key);
		return value === undefined ? whole : String(value);
	});
	// Names ending in "s" take a bare apostrophe; slots such as "the Bundestag" can open a sentence.
	return text
		.replace(/s's\b/g, "s'")
		.replace(/(^|[.!?]\s+)([a-z])/g, (_, lead: string, letter: string) => lead + letter.toUpperCase());
}

const slug = (text: string): string =>
	text
		.toLowerCase()
		.normalize("NFD")
		.replace(/\p{Diacritic}/gu, "")
		.replace(/[^a-z0-9]+/g, "-")
		.replace(/^-|-$/g, "")
		.slice(0, 80);

export interface Article {
	article_id: string;
	source: Source;
	section: Section;
	title: string;
	description: string;
	body: string[];
	author: string;
	keywords: string[];
	published_ms: number;
	/** Set when the story was revised after publication. */
	updated_ms: number | null;
	/** Editors' weight for top headlines, 0-100. */
	importance: number;
	url: string;
}

const articleCache = new Map<string, Article[]>();

/** Everything a source publishes on one UTC day (epoch day number), in publication order. */
export function articlesOn(source: Source, day: number): Article[] {
	const key = `${source.source_id}|${day}`;
	const cached = articleCache.get(key);
	if (cached) return cached;
	const r = seeded("newswire", source.source_id, day);
	const count = Math.max(2, source.daily + r.int(-2, 2));
	const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
	const articles: Article[] = [];
	for (let n = 1; n <= count; n++) {
		const section = r.pick(source.sections);
		const story = r.pick(STORIES[section]);
		const minute = Math.floor(((n - 1 + r.next()) / count) * 24 * 60);
		const published = day * DAY_MS + minute * 60_000;
		const slots = slotsFor(r, source.country, published);
		const title = fill(story.headline, slots);
		const revised = r.chance(0.2);
		articles.push({
			article_id: `${source.source_id}-${date.replaceAll("-", "")}-${n}`,
			source,
			section,
			title,
			description: fill(story.description, slots),
			body: story.body.map((p) => fill(p, slots)),
			author: r.pick(source.authors),
			keywords: [...new Set(story.keywords.map((k) => String(slots[k])))],
			published_ms: published,
			updated_ms: revised ? published + r.int(1, 6) * 3_600_000 : null,
			importance: r.int(10, 100),
			url: `https://www.${source.domain}/${section}/${date.replaceAll("-", "/")}/${slug(title)}`,
		});
	}
	if (articleCache.size > 20_000) articleCache.clear();
	articleCache.set(key, articles);
	return articles;
}

/** Articles published in `[fromMs, toMs]`, newest first. */
export function articlesBetween(
	fromMs: number,
	toMs: number,
	sources: readonly Source[] = SOURCES,
): Article[] {
	const out: Article[] = [];
	for (let day = Math.floor(fromMs / DAY_MS); day <= Math.floor(toMs / DAY_MS); day++) {
		for (const source of sources) {
			for (const article of articlesOn(source, day)) {
				if (article.published_ms >= fromMs && article.published_ms <= toMs) out.push(article);
			}
		}
	}
	return out.sort((a, b) => b.published_ms - a.published_ms || a.article_id.localeCompare(b.article_id));
}

/** An article by id, or null if there is none or it is not published yet at `nowMs`. */
export function findArticle(articleId: string, nowMs: number): Article | null {
	const match = /^([a-z0-9-]+)-(\d{4})(\d{2})(\d{2})-(\d+)$/.exec(articleId);
	if (!match) return null;
	const source = SOURCES.find((s) => s.source_id === match[1]);
	const dayMs = Date.UTC(Number(match[2]), Number(match[3]) - 1, Number(match[4]));
	if (!source || Number.isNaN(dayMs)) return null;
	const article = articlesOn(source, dayMs / DAY_MS).find((a) => a.article_id === articleId);
	return article && article.published_ms <= nowMs ? article : null;
}

export function wordCount(article: Article): number {
	return [article.title, ...article.body].join(" ").split(/\s+/).filter(Boolean).length;
}

export function readingMinutes(article: Article): number {
	return Math.max(1, Math.round(wordCount(article) / WORDS_PER_MINUTE));
}
