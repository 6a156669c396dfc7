import { PenumbraError } from "@penumbra/core/errors";
import { validationError } from "@penumbra/core/validation";
import type { Context } from "hono";
import type { z } from "zod";
import type { ChatApp } from "./auth.ts";

/** Bodies of routes other than POST /api/chat (sign-in, rename, confirm) are small. */
export const SMALL_BODY_BYTES = 16 * 1024;

/** `value` parsed by `schema`; a mismatch is VALIDATION_FAILED with pointers under `root` ("/body", "/query"). */
export function parse<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
	const result = schema.safeParse(value);
	if (!result.success) throw validationError(result.error, root);
	return result.data;
}

/** The JSON body, refused before parsing when it is larger than `maxBytes`. */
export async function jsonBody(c: Context<ChatApp>, maxBytes = SMALL_BODY_BYTES): Promise<unknown> {
	const tooLarge = () =>
		new PenumbraError("PAYLOAD_TOO_LARGE", { detail: `The request body is larger than ${maxBytes} bytes.` });
	if (Number(c.req.header("content-length") ?? 0) > maxBytes) throw tooLarge();
	const text = await c.req.text();
	if (new TextEncoder().encode(text).length > maxBytes) throw tooLarge();
	try {
		return JSON.parse(text);
	} catch {
		throw new PenumbraError("VALIDATION_FAILED", {
			detail: "The request body must be JSON.",
			extras: { errors: [{ pointer: "/body", message: "Not valid JSON." }] },
		});
	}
}

/**
 * A path parameter that will be put into a gateway path: one that does not look like an id of its kind is
 * NOT_FOUND here, so no value (`..`, `%2F`) can move the call to another gateway route.
 */
export function idParam(c: Context<ChatApp>, name: string, shape: RegExp, what: string): string {
	const value = c.req.param(name) ?? "";
	if (!shape.test(value)) throw new PenumbraError("NOT_FOUND", { detail: `No ${what} ${value}.` });
	return encodeURIComponent(value);
}
