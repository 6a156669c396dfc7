import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { type Target, target } from "../lib/results.ts";
import { round } from "../lib/stats.ts";
import { table } from "../table.ts";
import type { ConcurrentReport } from "./concurrent.ts";
import { FIRST_DELTA_TARGET_MS, RELAY_TARGET_MS } from "./config.ts";
import type { RelayReport } from "./relay.ts";

/** MAX_CONCURRENT_TURNS as workers/chat/wrangler.toml ships it (the bench does not override it). */
export function shippedTurnLimit(root: string): number | null {
	const toml = readFileSync(join(root, "workers", "chat", "wrangler.toml"), "utf8");
	const found = /^MAX_CONCURRENT_TURNS\s*=\s*"?(\d+)"?/m.exec(toml);
	return found ? Number(found[1]) : null;
}

const ms = (n: number) => (Number.isNaN(n) ? "n/a" : n.toFixed(2));

export function printReport(relay: RelayReport, conc: ConcurrentReport): void {
	const out: string[] = [
		"",
		`SSE relay: fake model writes a chunk → client has the event (ms; ${relay.turns} turns × ${relay.chunks_per_turn} chunks of ${relay.chunk_chars} chars, ${relay.gap_ms} ms apart, paths interleaved)`,
		"",
		table([
			["path", "chunks", "p50", "p99", "max"],
			[
				"direct: fake → Node fetch (/v1/messages)",
				String(relay.direct.latency_ms.n),
				ms(relay.direct.latency_ms.p50),
				ms(relay.direct.latency_ms.p99),
				ms(relay.direct.latency_ms.max),
			],
			[
				"chat: fake → ChatSession DO → chat Worker → Node fetch (/api/chat)",
				String(relay.chat.latency_ms.n),
				ms(relay.chat.latency_ms.p50),
				ms(relay.chat.latency_ms.p99),
				ms(relay.chat.latency_ms.max),
			],
			["relay overhead (chat − direct)", "", ms(relay.overhead_p50_ms), ms(relay.overhead_p99_ms), ""],
		]),
		"",
		`  chat ÷ direct at p50: ${relay.ratio_p50}×. The chat path adds the SDK's stream parser in workerd, the DO's event log`,
		"  write (SQLite) and fan-out, the Worker relaying the DO's body, and wrangler dev's proxy in front of workerd.",
		"",
		`${conc.credentials} concurrent streams (${conc.chunks_per_stream} chunks, ${conc.gap_ms} ms apart: ${conc.scripted_ms} ms of scripted model time each; one credential per stream; ms)`,
		"",
		table([
			["path", "streams", "errors", "wall", "first delta p50", "p99", "complete p50", "p99"],
			...(
				[
					["chat (POST /api/chat)", conc.chat],
					["direct (fake → Node fetch)", conc.direct],
				] as const
			).map(([label, p]) => [
				label,
				String(p.streams),
				String(p.errors),
				p.wall_ms.toFixed(0),
				ms(p.first_delta_ms.p50),
				ms(p.first_delta_ms.p99),
				ms(p.complete_ms.p50),
				ms(p.complete_ms.p99),
			]),
		]),
		"",
		`  first delta = request sent → first assistant.delta (chat: auth, one D1 statement for the conversation and turn`,
		`  slot, DO start; the model is called while the D1 message, alarm and key check finish; its first chunk, which the fake`,
		`  sends after ${conc.gap_ms} ms; docs/chat-stream.md "Before the first token").`,
		`  One stream alone (${relay.first_delta_turns} short turns, one at a time): first delta p50 ${ms(relay.first_delta_ms.chat.p50)} ms, max ${ms(relay.first_delta_ms.chat.max)} ms`,
		`  (direct: ${ms(relay.first_delta_ms.direct.p50)} ms). Model calls the fake answered for the ${conc.credentials} chat turns: ${conc.model_calls}.`,
	];
	if (conc.load_average > availableParallelism()) {
		out.push(
			`  WARNING: load average ${conc.load_average} on ${availableParallelism()} cores before the streams: other processes`,
			"  shared the cores, so the concurrent figures are inflated. Rerun on a quiet machine.",
		);
	}
	for (const p of [conc.chat, conc.direct]) {
		for (const { problem, count } of p.problems) out.push(`  ${count}× ${problem}`);
	}
	for (const [path, problems] of [
		["chat", relay.chat.problems],
		["direct", relay.direct.problems],
	] as const) {
		for (const problem of problems) out.push(`  relay ${path}: ${problem}`);
	}
	process.stdout.write(`${out.join("\n")}\n`);
}

/** Issue 17's first-delta target (chat − direct ≤ 10 ms p50), the relay's own, and the concurrent streams' sanity. */
export function targetsOf(relay: RelayReport, conc: ConcurrentReport, streams: number): Target[] {
	return [
		target(
			"time to first assistant.delta − the fake's first chunk direct, p50 over turns",
			relay.first_delta_overhead_p50_ms,
			"ms",
			"<=",
			FIRST_DELTA_TARGET_MS,
		),
		target(
			"SSE relay overhead per chunk p50 (chat − direct)",
			relay.overhead_p50_ms,
			"ms",
			"<=",
			RELAY_TARGET_MS,
		),
		target(`errors in ${streams} concurrent chat streams`, conc.chat.errors, "", "<=", 0),
		target("model calls per concurrent turn", round(conc.model_calls / streams, 2), "", "<=", 1),
		target(
			"  of which: request → the model called (chat − direct)",
			relay.first_delta_split_p50_ms.until_model_called,
			"ms",
		),
		target(
			"  of which: first chunk written → first delta read (chat − direct)",
			relay.first_delta_split_p50_ms.first_chunk_to_delta,
			"ms",
		),
		target("first delta p50, chat", relay.first_delta_ms.chat.p50, "ms"),
		target("first delta p50, direct", relay.first_delta_ms.direct.p50, "ms"),
	];
}
