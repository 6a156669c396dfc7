/**
 * Chat bench (part of `npm run bench`, or alone: `node bench/chat.ts [--streams 100] [--relay-turns 6]
 * [--state-dir DIR] [--strict]`). Sandbox + gateway + MCP + chat Worker under `wrangler dev` (state in /dev/shm,
 * wiped), the chat Worker pointed at the fake Anthropic API (test/fake-anthropic) running inside this process.
 *
 * 1. SSE relay overhead: the fake streams a scripted text of fixed-size tokens, one token per chunk, a pause between
 *    chunks; it logs when it wrote each chunk (GET /_fake/sent). The client (Node fetch, POST /api/chat with a
 *    Bearer key) stamps each `assistant.delta` as its bytes arrive; chunk i ↔ delta i (texts checked equal). The
 *    same chunks streamed straight from the fake to Node fetch (`/v1/messages`, stream: true) are the baseline,
 *    interleaved turn by turn. Overhead = chat − direct. Both clocks are this process's, so no skew.
 *    Target: overhead ≤ 5 ms p50.
 * 2. Concurrent streams: N conversations (default 100) started at once, each by its own credential, each read to
 *    `assistant.completed`. Errors (HTTP, `error` events, missing or wrong text, timeouts) must be 0. For
 *    context, the same N streams straight from the fake at once.
 *
 * One credential per stream, not a raised MAX_CONCURRENT_TURNS: 100 people chatting is the production shape, and
 * the chat Worker runs with its shipped limits (the per-user count is one of the D1 statements every turn pays).
 *
 * Results: stdout and bench/results/chat-latest.json. Everything shares this machine's cores (the fake and the
 * clients run in this process): compare with the baselines of the same run, not across machines.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { AdminClient, fundDevCredential, type StoredCredential } from "../scripts/lib/admin.ts";
import { freePort, makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import {
	applyMigrations,
	ensureDevVars,
	firstExit,
	HOST,
	type PlannedWorker,
	planWorkers,
	type StackOptions,
	seedRegistry,
	startWorkersInOrder,
	WORKERS,
} from "../scripts/lib/stack.ts";
import { fakeModel, type SentChunk } from "../test/fake-anthropic/client.ts";
import { startFakeAnthropic } from "../test/fake-anthropic/server.ts";
import { table } from "./table.ts";

const root = resolve(import.meta.dirname, "..");
const started = performance.now();
const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const say = makePrefixer("bench:chat");

function parseFlags() {
	try {
		return parseArgs({
			options: {
				streams: { type: "string", default: "100" },
				"relay-turns": { type: "string", default: "6" },
				"state-dir": { type: "string" },
				strict: { type: "boolean", default: false },
			},
		}).values;
	} catch (error) {
		say(
			`${error instanceof Error ? error.message : String(error)}; flags: --streams, --relay-turns, --state-dir, --strict`,
		);
		process.exit(2);
	}
}

const args = parseFlags();
const STREAMS = Number(args.streams);
const RELAY_TURNS = Number(args["relay-turns"]);
for (const [flag, n] of [
	["--streams", STREAMS],
	["--relay-turns", RELAY_TURNS],
] as const) {
	if (!Number.isInteger(n) || n < 1) {
		say(`${flag} takes a positive integer`);
		process.exit(2);
	}
}
const stateDir = resolve(args["state-dir"] ?? "/dev/shm/penumbra-bench-chat");

const NEEDED = ["sandbox", "gateway", "mcp", "chat"];
const FAKE_KEY = "sk-ant-bench-fake";
const MODEL = "claude-bench-fake";
/** Characters per token and per chunk: "tok0001 " … "tok0100." */
const TOKEN_CHARS = 8;
const RELAY_CHUNKS = 100;
/** Pause before each chunk: long enough that a chunk is never queued behind the previous one. */
const RELAY_GAP_MS = 10;
const CONC_CHUNKS = 12;
const CONC_GAP_MS = 10;
const RELAY_TARGET_MS = 5;
const TURN_TIMEOUT_MS = 60_000;
const CREATE_PARALLEL = 10;

const now = () => performance.timeOrigin + performance.now();
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

interface Spread {
	n: number;
	p50: number;
	p99: number;
	max: number;
}

