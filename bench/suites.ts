import type { CompiledService } from "@penumbra/core/registry";
import { buildUpstreamRequest } from "@penumbra/core/upstream-request";
import { alternate, pairedDelta, probe } from "./lib/paired.ts";
import { mcpSuite } from "./mcp/execute.ts";
import { type Measurement, preflight, type RequestSpec } from "./measure.ts";
import { moneySuite } from "./money.ts";

/** What a suite can use: the bench stack's origins, a fresh credential and the compiled registry. */
export interface BenchContext {
	gateway: string;
	sandbox: string;
	/** The bench-only forwarder (bench/forwarder) in front of the sandbox, when a suite asked for it. */
	forwarder?: string;
	/** The bench-only money Worker (bench/money-worker) next to the gateway, when a suite asked for it. */
	money?: string;
	/** The MCP Worker, when a suite asked for it. */
	mcp?: string;
	/** A second gateway with METRICS_STORE=off and its own funded credential, when a suite asked for it. */
	metricsOff?: { gateway: string; key: string };
	/** The same gateway with `METRICS_STORE=analytics-engine` (the metrics suite). */
	metricsAe?: { gateway: string; key: string };
	/** The MCP Worker with the gateway inside its process (in-process RPC) and its own funded credential. */
	mcpInProcess?: { mcp: string; key: string };
	/** An `authenticated` credential created and funded for this run. */
	key: string;
	/** The gateway's admin token, for suites that set up credentials of their own. */
	adminToken: string;
	/** The bench's providers (rate limits raised) compiled against this run's sandbox, as the gateway sees them. */
	services: readonly CompiledService[];
	/** Reads the gateway's Worker secrets (.dev.vars), so a baseline can send the upstream key the gateway sends. */
	secrets: (name: string) => string | undefined;
}

export interface BenchCase {
	name: string;
	description: string;
	request: RequestSpec;
}

/** A derived figure of one round, optionally checked against a target from the issue. */
export interface Comparison {
	name: string;
	value: number;
	unit: string;
	target?: { op: "<=" | ">="; limit: number };
}

/** Results of one round: case name → load shape name → measurement. */
export type SuiteResults = Record<string, Record<string, Measurement>>;

/**
 * A figure one repeated request cannot give (a loop inside a Worker, a flow of several requests, an MCP client),
 * measured by the suite's own code. `problems` says what went wrong: a failed operation, or books that do not
 * balance afterwards.
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
	/** p50 of each interleaved round, when the probe ran in rounds against a baseline. */
	round_p50_ms?: number[];
	errors: number;
	problems: string[];
}

export interface ProbeOptions {
	durationSeconds: number;
	warmupSeconds: number;
	connections: number;
	rounds: number;
	quick: boolean;
}

/** A named group of cases measured under every load shape, in interleaved rounds. */
export interface Suite {
	name: string;
	description: string;
	/** Workers the bench must start for this suite: names from scripts/lib/stack.ts or BENCH_WORKERS in http.ts. */
	workers: readonly string[];
	/** Caveats printed under the suite's figures. */
	notes?: string[];
	/**
	 * Where the bench's `gateway` writes metric points: `analytics-engine` as deployed (the default: locally the binding
	 * drops the point, as production does the ingestion off the request), or `d1`, the local store `npm start` uses.
	 */
	gatewayMetricsStore?: "analytics-engine" | "d1";
	cases(ctx: BenchContext): BenchCase[];
	/** Measured after the cases, by the suite itself. */
	probes?(ctx: BenchContext, options: ProbeOptions): Promise<Probe[]>;
	/** Figures of one round (the runner reports the median over rounds). */
	compare(results: SuiteResults, probes: readonly Probe[]): Comparison[];
}

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

/** Free tool whose upstream the sandbox serves without side effects: the issue's `GET /skycast/current?city=lisbon`. */
const FREE = { service: "skycast", tool: "get_current_conditions", parameters: { city: "lisbon" } };
/** Paid tool (usage fee > 0), also free of side effects upstream. */
const PAID = { service: "fooddash", tool: "search_restaurants", parameters: { city: "austin" } };

