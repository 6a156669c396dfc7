import { type CallToolResult, Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { alternate, pairedDelta, probe } from "../lib/paired.ts";
import type { BenchContext, Probe, ProbeOptions, Suite } from "../suites.ts";

/** A free tool of a sandbox merchant: the call both paths make. */
const CALL = { service: "skycast", tool: "get_current_conditions", parameters: { city: "lisbon" } };
const WARMUP_CALLS = 20;

async function connect(origin: string, key: string): Promise<Client> {
	const client = new Client({ name: "penumbra-bench", version: "0.0.0" });
	await client.connect(
		new StreamableHTTPClientTransport(new URL("/mcp", origin), {
			requestInit: { headers: { authorization: `Bearer ${key}` } },
		}),
	);
	return client;
}

async function viaMcp(client: Client): Promise<void> {
	const result = (await client.callTool({ name: "execute", arguments: CALL })) as CallToolResult;
	if (result.isError) throw new Error(`MCP execute failed: ${JSON.stringify(result.content).slice(0, 300)}`);
}

async function viaRest(ctx: BenchContext): Promise<void> {
	const response = await fetch(`${ctx.gateway}/v1/services/${CALL.service}/tools/${CALL.tool}`, {
		method: "POST",
		headers: { authorization: `Bearer ${ctx.key}`, "content-type": "application/json" },
		body: JSON.stringify({ parameters: CALL.parameters }),
		signal: AbortSignal.timeout(15_000),
	});
	const text = await response.text();
	if (response.status !== 200)
		throw new Error(`REST execute answered ${response.status}: ${text.slice(0, 300)}`);
}

/**
 * `execute` of a free tool through the MCP SDK client against the same call on the gateway's REST route, one at a
 * time, alternating call by call (MCP, MCP in-process, REST, …) so drift in the machine's load hits every path
 * alike. Two MCP Workers: one in its own process (its RPC to the gateway a hop through the dev registry between
 * processes), one with the gateway in its process (in-process RPC, as production runs a service binding). A failed
 * call stops the run: a figure of errors measures nothing.
 */
async function measureExecute(ctx: BenchContext, o: ProbeOptions): Promise<Probe[]> {
	if (!ctx.mcp || !ctx.mcpInProcess) throw new Error("the mcp suite needs both MCP Workers");
	const client = await connect(ctx.mcp, ctx.key);
	const inProcess = await connect(ctx.mcpInProcess.mcp, ctx.mcpInProcess.key);
	try {
		return await alternate(
			[
				{
					name: "mcp-execute",
					description: `MCP tools/call execute ${CALL.service}.${CALL.tool} through the SDK client, the MCP Worker in its own process (RPC to the gateway through the dev registry)`,
					call: () => viaMcp(client),
				},
				{
					name: "mcp-execute-in-process",
					description: "The same, the gateway in the MCP Worker's process",
					call: () => viaMcp(inProcess),
				},
				{
					name: "rest-execute",
					description: `POST /v1/services/${CALL.service}/tools/${CALL.tool}, the same call`,
					call: () => viaRest(ctx),
				},
			],
			{ warmup: WARMUP_CALLS, calls: o.quick ? 30 : 200, rounds: o.rounds },
		);
	} finally {
		await client.close();
		await inProcess.close();
	}
}

export const mcpSuite: Suite = {
	name: "mcp",
	description:
		"MCP execute of a free tool end to end through the SDK client, against the same call on the REST route",
	workers: ["sandbox", "gateway", "mcp", "mcp-in-process"],
	notes: [
		"One call at a time, the paths alternating; each delta is the median over rounds of each round's p50 difference.",
		"Every client is this process's fetch with keep-alive, so a delta is the MCP Worker's hop and its work.",
		"The target is checked in-process (the MCP Worker with the gateway as an auxiliary config in one wrangler dev process: service-binding RPC as production runs it, another credential); the MCP Worker in its own process adds a dev-registry round trip per gateway call.",
	],
	cases: () => [],
	probes: measureExecute,
	compare(_results, probes) {
		const local = probe(probes, "mcp-execute-in-process");
		const mcp = probe(probes, "mcp-execute");
		const rest = probe(probes, "rest-execute");
		return [
			{
				name: "MCP execute − REST p50, 1 at a time (gateway in-process)",
				value: pairedDelta(local, rest),
				unit: "ms",
				target: { op: "<=", limit: 2 },
			},
			{
				name: "MCP execute − REST p50, MCP Worker in its own process",
				value: pairedDelta(mcp, rest),
				unit: "ms",
			},
			{ name: "MCP execute p50 (gateway in-process)", value: local.latency_ms.p50, unit: "ms" },
			{ name: "MCP execute p50 (own process)", value: mcp.latency_ms.p50, unit: "ms" },
			{ name: "REST execute p50", value: rest.latency_ms.p50, unit: "ms" },
		];
	},
};