function spread(values: readonly number[]): Spread {
	const sorted = [...values].sort((a, b) => a - b);
	return {
		n: sorted.length,
		p50: round(percentile(sorted, 0.5)),
		p99: round(percentile(sorted, 0.99)),
		max: round(sorted.at(-1) ?? Number.NaN),
	};
}

/** `count` tokens of TOKEN_CHARS characters; the last ends with "." so the text has no trailing space. */
function tokens(count: number): string {
	return Array.from(
		{ length: count },
		(_, i) => `tok${String(i + 1).padStart(4, "0")}${i + 1 === count ? "." : " "}`,
	).join("");
}

// ------------------------------------------------------------------ SSE clients

interface Frame {
	event: string;
	data: string;
	/** When the bytes that completed the frame arrived. */
	at: number;
}

/** SSE frames of a response body, each stamped with the arrival of its last bytes. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let buffer = "";
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return;
		const at = now();
		buffer += decoder.decode(value, { stream: true });
		let end = buffer.indexOf("\n\n");
		while (end >= 0) {
			const raw = buffer.slice(0, end);
			buffer = buffer.slice(end + 2);
			let event = "message";
			const data: string[] = [];
			for (const line of raw.split("\n")) {
				if (line.startsWith("event:")) event = line.slice(6).trim();
				else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
			}
			if (data.length > 0) yield { event, data: data.join("\n"), at };
			end = buffer.indexOf("\n\n");
		}
	}
}

interface Trace {
	/** When the request was sent. */
	sent: number;
	deltas: { text: string; at: number }[];
	/** Final text and when the terminal event arrived; absent when the stream failed. */
	completed?: { text: string; at: number };
	error?: string;
}

const DeltaData = z.object({ text: z.string() });
const CompletedData = z.object({ message: z.object({ text: z.string() }) });
const ErrorData = z.object({ code: z.string(), message: z.string() });
const AnthropicEvent = z.object({
	type: z.string(),
	delta: z.object({ type: z.string().optional(), text: z.string().optional() }).optional(),
});

async function failed(trace: Trace, response: Response): Promise<Trace> {
	const body = await response.text().catch(() => "");
	return { ...trace, error: `HTTP ${response.status}: ${body.slice(0, 200)}` };
}

/** One turn through the chat Worker: POST /api/chat, read to the turn's terminal event. */
async function chatTurn(origin: string, key: string, message: string): Promise<Trace> {
	const trace: Trace = { sent: now(), deltas: [] };
	try {
		const response = await fetch(`${origin}/api/chat`, {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify({ message }),
			signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
		});
		if (response.status !== 200 || !response.body) return await failed(trace, response);
		for await (const frame of frames(response.body)) {
			if (frame.event === "assistant.delta") {
				trace.deltas.push({ text: DeltaData.parse(JSON.parse(frame.data)).text, at: frame.at });
			} else if (frame.event === "assistant.completed") {
				trace.completed = { text: CompletedData.parse(JSON.parse(frame.data)).message.text, at: frame.at };
			} else if (frame.event === "error" || frame.event === "purchase.confirmation_required") {
				const error = ErrorData.safeParse(JSON.parse(frame.data));
				trace.error = error.success ? `${error.data.code}: ${error.data.message}` : frame.event;
			}
		}
		if (!trace.completed && !trace.error) trace.error = "the stream ended without assistant.completed";
	} catch (error) {
		trace.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	}
	return trace;
}

/** The same chunks straight from the fake: `/v1/messages` with stream: true, read with Node fetch. */
async function directTurn(fakeUrl: string, message: string): Promise<Trace> {
	const trace: Trace = { sent: now(), deltas: [] };
	try {
		const response = await fetch(`${fakeUrl}/v1/messages`, {
			method: "POST",
			headers: {
				"x-api-key": FAKE_KEY,
				"anthropic-version": "2023-06-01",
				"content-type": "application/json",
			},
			body: JSON.stringify({
				model: MODEL,
				max_tokens: 2048,
				stream: true,
				messages: [{ role: "user", content: message }],
			}),
			signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
		});
		if (response.status !== 200 || !response.body) return await failed(trace, response);
		for await (const frame of frames(response.body)) {
			const event = AnthropicEvent.parse(JSON.parse(frame.data));
			if (event.type === "content_block_delta" && event.delta?.type === "text_delta") {
				trace.deltas.push({ text: event.delta.text ?? "", at: frame.at });
			} else if (event.type === "message_stop") {
				trace.completed = { text: trace.deltas.map((d) => d.text).join(""), at: frame.at };
			} else if (event.type === "error") trace.error = frame.data.slice(0, 200);
		}
		if (!trace.completed && !trace.error) trace.error = "the stream ended without message_stop";
	} catch (error) {
		trace.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	}
	return trace;
}