/** The upstream request the gateway would send for `call`, from the gateway's own builder, and its tool's fee. */
function upstreamOf(ctx: BenchContext, call: typeof FREE) {
	const service = ctx.services.find((s) => s.card.id === call.service);
	const tool = service?.tools.find((t) => t.name === call.tool);
	if (!service || !tool) throw new Error(`the bench providers have no ${call.service}.${call.tool}`);
	const upstream = buildUpstreamRequest(service, tool, call.parameters, ctx.secrets);
	if (upstream.method !== "GET")
		throw new Error(`${call.service}.${call.tool} uses ${upstream.method}, not GET`);
	const direct: RequestSpec = {
		method: "GET",
		url: upstream.url.toString(),
		headers: headersObject(upstream.headers),
	};
	// The transparent proxy path of the same operation: /{service} + the tool's upstream path.
	const basePath = new URL(service.upstream).pathname.replace(/\/+$/, "");
	const proxyPath = `/${call.service}${upstream.url.pathname.slice(basePath.length)}${upstream.url.search}`;
	return { direct, proxyPath, fee: tool.fee_cents, forwardPath: upstream.url.pathname + upstream.url.search };
}

function restCase(ctx: BenchContext, name: string, call: typeof FREE, what: string): BenchCase {
	return {
		name,
		description: `POST /v1/services/${call.service}/tools/${call.tool} with an API key (${what})`,
		request: {
			method: "POST",
			url: `${ctx.gateway}/v1/services/${call.service}/tools/${call.tool}`,
			headers: { authorization: `Bearer ${ctx.key}`, "content-type": "application/json" },
			body: JSON.stringify({ parameters: call.parameters }),
		},
	};
}

/** The path proxy of `path` on `at` (a gateway and a key of it). */
function proxyCase(
	at: { gateway: string; key: string },
	name: string,
	path: string,
	what: string,
): BenchCase {
	return {
		name,
		description: `gateway path proxy GET ${path} (${what})`,
		request: {
			method: "GET",
			url: `${at.gateway}${path}`,
			headers: { authorization: `Bearer ${at.key}`, accept: "application/json" },
		},
	};
}

/** `name`'s figures against the baseline case `base`, in one round: the issue's two ratios. */
function against(
	results: SuiteResults,
	probes: readonly Probe[],
	name: string,
	base: string,
	limits: { ratio: number; addedMs: number },
): Comparison[] {
	return [
		{
			name: `${name} / ${base} req/s, throughput shape`,
			value: pick(results, name, "throughput").req_per_s / pick(results, base, "throughput").req_per_s,
			unit: "×",
			target: { op: ">=", limit: limits.ratio },
		},
		{
			name: `${name} − ${base} p50, 1 at a time, alternating call by call`,
			value: pairedDelta(probe(probes, `${name}-1`), probe(probes, `${base}-1`)),
			unit: "ms",
			target: { op: "<=", limit: limits.addedMs },
		},
		{
			name: `${name} − ${base} p50, 1 connection, case by case (autocannon)`,
			value: pick(results, name, "latency").latency_ms.p50 - pick(results, base, "latency").latency_ms.p50,
			unit: "ms",
		},
	];
}

const gatewaySuite: Suite = {
	name: "gateway",
	description:
		"The gateway's cost over a bare forwarding Worker to the same upstream: path proxy, REST tool call, paid tool",
	workers: ["sandbox", "gateway", "forwarder"],
	notes: [
		'"forward" sends the upstream request through a Worker that only forwards it (bench/forwarder): the local',
		"runtime's cost of a second hop and nothing else, so gateway − forward is the gateway's own cost.",
		'"direct" calls the sandbox upstream itself, for context: forward − direct is what the extra hop costs here.',
		"The bench's providers copy has its rate limits raised (bench/lib/providers.ts): every call is still limited",
		"and metered, but never refused.",
		"Added latency (the target) is measured one call at a time, the cases alternating call by call (forward, proxy,",
		"rest, forward-paid, paid, …), as the median over rounds of each round's p50 difference: a delta of paired",
		"calls, so the machine's drift hits both sides. The autocannon figure beside it measures each case alone for",
		"the whole duration; on a shared 2-core machine its rounds swing by several ms.",
	],
	cases: gatewayCases,
	probes: (ctx, o) =>
		alternate(
			gatewayCases(ctx)
				.filter((c) => c.name !== "direct")
				.map((c) => ({
					name: `${c.name}-1`,
					description: `${c.name}, one call at a time, alternating call by call with the others`,
					call: () => preflight(c.request),
				})),
			{ warmup: 20, calls: o.quick ? 40 : 300, rounds: o.rounds },
		),
	compare(results, probes) {
		return [
			...against(results, probes, "proxy", "forward", { ratio: 0.85, addedMs: 1 }),
			...against(results, probes, "rest", "forward", { ratio: 0.85, addedMs: 1 }),
			...against(results, probes, "paid", "forward-paid", { ratio: 0.8, addedMs: 2 }),
			{
				name: "forward − direct p50, 1 connection (the runtime's hop)",
				value:
					pick(results, "forward", "latency").latency_ms.p50 -
					pick(results, "direct", "latency").latency_ms.p50,
				unit: "ms",
			},
			{
				name: "proxy / direct req/s, throughput shape",
				value:
					pick(results, "proxy", "throughput").req_per_s / pick(results, "direct", "throughput").req_per_s,
				unit: "×",
			},
		];
	},
};

