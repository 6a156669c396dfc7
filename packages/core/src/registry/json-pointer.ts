/** Appends reference tokens to an RFC 6901 JSON pointer, escaping `~` and `/`. */
export function pointerJoin(base: string, ...tokens: (string | number)[]): string {
	let out = base;
	for (const token of tokens) out += `/${String(token).replaceAll("~", "~0").replaceAll("/", "~1")}`;
	return out;
}

/** Splits an RFC 6901 JSON pointer into its unescaped tokens; `null` when it is not a pointer. */
export function pointerTokens(pointer: string): string[] | null {
	if (pointer === "") return [];
	if (!pointer.startsWith("/")) return null;
	return pointer
		.slice(1)
		.split("/")
		.map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Reads the value a JSON pointer designates, or `undefined` when any step is missing. */
export function pointerGet(root: unknown, pointer: string): unknown {
	const tokens = pointerTokens(pointer);
	if (tokens === null) return undefined;
	let node: unknown = root;
	for (const token of tokens) {
		if (Array.isArray(node)) {
			if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
			node = node[Number(token)];
		} else if (isRecord(node)) {
			if (!Object.hasOwn(node, token)) return undefined;
			node = node[token];
		} else {
			return undefined;
		}
	}
	return node;
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
