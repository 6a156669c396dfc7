/**
 * Chat bench (part of `npm run bench`, or alone: `node bench/chat.ts [--streams 100] [--relay-turns 6]
 * [--first-delta-turns 60] [--quick] [--state-dir DIR] [--strict]`; --quick: 10 streams, 3 relay turns, 10
 * first-delta turns). Sandbox + gateway + MCP + chat Worker under `wrangler dev` (state in /dev/shm,
 * wiped), the chat Worker pointed at the fake Anthropic API (test/fake-anthropic) running inside this process.
 * Measured with the chat Worker, the gateway and the MCP Worker in one `wrangler dev` process (the gateway and MCP as
 * auxiliary configs), so its service-binding RPC is in-process as in production rather than a dev-registry hop; the
 * setup (credentials, credit) goes through the gateway's admin API first, with the gateway as its own process.
 *
 * 1. SSE relay overhead: the fake streams a scripted text of fixed-size tokens, one token per chunk, a pause between
 *    chunks; it logs when it wrote each chunk (GET /_fake/sent). The client (Node fetch, POST /api/chat with a
 *    Bearer key) stamps each `assistant.delta` as its bytes arrive; chunk i ↔ delta i (texts checked equal). The
 *    same chunks streamed straight from the fake to Node fetch (`/v1/messages`, stream: true) are the baseline,
 *    interleaved turn by turn. Overhead = chat − direct. Both clocks are this process's, so no skew.
 *    Target: overhead ≤ 5 ms p50. Then the time to the first `assistant.delta` against the direct stream's first
 *    chunk, on short turns of their own (FIRST_DELTA_CHUNKS chunks, each a new conversation, each turn's pair back
 *    to back; 60 by default, so the median stands on more than a handful): issue 17 wants ≤ +10 ms p50.
 * 2. Concurrent streams: N conversations (default 100) started at once, each by its own credential, each read to
 *    `assistant.completed`. Errors (HTTP, `error` events, missing or wrong text, timeouts) must be 0. For
 *    context, the same N streams straight from the fake at once.
 *
 * One credential per stream, not a raised MAX_CONCURRENT_TURNS: 100 people chatting is the production shape, and
 * the chat Worker runs with its shipped limits (the per-user count is one of the D1 statements every turn pays).
 *
 * Results: stdout and bench/results/<run>-chat.json and .md. Everything shares this machine's cores (the fake and the
 * clients run in this process): compare with the baselines of the same run, not across machines.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { AdminClient, fundDevCredential, type StoredCredential } from "../scripts/lib/admin.ts";
import { makePrefixer, Supervisor } from "../scripts/lib/proc.ts";
import {
	applyMigrations,
	ensureDevVars,
	firstExit,
	HOST,
	type RunningWorker,
	type StackOptions,
	seedRegistry,
	startWorkersInOrder,
} from "../scripts/lib/stack.ts";
import { startFakeAnthropic } from "../test/fake-anthropic/server.ts";
import { measureConcurrent } from "./chat/concurrent.ts";
import { CREATE_PARALLEL, FAKE_KEY, FIRST_DELTA_CHUNKS, MODEL, RELAY_CHUNKS } from "./chat/config.ts";
import { measureRelay } from "./chat/relay.ts";
import { printReport, shippedTurnLimit, targetsOf } from "./chat/report.ts";
import { parseSuiteFlags } from "./lib/flags.ts";
import { loadNow, writeSuiteResult } from "./lib/results.ts";
import { runBench } from "./lib/run.ts";
import { planBenchWorkers, worker } from "./lib/stack.ts";

const root = resolve(import.meta.dirname, "..");
const started = performance.now();
const loadAtStart = loadNow();
const say = makePrefixer("bench:chat");

const args = parseSuiteFlags(say, {
	streams: { type: "string" },
	"relay-turns": { type: "string" },
	"first-delta-turns": { type: "string" },
	"state-dir": { type: "string" },
});
const STREAMS = Number(args.streams ?? (args.quick ? 10 : 100));
const RELAY_TURNS = Number(args["relay-turns"] ?? (args.quick ? 3 : 6));
const FIRST_DELTA_TURNS = Number(args["first-delta-turns"] ?? (args.quick ? 10 : 60));
for (const [flag, n] of [
	["--streams", STREAMS],
	["--relay-turns", RELAY_TURNS],
	["--first-delta-turns", FIRST_DELTA_TURNS],
] as const) {
	if (!Number.isInteger(n) || n < 1) {
		say(`${flag} takes a positive integer`);
		process.exit(2);
	}
}
const stateDir = resolve(args["state-dir"] ?? "/dev/shm/penumbra-bench-chat");

const NEEDED = ["sandbox", "gateway", "mcp", "chat"];
/**
 * Measured: the chat Worker with the gateway and the MCP Worker in its own `wrangler dev` process (auxiliary configs),
 * so its service-binding RPC is in-process as in production (same thread, same machine) rather than a hop through the
 * dev registry between processes. Only the chat Worker gets a port there.
 */
const CHAT_AUXILIARIES = ["gateway", "mcp"];

// ------------------------------------------------------------------ the stack

const supervisor = new Supervisor();
let fake: Awaited<ReturnType<typeof startFakeAnthropic>> | null = null;

