import { Validator } from "@cfworker/json-schema";
import { type FieldError, PenumbraError } from "@penumbra/core/errors";
import type { CompiledTool } from "@penumbra/core/registry";
import { argumentName, fieldErrors } from "./schema-messages.ts";
import { closest } from "./suggest.ts";

const validators = new WeakMap<CompiledTool, Validator>();
/** How many problems the one-line `detail` spells out; `errors` lists them all. */
const DETAIL_SHOWN = 3;

function escapeToken(token: string): string {
	return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

function unknownParameters(tool: CompiledTool, parameters: Record<string, unknown>): FieldError[] {
	const properties = tool.input_schema.properties;
	const known = typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
	return Object.keys(parameters)
		.filter((name) => !known.includes(name))
		.map((name) => {
			const suggestions = closest(name, known);
			return {
				pointer: `/parameters/${escapeToken(name)}`,
				message: `is not a parameter of ${tool.name}${suggestions.length ? ` (did you mean ${suggestions.join(", ")}?)` : ""}`,
			};
		});
}

/**
 * Checks tool parameters against the tool's input schema before anything is called upstream: one problem per bad
 * field, named by JSON pointer with the reason in plain words, so a model can fix its call. Unknown parameters are
 * refused with suggestions.
 */
export function validateParameters(tool: CompiledTool, parameters: Record<string, unknown>): void {
	let validator = validators.get(tool);
	if (!validator) {
		validator = new Validator(tool.input_schema, "2020-12", false);
		validators.set(tool, validator);
	}
	const result = validator.validate(parameters);
	const errors = [
		...unknownParameters(tool, parameters),
		...(result.valid ? [] : fieldErrors(result.errors, tool.input_schema, parameters)),
	];
	if (errors.length === 0) return;
	const shown = errors
		.slice(0, DETAIL_SHOWN)
		.map((e) => `${argumentName(e.pointer.replace(/^\/parameters/, ""))} ${e.message}`);
	const more = errors.length > DETAIL_SHOWN ? ` (and ${errors.length - DETAIL_SHOWN} more)` : "";
	throw new PenumbraError("VALIDATION_FAILED", {
		detail: `Invalid parameters for ${tool.name}: ${shown.join("; ")}${more}.`,
		extras: { errors, input_schema: tool.input_schema },
	});
}
