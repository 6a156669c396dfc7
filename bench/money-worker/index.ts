/**
 * Bench-only: drives the gateway's Account Durable Objects from inside workerd, so the money benchmark measures the
 * DO and its transactions rather than an HTTP client. POST /run loops one operation with a given concurrency for a
 * given time and answers with counts, latencies and a correctness check of every account it touched.
 *
 * It runs in the gateway's own `wrangler dev` process (bench/http.ts: this config first, so it owns the HTTP port;
 * the gateway's as an auxiliary), so a call to the DO is an in-process RPC, not a hop through the dev registry.
 * Every other request is handed to the gateway unchanged: the suite's admin setup, `/v1/account` and the quote →
 * purchase flows reach the gateway through this Worker's origin.
 *
 * The accounts are real credentials the bench created and funded through the gateway's admin API: the gateway
 * addresses each by name first, so the object knows its credential id (calls from this other Worker arrive
 * without it) and its ledger outbox drains into D1 as in production.
 */

import type { AccountDO } from "@penumbra/gateway/account";
import { Hono } from "hono";
import { z } from "zod";

const RunSchema = z.object({
	/**
	 * `ping`: a round trip that touches no storage; `pairs`: hold 1¢ then capture it, each under its own key;
	 * `calls`: a paid tool call's fee as the gateway charges it, `beginCall` (1¢) then `endCall` on success.
	 */
	op: z.enum(["ping", "pairs", "calls"]),
	/** Funded credentials, used round robin. */
	accounts: z
		.array(z.string().regex(/^cred_[A-Za-z0-9]{1,64}$/))
		.min(1)
		.max(1_000),
	concurrency: z.number().int().min(1).max(1_000),
	seconds: z.number().positive().max(300),
	warmup_seconds: z.number().min(0).max(60).default(0),
	/** Names the idempotency keys, so runs never meet each other's records. */
	run: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
});

type Run = z.infer<typeof RunSchema>;
type Stub = DurableObjectStub<AccountDO>;

interface Loop {
	ops: number;
	errors: string[];
	latencies: number[];
	elapsedMs: number;
	/** Cents captured per account index. */
	captured: number[];
}

/** A failed result's code and detail (RPC types show only the success shape of the DO's results). */
function describe(result: object): string {
	return `${String(Reflect.get(result, "code"))} ${String(Reflect.get(result, "detail"))}`;
}

async function loop(stubs: Stub[], input: Run, seconds: number, tag: string): Promise<Loop> {
	const result: Loop = { ops: 0, errors: [], latencies: [], elapsedMs: 0, captured: stubs.map(() => 0) };
	let next = 0;
	const started = performance.now();
	const deadline = started + seconds * 1000;
	const worker = async () => {
		while (performance.now() < deadline) {
			const i = next++;
			const at = i % stubs.length;
			const stub = stubs[at];
			if (!stub) throw new Error("no account");
			const t0 = performance.now();
			if (input.op === "ping") {
				await stub.ping();
			} else if (input.op === "calls") {
				const begun = await stub.beginCall({
					service: "bench",
					tool: "paid_call",
					fee_cents: 1,
					per_minute: 1_000_000_000,
					burst: 1_000_000_000,
				});
				if (!begun.ok || begun.hold_id === null) {
					result.errors.push(`beginCall ${i}: ${describe(begun)}`);
					continue;
				}
				const ended = await stub.endCall({ hold_id: begun.hold_id, success: true });
				if (!ended.ok) {
					result.errors.push(`endCall ${i}: ${describe(ended)}`);
					continue;
				}
				result.captured[at] = (result.captured[at] ?? 0) + ended.charged_cents;
			} else {
				const key = `${input.run}:${tag}:${i}`;
				const held = await stub.hold({ key: `h:${key}`, kind: "usage", amount_cents: 1, ttl_ms: 600_000 });
				if ("code" in held) {
					result.errors.push(`hold ${i}: ${describe(held)}`);
					continue;
				}
				const captured = await stub.capture({ key: `c:${key}`, hold_id: held.hold.id, amount_cents: 1 });
				if ("code" in captured) {
					result.errors.push(`capture ${i}: ${describe(captured)}`);
					continue;
				}
				result.captured[at] = (result.captured[at] ?? 0) + 1;
			}
			result.latencies.push(performance.now() - t0);
			result.ops++;
		}
	};
	await Promise.all(Array.from({ length: input.concurrency }, worker));
	result.elapsedMs = performance.now() - started;
	return result;
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	return (
		sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
	);
}

async function run(env: MoneyBenchEnv, input: Run) {
	const stubs = input.accounts.map((id) => env.ACCOUNT.getByName(id));
	await Promise.all(stubs.map((s) => s.ping()));
	if (input.warmup_seconds > 0) await loop(stubs, input, input.warmup_seconds, "warmup");
	const moves = input.op !== "ping";
	const before = moves ? await Promise.all(stubs.map((s) => s.audit())) : [];
	const measured = await loop(stubs, input, input.seconds, "measure");

	// Every account must still balance, hold nothing, and be short by exactly what was captured.
	const problems: string[] = [...measured.errors.slice(0, 10)];
	if (moves) {
		const after = await Promise.all(stubs.map((s) => s.audit()));
		for (const [i, a] of after.entries()) {
			const expected = (before[i]?.balance_cents ?? 0) - (measured.captured[i] ?? 0);
			if (a.balance_cents !== a.entries_sum_cents || a.reserved_cents !== 0 || a.balance_cents !== expected) {
				problems.push(
					`account ${i}: balance ${a.balance_cents}, entries ${a.entries_sum_cents}, reserved ${a.reserved_cents}, expected ${expected}`,
				);
			}
		}
	}
	const sorted = measured.latencies.sort((a, b) => a - b);
	const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
	return {
		op: input.op,
		credentials: input.accounts.length,
		concurrency: input.concurrency,
		ops: measured.ops,
		elapsed_ms: Math.round(measured.elapsedMs),
		per_s: (measured.ops / measured.elapsedMs) * 1000,
		latency_ms: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean },
		errors: measured.errors.length,
		correct: problems.length === 0,
		problems,
	};
}

const app = new Hono<{ Bindings: MoneyBenchEnv }>();
app.post("/run", async (c) => {
	const parsed = RunSchema.safeParse(await c.req.json().catch(() => null));
	if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
	return c.json(await run(c.env, parsed.data));
});

// The gateway is an auxiliary Worker of this process, reachable over HTTP only through here.
app.all("*", (c) => c.env.GATEWAY.fetch(c.req.raw));

// The bench prints this; a bare 500 would hide why a run stopped (e.g. the gateway reloaded mid-run).
app.onError((error, c) => c.json({ error: error instanceof Error ? error.message : String(error) }, 500));

export default app;
