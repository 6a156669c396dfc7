import type { Context } from "hono";

function readBody(text: string, contentType: string): unknown {
	if (text === "") return null;
	if (contentType.includes("application/x-www-form-urlencoded")) {
		return Object.fromEntries(new URLSearchParams(text));
	}
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/**
 * Answers with the request as received, so gateway tests can see how tool parameters were mapped onto
 * path, query, headers and body, and which upstream credential was injected.
 */
export async function echo(c: Context): Promise<Response> {
	const url = new URL(c.req.url);
	const query: Record<string, string | string[]> = {};
	for (const key of new Set(url.searchParams.keys())) {
		const values = url.searchParams.getAll(key);
		query[key] = values.length === 1 && values[0] !== undefined ? values[0] : values;
	}
	// Header names from the Headers iterator are already lowercase.
	const headers = Object.fromEntries(c.req.raw.headers);
	// Decoded by hand: workerd warns when .text() reads a body whose content type is not textual.
	const raw = new TextDecoder().decode(await c.req.arrayBuffer());
	const body = readBody(raw, c.req.header("content-type") ?? "");
	return c.json({ method: c.req.method, path: url.pathname, query, headers, body });
}