async function stopEverything(): Promise<void> {
	await supervisor.stopAll();
	await fake?.close();
	fake = null;
	if (!args["state-dir"]) {
		for (const dir of [stateDir, ...CHAT_AUXILIARIES.map((name) => `${stateDir}-${name}-config`)])
			rmSync(dir, { recursive: true, force: true });
	}
}

async function planStack(fakeUrl: string): Promise<StackOptions> {
	const workers = (await planBenchWorkers(root, NEEDED)).map((w) =>
		w.name === "chat" ? { ...w, auxiliaries: CHAT_AUXILIARIES } : w,
	);
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
			mcp: { LOG_LEVEL: "warn" },
			chat: {
				LOG_LEVEL: "warn",
				ANTHROPIC_BASE_URL: fakeUrl,
				ANTHROPIC_API_KEY: FAKE_KEY,
				ANTHROPIC_MODEL: MODEL,
			},
		},
	};
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

	// Setup through the gateway's admin API, which only a gateway with a port of its own serves: sandbox and gateway
	// as their own processes, as `npm start` runs them. Then the gateway stops and starts again inside the chat
	// Worker's process, on the same persisted D1, KV and Durable Object state (never two processes on it at once).
	const setupWorkers = options.workers.filter((w) => w.name === "sandbox" || w.name === "gateway");
	const setup = await startWorkersInOrder(supervisor, options, 60_000, setupWorkers);
	const admin = new AdminClient(worker(options, "gateway").origin, adminToken);
	const [relayCredential] = await createCredentials(admin, 1);
	if (!relayCredential) throw new Error("no credential");
	await fundDevCredential(admin, relayCredential);
	say(`creating ${STREAMS} credentials for the concurrent streams…`);
	const streamCredentials = await createCredentials(admin, STREAMS);
	const setupGateway = setup.find((r) => r.worker.name === "gateway");
	await setupGateway?.proc.stop();
	say(`restarting the gateway inside the chat Worker's process, with ${CHAT_AUXILIARIES.join(" and ")}…`);
	const running: RunningWorker[] = [
		...setup.filter((r) => r !== setupGateway),
		...(await startWorkersInOrder(supervisor, options, 60_000, [worker(options, "chat")])),
	];
	let died: string | undefined;
	void firstExit(running).then(({ worker: w, proc }) => {
		if (!supervisor.isStopping) died = `${w.name} ${proc.exitDescription}: ${proc.lastLines(10).join(" | ")}`;
	});

	const chatOrigin = worker(options, "chat").origin;
	say(`relay: ${RELAY_TURNS} turns × ${RELAY_CHUNKS} chunks per path (plus one warm-up turn each)…`);
	const relay = await measureRelay(
		chatOrigin,
		relayCredential.key,
		fake.url,
		RELAY_TURNS,
		FIRST_DELTA_TURNS,
		say,
	);
	if (died) throw new Error(`a Worker stopped during the bench: ${died}`);
	const conc = await measureConcurrent(chatOrigin, streamCredentials, fake.url, say);
	if (died) throw new Error(`a Worker stopped during the bench: ${died}`);
	await stopEverything();

	const targets = targetsOf(relay, conc, STREAMS);
	printReport(relay, conc);

	const runSeconds = Math.round((performance.now() - started) / 1000);
	const invalid = [
		...relay.chat.problems.map((p) => `relay chat: ${p}`),
		...relay.direct.problems.map((p) => `relay direct: ${p}`),
		...[...conc.chat.problems, ...conc.direct.problems].map((p) => `${p.count}× ${p.problem}`),
	];
	writeSuiteResult(root, {
		suite: "chat",
		description:
			"Chat Worker: time to the first assistant.delta and per-chunk SSE relay against the fake model streamed directly; concurrent streams",
		quick: args.quick,
		loadAtStart,
		targets,
		invalid,
		notes: [
			`${RELAY_TURNS} relay turns per path, chat and direct back to back each turn; the first-delta figures from ${FIRST_DELTA_TURNS} short turns per path (${FIRST_DELTA_CHUNKS} chunks), each a new conversation, paired the same way; ${STREAMS} concurrent streams, one credential each.`,
			"The chat Worker, the gateway and the MCP Worker run in one wrangler dev process (gateway and MCP as auxiliary configs: in-process service-binding RPC, as production runs them on one thread, instead of ≈1.5 ms a round trip through the dev registry); the sandbox in its own. The setup (credentials, credit) ran first through the gateway's admin API with the gateway as its own process, stopped before the measured process started on the same state.",
		],
		figures: {
			run_seconds: runSeconds,
			concurrency_limit: {
				max_concurrent_turns_per_user: shippedTurnLimit(root),
				how: "left as shipped; one credential per stream, created through the admin API",
			},
			relay,
			concurrent: conc,
		},
	});

	if (invalid.length > 0) {
		say("INVALID: some streams failed (listed above); the figures do not measure success");
		return 1;
	}
	const missed = targets.filter((t) => t.met === false);
	if (missed.length > 0)
		say(`${missed.length} target(s) missed${args.strict ? "" : " (pass --strict to fail on this)"}`);
	return args.strict && missed.length > 0 ? 1 : 0;
}

runBench(say, main, stopEverything);
