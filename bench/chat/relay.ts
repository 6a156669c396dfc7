import { fakeModel, type SentChunk } from "../../test/fake-anthropic/client.ts";
import { type CountedSpread, countedSpread, median, round } from "../lib/stats.ts";
import { FIRST_DELTA_CHUNKS, RELAY_CHUNKS, RELAY_GAP_MS, TOKEN_CHARS, tokens } from "./config.ts";
import { chatTurn, directTurn, problemOf, type Trace } from "./sse.ts";

interface RelayPath {
	latency_ms: CountedSpread;
	problems: string[];
}

export interface RelayReport {
	turns: number;
	chunks_per_turn: number;
	chunk_chars: number;
	gap_ms: number;
	direct: RelayPath;
	chat: RelayPath;
	overhead_p50_ms: number;
	overhead_p99_ms: number;
	ratio_p50: number;
	/** Short turns (FIRST_DELTA_CHUNKS chunks) per path behind the first-delta figures, apart from the relay turns. */
	first_delta_turns: number;
	/** Request sent → first delta, one turn at a time: what a stream costs to start on a quiet stack. */
	first_delta_ms: { chat: CountedSpread; direct: CountedSpread };
	/** Median over turns of (chat − direct) time to the first delta, each turn's two streams run back to back. */
	first_delta_overhead_p50_ms: number;
	/**
	 * Where the chat's extra time to the first delta goes, medians over turns: request sent → the model request
	 * arriving at the fake (the turn's start: auth, D1, the session DO, the outbound call), minus the same for the
	 * direct stream; and the fake writing its first chunk → the client reading the first delta, minus direct.
	 */
	first_delta_split_p50_ms: { until_model_called: number; first_chunk_to_delta: number };
}

/** Per chunk: client arrival − fake send, chunk i ↔ delta i of the script's one stream. */
function pairUp(trace: Trace, sent: SentChunk[], expected: string, problems: string[], out: number[]): void {
	const problem = problemOf(trace, expected);
	if (problem) {
		problems.push(problem);
		return;
	}
	const chunks = sent.filter((c) => c.type === "text_delta");
	if (new Set(chunks.map((c) => c.stream)).size !== 1) {
		problems.push(`expected one model stream, the fake sent ${new Set(chunks.map((c) => c.stream)).size}`);
		return;
	}
	if (chunks.length !== trace.deltas.length || chunks.some((c, i) => c.text !== trace.deltas[i]?.text)) {
		problems.push(`${chunks.length} chunks sent, ${trace.deltas.length} deltas received, not the same texts`);
		return;
	}
	for (const [i, c] of chunks.entries()) out.push((trace.deltas[i]?.at ?? Number.NaN) - c.at);
}

/** Median over turns of chat − direct, each turn's pair run back to back. */
function pairedOverhead(by: { chat: number[]; direct: number[] }): number {
	return round(
		median(by.chat.map((c, i) => c - (by.direct[i] ?? Number.NaN)).filter((n) => !Number.isNaN(n))),
	);
}

/** The fake's script step for a turn of `chunks` tokens, one per chunk, RELAY_GAP_MS apart. */
function streamStep(chunks: number) {
	return { text: tokens(chunks), chunk_size: TOKEN_CHARS, delay_ms_per_chunk: RELAY_GAP_MS };
}

/** One scripted turn on `path`: its trace and what the fake logged sending it. */
async function runTurn(
	model: ReturnType<typeof fakeModel>,
	path: "chat" | "direct",
	id: string,
	step: ReturnType<typeof streamStep>,
	at: { chatOrigin: string; key: string; fakeUrl: string },
): Promise<{ trace: Trace; sent: SentChunk[] }> {
	await model.script({ id, match: `[${id}]`, steps: [step] });
	const message = `[${id}] stream tokens, please`;
	const trace =
		path === "chat" ? await chatTurn(at.chatOrigin, at.key, message) : await directTurn(at.fakeUrl, message);
	const sent = await model.sent(id);
	await model.reset(id);
	return { trace, sent };
}

