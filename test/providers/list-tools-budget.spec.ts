import { describe, expect, it } from "vitest";
import { callTool, connect, gatewayFetch, textOf } from "../../workers/mcp/test/helpers.ts";
import { fixtureServices } from "./helpers.ts";

// Every fixture provider's list_tools, and each of its tools asked for alone, fits the MCP result budget
// (RESULT_LIMIT_BYTES, 24 KB), whatever its spec weighs (Adyen's payment request schema is among the largest).
const LIMIT = 24 * 1024;
const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

interface Listed {
	tools: { name: string }[];
	next_offset?: number;
}

describe("list_tools of every fixture provider within the budget", () => {
	for (const service of fixtureServices()) {
		it(`${service.card.id}: every page and every tool's schema fits, and a schema that fits is whole`, async () => {
			const client = await connect();
			const names: string[] = [];
			let offset: number | undefined = 0;
			while (offset !== undefined) {
				const page: Awaited<ReturnType<typeof callTool<Listed>>> = await callTool(client, "list_tools", {
					service: service.card.id,
					offset,
				});
				expect(bytes(textOf(page))).toBeLessThanOrEqual(LIMIT);
				names.push(...(page.structuredContent?.tools.map((t) => t.name) ?? []));
				offset = page.structuredContent?.next_offset;
			}
			expect(names).toEqual(service.tools.map((t) => t.name));

			const rest = (await (await gatewayFetch(`/v1/services/${service.card.id}/tools`)).json()) as {
				tools: { name: string; input_schema: unknown }[];
			};
			for (const tool of rest.tools) {
				const one = await callTool<{ tool: { input_schema: unknown }; note?: string }>(client, "list_tools", {
					service: service.card.id,
					tool: tool.name,
				});
				expect(bytes(textOf(one))).toBeLessThanOrEqual(LIMIT);
				const note = one.structuredContent?.note;
				if (!note) {
					expect(one.structuredContent?.tool.input_schema).toEqual(tool.input_schema);
					continue;
				}
				// Summarized: the part the note points at is one call away, and fits too.
				const example = /e\.g\. "([^"]+)"/.exec(note)?.[1];
				expect(example).toBeDefined();
				const part = await callTool<{ schema: unknown }>(client, "list_tools", {
					service: service.card.id,
					tool: tool.name,
					schema_path: example,
				});
				expect(part.isError, textOf(part)).toBeFalsy();
				expect(bytes(textOf(part))).toBeLessThanOrEqual(LIMIT);
			}
			await client.close();
		});
	}
});
