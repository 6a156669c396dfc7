import { loadavg } from "node:os";
import type { StoredCredential } from "../../scripts/lib/admin.ts";
import { fakeModel } from "../../test/fake-anthropic/client.ts";
import { type CountedSpread, countedSpread, round } from "../lib/stats.ts";
import { CONC_CHUNKS, CONC_GAP_MS, TOKEN_CHARS, tokens } from "./config.ts";
import { chatTurn, directTurn, now, problemOf, type Trace } from "./sse.ts";

interface ConcurrentPath {
	streams: number;
	errors: number;
	/** The first few distinct problems, with how often each happened. */
	problems: { problem: string; count: number }[];
	wall_ms: number;
	first_delta_ms: CountedSpread;
	complete_ms: CountedSpread;
}

export interface ConcurrentReport {
	chunks_per_stream: number;
	gap_ms: number;
	/** Time the fake alone spends streaming one answer. */
	scripted_ms: number;
	credentials: number;
	chat: ConcurrentPath;
	direct: ConcurrentPath;
	/** Model calls the fake answered for the chat's streams (one per turn when nothing retried). */
	model_calls: number;
	/** 1-minute load average just before the streams started: other work on the cores shows in these figures. */
	load_average: number;
}

function summarize(traces: Trace[], expected: string, t0: number): ConcurrentPath {
	const counts = new Map<string, number>();
	const ok: Trace[] = [];
	for (const trace of traces) {
		const problem = problemOf(trace, expected);
		if (problem) counts.set(problem, (counts.get(problem) ?? 0) + 1);
		else ok.push(trace);
	}
	const ends = traces.map((t) => t.completed?.at ?? now());
	return {
		streams: traces.length,
		errors: traces.length - ok.length,
		problems: [...counts].slice(0, 5).map(([problem, count]) => ({ problem, count })),
		wall_ms: round(Math.max(...ends) - t0, 0),
		first_delta_ms: countedSpread(ok.map((t) => (t.deltas[0]?.at ?? Number.NaN) - t.sent)),
		complete_ms: countedSpread(ok.map((t) => (t.completed?.at ?? Number.NaN) - t.sent)),
	};
}

export async function measureConcurrent(
	chatOrigin: string,
	credentials: StoredCredential[],
	fakeUrl: string,
	say: (line: string) => void,
): Promise<ConcurrentReport> {
	const model = fakeModel(fakeUrl);
	const text = tokens(CONC_CHUNKS);
	const step = { text, chunk_size: TOKEN_CHARS, delay_ms_per_chunk: CONC_GAP_MS };
	await model.script({ id: "conc-chat", match: "[conc-chat]", steps: [step] });
	await model.script({ id: "conc-direct", match: "[conc-direct]", steps: [step] });

	const load = round(loadavg()[0] ?? 0);
	say(`${credentials.length} chat streams at once…`);
	const chatStart = now();
	const chat = summarize(
		await Promise.all(
			credentials.map((c, i) => chatTurn(chatOrigin, c.key, `[conc-chat] conversation ${i}`)),
		),
		text,
		chatStart,
	);
	const modelCalls = (await model.calls("conc-chat")).length;

	say(`${credentials.length} direct streams at once…`);
	const directStart = now();
	const direct = summarize(
		await Promise.all(credentials.map((_, i) => directTurn(fakeUrl, `[conc-direct] conversation ${i}`))),
		text,
		directStart,
	);
	await model.reset("conc-chat");
	await model.reset("conc-direct");
	return {
		chunks_per_stream: CONC_CHUNKS,
		gap_ms: CONC_GAP_MS,
		scripted_ms: CONC_CHUNKS * CONC_GAP_MS,
		credentials: credentials.length,
		chat,
		direct,
		model_calls: modelCalls,
		load_average: load,
	};
}
