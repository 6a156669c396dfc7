export const FAKE_KEY = "sk-ant-bench-fake";
export const MODEL = "claude-bench-fake";
/** Characters per token and per chunk: "tok0001 " … "tok0100." */
export const TOKEN_CHARS = 8;
export const RELAY_CHUNKS = 100;
/** Chunks of each first-delta turn: only the first is timed, so the turns are short and can be many. */
export const FIRST_DELTA_CHUNKS = 2;
/** Pause before each chunk: long enough that a chunk is never queued behind the previous one. */
export const RELAY_GAP_MS = 10;
export const CONC_CHUNKS = 12;
export const CONC_GAP_MS = 10;
export const RELAY_TARGET_MS = 5;
/** Issue 17: time to the first assistant.delta at most this much over the fake model streamed directly. */
export const FIRST_DELTA_TARGET_MS = 10;
export const TURN_TIMEOUT_MS = 60_000;
export const CREATE_PARALLEL = 10;

/** `count` tokens of TOKEN_CHARS characters; the last ends with "." so the text has no trailing space. */
export function tokens(count: number): string {
	return Array.from(
		{ length: count },
		(_, i) => `tok${String(i + 1).padStart(4, "0")}${i + 1 === count ? "." : " "}`,
	).join("");
}
