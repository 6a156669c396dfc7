import { env } from "cloudflare:workers";
import type { CompiledService } from "@penumbra/core/registry";
import { parseTraceparent } from "@penumbra/core/trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, createKey, providerServices, seedRegistry, textOf } from "./helpers.ts";

/**
 * FoodDash's tools answered by the sandbox's echo, as service `echo` (whose upstream key the test setup configures):
 * the result is the request the merchant received.
 */
function echoing(): CompiledService {
	const base = providerServices().find((s) => s.card.id === "fooddash");
	if (!base) throw new Error("fooddash is not in the registry");
	return {
		...base,
		card: { ...base.card, id: "echo" },
		upstream: `${new URL(base.upstream).origin}/_echo`,
	};
}

interface Echoed {
	result: { path: string; headers: Record<string, string> };
}

/** The headers the merchant received for one MCP `execute`, sent with `headers` to the MCP Worker. */
async function upstreamHeaders(headers: Record<string, string>): Promise<Record<string, string>> {
	const { key } = await createKey("authenticated");
	const client = await connect({ key, headers });
	try {
		const result = await callTool<Echoed>(client, "execute", {
			service: "echo",
			tool: "search_restaurants",
			parameters: { city: "austin" },
		});
		expect(result.isError, textOf(result)).toBeFalsy();
		expect(result.structuredContent?.result.path).toBe("/_echo/restaurants");
		return result.structuredContent?.result.headers ?? {};
	} finally {
		await client.close();
	}
}

const INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

beforeAll(async () => {
	await seedRegistry([...providerServices(), echoing()]);
});

afterAll(async () => {
	await seedRegistry(providerServices());
});

describe("traceparent from the MCP client to the merchant", () => {
	it("carries the incoming trace id to the upstream call, with a span of its own", async () => {
		const requestId = `mcp-trace-${crypto.randomUUID()}`;
		const received = await upstreamHeaders({ traceparent: INCOMING, "x-request-id": requestId });
		const sent = parseTraceparent(received.traceparent);
		expect(sent, JSON.stringify(received)).not.toBeNull();
		expect(sent?.trace_id).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
		expect(sent?.span_id).not.toBe("00f067aa0ba902b7");
		expect(sent?.flags).toBe("01");
		// The client's request id goes along too, so the merchant's logs and ours meet.
		expect(received["x-request-id"]).toBe(requestId);
		// The gateway's request point carries it as well, and names the MCP Worker as the caller.
		const points = async () =>
			(
				await env.DB.prepare("SELECT kind, service, caller FROM metric_points WHERE request_id = ?")
					.bind(requestId)
					.all()
			).results;
		await expect
			.poll(points, { timeout: 15_000, interval: 50 })
			.toContainEqual({ kind: "request", service: "echo", caller: "mcp" });
	});

	it("replaces a malformed traceparent with a new trace rather than forwarding it", async () => {
		for (const malformed of [
			"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
			"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
			"not a traceparent",
		]) {
			const received = await upstreamHeaders({ traceparent: malformed });
			const sent = parseTraceparent(received.traceparent);
			expect(sent, `${malformed} → ${received.traceparent}`).not.toBeNull();
			expect(received.traceparent).not.toBe(malformed);
			expect(sent?.trace_id).not.toBe("00000000000000000000000000000000");
			expect(sent?.trace_id).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
		}
	});

	it("starts a trace when the client sends none: every call of it reaches the merchant traced", async () => {
		const first = parseTraceparent((await upstreamHeaders({})).traceparent);
		const second = parseTraceparent((await upstreamHeaders({})).traceparent);
		expect(first).not.toBeNull();
		expect(second).not.toBeNull();
		expect(first?.trace_id).not.toBe(second?.trace_id);
	});
});
