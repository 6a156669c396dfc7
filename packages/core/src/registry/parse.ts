import { parseDocument } from "yaml";
import { toErrorMessage } from "../errors.ts";
import type { CompileProblem } from "./types.ts";

/** Parses YAML or JSON text; syntax errors become problems with line and column. */
export function parseStructured(
	text: string,
	file: string,
): { ok: true; value: unknown } | { ok: false; problems: CompileProblem[] } {
	if (/\.json$/i.test(file) || /^\s*[{[]/.test(text)) {
		try {
			return { ok: true, value: JSON.parse(text) };
		} catch (error) {
			if (/\.json$/i.test(file)) {
				return {
					ok: false,
					problems: [{ file, path: "", message: `invalid JSON: ${toErrorMessage(error)}` }],
				};
			}
			// Flow-style YAML also starts with `{`; let the YAML parser have it.
		}
	}
	const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
	if (doc.errors.length > 0) {
		const shown = doc.errors.slice(0, 3).map((e) => ({
			file,
			path: "",
			message: `invalid YAML: ${e.message.split("\n")[0]?.replace(/:$/, "")}`,
		}));
		if (doc.errors.length > shown.length) {
			shown.push({
				file,
				path: "",
				message: `invalid YAML: ${doc.errors.length - shown.length} more errors after these`,
			});
		}
		return { ok: false, problems: shown };
	}
	try {
		return { ok: true, value: doc.toJS() };
	} catch (error) {
		return { ok: false, problems: [{ file, path: "", message: `invalid YAML: ${toErrorMessage(error)}` }] };
	}
}