/**
 * Request sent → first delta on both paths, over `turns` short turns (FIRST_DELTA_CHUNKS chunks each, chat and
 * direct back to back), each a new conversation; the turn's split at the model request as the fake logged it.
 */
async function measureFirstDelta(
	model: ReturnType<typeof fakeModel>,
	at: { chatOrigin: string; key: string; fakeUrl: string },
	turns: number,
	say: (line: string) => void,
): Promise<
	Pick<
		RelayReport,
		"first_delta_turns" | "first_delta_ms" | "first_delta_overhead_p50_ms" | "first_delta_split_p50_ms"
	>
> {
	const step = streamStep(FIRST_DELTA_CHUNKS);
	const firsts = { chat: [] as number[], direct: [] as number[] };
	const untilCalled = { chat: [] as number[], direct: [] as number[] };
	const chunkToDelta = { chat: [] as number[], direct: [] as number[] };
	for (let turn = 1; turn <= turns; turn++) {
		for (const path of ["chat", "direct"] as const) {
			const { trace, sent } = await runTurn(model, path, `first-${path}-${turn}`, step, at);
			const problem = problemOf(trace, step.text);
			if (problem) throw new Error(`first-delta ${path} turn ${turn} failed: ${problem}`);
			const first = trace.deltas[0];
			firsts[path].push(first ? first.at - trace.sent : Number.NaN);
			untilCalled[path].push((sent[0]?.requested_at_ms ?? Number.NaN) - trace.sent);
			chunkToDelta[path].push((first?.at ?? Number.NaN) - (sent[0]?.at ?? Number.NaN));
		}
		if (turn % 10 === 0 || turn === turns) say(`first delta: ${turn}/${turns} turns per path`);
	}
	return {
		first_delta_turns: turns,
		first_delta_ms: {
			chat: countedSpread(firsts.chat.filter((n) => !Number.isNaN(n))),
			direct: countedSpread(firsts.direct.filter((n) => !Number.isNaN(n))),
		},
		first_delta_overhead_p50_ms: pairedOverhead(firsts),
		first_delta_split_p50_ms: {
			until_model_called: pairedOverhead(untilCalled),
			first_chunk_to_delta: pairedOverhead(chunkToDelta),
		},
	};
}

export async function measureRelay(
	chatOrigin: string,
	key: string,
	fakeUrl: string,
	turns: number,
	firstDeltaTurns: number,
	say: (line: string) => void,
): Promise<RelayReport> {
	const model = fakeModel(fakeUrl);
	const at = { chatOrigin, key, fakeUrl };
	const step = streamStep(RELAY_CHUNKS);
	const { text } = step;
	const samples = { chat: [] as number[], direct: [] as number[] };
	const problems = { chat: [] as string[], direct: [] as string[] };
	// Turn 0 warms both paths up (fresh isolates, first connections) and is not counted.
	for (let turn = 0; turn <= turns; turn++) {
		for (const path of ["chat", "direct"] as const) {
			const { trace, sent } = await runTurn(model, path, `relay-${path}-${turn}`, step, at);
			if (turn === 0 && problemOf(trace, text))
				throw new Error(`warm-up ${path} turn failed: ${problemOf(trace, text)}`);
			pairUp(trace, sent, text, turn === 0 ? [] : problems[path], turn === 0 ? [] : samples[path]);
		}
		if (turn > 0) say(`relay turn ${turn}/${turns}: ${samples.chat.length} chunk pairs per path so far`);
	}
	const direct = countedSpread(samples.direct);
	const chat = countedSpread(samples.chat);
	return {
		turns: turns,
		chunks_per_turn: RELAY_CHUNKS,
		chunk_chars: TOKEN_CHARS,
		gap_ms: RELAY_GAP_MS,
		direct: { latency_ms: direct, problems: problems.direct },
		chat: { latency_ms: chat, problems: problems.chat },
		overhead_p50_ms: round(chat.p50 - direct.p50),
		overhead_p99_ms: round(chat.p99 - direct.p99),
		ratio_p50: round(chat.p50 / direct.p50, 1),
		...(await measureFirstDelta(model, at, firstDeltaTurns, say)),
	};
}
