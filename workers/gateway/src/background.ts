import type { Context } from "hono";
import type { AppEnv } from "./types.ts";

/** Hands over work that goes on after the answer has left. */
export type Background = (promise: Promise<unknown>) => void;

/**
 * The request's `waitUntil`; without an execution context (a unit test's `app.request`) the work still runs,
 * unattended.
 */
export function backgroundOf(c: Context<AppEnv>): Background {
	try {
		const ctx = c.executionCtx;
		return (promise) => ctx.waitUntil(promise);
	} catch {
		return (promise) => void promise.catch(() => undefined);
	}
}
