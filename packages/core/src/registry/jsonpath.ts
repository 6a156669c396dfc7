/**
 * Checks that a JSONPath (as used by `x-amount-path` / `x-transaction-id-path`) is in the plain subset
 * every evaluator agrees on: `$`, `.name`, `..name`, `['name']`, `[0]`, `[*]`, `.*`.
 * jsonpath-plus's own `toPathArray` accepts nearly any string (`$.[[` parses), so it cannot tell a typo
 * from a path; filters and script expressions are refused because money must not depend on code in a spec.
 */
export function checkJsonPath(path: string): { ok: true } | { ok: false; message: string } {
	const fail = (message: string) => ({
		ok: false as const,
		message: `invalid JSONPath ${JSON.stringify(path)}: ${message}`,
	});
	if (!path.startsWith("$")) return fail("must start with `$`, e.g. `$.totals.total_cents`");
	let i = 1;
	const name = /^[A-Za-z_$][A-Za-z0-9_$-]*/;
	while (i < path.length) {
		const rest = path.slice(i);
		if (rest.startsWith("..") || rest.startsWith(".")) {
			const recursive = rest.startsWith("..");
			i += recursive ? 2 : 1;
			const after = path.slice(i);
			if (after.startsWith("*")) {
				i += 1;
				continue;
			}
			if (recursive && after.startsWith("[")) continue;
			const m = name.exec(after);
			if (!m) return fail(`expected a property name at position ${i}`);
			i += m[0].length;
			continue;
		}
		if (rest.startsWith("[")) {
			const close = bracket(rest);
			if (close === null) return fail(`unterminated or invalid [...] at position ${i}`);
			if (close.kind === "code") return fail("filter and script expressions are not allowed");
			i += close.length;
			continue;
		}
		if (/^[@^~(?]/.test(rest)) return fail(`unsupported syntax ${JSON.stringify(rest[0])} at position ${i}`);
		return fail(`unexpected ${JSON.stringify(rest[0])} at position ${i}`);
	}
	return { ok: true };
}

function bracket(rest: string): { kind: "ok" | "code"; length: number } | null {
	const quoted = /^\[(?:'[^'\\]*'|"[^"\\]*")\]/.exec(rest);
	if (quoted) return { kind: "ok", length: quoted[0].length };
	const simple = /^\[(?:\*|-?\d+(?:\s*,\s*-?\d+)*|-?\d*:-?\d*(?::-?\d+)?)\]/.exec(rest);
	if (simple) return { kind: "ok", length: simple[0].length };
	if (/^\[\s*[?(]/.test(rest)) return { kind: "code", length: 0 };
	return null;
}
