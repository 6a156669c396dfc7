import type { ZodError } from "zod";
import { type FieldError, PenumbraError } from "./errors.ts";

function escapePointerToken(token: PropertyKey): string {
	return String(token).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** RFC 6901 pointer for a path of keys, rooted at `root` (e.g. "/body"). */
export function toPointer(path: readonly PropertyKey[], root = ""): string {
	return root + path.map((p) => `/${escapePointerToken(p)}`).join("");
}

/** Turns a zod failure into VALIDATION_FAILED with one JSON pointer per bad field. */
export function validationError(error: ZodError, root: string): PenumbraError {
	const errors: FieldError[] = error.issues.map((issue) => ({
		pointer: toPointer(issue.path, root),
		message: issue.message,
		...("expected" in issue && typeof issue.expected === "string" ? { expected: issue.expected } : {}),
	}));
	const first = errors[0];
	return new PenumbraError("VALIDATION_FAILED", {
		detail: first
			? `Invalid request: ${first.pointer || "/"} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`
			: "Invalid request.",
		extras: { errors },
	});
}
