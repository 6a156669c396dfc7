/** A positive integer var; anything else (unset, empty, a typo) falls back rather than breaking every turn. */
function intVar(value: string | undefined, fallback: number): number {
	const n = Number(value);
	return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The chat's configurable limits (wrangler.toml [vars]), with the defaults used when a var is missing or invalid. */
export function limitsOf(env: ChatEnv) {
	return {
		maxMessageChars: intVar(env.MAX_MESSAGE_CHARS, 8000),
		maxConcurrentTurns: intVar(env.MAX_CONCURRENT_TURNS, 2),
		maxModelCalls: intVar(env.MAX_MODEL_CALLS, 12),
		tokenBudget: intVar(env.TOKEN_BUDGET, 60_000),
		maxOutputTokens: intVar(env.MAX_OUTPUT_TOKENS, 2048),
	};
}
