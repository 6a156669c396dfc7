import { redact, redactString } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Writes one JSON line `{ ts, level, msg, ...fields }` with `fields` redacted; `Error`s render as
 * `{ name, message }` without the stack. warn and error go to console.error. Never throws.
 */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
	const head = { ts: new Date().toISOString(), level, msg: redactString(message) };
	let line: string;
	try {
		// `head` twice: first for key order, last so a field cannot overwrite ts, level or msg.
		line = JSON.stringify({ ...head, ...redact(fields), ...head }, (_key, value: unknown) =>
			typeof value === "bigint" ? value.toString() : value,
		);
	} catch {
		line = JSON.stringify({ ...head, log_error: "fields were not serialisable" });
	}
	if (level === "warn" || level === "error") console.error(line);
	else console.log(line);
}
