/**
 * Media types as operations declare them: which are JSON, and which `Accept` a tool call sends. Parameters such as
 * `;version=2` are part of what a vendor type means (PagerDuty negotiates on them), so they are kept as declared.
 */

/** The type and subtype of a media type, lower case, without parameters. */
export function essence(mediaType: string): string {
	return (mediaType.split(";")[0] ?? "").trim().toLowerCase();
}

/** `application/json`, `text/json` and any structured `+json` type (`application/vnd.github+json`, `…/problem+json`). */
export function isJsonMediaType(mediaType: string): boolean {
	const type = essence(mediaType);
	return type === "application/json" || type === "text/json" || /^[\w.-]+\/[\w.-]+\+json$/.test(type);
}

export const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";

function isWildcard(mediaType: string): boolean {
	return essence(mediaType).includes("*");
}

/**
 * The `Accept` for an operation declaring `declared` success media types: its JSON ones when it has any (the
 * gateway parses those), else whatever it declares (the answer is passed on as text); `application/json` when it
 * declares nothing specific (a wildcard, no content, or a registry compiled before media types were recorded).
 */
export function acceptFor(declared: readonly string[] | undefined): string {
	const specific = (declared ?? []).filter((type) => !isWildcard(type)).map((type) => type.trim());
	const json = specific.filter(isJsonMediaType);
	const chosen = [...new Set(json.length > 0 ? json : specific)];
	return chosen.length > 0 ? chosen.join(", ") : "application/json";
}

/**
 * The request body type to compile a tool for, from the types a request body declares: JSON first (plain, then
 * `+json`, then a wildcard sent as JSON), else a form. Anything else cannot be built from tool arguments.
 */
export function pickRequestMediaType(declared: readonly string[]): string | undefined {
	return (
		declared.find((t) => essence(t) === "application/json") ??
		declared.find(isJsonMediaType) ??
		declared.find((t) => essence(t) === "*/*" || essence(t) === "application/*") ??
		declared.find((t) => essence(t) === FORM_MEDIA_TYPE)
	);
}

/** `key[sub]=…` for nested objects and repeated keys for arrays: the bracket form that form-body APIs read. */
function appendForm(form: URLSearchParams, key: string, value: unknown): void {
	if (value === undefined || value === null) return;
	if (Array.isArray(value)) {
		for (const item of value) appendForm(form, key, item);
	} else if (typeof value === "object") {
		for (const [name, inner] of Object.entries(value)) appendForm(form, `${key}[${name}]`, inner);
	} else {
		form.append(key, String(value));
	}
}

/**
 * A tool call's request body as the operation declared it: a form for `application/x-www-form-urlencoded`, JSON
 * otherwise (sent as the declared JSON type, or `application/json` for a wildcard).
 */
export function encodeBody(contentType: string, payload: unknown): { body: string; contentType: string } {
	if (essence(contentType) === FORM_MEDIA_TYPE && typeof payload === "object" && payload !== null) {
		const form = new URLSearchParams();
		for (const [key, value] of Object.entries(payload)) appendForm(form, key, value);
		return { body: form.toString(), contentType: FORM_MEDIA_TYPE };
	}
	return {
		body: JSON.stringify(payload),
		contentType: isJsonMediaType(contentType) ? contentType : "application/json",
	};
}