/** What went wrong with a finished trace, against the text the script streams; null when nothing. */
function problemOf(trace: Trace, expected: string): string | null {
	if (trace.error) return trace.error;
	if (trace.completed?.text !== expected) return "final text differs from the script";
	if (trace.deltas.map((d) => d.text).join("") !== expected)
		return "deltas do not add up to the script's text";
	return null;
}

// ------------------------------------------------------------------ the stack

const supervisor = new Supervisor();
let fake: Awaited<ReturnType<typeof startFakeAnthropic>> | null = null;
let interrupted = false;

async function stopEverything(): Promise<void> {
	await supervisor.stopAll();
	await fake?.close();
	fake = null;
	if (!args["state-dir"]) rmSync(stateDir, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		if (interrupted) return;
		interrupted = true;
		say(`${signal}: stopping…`);
		void stopEverything().then(() => process.exit(130));
	});
}

async function planStack(fakeUrl: string): Promise<StackOptions> {
	const used = new Set<number>();
	const nextPort = async (): Promise<number> => {
		for (;;) {
			const port = await freePort();
			if (!used.has(port)) {
				used.add(port);
				return port;
			}
		}
	};
	const workers = planWorkers(root, () => 0, WORKERS).filter((w) => NEEDED.includes(w.name));
	for (const w of workers) {
		w.port = await nextPort();
		w.inspectorPort = await nextPort();
		w.origin = `http://${HOST}:${w.port}`;
	}
	const missing = NEEDED.filter((name) => !workers.some((w) => w.name === name));
	if (missing.length > 0) throw new Error(`missing Worker config for: ${missing.join(", ")}`);
	return {
		root,
		persistTo: stateDir,
		registryPath: join(root, ".wrangler", "bench-chat-registry"),
		workers,
		echo: false,
		// Per-request log lines would cost more than the relay being measured.
		logLevel: "warn",
		vars: {
			gateway: { LOG_LEVEL: "warn" },
			chat: { ANTHROPIC_BASE_URL: fakeUrl, ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_MODEL: MODEL },
		},
	};
}

function worker(options: StackOptions, name: string): PlannedWorker {
	const found = options.workers.find((w) => w.name === name);
	if (!found) throw new Error(`no ${name} Worker`);
	return found;
}

/** `count` credentials through the admin API, CREATE_PARALLEL at a time. */
async function createCredentials(admin: AdminClient, count: number): Promise<StoredCredential[]> {
	const out: StoredCredential[] = [];
	for (let i = 0; i < count; i += CREATE_PARALLEL) {
		const batch = Array.from({ length: Math.min(CREATE_PARALLEL, count - i) }, (_, j) =>
			admin.createCredential({
				email: `bench-chat-${i + j}@penumbra.local`,
				name: `bench-chat-${i + j}`,
				level: "authenticated",
			}),
		);
		out.push(...(await Promise.all(batch)));
	}
	return out;
}

// ------------------------------------------------------------------ 1. relay overhead

interface RelayPath {
	latency_ms: Spread;
	problems: string[];
}