function gatewayCases(ctx: BenchContext): BenchCase[] {
	if (!ctx.forwarder) throw new Error("the gateway suite needs the forwarder Worker");
	const free = upstreamOf(ctx, FREE);
	const paid = upstreamOf(ctx, PAID);
	if (paid.fee <= 0)
		throw new Error(`${PAID.service}.${PAID.tool} has no usage fee; the paid case needs one`);
	return [
		{
			name: "direct",
			description: `sandbox upstream of ${FREE.service}.${FREE.tool}`,
			request: free.direct,
		},
		{
			name: "forward",
			description: "the same upstream request through the bench forwarder",
			request: { ...free.direct, url: new URL(free.forwardPath, ctx.forwarder).toString() },
		},
		proxyCase(ctx, "proxy", free.proxyPath, "with an API key"),
		restCase(ctx, "rest", FREE, "free"),
		{
			name: "forward-paid",
			description: `upstream request of ${PAID.service}.${PAID.tool} (with its key) through the bench forwarder`,
			request: { ...paid.direct, url: new URL(paid.forwardPath, ctx.forwarder).toString() },
		},
		restCase(ctx, "paid", PAID, `usage fee ${paid.fee}¢`),
	];
}

const metricsSuite: Suite = {
	name: "metrics",
	description:
		"The gateway recording metrics (to Analytics Engine as deployed, and to the local D1 store) against the same gateway with metrics off",
	workers: ["sandbox", "gateway", "gateway-metrics-off", "gateway-metrics-ae"],
	gatewayMetricsStore: "d1",
	notes: [
		"Three gateway processes from the same wrangler.toml and state, differing only in METRICS_STORE, each with its own",
		"credential: `d1` (npm start's store: every point a row, inserted in batches on waitUntil after the answer),",
		"`analytics-engine` (as deployed: one writeDataPoint per point; locally the binding drops the point, so this",
		"measures our recording work on the request, not Cloudflare's ingestion) and `off` (the baseline).",
	],
	cases(ctx) {
		if (!ctx.metricsOff || !ctx.metricsAe)
			throw new Error("the metrics suite needs the gateway-metrics-off and gateway-metrics-ae Workers");
		const free = upstreamOf(ctx, FREE);
		const stores = [
			["d1", { gateway: ctx.gateway, key: ctx.key }],
			["ae", ctx.metricsAe],
			["off", ctx.metricsOff],
		] as const;
		return [
			...stores.map(([store, at]) =>
				proxyCase(at, `proxy-metrics-${store}`, free.proxyPath, `METRICS_STORE ${store}`),
			),
			...stores.map(([store, at]) =>
				restCase(
					{ ...ctx, gateway: at.gateway, key: at.key },
					`rest-metrics-${store}`,
					FREE,
					`METRICS_STORE ${store}`,
				),
			),
		];
	},
	compare(results) {
		const ratio = (name: string, base: string): Comparison => ({
			name: `${name} / ${base} req/s, throughput shape`,
			value: pick(results, name, "throughput").req_per_s / pick(results, base, "throughput").req_per_s,
			unit: "×",
			target: { op: ">=", limit: 0.97 },
		});
		const added = (name: string, base: string): Comparison => ({
			name: `${name} − ${base} p50, 1 connection`,
			value: pick(results, name, "latency").latency_ms.p50 - pick(results, base, "latency").latency_ms.p50,
			unit: "ms",
		});
		return ["proxy", "rest"].flatMap((route) => [
			ratio(`${route}-metrics-ae`, `${route}-metrics-off`),
			ratio(`${route}-metrics-d1`, `${route}-metrics-off`),
			added(`${route}-metrics-ae`, `${route}-metrics-off`),
			added(`${route}-metrics-d1`, `${route}-metrics-off`),
		]);
	},
};

export const SUITES: readonly Suite[] = [gatewaySuite, moneySuite, mcpSuite, metricsSuite];
