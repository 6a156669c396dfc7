import type { Context } from "hono";
import type { z } from "zod";
import { MerchantError } from "./errors.ts";

function describe(error: z.ZodError, where: string) {
	return error.issues.map((issue) => ({
		field: [where, ...issue.path.map(String)].join("."),
		message: issue.message,
	}));
}

function check<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
	const parsed = schema.safeParse(input);
	if (parsed.success) return parsed.data;
	const details = describe(parsed.error, where);
	const first = details[0];
	throw new MerchantError(
		400,
		"invalid_request",
		first ? `${first.field}: ${first.message}` : `Invalid ${where}.`,
		{ details },
	);
}

/** Parses the query string (single values) with a zod schema; 400 `invalid_request` on failure. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
	return check(schema, c.req.query(), "query");
}

/** Parses path parameters with a zod schema; 400 `invalid_request` on failure. */
export function parseParams<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
	return check(schema, c.req.param(), "path");
}

/** Reads and parses a JSON body with a zod schema; 400 `invalid_json` / `invalid_request` on failure. */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
	const text = await c.req.text();
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new MerchantError(400, "invalid_json", "The request body must be a JSON object.");
	}
	return check(schema, body, "body");
}

/** Like {@link parseJsonBody}, for operations whose body is optional: an empty body parses as `{}`. */
export async function parseOptionalJsonBody<S extends z.ZodType>(
	c: Context,
	schema: S,
): Promise<z.output<S>> {
	const text = await c.req.text();
	if (text.trim() === "") return check(schema, {}, "body");
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new MerchantError(400, "invalid_json", "The request body must be a JSON object.");
	}
	return check(schema, body, "body");
}
