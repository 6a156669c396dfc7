import { type CallToolResult, Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { median, round, timed } from "../lib/stats.ts";
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

function probeOf(name: string, description: string, rounds: number[][]): Probe {
	const all = rounds.flat().sort((a, b) => a - b);
	const total = all.reduce((a, b) => a + b, 0);
	const at = (p: number) =>
		all[Math.min(all.length - 1, Math.max(0, Math.ceil(p * all.length) - 1))] ?? Number.NaN;
	return {
		name,
		description,
		unit: "call",
		connections: 1,
		count: all.length,
		duration_s: round(total / 1000),
		per_s: round((all.length / total) * 1000, 1),
		latency_ms: { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(total / Math.max(1, all.length)) },
		round_p50_ms: rounds.map((r) => round(median(r))),
		errors: 0,
		problems: [],
	};
}

/**
 * `execute` of a free tool through the MCP SDK client against the same call on the gateway's REST route, one at a
 * time, alternating call by call (MCP, REST, MCP, REST…) so drift in the machine's load hits both alike. A failed
 * call stops the run: a figure of errors measures nothing.
 */
async function measureExecute(ctx: BenchContext, o: ProbeOptions): Promise<Probe[]> {
	if (!ctx.mcp) throw new Error("the mcp suite needs the MCP Worker");
	const client = await connect(ctx.mcp, ctx.key);
	const calls = o.quick ? 30 : 200;
	const mcp: number[][] = [];
	const rest: number[][] = [];
	try {
		for (let i = 0; i < WARMUP_CALLS; i++) {
			await viaMcp(client);
			await viaRest(ctx);
		}
		for (let r = 0; r < o.rounds; r++) {
			const m: number[] = [];
			const h: number[] = [];
			for (let i = 0; i < calls; i++) {
				m.push((await timed(() => viaMcp(client))).ms);
				h.push((await timed(() => viaRest(ctx))).ms);
			}
			mcp.push(m);
			rest.push(h);
		}
	} finally {
		await client.close();
	}
	return [
		probeOf("mcp-execute", `MCP tools/call execute ${CALL.service}.${CALL.tool} through the SDK client`, mcp),
		probeOf("rest-execute", `POST /v1/services/${CALL.service}/tools/${CALL.tool}, the same call`, rest),
	];
}

function probe(probes: readonly Probe[], name: string): Probe {
	const found = probes.find((p) => p.name === name);
	if (!found) throw new Error(`no probe ${name}`);
	return found;
}

export const mcpSuite: Suite = {
	name: "mcp",
	description:
		"MCP execute of a free tool end to end through the SDK client, against the same call on the REST route",
	workers: ["sandbox", "gateway", "mcp"],
	notes: [
		"One call at a time, MCP and REST alternating; the delta is the median over rounds of each round's p50 difference.",
		"Both clients are this process's fetch with keep-alive, so the delta is the MCP Worker's hop and its work.",
	],
	cases: () => [],
	probes: measureExecute,
	compare(_results, probes) {
		const mcp = probe(probes, "mcp-execute");
		const rest = probe(probes, "rest-execute");
		const deltas = (mcp.round_p50_ms ?? []).map((m, i) => m - (rest.round_p50_ms?.[i] ?? Number.NaN));
		return [
			{
				name: "MCP execute − REST p50, 1 at a time",
				value: median(deltas),
				unit: "ms",
				target: { op: "<=", limit: 2 },
			},
			{ name: "MCP execute p50", value: mcp.latency_ms.p50, unit: "ms" },
			{ name: "REST execute p50", value: rest.latency_ms.p50, unit: "ms" },
		];
	},
};
