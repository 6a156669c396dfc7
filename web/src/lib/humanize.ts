import { dateTime, dollars } from "./format.ts";

/** Tool arguments and merchant details are JSON: these turn them into words for cards and the purchase dialog. */

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** "delivery_address" → "Delivery address", "tip_cents" → "Tip". */
export function labelOf(key: string): string {
	const words = key
		.replace(/_(cents|id)$/, "")
		.replaceAll("_", " ")
		.trim();
	return words.charAt(0).toUpperCase() + words.slice(1);
}

function item(value: unknown): string | null {
	if (isRecord(value)) {
		const name = value.name ?? value.title ?? value.item_id ?? value.id;
		const quantity = value.quantity ?? value.qty;
		if (typeof name === "string") return typeof quantity === "number" ? `${quantity} × ${name}` : name;
	}
	return humanize("", value);
}

/** One value in words; null when there is nothing worth showing. */
export function humanize(key: string, value: unknown): string | null {
	if (value === null || value === undefined || value === "") return null;
	if (typeof value === "number") return key.endsWith("_cents") ? dollars(value) : value.toLocaleString();
	if (typeof value === "boolean") return value ? "Yes" : "No";
	if (typeof value === "string") return ISO_DATE.test(value) ? dateTime(value) : value;
	if (Array.isArray(value)) {
		const parts = value.map(item).filter((v): v is string => v !== null);
		return parts.length > 0 ? parts.join(", ") : null;
	}
	if (isRecord(value)) {
		if (typeof value.name === "string") return value.name;
		if (typeof value.min === "number" && typeof value.max === "number") return `${value.min}–${value.max}`;
		const parts = Object.entries(value)
			.filter(([, v]) => typeof v === "string" || typeof v === "number")
			.map(([k, v]) => humanize(k, v))
			.filter((v): v is string => v !== null);
		return parts.length > 0 ? parts.join(", ") : null;
	}
	return null;
}

/** Keys a person does not need to see to know what they buy. */
const NOISE = new Set(["quote_id", "currency", "created_at", "updated_at", "total_cents", "amount_cents"]);

/**
 * Rows of label and words for an object of details. A nested object of amounts (a price breakdown) becomes one row
 * per amount; ids are dropped when a name says the same.
 */
export function detailRows(source: Record<string, unknown>, limit = 12): [string, string][] {
	const rows: [string, string][] = [];
	for (const [key, value] of Object.entries(source)) {
		if (NOISE.has(key)) continue;
		if (isRecord(value) && Object.keys(value).every((k) => k.endsWith("_cents"))) {
			for (const [k, v] of Object.entries(value)) {
				if (NOISE.has(k) || typeof v !== "number" || v === 0) continue;
				rows.push([labelOf(k), dollars(v)]);
			}
			continue;
		}
		const text = humanize(key, value);
		if (text !== null) rows.push([labelOf(key), text]);
	}
	return rows.slice(0, limit);
}

/** One line: "Restaurant: trattoria-lucia-sf · Items: 2 × burrata". */
export function inlineDetails(source: Record<string, unknown>, limit = 3, max = 48): string {
	return detailRows(source, limit)
		.map(([label, text]) => `${label}: ${text.length > max ? `${text.slice(0, max - 1)}…` : text}`)
		.join(" · ");
}