interface RelayReport {
	turns: number;
	chunks_per_turn: number;
	chunk_chars: number;
	gap_ms: number;
	direct: RelayPath;
	chat: RelayPath;
	overhead_p50_ms: number;
	overhead_p99_ms: number;
	ratio_p50: number;
	/** Request sent → first delta of these turns, one at a time: what a stream costs to start on a quiet stack. */
	first_delta_ms: { chat: Spread; direct: Spread };
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

async function measureRelay(chatOrigin: string, key: string, fakeUrl: string): Promise<RelayReport> {
	const model = fakeModel(fakeUrl);
	const text = tokens(RELAY_CHUNKS);
	const step = { text, chunk_size: TOKEN_CHARS, delay_ms_per_chunk: RELAY_GAP_MS };
	const samples = { chat: [] as number[], direct: [] as number[] };
	const firsts = { chat: [] as number[], direct: [] as number[] };
	const problems = { chat: [] as string[], direct: [] as string[] };
	// Turn 0 warms both paths up (fresh isolates, first connections) and is not counted.
	for (let turn = 0; turn <= RELAY_TURNS; turn++) {
		for (const path of ["chat", "direct"] as const) {
			const id = `relay-${path}-${turn}`;
			await model.script({ id, match: `[${id}]`, steps: [step] });
			const message = `[${id}] stream tokens, please`;
			const trace =
				path === "chat" ? await chatTurn(chatOrigin, key, message) : await directTurn(fakeUrl, message);
			const into = turn === 0 ? [] : samples[path];
			const first = trace.deltas[0];
			if (turn > 0 && first) firsts[path].push(first.at - trace.sent);
			pairUp(trace, await model.sent(id), text, turn === 0 ? [] : problems[path], into);
			if (turn === 0 && problemOf(trace, text))
				throw new Error(`warm-up ${path} turn failed: ${problemOf(trace, text)}`);
			await model.reset(id);
		}
		if (turn > 0)
			say(`relay turn ${turn}/${RELAY_TURNS}: ${samples.chat.length} chunk pairs per path so far`);
	}
	const direct = spread(samples.direct);
	const chat = spread(samples.chat);
	return {
		turns: RELAY_TURNS,
		chunks_per_turn: RELAY_CHUNKS,
		chunk_chars: TOKEN_CHARS,
		gap_ms: RELAY_GAP_MS,
		direct: { latency_ms: direct, problems: problems.direct },
		chat: { latency_ms: chat, problems: problems.chat },
		overhead_p50_ms: round(chat.p50 - direct.p50),
		overhead_p99_ms: round(chat.p99 - direct.p99),
		ratio_p50: round(chat.p50 / direct.p50, 1),
		first_delta_ms: { chat: spread(firsts.chat), direct: spread(firsts.direct) },
	};
}

// ------------------------------------------------------------------ 2. concurrent streams

interface ConcurrentPath {
	streams: number;
	errors: number;
	/** The first few distinct problems, with how often each happened. */
	problems: { problem: string; count: number }[];
	wall_ms: number;
	first_delta_ms: Spread;
	complete_ms: Spread;
}

interface ConcurrentReport {
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
		first_delta_ms: spread(ok.map((t) => (t.deltas[0]?.at ?? Number.NaN) - t.sent)),
		complete_ms: spread(ok.map((t) => (t.completed?.at ?? Number.NaN) - t.sent)),
	};
}

