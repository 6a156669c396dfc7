import { PenumbraError } from "@penumbra/core/errors";
import { type CompiledTool, compileProvider } from "@penumbra/core/registry";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateParameters } from "../src/params.ts";
import { call, createKey, expectProblem } from "./helpers.ts";

const MANIFEST = `
id: orders
name: Orders
description: Orders
category: retail
tags: []
auth: { scheme: none }
endpoints: openapi.yaml
upstream: https://api.example.com
`;

const SPEC = `
openapi: 3.0.3
info: { title: Orders, version: "1" }
paths:
  /orders:
    post:
      operationId: create_order
      summary: Place an order
      parameters:
        - { name: store, in: query, required: true, schema: { type: string, enum: [north, south] } }
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [items]
              properties:
                items:
                  type: array
                  minItems: 1
                  items:
                    type: object
                    additionalProperties: false
                    required: [sku]
                    properties:
                      sku: { type: string, minLength: 3 }
                      quantity: { type: integer, minimum: 1 }
                note: { type: string, maxLength: 10 }
                contact: { oneOf: [{ type: string }, { type: integer }] }
      responses:
        "200": { description: ok }
`;

function createOrder(): CompiledTool {
	const result = compileProvider({
		manifest: parse(MANIFEST),
		manifestFile: "provider.yaml",
		spec: parse(SPEC),
		specFile: "openapi.yaml",
	});
	if (!result.ok) throw new Error(JSON.stringify(result.problems));
	const tool = result.service.tools[0];
	if (!tool) throw new Error("no tool");
	return tool;
}

function problemOf(tool: CompiledTool, parameters: Record<string, unknown>): PenumbraError {
	try {
		validateParameters(tool, parameters);
	} catch (error) {
		if (error instanceof PenumbraError) return error;
		throw error;
	}
	throw new Error("the parameters were accepted");
}

describe("tool parameter validation messages", () => {
	it("names an unknown top-level parameter once, with a suggestion", () => {
		const error = problemOf(createOrder(), { store: "north", items: [{ sku: "abc" }], stor: "x" });
		expect(error.extras.errors).toEqual([
			{ pointer: "/parameters/stor", message: "is not a parameter of create_order (did you mean store?)" },
		]);
		expect(error.detail).toBe(
			"Invalid parameters for create_order: stor is not a parameter of create_order (did you mean store?).",
		);
	});

	it("names an unknown nested property by its place, in words", () => {
		const error = problemOf(createOrder(), {
			store: "north",
			items: [{ sku: "abc", quantty: 2 }],
			nots: "x",
		});
		expect(error.extras.errors).toEqual([
			{ pointer: "/parameters/nots", message: "is not a parameter of create_order (did you mean note?)" },
			{
				pointer: "/parameters/items/0/quantty",
				message: "is not a property of items[0] (did you mean quantity?)",
			},
		]);
	});

	it("gives one plain reason per field: type, enum, bounds, length, required, alternatives", () => {
		const error = problemOf(createOrder(), {
			store: 7,
			items: [{ sku: "ab", quantity: 0 }, {}],
			note: "far too long a note",
			contact: true,
		});
		expect(error.extras.errors).toEqual([
			{ pointer: "/parameters/store", message: "must be a string (got an integer)", expected: "string" },
			{ pointer: "/parameters/items/0/sku", message: "must be at least 3 characters long" },
			{ pointer: "/parameters/items/0/quantity", message: "must be at least 1" },
			{ pointer: "/parameters/items/1/sku", message: "is required" },
			{ pointer: "/parameters/note", message: "must be at most 10 characters long" },
			{ pointer: "/parameters/contact", message: "must be exactly one of: a string, an integer" },
		]);
		expect(error.detail).toBe(
			"Invalid parameters for create_order: store must be a string (got an integer); items[0].sku must be at least 3 characters long; items[0].quantity must be at least 1 (and 3 more).",
		);
	});

	it("lists an enum's values and a missing required parameter", () => {
		const error = problemOf(createOrder(), { store: "east" });
		expect(error.extras.errors).toEqual([
			{ pointer: "/parameters/items", message: "is required" },
			{ pointer: "/parameters/store", message: 'must be one of "north", "south"' },
		]);
	});

	it("reads registries compiled before `additionalProperties: false` was kept (`{ not: {} }`)", () => {
		const tool = createOrder();
		const old = JSON.parse(
			JSON.stringify(tool).replaceAll('"additionalProperties":false', '"additionalProperties":{"not":{}}'),
		);
		expect(JSON.stringify(tool.input_schema)).not.toContain('"not"');
		const error = problemOf(old, { store: "north", items: [{ sku: "abc", skus: 1 }], stor: 1 });
		expect(error.extras.errors).toEqual([
			{ pointer: "/parameters/stor", message: "is not a parameter of create_order (did you mean store?)" },
			{ pointer: "/parameters/items/0/skus", message: "is not a property of items[0] (did you mean sku?)" },
		]);
	});

	it("answers the same through the gateway's REST route", async () => {
		const { key } = await createKey("identified");
		const problem = await expectProblem(
			await call("/v1/services/skycast/tools/get_forecast", {
				key,
				body: { parameters: { city: "lisbon", days: 9, dayz: 3 } },
			}),
			400,
			"VALIDATION_FAILED",
		);
		expect(problem.errors).toEqual([
			{ pointer: "/parameters/dayz", message: "is not a parameter of get_forecast (did you mean days?)" },
			{ pointer: "/parameters/days", message: "must be at most 7" },
		]);
	});
});
