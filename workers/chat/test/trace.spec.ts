import { env } from "cloudflare:workers";
import { parseTraceparent } from "@penumbra/core/trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoService } from "../../../test/fixtures/echo.ts";
import { chatFetch, createKey, fake, providerServices, readStream, seedRegistry } from "./helpers.ts";

beforeAll(async () => {
	await seedRegistry([...providerServices(), echoService(providerServices())]);
});

afterAll(async () => {
	await seedRegistry(providerServices());
});

describe("a chat turn's trace", () => {
	it("reaches the merchant: chat Worker → MCP Worker → gateway → upstream carry one trace id", async () => {
		const { key } = await createKey("authenticated", 10_000);
		const id = `m${crypto.randomUUID().slice(0, 8)}`;
		await fake().script({
			id,
			match: id,
			steps: [
				{
					tool_uses: [
						{
							name: "execute",
							input: { service: "echo", tool: "search_restaurants", parameters: { city: "austin" } },
						},
					],
				},
				{ text: "Done." },
			],
		});
		const traceId = "0af7651916cd43dd8448eb211c80319c";
		const response = await chatFetch("/api/chat", {
			as: { key },
			headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
			json: { message: `${id} what is around` },
		});
		const events = (await readStream(response)).events;
		const result = events.find((e) => e.event === "mcp.tool.result");
		if (result?.event !== "mcp.tool.result") throw new Error("no tool result");
		expect(result.data.is_error, JSON.stringify(result.data)).toBe(false);
		const echoed = result.data.result as { result: { headers: Record<string, string> } };
		const sent = parseTraceparent(echoed.result.headers.traceparent);
		expect(sent?.trace_id).toBe(traceId);
		expect(sent?.span_id).not.toBe("b7ad6b7169203331");
		// The chat request's id goes along to the merchant too.
		const requestId = response.headers.get("x-request-id");
		expect(echoed.result.headers["x-request-id"]).toBe(requestId);
		// The gateway's request point has that id and names the chat Worker, which the call came through.
		const points = async () =>
			(
				await env.DB.prepare("SELECT kind, service, caller FROM metric_points WHERE request_id = ?")
					.bind(requestId)
					.all()
			).results;
		await expect
			.poll(points, { timeout: 15_000, interval: 50 })
			.toContainEqual({ kind: "request", service: "echo", caller: "chat" });
	});
});
