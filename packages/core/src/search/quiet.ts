// A background load (the search index's reload, in slices) works between the requests its isolate answers, not
// during them. An isolate runs one thing at a time (on `wrangler dev` every Worker shares a single thread), so a
// slice that runs while a request waits for its I/O makes that request later by the slice's length.

/** Requests this isolate is answering now. */
let answering = 0;

/** Runs `answer` counted as a request in flight: each Worker that searches wraps its requests in it. */
export async function answeringRequest<T>(answer: () => Promise<T>): Promise<T> {
	answering++;
	try {
		return await answer();
	} finally {
		answering--;
	}
}

/** Tries of 1 ms a slice defers to requests in flight before it runs anyway: under steady load a reload still ends. */
const MOST_TRIES = 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Lets other requests run: the next slice of a background load runs a millisecond on (time for the answer of a
 * request that just ended to leave through the same thread) and once none is in flight (or after ~20 ms).
 */
export async function yieldToEventLoop(): Promise<void> {
	await sleep(1);
	for (let tries = 0; answering > 0 && tries < MOST_TRIES; tries++) await sleep(1);
}
