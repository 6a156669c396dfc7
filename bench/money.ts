import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Measurement } from "./measure.ts";
import type { BenchContext, Comparison, Probe, ProbeOptions, Suite, SuiteResults } from "./suites.ts";

/**
 * The money suite: hold + capture pairs on Account Durable Objects, driven from inside workerd by the bench-only
 * Worker in bench/money-worker (one credential, then 100), against a bare round trip to the same DOs from the same
 * Worker; and the whole quote → purchase flow through the gateway and the sandbox merchant, against the same two
 * calls made to the merchant directly. Every run checks the books afterwards: a figure bought with a lost cent is
 * reported as an error, not a speed.
 */

const WorkerRunSchema = z.object({
	ops: z.number(),
	elapsed_ms: z.number(),
	per_s: z.number(),
	latency_ms: z.object({ p50: z.number(), p99: z.number(), mean: z.number() }),
	errors: z.number(),
	correct: z.boolean(),
	problems: z.array(z.string()),
});

function round(value: number, digits = 2): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

const CreatedSchema = z.object({ id: z.string(), key: z.string() });

/** New credentials, each funded through the admin API (so the gateway itself addresses each account first). */
async function fundedCredentials(
	ctx: BenchContext,
	count: number,
	cents: number,
): Promise<z.infer<typeof CreatedSchema>[]> {
	const admin = { authorization: `Bearer ${ctx.adminToken}` };
	const created: z.infer<typeof CreatedSchema>[] = [];
	while (created.length < count) {
		const batch = await Promise.all(
			Array.from({ length: Math.min(10, count - created.length) }, async () => {
				const made = await request(`${ctx.gateway}/v1/admin/credentials`, {
					headers: admin,
					// The bench is the owner's own script: its key may set the threshold it buys under.
					body: { email: "money-bench@penumbra.local", level: "authenticated", owner_key: true },
				});
				expectStatus("create credential", made, 201);
				const credential = CreatedSchema.parse(made.body);
				expectStatus(
					"credit",
					await request(`${ctx.gateway}/v1/admin/credentials/${credential.id}/credit`, {
						headers: admin,
						body: { amount_cents: cents, reference: `money-bench:${credential.id}` },
					}),
					200,
				);
				return credential;
			}),
		);
		created.push(...batch);
	}
	return created;
}

async function inWorker(
	ctx: BenchContext,
	name: string,
	description: string,
	input: { op: "ping" | "pairs" | "calls"; credentials: number; concurrency: number },
	o: ProbeOptions,
): Promise<Probe> {
	if (!ctx.money) throw new Error("the money suite needs the bench money Worker");
	const accounts = (await fundedCredentials(ctx, input.credentials, 1_000_000_000)).map((c) => c.id);
	const response = await fetch(`${ctx.money}/run`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({
			op: input.op,
			accounts,
			concurrency: input.concurrency,
			seconds: o.durationSeconds,
			warmup_seconds: o.warmupSeconds,
			run: `${name}-${Date.now()}`,
		}),
		signal: AbortSignal.timeout((o.durationSeconds + o.warmupSeconds) * 1000 + 120_000),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`money Worker answered ${response.status}: ${text.slice(0, 400)}`);
	const r = WorkerRunSchema.parse(JSON.parse(text));
	return {
		name,
		description,
		unit: { ping: "call", pairs: "pair", calls: "paid call" }[input.op],
		connections: input.concurrency,
		count: r.ops,
		duration_s: round(r.elapsed_ms / 1000),
		per_s: round(r.per_s, 1),
		latency_ms: {
			p50: round(r.latency_ms.p50),
			p99: round(r.latency_ms.p99),
			mean: round(r.latency_ms.mean),
		},
		errors: r.errors + (r.correct ? 0 : 1),
		problems: r.problems,
	};
}

interface Outcome {
	ok: boolean;
	problem?: string;
}

