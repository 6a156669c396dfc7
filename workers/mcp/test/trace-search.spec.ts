import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callTool, connect, textOf } from "./helpers.ts";

describe("search points", () => {
	it("records an empty search over MCP as a `search` point with its query", async () => {
		const query = `zqxj vlorpt ${crypto.randomUUID().slice(0, 8)}`;
		const client = await connect();
		try {
			const result = await callTool<{ results: unknown[] }>(client, "search_services", { query });
			expect(result.isError, textOf(result)).toBeFalsy();
			expect(result.structuredContent?.results).toEqual([]);
		} finally {
			await client.close();
		}
		// The point is forwarded to the gateway after the answer (waitUntil): wait for its row.
		const rows = async () =>
			(
				await env.DB.prepare("SELECT kind, outcome, caller, text FROM metric_points WHERE text = ?")
					.bind(query)
					.all()
			).results;
		await expect
			.poll(rows, { timeout: 15_000, interval: 50 })
			.toEqual([{ kind: "search", outcome: "empty", caller: "mcp", text: query }]);
	});
});
