import type { CompiledService } from "@penumbra/core/registry";
import { buildUpstreamRequest } from "@penumbra/core/upstream-request";
import type { Measurement, RequestSpec } from "./measure.ts";
import { moneySuite } from "./money.ts";

/** What a suite can use: the bench stack's origins, a fresh credential and the compiled registry. */
export interface BenchContext {
	gateway: string;
	sandbox: string;
	/** The bench-only forwarder (bench/forwarder) in front of the sandbox, when a suite asked for it. */
	forwarder?: string;
	/** The bench-only money Worker (bench/money-worker) next to the gateway, when a suite asked for it. */
	money?: string;
	/** An `authenticated` credential created for this run. */
	key: string;
	/** The gateway's admin token, for suites that set up credentials of their own. */
	adminToken: string;
	/** providers/ compiled against this run's sandbox, as the gateway sees it. */
	services: readonly CompiledService[];
}

export interface BenchCase {
	name: string;
	description: string;
	request: RequestSpec;
}

/** A derived figure, optionally checked against a target from the issue. */
export interface Comparison {
	name: string;
	value: number;
	unit: string;
	target?: { op: "<=" | ">="; limit: number };
}

/** Results of one suite: case name → load shape name → measurement. */
export type SuiteResults = Record<string, Record<string, Measurement>>;

/**
 * A figure one repeated request cannot give (a loop inside a Worker, a flow of several requests), measured by the
 * suite's own code. `problems` says what went wrong: a failed operation, or books that do not balance afterwards.
 */
export interface Probe {
	name: string;
	description: string;
	/** What one operation is: "pair", "flow", "call". */
	unit: string;
	connections: number;
	count: number;
	duration_s: number;
	per_s: number;
	latency_ms: { p50: number; p99: number; mean: number };
	errors: number;
	problems: string[];
}

export interface ProbeOptions {
	durationSeconds: number;
	warmupSeconds: number;
	connections: number;
}

/** A named group of cases measured under every load shape; later issues add money, MCP and chat suites. */
export interface Suite {
	name: string;
	description: string;
	/** Workers the bench must start for this suite: names from scripts/lib/stack.ts or BENCH_WORKERS in run.ts. */
	workers: readonly string[];
	/** Caveats printed under the suite's figures. */
	notes?: string[];
	cases(ctx: BenchContext): BenchCase[];
	/** Measured after the cases, by the suite itself. */
	probes?(ctx: BenchContext, options: ProbeOptions): Promise<Probe[]>;
	compare(results: SuiteResults, probes: readonly Probe[]): Comparison[];
}

/** Free tool whose upstream the sandbox serves without side effects. */
const TOOL = { service: "skycast", tool: "get_current_conditions", parameters: { city: "lisbon" } };

export function pick(results: SuiteResults, caseName: string, shape: string): Measurement {
	const found = results[caseName]?.[shape];
	if (!found) throw new Error(`no result for ${caseName} @ ${shape}`);
	return found;
}

function headersObject(headers: Headers): Record<string, string> {
	const out: Record<string, string> = {};
	headers.forEach((value, name) => {
		out[name] = value;
	});
	return out;
}

