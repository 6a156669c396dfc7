const USD = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

export function dollars(cents: number): string {
	return USD.format(cents / 100);
}

/** Signed, for statements: "+$5.00", "−$1.20". */
export function signedDollars(cents: number): string {
	if (cents === 0) return dollars(0);
	return `${cents > 0 ? "+" : "−"}${USD.format(Math.abs(cents) / 100)}`;
}

/** Dollars typed by a person → cents; null when blank; NaN when not a valid non-negative amount. */
export function parseDollars(text: string): number | null {
	const trimmed = text.trim().replace(/^\$/, "").replaceAll(",", "");
	if (trimmed === "") return null;
	if (!/^\d+(\.\d{1,2})?$/.test(trimmed)) return Number.NaN;
	return Math.round(Number(trimmed) * 100);
}

export function centsToInput(cents: number | null | undefined): string {
	if (cents === null || cents === undefined) return "";
	return (cents / 100).toFixed(2).replace(/\.00$/, "");
}

/** Epoch milliseconds or ISO text → Date (the gateway uses numbers, the chat Worker ISO strings). */
export function toDate(value: string | number | null | undefined): Date | null {
	if (value === null || value === undefined || value === "") return null;
	const date = new Date(value);
	return Number.isNaN(date.getTime()) ? null : date;
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const DAY = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

export function dateTime(value: string | number | null | undefined): string {
	const date = toDate(value);
	return date ? DATE_TIME.format(date) : "—";
}

/** Short and relative for lists: "14:02" today, "Mar 3" before. */
export function shortWhen(value: string | number | null | undefined): string {
	const date = toDate(value);
	if (!date) return "";
	const now = new Date();
	return date.toDateString() === now.toDateString() ? TIME.format(date) : DAY.format(date);
}

/** "4:59" left until `expires`, or null once expired. */
export function countdown(expires: Date, now: number): string | null {
	const seconds = Math.floor((expires.getTime() - now) / 1000);
	if (seconds <= 0) return null;
	const m = Math.floor(seconds / 60);
	const s = seconds % 60;
	return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m}:${String(s).padStart(2, "0")}`;
}

export function pluralize(n: number, one: string, many = `${one}s`): string {
	return `${n} ${n === 1 ? one : many}`;
}

const CARD_BRANDS: Record<string, string> = {
	amex: "American Express",
	diners: "Diners Club",
	discover: "Discover",
	eftpos_au: "eftpos",
	jcb: "JCB",
	mastercard: "Mastercard",
	unionpay: "UnionPay",
	visa: "Visa",
};

/** The card a payment used, as Stripe names it ("visa", "4242") → "Visa ···· 4242"; null when Stripe said nothing. */
export function cardText(brand: string | null | undefined, last4: string | null | undefined): string | null {
	const name = brand && brand !== "unknown" ? (CARD_BRANDS[brand] ?? brand) : brand ? "Card" : null;
	if (!name && !last4) return null;
	return last4 ? `${name ?? "Card"} ···· ${last4}` : (name as string);
}