/** Runs `once` from `concurrency` loops for `seconds` and times each call. */
async function timed(
	concurrency: number,
	seconds: number,
	once: () => Promise<Outcome>,
): Promise<{ count: number; elapsedMs: number; latencies: number[]; problems: string[] }> {
	const latencies: number[] = [];
	const problems: string[] = [];
	const started = performance.now();
	const deadline = started + seconds * 1000;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (performance.now() < deadline) {
				const t0 = performance.now();
				const outcome = await once().catch((error: unknown) => ({
					ok: false,
					problem: error instanceof Error ? error.message : String(error),
				}));
				if (outcome.ok) latencies.push(performance.now() - t0);
				else problems.push(outcome.problem ?? "failed");
			}
		}),
	);
	return { count: latencies.length, elapsedMs: performance.now() - started, latencies, problems };
}

function probeOf(
	name: string,
	description: string,
	unit: string,
	connections: number,
	run: Awaited<ReturnType<typeof timed>>,
	extraProblems: string[] = [],
): Probe {
	const sorted = [...run.latencies].sort((a, b) => a - b);
	const at = (p: number) =>
		sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
	const problems = [...new Set(run.problems)].slice(0, 10).concat(extraProblems);
	return {
		name,
		description,
		unit,
		connections,
		count: run.count,
		duration_s: round(run.elapsedMs / 1000),
		per_s: round((run.count / run.elapsedMs) * 1000, 1),
		latency_ms: {
			p50: round(at(0.5) ?? Number.NaN),
			p99: round(at(0.99) ?? Number.NaN),
			mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
		},
		errors: run.problems.length + extraProblems.length,
		problems,
	};
}