async function measureConcurrent(
	chatOrigin: string,
	credentials: StoredCredential[],
	fakeUrl: string,
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

// ------------------------------------------------------------------ report

/** MAX_CONCURRENT_TURNS as workers/chat/wrangler.toml ships it (the bench does not override it). */
function shippedTurnLimit(): number | null {
	const toml = readFileSync(join(root, "workers", "chat", "wrangler.toml"), "utf8");
	const found = /^MAX_CONCURRENT_TURNS\s*=\s*"?(\d+)"?/m.exec(toml);
	return found ? Number(found[1]) : null;
}

interface Target {
	name: string;
	value: number;
	target: string;
	met: boolean;
}

const ms = (n: number) => (Number.isNaN(n) ? "n/a" : n.toFixed(2));

function printReport(relay: RelayReport, conc: ConcurrentReport, targets: Target[]): void {
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
		`  first delta = request sent → first assistant.delta (chat: auth, D1 conversation + turn slot, DO start, MCP`,
		`  tools/list, count_tokens, then the model's first chunk, which the fake sends after ${conc.gap_ms} ms).`,
		`  One stream alone (the relay turns, one at a time): first delta p50 ${ms(relay.first_delta_ms.chat.p50)} ms, max ${ms(relay.first_delta_ms.chat.max)} ms`,
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
	out.push(
		"",
		"Targets",
		"",
		table([
			["target", "value", "limit", "verdict"],
			...targets.map((t) => [t.name, String(t.value), t.target, t.met ? "met" : "MISSED"]),
		]),
		"",
	);
	process.stdout.write(`${out.join("\n")}\n`);
}

async function main(): Promise<number> {
	fake = await startFakeAnthropic({ host: HOST, apiKey: FAKE_KEY });
	const options = await planStack(fake.url);
	rmSync(stateDir, { recursive: true, force: true });
	mkdirSync(stateDir, { recursive: true });
	const { adminToken } = ensureDevVars(root);
	say(
		`state in ${stateDir}; migrating, seeding and starting ${options.workers.map((w) => w.name).join(" + ")}…`,
	);
	await applyMigrations(supervisor, options);
	await seedRegistry(supervisor, options);
	const running = await startWorkersInOrder(supervisor, options, 60_000);
	let died: string | undefined;
	void firstExit(running).then(({ worker: w, proc }) => {
		if (!supervisor.isStopping) died = `${w.name} ${proc.exitDescription}: ${proc.lastLines(10).join(" | ")}`;
	});

	const admin = new AdminClient(worker(options, "gateway").origin, adminToken);
	const [relayCredential] = await createCredentials(admin, 1);
	if (!relayCredential) throw new Error("no credential");
	await fundDevCredential(admin, relayCredential);
	say(`creating ${STREAMS} credentials for the concurrent streams…`);
	const streamCredentials = await createCredentials(admin, STREAMS);

	const chatOrigin = worker(options, "chat").origin;
	say(`relay: ${RELAY_TURNS} turns × ${RELAY_CHUNKS} chunks per path (plus one warm-up turn each)…`);
	const relay = await measureRelay(chatOrigin, relayCredential.key, fake.url);
	if (died) throw new Error(`a Worker stopped during the bench: ${died}`);
	const conc = await measureConcurrent(chatOrigin, streamCredentials, fake.url);
	if (died) throw new Error(`a Worker stopped during the bench: ${died}`);
	await stopEverything();

	const targets: Target[] = [
		{
			name: "SSE relay overhead p50 (ms)",
			value: relay.overhead_p50_ms,
			target: `≤ ${RELAY_TARGET_MS}`,
			met: relay.overhead_p50_ms <= RELAY_TARGET_MS,
		},
		{
			name: `errors in ${STREAMS} concurrent chat streams`,
			value: conc.chat.errors,
			target: "= 0",
			met: conc.chat.errors === 0,
		},
		{
			name: "model calls per concurrent turn",
			value: round(conc.model_calls / STREAMS, 2),
			target: "= 1",
			met: conc.model_calls === STREAMS,
		},
	];
	printReport(relay, conc, targets);

	const out = join(root, "bench", "results");
	mkdirSync(out, { recursive: true });
	const runSeconds = Math.round((performance.now() - started) / 1000);
	writeFileSync(
		join(out, "chat-latest.json"),
		`${JSON.stringify(
			{
				at: new Date().toISOString(),
				run_seconds: runSeconds,
				machine: {
					node: process.version,
					cpus: availableParallelism(),
					cpu_model: cpus()[0]?.model ?? "unknown",
					load_average_at_start: loadAtStart,
				},
				concurrency_limit: {
					max_concurrent_turns_per_user: shippedTurnLimit(),
					how: "left as shipped; one credential per stream, created through the admin API",
				},
				relay,
				concurrent: conc,
				targets,
			},
			null,
			"\t",
		)}\n`,
	);
	say(`results written to bench/results/chat-latest.json (${runSeconds} s)`);

	const invalid = [...relay.chat.problems, ...relay.direct.problems].length + conc.direct.errors;
	if (conc.chat.errors > 0 || invalid > 0) {
		say("INVALID: some streams failed (listed above); the figures do not measure success");
		return 1;
	}
	const missed = targets.filter((t) => !t.met);
	if (missed.length > 0)
		say(`${missed.length} target(s) missed${args.strict ? "" : " (pass --strict to fail on this)"}`);
	return args.strict && missed.length > 0 ? 1 : 0;
}

main()
	.then(async (code) => {
		await stopEverything();
		process.exit(code);
	})
	.catch(async (error: unknown) => {
		if (interrupted) return;
		say(`failed: ${error instanceof Error ? error.message : String(error)}`);
		await stopEverything();
		process.exit(1);
	});
