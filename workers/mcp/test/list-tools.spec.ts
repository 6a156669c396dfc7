import type { Client } from "@modelcontextprotocol/client";
import { type CompiledService, compileProvider, parseStructured } from "@penumbra/core/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import solidusSpec from "../../../test/fixtures/openapi-corpus/solidus.yaml?raw";
import {
	callTool,
	connect,
	gatewayFetch,
	providerServices,
	seedRegistry,
	type ToolResult,
	textOf,
} from "./helpers.ts";

// The corpus's largest tool list: Solidus (an e-commerce platform's API, 171 operations, test/fixtures/openapi-corpus/
// SOURCES.md), about 100 KB of tools, compiled here as `penumbra providers build` would.
const MANIFEST = `
id: solidus
name: Solidus
description: Solidus storefront and admin API
category: retail
tags: []
auth: { scheme: none }
endpoints: openapi.yaml
upstream: https://solidus.example.com
`;

const LIMIT = 24 * 1024;
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

function solidus(): CompiledService {
	const spec = parseStructured(solidusSpec, "solidus.yaml");
	if (!spec.ok) throw new Error(JSON.stringify(spec.problems));
	const result = compileProvider({
		manifest: parse(MANIFEST),
		manifestFile: "provider.yaml",
		spec: spec.value,
		specFile: "solidus.yaml",
	});
	if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 5)));
	return result.service;
}

interface Entry {
	name: string;
	input_schema: { properties?: Record<string, Record<string, unknown>>; required?: string[] };
	input_schema_summarized?: boolean;
}
interface ListAnswer {
	service: string;
	tools: Entry[];
	note?: string;
	total_tools?: number;
	next_offset?: number;
}

async function restTools(service: string): Promise<Entry[]> {
	const response = await gatewayFetch(`/v1/services/${service}/tools`);
	return ((await response.json()) as { tools: Entry[] }).tools;
}

describe("list_tools stays within the result budget for any service", () => {
	let client: Client;
	let full: Entry[];

	beforeAll(async () => {
		await seedRegistry([...providerServices(), solidus()]);
		client = await connect();
		full = await restTools("solidus");
	});

	afterAll(async () => {
		await client.close();
	});

	it("summarizes and pages a service whose full list is four times the budget, losing no tool", async () => {
		expect(bytes(full)).toBeGreaterThan(4 * LIMIT);
		const seen: Entry[] = [];
		let offset: number | undefined = 0;
		let pages = 0;
		while (offset !== undefined) {
			const page: ToolResult<ListAnswer> = await callTool(client, "list_tools", {
				service: "solidus",
				offset,
			});
			expect(page.isError).toBeFalsy();
			expect(new TextEncoder().encode(textOf(page)).byteLength).toBeLessThanOrEqual(LIMIT);
			expect(page.structuredContent?.note).toContain(`Showing tools ${seen.length + 1}-`);
			expect(page.structuredContent?.total_tools).toBe(full.length);
			seen.push(...(page.structuredContent?.tools ?? []));
			offset = page.structuredContent?.next_offset;
			pages++;
		}
		expect(pages).toBeGreaterThan(1);
		expect(pages).toBeLessThanOrEqual(8);
		expect(seen.map((t) => t.name)).toEqual(full.map((t) => t.name));
		// Summaries keep what a call needs at the top level: every parameter's name, and which are required.
		for (const [i, tool] of seen.entries()) {
			const original = full[i]?.input_schema;
			expect(Object.keys(tool.input_schema.properties ?? {})).toEqual(
				Object.keys(original?.properties ?? {}),
			);
			expect(tool.input_schema.required).toEqual(original?.required);
		}
		expect(seen.some((t) => t.input_schema_summarized)).toBe(true);
		const first = await callTool<ListAnswer>(client, "list_tools", { service: "solidus" });
		expect(first.structuredContent?.note).toContain(
			"Call list_tools with `tool` for one tool's full input schema",
		);
	});

	it("gives one tool's full input schema with `tool`, and one part of it with `schema_path`", async () => {
		const nested = full.find((t) =>
			Object.values(t.input_schema.properties ?? {}).some((p) => typeof p.properties === "object"),
		);
		if (!nested) throw new Error("solidus has no tool with a nested object input");
		const one = await callTool<{ tool: Entry; note?: string }>(client, "list_tools", {
			service: "solidus",
			tool: nested.name,
		});
		expect(one.structuredContent?.tool.input_schema).toEqual(nested.input_schema);
		expect(one.structuredContent?.note).toBeUndefined();

		const [property, schema] =
			Object.entries(nested.input_schema.properties ?? {}).find(
				([, p]) => typeof p.properties === "object",
			) ?? [];
		const part = await callTool<{ schema: unknown; schema_path: string }>(client, "list_tools", {
			service: "solidus",
			tool: nested.name,
			schema_path: property,
		});
		expect(part.structuredContent).toMatchObject({ schema_path: property, schema });

		const wrong = await callTool<{ error: { code: string; errors: { message: string }[] } }>(
			client,
			"list_tools",
			{ service: "solidus", tool: nested.name, schema_path: `${property}.no_such_field` },
		);
		expect(wrong.isError).toBe(true);
		expect(wrong.structuredContent?.error.code).toBe("VALIDATION_FAILED");
		expect(wrong.structuredContent?.error.errors[0]?.message).toContain(
			Object.keys(schema?.properties ?? {})[0],
		);
	});

	it("names the tools close to an unknown tool name", async () => {
		const name = full[0]?.name ?? "";
		const unknown = await callTool<{ error: { code: string; suggestions: string[] } }>(client, "list_tools", {
			service: "solidus",
			tool: `${name}s`,
		});
		expect(unknown.isError).toBe(true);
		expect(unknown.structuredContent?.error.code).toBe("NOT_FOUND");
		expect(unknown.structuredContent?.error.suggestions).toContain(name);
	});

	it("leaves a small service's list whole", async () => {
		const answer = await callTool<ListAnswer>(client, "list_tools", { service: "fooddash" });
		const rest = await restTools("fooddash");
		expect(answer.structuredContent?.note).toBeUndefined();
		expect(answer.structuredContent?.next_offset).toBeUndefined();
		expect(answer.structuredContent?.tools.map((t) => t.input_schema)).toEqual(
			rest.map((t) => t.input_schema),
		);
	});
});
