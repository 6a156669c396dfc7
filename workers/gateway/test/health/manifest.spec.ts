import { type CompileProblem, compileProvider } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const MANIFEST = `
id: probed
name: Probed
description: A provider with a health probe
category: weather
auth: { scheme: apiKey, in: header, name: X-API-Key }
endpoints: openapi.yaml
upstream: https://api.probed.example
pricing: { usage_fee_cents: 0 }
`;

const SPEC = `
openapi: 3.1.0
info: { title: Probed, version: "1" }
paths:
  /cities:
    get:
      operationId: list_cities
      summary: Cities
  /current:
    get:
      operationId: get_current
      summary: Current weather
      parameters:
        - { name: city, in: query, required: true, schema: { type: string, maxLength: 20 } }
        - { name: days, in: query, schema: { type: integer, minimum: 1 } }
  /forecast:
    get:
      operationId: get_forecast
      summary: A forecast, paid
      x-usage-fee-cents: 2
  /quote:
    get:
      operationId: get_quote
      summary: Price an order
      x-purchase-precheckout: true
      x-amount-path: $.total_cents
  /reports:
    post:
      operationId: file_report
      summary: Report the weather
`;

function compileWith(health: string): ReturnType<typeof compileProvider> {
	return compileProvider({
		manifest: parse(`${MANIFEST}health: ${health}\n`),
		manifestFile: "provider.yaml",
		spec: parse(SPEC),
		specFile: "openapi.yaml",
	});
}

function problemsOf(health: string): CompileProblem[] {
	const result = compileWith(health);
	expect(result.ok).toBe(false);
	return result.ok ? [] : result.problems;
}

describe("the manifest's health probe", () => {
	it("compiles into the service: a free GET with parameters its input accepts", () => {
		const result = compileWith("{ tool: get_current, parameters: { city: lisbon } }");
		expect(result.ok && result.service.health).toEqual({
			tool: "get_current",
			parameters: { city: "lisbon" },
		});
		const bare = compileWith("{ tool: list_cities }");
		expect(bare.ok && bare.service.health).toEqual({ tool: "list_cities", parameters: {} });
	});

	it("is optional: a service without one has no probe", () => {
		const result = compileProvider({
			manifest: parse(MANIFEST),
			manifestFile: "provider.yaml",
			spec: parse(SPEC),
			specFile: "openapi.yaml",
		});
		expect(result.ok && "health" in result.service).toBe(false);
	});

	it("refuses a tool the spec does not have, naming the free GET tools there are", () => {
		expect(problemsOf("{ tool: get_weather }")).toEqual([
			{
				file: "provider.yaml",
				path: "/health/tool",
				message: '"get_weather" is not a tool of this spec. Free GET tools here: list_cities, get_current.',
			},
		]);
	});

	it("refuses a tool with a fee, a purchase role or another method than GET", () => {
		expect(problemsOf("{ tool: get_forecast }")).toEqual([
			expect.objectContaining({
				path: "/health/tool",
				message: expect.stringMatching(
					/^get_forecast carries a usage fee of 2 cents; a health probe must be a free/,
				),
			}),
		]);
		expect(problemsOf("{ tool: get_quote }")[0]?.message).toMatch(
			/^get_quote is part of a purchase \(precheck\)/,
		);
		expect(problemsOf("{ tool: file_report }")[0]?.message).toMatch(/^file_report is a POST, not a GET/);
	});

	it("refuses parameters the tool's input does not accept, one problem per field", () => {
		const problems = problemsOf("{ tool: get_current, parameters: { days: 0, town: lisbon } }");
		expect(problems.map((p) => p.path).sort()).toEqual([
			"/health/parameters",
			"/health/parameters/days",
			"/health/parameters/town",
		]);
		expect(problems.find((p) => p.path === "/health/parameters/town")?.message).toBe(
			"is not a parameter of get_current",
		);
		expect(problems.find((p) => p.path === "/health/parameters")?.message).toContain("city");
	});

	it("refuses unknown fields in the block", () => {
		expect(problemsOf("{ tool: list_cities, every_s: 10 }")).toEqual([
			expect.objectContaining({ path: "/health/every_s", message: 'unknown field "every_s"' }),
		]);
	});
});
