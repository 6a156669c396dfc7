import { toErrorMessage } from "@penumbra/core/errors";
import type { CompileProblem } from "@penumbra/core/registry";
import { CORE_SCHEMA, load as loadLenient } from "js-yaml";
import { LineCounter, parseDocument, type YAMLError } from "yaml";

/** Where a strict YAML 1.2 parse failed, when the lenient fallback read the text anyway. */
export interface LenientRead {
	line: number;
	column: number;
	message: string;
}

export type ParsedSpecText =
	| { ok: true; value: unknown; lenient?: LenientRead }
	| { ok: false; problems: CompileProblem[] };

/** Fix-it hints for the YAML errors real-world specs actually hit. */
const YAML_HINTS: Record<string, string> = {
	MISSING_CHAR:
		"a quoted string is not closed, or a continuation line of it is indented no further than its key: indent continuation lines past the key, or use a block scalar (`description: |`)",
	BAD_INDENT:
		"this line is indented less than the block it belongs to: indent it further than its parent key",
	MULTILINE_IMPLICIT_KEY:
		"a flow value ([...] or {...}) runs onto lines indented no further than its key: indent those lines past the key",
	DUPLICATE_KEY: "the same key appears twice in one mapping: keep one of them",
	TAB_AS_INDENT: "tabs cannot indent YAML: use spaces",
	BLOCK_AS_IMPLICIT_KEY: "a key spans several lines: put the key on one line",
	UNEXPECTED_TOKEN: "unexpected character: check quoting on this line",
};

/**
 * Parses an OpenAPI document from JSON or YAML text. YAML that a strict YAML 1.2 parser refuses (e.g.
 * under-indented continuation lines, which PyYAML-era tools accepted) is retried with js-yaml 4's lenient
 * reader; the caller is told so it can say so. What neither can read is refused with line, column and a fix.
 */
export function parseSpecText(text: string, source: string): ParsedSpecText {
	const looksJson = /\.json$/i.test(source.replace(/[?#].*$/, "")) || /^\s*[{[]/.test(text);
	if (looksJson) {
		try {
			return { ok: true, value: JSON.parse(text) };
		} catch (error) {
			if (/\.json$/i.test(source.replace(/[?#].*$/, ""))) {
				return {
					ok: false,
					problems: [{ file: source, path: "", message: `invalid JSON: ${toErrorMessage(error)}` }],
				};
			}
			// Flow-style YAML also starts with `{`.
		}
	}
	const lines = new LineCounter();
	const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
	if (doc.errors.length === 0) {
		try {
			return { ok: true, value: doc.toJS({ maxAliasCount: 10_000 }) };
		} catch (error) {
			return {
				ok: false,
				problems: [{ file: source, path: "", message: `invalid YAML: ${toErrorMessage(error)}` }],
			};
		}
	}
	const first = describeYamlError(doc.errors[0] as YAMLError, lines);
	// Duplicate keys are ambiguous, not merely sloppy: a lenient reader would silently pick one.
	if (!doc.errors.some((e) => e.code === "DUPLICATE_KEY")) {
		try {
			const value = loadLenient(text, { schema: CORE_SCHEMA, filename: source });
			return { ok: true, value, lenient: first };
		} catch {
			// Fall through to the strict parser's (better located) message.
		}
	}
	const problems: CompileProblem[] = doc.errors.slice(0, 3).map((e) => {
		const at = describeYamlError(e, lines);
		const hint = YAML_HINTS[e.code];
		return {
			file: source,
			path: "",
			message: `invalid YAML at line ${at.line}, column ${at.column}: ${at.message}${hint ? ` (fix: ${hint})` : ""}`,
		};
	});
	if (doc.errors.length > problems.length) {
		problems.push({
			file: source,
			path: "",
			message: `invalid YAML: ${doc.errors.length - problems.length} more errors after these (often knock-on effects of the first)`,
		});
	}
	return { ok: false, problems };
}

function describeYamlError(error: YAMLError, lines: LineCounter): LenientRead {
	const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
	const message = error.message
		.split("\n")[0]
		?.replace(/ at line \d+, column \d+:?$/, "")
		.trim();
	return { line: pos?.line ?? 0, column: pos?.col ?? 0, message: message || error.code };
}
