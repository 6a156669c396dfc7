import { PenumbraError } from "@penumbra/core/errors";
import { newId, timingSafeEqual, toHex } from "@penumbra/core/keys";

/** JSON with object keys sorted at every level, so equal parameters always hash alike. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
	if (typeof value === "object" && value !== null) {
		const entries = Object.entries(value)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
	}
	return JSON.stringify(value);
}

function toBase64Url(buffer: ArrayBuffer): string {
	return btoa(String.fromCharCode(...new Uint8Array(buffer)))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

export async function paramsHash(params: Record<string, unknown>): Promise<string> {
	return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical(params))));
}

/** What a quote binds; the signature covers all of it, so a stored quote cannot be edited unnoticed. */
export interface QuoteFields {
	id: string;
	credential_id: string;
	service: string;
	tool: string;
	params_hash: string;
	amount_cents: number;
	expires_at: number;
}

function signingKey(secret: string | undefined): string {
	if (!secret || secret.length < 16) {
		throw new PenumbraError("INTERNAL", {
			detail: "Purchases are not configured on this gateway.",
			internal: "QUOTE_SIGNING_KEY secret missing or shorter than 16 characters",
		});
	}
	return secret;
}

async function hmac(secret: string, fields: QuoteFields): Promise<string> {
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(secret),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const payload = [
		fields.id,
		fields.credential_id,
		fields.service,
		fields.tool,
		fields.params_hash,
		fields.amount_cents,
		fields.expires_at,
	].join("\n");
	return toBase64Url((await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload))).slice(0, 18));
}

/** A short id a model can copy (`q_<random>.<signature>`) with the signature over every bound field. */
export async function issueQuoteId(
	secret: string | undefined,
	fields: Omit<QuoteFields, "id">,
): Promise<{ quote_id: string; id: string; signature: string }> {
	const id = newId("q_");
	const signature = await hmac(signingKey(secret), { ...fields, id });
	return { quote_id: `${id}.${signature}`, id, signature };
}

export function parseQuoteId(quoteId: string): { id: string; signature: string } {
	const match = /^(q_[A-Za-z0-9]{8,40})\.([A-Za-z0-9_-]{16,40})$/.exec(quoteId);
	if (!match?.[1] || !match[2]) {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: "That is not a quote id. Quote ids look like q_….…; ask for a quote first.",
			extras: { errors: [{ pointer: "/quote_id", message: "is not a quote id" }] },
		});
	}
	return { id: match[1], signature: match[2] };
}

export async function verifyQuote(
	secret: string | undefined,
	fields: QuoteFields,
	signature: string,
): Promise<boolean> {
	return timingSafeEqual(await hmac(signingKey(secret), fields), signature);
}