async function request(
	url: string,
	init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
	const response = await fetch(url, {
		method: init.method ?? (init.body === undefined ? "GET" : "POST"),
		headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
		...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// Not JSON: kept as text for the error message.
	}
	return { status: response.status, body };
}

function expectStatus(what: string, got: { status: number; body: unknown }, status: number): void {
	if (got.status !== status) {
		throw new Error(`${what} answered ${got.status}: ${JSON.stringify(got.body).slice(0, 300)}`);
	}
}

const ParametersSchema = z.object({
	restaurants: z.array(z.object({ restaurant_id: z.string(), city: z.string() })).min(1),
});
const MenuSchema = z.object({
	sections: z.array(z.object({ items: z.array(z.object({ item_id: z.string() })) })).min(1),
});
const AccountSchema = z.object({
	balance_cents: z.number(),
	available_cents: z.number(),
	holds: z.array(z.unknown()),
});
const QuoteSchema = z.object({ quote_id: z.string(), amount_cents: z.number() });
const ReceiptSchema = z.object({ receipt: z.object({ amount_cents: z.number() }) });
const MerchantQuoteSchema = z.object({ quote_id: z.string() });

/** A funded credential of its own (so other cases' fees do not blur the check) and a FoodDash order to repeat. */
async function buyer(ctx: BenchContext): Promise<{ key: string; order: Record<string, unknown> }> {
	const [credential] = await fundedCredentials(ctx, 1, 500_000_000);
	if (!credential) throw new Error("no credential");
	const { key } = credential;
	const auth = { authorization: `Bearer ${key}` };
	expectStatus(
		"controls",
		await request(`${ctx.gateway}/v1/account/controls`, {
			method: "PUT",
			headers: { ...auth, "content-type": "application/json" },
			body: { auto_approve_threshold_cents: 1_000_000_000 },
		}),
		200,
	);
	const search = await request(`${ctx.gateway}/v1/services/fooddash/tools/search_restaurants`, {
		headers: auth,
		body: { parameters: { city: "austin" } },
	});
	expectStatus("search_restaurants", search, 200);
	const restaurant = ParametersSchema.parse(z.object({ result: z.unknown() }).parse(search.body).result)
		.restaurants[0];
	if (!restaurant) throw new Error("no restaurant");
	const menu = await request(`${ctx.gateway}/v1/services/fooddash/tools/get_menu`, {
		headers: auth,
		body: { parameters: { restaurant_id: restaurant.restaurant_id } },
	});
	expectStatus("get_menu", menu, 200);
	const item = MenuSchema.parse(z.object({ result: z.unknown() }).parse(menu.body).result).sections[0]
		?.items[0];
	if (!item) throw new Error("no menu item");
	return {
		key,
		order: {
			restaurant_id: restaurant.restaurant_id,
			items: [{ item_id: item.item_id, quantity: 3 }],
			delivery_address: { street: "100 Congress Ave", city: restaurant.city },
			tip_cents: 100,
		},
	};
}

/** quote → purchase through the gateway; afterwards the balance must have moved by exactly the receipts. */
async function gatewayFlow(
	ctx: BenchContext,
	name: string,
	connections: number,
	o: ProbeOptions,
): Promise<Probe> {
	const { key, order } = await buyer(ctx);
	const auth = { authorization: `Bearer ${key}` };
	let charged = 0;
	const once = async (): Promise<Outcome> => {
		const q = await request(`${ctx.gateway}/v1/quotes`, {
			headers: auth,
			body: { service: "fooddash", tool: "checkout", parameters: order },
		});
		if (q.status !== 201)
			return { ok: false, problem: `quote ${q.status}: ${JSON.stringify(q.body).slice(0, 200)}` };
		const { quote_id } = QuoteSchema.parse(q.body);
		const bought = await request(`${ctx.gateway}/v1/services/fooddash/tools/checkout`, {
			headers: auth,
			body: { parameters: order, quote_id },
		});
		if (bought.status !== 200) {
			return {
				ok: false,
				problem: `purchase ${bought.status}: ${JSON.stringify(bought.body).slice(0, 200)}`,
			};
		}
		charged += ReceiptSchema.parse(bought.body).receipt.amount_cents;
		return { ok: true };
	};
	if (o.warmupSeconds > 0) await timed(connections, o.warmupSeconds, once);
	const before = AccountSchema.parse((await request(`${ctx.gateway}/v1/account`, { headers: auth })).body);
	charged = 0;
	const run = await timed(connections, o.durationSeconds, once);
	const after = AccountSchema.parse((await request(`${ctx.gateway}/v1/account`, { headers: auth })).body);
	const problems: string[] = [];
	if (after.balance_cents !== before.balance_cents - charged) {
		problems.push(
			`balance moved by ${before.balance_cents - after.balance_cents}¢, receipts say ${charged}¢`,
		);
	}
	if (after.holds.length > 0 || after.available_cents !== after.balance_cents) {
		problems.push(`${after.holds.length} hold(s) left open`);
	}
	return probeOf(
		name,
		"POST /v1/quotes then POST /v1/services/fooddash/tools/checkout with the quote (hold, merchant, capture, receipt)",
		"flow",
		connections,
		run,
		problems,
	);
}

/** The same two merchant calls, straight to the sandbox: what the flow costs without the gateway. */
async function directFlow(
	ctx: BenchContext,
	order: Record<string, unknown>,
	name: string,
	connections: number,
	o: ProbeOptions,
): Promise<Probe> {
	const headers = { "x-api-key": "bench" };
	const once = async (): Promise<Outcome> => {
		const q = await request(`${ctx.sandbox}/fooddash/checkout/quote`, { headers, body: order });
		if (q.status !== 201) return { ok: false, problem: `quote ${q.status}` };
		const { quote_id } = MerchantQuoteSchema.parse(q.body);
		const placed = await request(`${ctx.sandbox}/fooddash/checkout`, {
			headers: { ...headers, "idempotency-key": randomUUID() },
			body: { ...order, quote_id },
		});
		return placed.status === 201 ? { ok: true } : { ok: false, problem: `checkout ${placed.status}` };
	};
	if (o.warmupSeconds > 0) await timed(connections, o.warmupSeconds, once);
	return probeOf(
		name,
		"POST /fooddash/checkout/quote then POST /fooddash/checkout, straight to the sandbox merchant",
		"flow",
		connections,
		await timed(connections, o.durationSeconds, once),
	);
}

const ACROSS = 100;
/** Operations in flight on one credential: what the figures before issue 17 used, so they stay comparable. */
const PAIRS_AT_ONCE = 20;
/** The sandbox is one local process; beyond a few flows at once it, not the gateway, is what is measured. */
const FLOW_CONNECTIONS = 4;

function probe(probes: readonly Probe[], name: string): Probe {
	const found = probes.find((p) => p.name === name);
	if (!found) throw new Error(`no probe ${name}`);
	return found;
}

function measurement(results: SuiteResults, caseName: string, shape: string): Measurement {
	const found = results[caseName]?.[shape];
	if (!found) throw new Error(`no result for ${caseName} @ ${shape}`);
	return found;
}

export const moneySuite: Suite = {
	name: "money",
	description:
		"Hold + capture pairs on Account Durable Objects, and quote → purchase through the gateway, with the books checked after each",
	workers: ["sandbox", "gateway", "money"],
	notes: [
		'"ping" and "pairs" run inside the bench money Worker (bench/money-worker), which runs in the gateway\'s',
		"wrangler dev process (one process, the gateway as an auxiliary config) and calls its AccountDO by in-process",
		"RPC, not through the dev registry (earlier runs crossed two processes there, ≈1.5 ms a call).",
		"The gateway has no port of its own there: every other request (admin setup, bare, account, the flows) reaches",
		"it through the money Worker's origin, one in-process service binding call more than before.",
		'"pairs ÷ ping" is the cost of the money transactions over a bare round trip in the same topology. A pair is',
		"two round trips (hold, capture): 0.5× ping throughput is the ceiling. The accounts are credentials created and",
		"funded through the admin API, so their outbox drains into D1 as in production. After every run each account",
		"must balance (balance = Σ entries, nothing reserved, short by exactly what was captured), a flow run must",
		"leave the balance moved by exactly its receipts, and a reconcile of every credential must find nothing.",
		`Flows run at ${FLOW_CONNECTIONS} at once: the sandbox merchant is one local process.`,
	],
	cases(ctx) {
		return [
			{
				name: "bare",
				description: "gateway GET /v1/health (no caller; its D1/KV/DO checks are shared for 5 s per isolate)",
				request: { method: "GET", url: `${ctx.gateway}/v1/health` },
			},
			{
				name: "account",
				description: "gateway GET /v1/account with the API key (one Account DO read over HTTP)",
				request: {
					method: "GET",
					url: `${ctx.gateway}/v1/account`,
					headers: { authorization: `Bearer ${ctx.key}` },
				},
			},
		];
	},
	async probes(ctx, o) {
		const c = PAIRS_AT_ONCE;
		const probes: Probe[] = [];
		const say = (p: Probe) => {
			probes.push(p);
			process.stdout.write(
				`[bench] money/${p.name}: ${p.per_s} ${p.unit}s/s at ${p.connections} at once, p50 ${p.latency_ms.p50} ms, ${p.errors} error(s)\n`,
			);
		};
		const account = { credentials: 1 };
		say(
			await inWorker(
				ctx,
				"ping-1",
				"bare DO round trip (ping), one at a time",
				{ op: "ping", ...account, concurrency: 1 },
				o,
			),
		);
		say(
			await inWorker(
				ctx,
				"ping",
				`bare DO round trip (ping), ${c} at once`,
				{ op: "ping", ...account, concurrency: c },
				o,
			),
		);
		say(
			await inWorker(
				ctx,
				"pairs-1",
				"hold + capture, one credential, one at a time",
				{ op: "pairs", ...account, concurrency: 1 },
				o,
			),
		);
		say(
			await inWorker(
				ctx,
				"pairs",
				`hold + capture, one credential, ${c} at once`,
				{ op: "pairs", ...account, concurrency: c },
				o,
			),
		);
		say(
			await inWorker(
				ctx,
				"calls",
				`usage fee of a paid tool call (beginCall + endCall), one credential, ${c} at once`,
				{ op: "calls", ...account, concurrency: c },
				o,
			),
		);
		say(
			await inWorker(
				ctx,
				"ping-across",
				`bare DO round trip, ${ACROSS} credentials, ${ACROSS} at once`,
				{ op: "ping", credentials: ACROSS, concurrency: ACROSS },
				o,
			),
		);
		say(
			await inWorker(
				ctx,
				"pairs-across",
				`hold + capture, ${ACROSS} credentials round robin, ${ACROSS} at once`,
				{ op: "pairs", credentials: ACROSS, concurrency: ACROSS },
				o,
			),
		);
		say(await gatewayFlow(ctx, "flow-1", 1, o));
		say(await gatewayFlow(ctx, "flow", FLOW_CONNECTIONS, o));
		const { order } = await buyer(ctx);
		say(await directFlow(ctx, order, "direct-1", 1, o));
		say(await directFlow(ctx, order, "direct", FLOW_CONNECTIONS, o));
		const reconciled = await request(`${ctx.gateway}/v1/admin/reconcile`, {
			method: "POST",
			headers: { authorization: `Bearer ${ctx.adminToken}` },
		});
		const mismatches = z.object({ mismatches: z.array(z.unknown()) }).safeParse(reconciled.body);
		if (reconciled.status !== 200 || !mismatches.success || mismatches.data.mismatches.length > 0) {
			const last = probes.at(-1);
			if (last) {
				last.errors += 1;
				last.problems.push(`reconcile after the runs: ${JSON.stringify(reconciled.body).slice(0, 300)}`);
			}
		}
		return probes;
	},
	compare(results, probes) {
		const ping1 = probe(probes, "ping-1");
		const ping = probe(probes, "ping");
		const pairs1 = probe(probes, "pairs-1");
		const pairs = probe(probes, "pairs");
		const calls = probe(probes, "calls");
		const pingAcross = probe(probes, "ping-across");
		const across = probe(probes, "pairs-across");
		const flow1 = probe(probes, "flow-1");
		const flow = probe(probes, "flow");
		const direct1 = probe(probes, "direct-1");
		const direct = probe(probes, "direct");
		const account = {
			one: measurement(results, "account", "latency"),
			load: measurement(results, "account", "throughput"),
		};
		const comparisons: Comparison[] = [
			{
				name: `hold + capture pairs/s, one credential (${pairs.connections} at once)`,
				value: pairs.per_s,
				unit: "pairs/s",
				target: { op: ">=", limit: 1_000 },
			},
			{ name: "  ÷ bare DO round trips/s (same concurrency)", value: pairs.per_s / ping.per_s, unit: "×" },
			{
				name: `paid tool calls' fees/s (beginCall + endCall), one credential (${calls.connections} at once)`,
				value: calls.per_s,
				unit: "calls/s",
			},
			{ name: "  ÷ bare DO round trips/s (same concurrency)", value: calls.per_s / ping.per_s, unit: "×" },
			{ name: `hold + capture pairs/s, ${ACROSS} credentials`, value: across.per_s, unit: "pairs/s" },
			{
				name: "  ÷ bare DO round trips/s (same concurrency)",
				value: across.per_s / pingAcross.per_s,
				unit: "×",
			},
			{ name: "  ÷ pairs/s on one credential", value: across.per_s / pairs.per_s, unit: "×" },
			// workerd's clock moves in whole milliseconds: one-at-a-time times come from the throughput instead.
			{ name: "pair time, one at a time", value: 1000 / pairs1.per_s, unit: "ms" },
			{ name: "  ÷ bare DO round trip time", value: ping1.per_s / pairs1.per_s, unit: "×" },
			{
				name: `quote → purchase flows/s through the gateway (${flow.connections} at once)`,
				value: flow.per_s,
				unit: "flows/s",
			},
			{ name: "  ÷ the same calls to the merchant directly", value: flow.per_s / direct.per_s, unit: "×" },
			{ name: "  ÷ bare DO round trips/s in-Worker", value: flow.per_s / ping.per_s, unit: "×" },
			{
				name: "  ÷ GET /v1/account req/s (one DO read over HTTP)",
				value: flow.per_s / account.load.req_per_s,
				unit: "×",
			},
			{ name: "flow p50, one at a time", value: flow1.latency_ms.p50, unit: "ms" },
			{
				name: "  − direct merchant calls p50",
				value: flow1.latency_ms.p50 - direct1.latency_ms.p50,
				unit: "ms",
			},
			{
				name: "  ÷ GET /v1/account p50",
				value: flow1.latency_ms.p50 / account.one.latency_ms.p50,
				unit: "×",
			},
			{
				name: "money errors (failed operations, unbalanced books, reconcile mismatches)",
				value: probes.reduce((n, p) => n + (p.unit === "call" ? 0 : p.errors), 0),
				unit: "",
				target: { op: "<=", limit: 0 },
			},
		];
		return comparisons;
	},
};
