import { Validator } from "@cfworker/json-schema";
import { isRecord, pointerJoin, pointerTokens } from "./json-pointer.ts";
import type { CompiledTool, CompileProblem, HealthProbe } from "./types.ts";

/** A tool the gateway may call with no caller behind it: it reads, charges no fee and plays no part in a purchase. */
function probeable(tool: CompiledTool): boolean {
	return tool.method === "get" && tool.fee_cents === 0 && tool.purchase === undefined;
}

const WRAPPERS = new Set(["properties", "additionalProperties", "unevaluatedProperties"]);

function candidates(tools: CompiledTool[]): string {
	const names = tools.filter(probeable).map((t) => t.name);
	if (names.length === 0) return " This spec has no free GET tool without a purchase role.";
	return ` Free GET tools here: ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}.`;
}

/**
 * Checks the manifest's `health:` block against the compiled tools. The gateway runs the probe with the provider's
 * credentials and no caller, so it must be harmless: a GET, no usage fee, no purchase or precheck role, and
 * parameters the tool's input schema accepts.
 */
export function checkHealthProbe(
	probe: HealthProbe | undefined,
	tools: CompiledTool[],
	file: string,
): CompileProblem[] {
	if (!probe) return [];
	const at = (path: string, message: string): CompileProblem => ({ file, path, message });
	const tool = tools.find((t) => t.name === probe.tool);
	if (!tool) {
		return [at("/health/tool", `"${probe.tool}" is not a tool of this spec.${candidates(tools)}`)];
	}
	const problems: CompileProblem[] = [];
	const why = [
		tool.method !== "get" ? `is a ${tool.method.toUpperCase()}, not a GET` : "",
		tool.fee_cents > 0 ? `carries a usage fee of ${tool.fee_cents} cents` : "",
		tool.purchase ? `is part of a purchase (${tool.purchase.kind})` : "",
	].filter(Boolean);
	if (why.length > 0) {
		problems.push(
			at(
				"/health/tool",
				`${tool.name} ${why.join(" and ")}; a health probe must be a free, read-only call.${candidates(tools)}`,
			),
		);
	}
	const known = Object.keys(isRecord(tool.input_schema.properties) ? tool.input_schema.properties : {});
	const unknown = Object.keys(probe.parameters).filter((n) => !known.includes(n));
	for (const name of unknown) {
		problems.push(at(pointerJoin("/health/parameters", name), `is not a parameter of ${tool.name}`));
	}
	const result = new Validator(tool.input_schema, "2020-12", false).validate(probe.parameters);
	for (const error of result.errors) {
		const tokens = pointerTokens(error.instanceLocation.replace(/^#/, "")) ?? [];
		// The enclosing object's summaries repeat its fields' errors, and unknown names are reported above.
		if (WRAPPERS.has(error.keyword) || unknown.includes(tokens[0] ?? "")) continue;
		problems.push(at(pointerJoin("/health/parameters", ...tokens), error.error));
	}
	return problems;
}
