import { type OutputUnit, Validator } from "@cfworker/json-schema";
import { type FieldError, PenumbraError } from "@penumbra/core/errors";
import type { CompiledTool } from "@penumbra/core/registry";
import { closest } from "./suggest.ts";

const validators = new WeakMap<CompiledTool, Validator>();

// Container keywords only restate that something inside failed; the leaf errors say what.
const SUMMARY_KEYWORDS = new Set([
	"properties",
	"items",
	"prefixItems",
	"allOf",
	"$ref",
	"additionalProperties",
]);

function toFieldError(unit: OutputUnit): FieldError {
	const location = unit.instanceLocation.replace(/^#/, "");
	const required = /required property "([^"]+)"/.exec(unit.error);
	if (unit.keyword === "required" && required?.[1]) {
		return { pointer: `/parameters${location}/${required[1]}`, message: "is required" };
	}
	const expected = /Expected "([^"]+)"/.exec(unit.error)?.[1];
	return {
		pointer: `/parameters${location}`,
		message: unit.error.replace(/^Instance /, "value "),
		...(expected ? { expected } : {}),
	};
}

/**
 * Checks tool parameters against the tool's input schema before anything is called upstream, naming each bad
 * field by JSON pointer so a model can fix its call. Unknown parameters are refused with suggestions.
 */
export function validateParameters(tool: CompiledTool, parameters: Record<string, unknown>): void {
	const errors: FieldError[] = [];
	const properties = tool.input_schema.properties;
	const known = typeof properties === "object" && properties !== null ? Object.keys(properties) : [];
	for (const name of Object.keys(parameters)) {
		if (known.includes(name)) continue;
		const suggestions = closest(name, known);
		errors.push({
			pointer: `/parameters/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`,
			message: `is not a parameter of ${tool.name}${suggestions.length ? ` (did you mean ${suggestions.join(", ")}?)` : ""}`,
		});
	}
	let validator = validators.get(tool);
	if (!validator) {
		validator = new Validator(tool.input_schema, "2020-12", false);
		validators.set(tool, validator);
	}
	const result = validator.validate(parameters);
	if (!result.valid) {
		const leaves = result.errors.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword));
		const seen = new Set<string>();
		for (const unit of leaves.length > 0 ? leaves : result.errors) {
			const field = toFieldError(unit);
			const key = `${field.pointer} ${field.message}`;
			if (!seen.has(key)) {
				seen.add(key);
				errors.push(field);
			}
		}
	}
	if (errors.length === 0) return;
	const first = errors[0];
	throw new PenumbraError("VALIDATION_FAILED", {
		detail: `Invalid parameters for ${tool.name}: ${first?.pointer} ${first?.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}.`,
		extras: { errors, input_schema: tool.input_schema },
	});
}
