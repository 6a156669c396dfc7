import { toErrorMessage } from "@penumbra/core/errors";

/** How long one dependency check may take before it counts as failed: a monitor must get an answer quickly. */
export const CHECK_TIMEOUT_MS = 2_000;

export interface Timed<T> {
	value?: T;
	error?: string;
	latency_ms: number;
}

/**
 * Runs `fn` with a deadline. Never throws: a failure or a timeout comes back as `error` (the message, or "no answer
 * within N ms"); the work itself is not cancelled, only no longer waited for.
 */
export async function timed<T>(fn: () => Promise<T>, timeoutMs = CHECK_TIMEOUT_MS): Promise<Timed<T>> {
	const started = Date.now();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new DeadlineExceeded(timeoutMs)), timeoutMs);
	});
	try {
		const value = await Promise.race([fn(), deadline]);
		return { value, latency_ms: Date.now() - started };
	} catch (error) {
		return { error: toErrorMessage(error), latency_ms: Date.now() - started };
	} finally {
		clearTimeout(timer);
	}
}

class DeadlineExceeded extends Error {
	constructor(ms: number) {
		super(`no answer within ${ms} ms`);
	}
}
