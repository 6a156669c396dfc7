import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { scaffoldProvider } from "@penumbra/cli/scaffold";
import type { CompiledTool } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { schemaAt, schemaDepth } from "../../workers/mcp/src/schema-summary.ts";
import { fitSchema, sizeOf } from "../../workers/mcp/src/tool-list.ts";

const LIMIT = 24 * 1024;

async function corpusTools(file: string): Promise<CompiledTool[]> {
	const full = path.resolve("test/fixtures/openapi-corpus", file);
	const scaffold = await scaffoldProvider({
		id: file.replace(/\..*$/, ""),
		name: file,
		spec: await readFile(full, "utf8"),
		specUrl: pathToFileURL(full).href,
		specLabel: file,
		loadRef: (url) => readFile(new URL(url), "utf8"),
		upstreamBase: "https://api.example.com",
	});
	if (!scaffold.service) throw new Error(JSON.stringify(scaffold.problems));
	return scaffold.service.tools;
}

// The corpus's largest single input schema: GraphHopper's route optimization (about 24 KB, deep oneOf/allOf
// nesting), over the budget once the tool's own fields sit beside it. It must still fit, with every part reachable.
describe("one tool's input schema within the list_tools budget", () => {
	it("keeps a schema over the budget inside it, and every nested part one schema_path away", async () => {
		const tools = await corpusTools("graphhopper.yaml");
		const biggest = tools.reduce((a, b) => (sizeOf(a.input_schema) >= sizeOf(b.input_schema) ? a : b));
		const frame = { service: "graphhopper", tool: { name: biggest.name, summary: biggest.summary } };
		expect(sizeOf(frame) + sizeOf(biggest.input_schema)).toBeGreaterThan(LIMIT - 1024);

		const fitted = fitSchema(frame, biggest.input_schema, LIMIT);
		expect(sizeOf({ ...frame, schema: fitted.schema, note: fitted.note })).toBeLessThanOrEqual(LIMIT);
		expect(schemaDepth(fitted.schema)).toBeLessThan(schemaDepth(biggest.input_schema));
		expect(fitted.note).toMatch(/^This schema is \d+ bytes, over this answer's 24576-byte limit/);

		// The example the note gives resolves, in full, and fits on its own.
		const example = /e\.g\. "([^"]+)"/.exec(fitted.note ?? "")?.[1] ?? "";
		const part = schemaAt(biggest.input_schema, example.split("."));
		expect(part.ok).toBe(true);
		if (!part.ok) return;
		const partFrame = { service: "graphhopper", tool: biggest.name, schema_path: example };
		expect(fitSchema(partFrame, part.schema, LIMIT)).toEqual({ schema: part.schema });
	});

	it("leaves a schema that fits untouched", async () => {
		const tools = await corpusTools("brightsky.yaml");
		const tool = tools[0];
		if (!tool) throw new Error("no tool");
		expect(fitSchema({ service: "brightsky" }, tool.input_schema, LIMIT)).toEqual({
			schema: tool.input_schema,
		});
	});
});