const gatewaySuite: Suite = {
	name: "gateway",
	description:
		"Overhead of an authenticated tool execution through the gateway over calling the upstream directly",
	workers: ["sandbox", "gateway", "forwarder"],
	notes: [
		'"direct" is the issue\'s baseline: the client calls the upstream itself, one hop. "forward" sends the same',
		"request through a Worker that only forwards it, so it pays the local runtime's cost of a second hop and",
		"nothing else. gateway − forward is therefore the gateway's own cost; gateway − direct adds that hop, which",
		"no gateway code can remove while every process shares these cores.",
	],
	cases(ctx) {
		if (!ctx.forwarder) throw new Error("the gateway suite needs the forwarder Worker");
		const service = ctx.services.find((s) => s.card.id === TOOL.service);
		const tool = service?.tools.find((t) => t.name === TOOL.tool);
		if (!service || !tool) throw new Error(`providers/ has no ${TOOL.service}.${TOOL.tool}`);
		// The exact request the gateway would send upstream, from the gateway's own builder.
		const upstream = buildUpstreamRequest(service, tool, TOOL.parameters, () => undefined);
		if (upstream.method !== "GET" && upstream.method !== "POST") {
			throw new Error(`${TOOL.service}.${TOOL.tool} uses ${upstream.method}; the bench sends GET or POST`);
		}
		const direct: RequestSpec = {
			method: upstream.method,
			url: upstream.url.toString(),
			headers: headersObject(upstream.headers),
			...(upstream.body === undefined ? {} : { body: upstream.body }),
		};
		const viaForwarder = new URL(upstream.url.pathname + upstream.url.search, ctx.forwarder);
		// The transparent proxy path of the same operation: /{service} + the tool's upstream path.
		const upstreamBase = new URL(service.upstream);
		const upstreamPath = upstream.url.pathname.slice(upstreamBase.pathname.replace(/\/+$/, "").length);
		return [
			{
				name: "bare",
				description: "gateway GET /v1/health (middleware + cached registry read, no upstream)",
				request: { method: "GET", url: `${ctx.gateway}/v1/health` },
			},
			{
				// /v1/health no longer reads the caller; this route does, and touches no Durable Object.
				name: "auth",
				description: "gateway GET /v1/services?limit=1 with the API key (adds the credential check)",
				request: {
					method: "GET",
					url: `${ctx.gateway}/v1/services?limit=1`,
					headers: { authorization: `Bearer ${ctx.key}` },
				},
			},
			{
				name: "direct",
				description: `sandbox upstream of ${TOOL.service}.${TOOL.tool}, called directly`,
				request: direct,
			},
			{
				name: "forward",
				description: "the same upstream request through the bench forwarder (two hops, no gateway logic)",
				request: { ...direct, url: viaForwarder.toString() },
			},
			{
				name: "gateway",
				description: `POST /v1/services/${TOOL.service}/tools/${TOOL.tool} with an API key`,
				request: {
					method: "POST",
					url: `${ctx.gateway}/v1/services/${TOOL.service}/tools/${TOOL.tool}`,
					headers: { authorization: `Bearer ${ctx.key}`, "content-type": "application/json" },
					body: JSON.stringify({ parameters: TOOL.parameters }),
				},
			},
			{
				name: "passthrough",
				description: `transparent proxy ${upstream.method} /${TOOL.service}${upstreamPath}${upstream.url.search} with an API key`,
				request: {
					method: upstream.method,
					url: `${ctx.gateway}/${TOOL.service}${upstreamPath}${upstream.url.search}`,
					headers: { authorization: `Bearer ${ctx.key}`, accept: "application/json" },
				},
			},
		];
	},
	compare(results) {
		const direct = { load: pick(results, "direct", "throughput"), one: pick(results, "direct", "latency") };
		const gateway = {
			load: pick(results, "gateway", "throughput"),
			one: pick(results, "gateway", "latency"),
		};
		const forward = {
			load: pick(results, "forward", "throughput"),
			one: pick(results, "forward", "latency"),
		};
		const passthrough = {
			load: pick(results, "passthrough", "throughput"),
			one: pick(results, "passthrough", "latency"),
		};
		const bare = pick(results, "bare", "throughput");
		const bareOne = pick(results, "bare", "latency");
		return [
			{
				name: "gateway / direct throughput",
				value: gateway.load.req_per_s / direct.load.req_per_s,
				unit: "×",
				target: { op: ">=", limit: 0.5 },
			},
			{
				name: "added p50, 1 connection (gateway − direct)",
				value: gateway.one.latency_ms.p50 - direct.one.latency_ms.p50,
				unit: "ms",
				target: { op: "<=", limit: 2 },
			},
			{
				// The local runtime's own HTTP hop (≈ the bare route) is part of "added"; this is the rest.
				name: "added p50 beyond the bare hop (gateway − direct − bare)",
				value: gateway.one.latency_ms.p50 - direct.one.latency_ms.p50 - bareOne.latency_ms.p50,
				unit: "ms",
			},
			{
				name: "added p99, 1 connection (gateway − direct)",
				value: gateway.one.latency_ms.p99 - direct.one.latency_ms.p99,
				unit: "ms",
			},
			{
				name: "added p50, under load (gateway − direct)",
				value: gateway.load.latency_ms.p50 - direct.load.latency_ms.p50,
				unit: "ms",
			},
			{
				name: "added p99, under load (gateway − direct)",
				value: gateway.load.latency_ms.p99 - direct.load.latency_ms.p99,
				unit: "ms",
			},
			{ name: "gateway / bare route throughput", value: gateway.load.req_per_s / bare.req_per_s, unit: "×" },
			// Against the two-hop baseline: the gateway's own cost, with the runtime's hop cost on both sides.
			{
				name: "gateway / forward throughput",
				value: gateway.load.req_per_s / forward.load.req_per_s,
				unit: "×",
				target: { op: ">=", limit: 0.5 },
			},
			{
				name: "added p50, 1 connection (gateway − forward)",
				value: gateway.one.latency_ms.p50 - forward.one.latency_ms.p50,
				unit: "ms",
				target: { op: "<=", limit: 2 },
			},
			{
				name: "added p50, under load (gateway − forward)",
				value: gateway.load.latency_ms.p50 - forward.load.latency_ms.p50,
				unit: "ms",
			},
			{
				name: "runtime hop p50, 1 connection (forward − direct)",
				value: forward.one.latency_ms.p50 - direct.one.latency_ms.p50,
				unit: "ms",
			},
			{
				name: "passthrough / forward throughput",
				value: passthrough.load.req_per_s / forward.load.req_per_s,
				unit: "×",
			},
			{
				name: "added p50, 1 connection (passthrough − forward)",
				value: passthrough.one.latency_ms.p50 - forward.one.latency_ms.p50,
				unit: "ms",
			},
		];
	},
};

export const SUITES: readonly Suite[] = [gatewaySuite, moneySuite];
