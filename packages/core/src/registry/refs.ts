import { isRecord, pointerGet, pointerJoin } from "./json-pointer.ts";
import type { CompileProblem } from "./types.ts";

/** What the spec compiler carries while walking one OpenAPI document. */
export interface SpecContext {
	root: Record<string, unknown>;
	file: string;
	/** `3.0` documents use `nullable` and boolean `exclusiveMinimum`; `3.1` is JSON Schema 2020-12. */
	version: "3.0" | "3.1";
	problems: CompileProblem[];
	warnings: CompileProblem[];
	/** Dedupes reports: a broken shared component is reached from many operations. */
	seen: Set<string>;
}

export function createSpecContext(
	root: Record<string, unknown>,
	file: string,
	version: "3.0" | "3.1",
): SpecContext {
	return { root, file, version, problems: [], warnings: [], seen: new Set() };
}

export function report(ctx: SpecContext, level: "problem" | "warning", path: string, message: string): void {
	const key = `${level}\u0000${path}\u0000${message}`;
	if (ctx.seen.has(key)) return;
	ctx.seen.add(key);
	(level === "problem" ? ctx.problems : ctx.warnings).push({ file: ctx.file, path, message });
}

export type RefTarget = { ok: true; value: unknown; pointer: string } | { ok: false; message: string };

/** Resolves a local `$ref` (`#/components/...`); external files and URLs are refused. */
export function resolveRef(ctx: SpecContext, ref: string): RefTarget {
	if (!ref.startsWith("#")) {
		return {
			ok: false,
			message: `$ref ${JSON.stringify(ref)} points outside this file; bundle the spec into one file first`,
		};
	}
	let pointer: string;
	try {
		pointer = decodeURIComponent(ref.slice(1));
	} catch {
		return { ok: false, message: `$ref ${JSON.stringify(ref)} is not a valid URI fragment` };
	}
	if (pointer !== "" && !pointer.startsWith("/")) {
		return {
			ok: false,
			message: `$ref ${JSON.stringify(ref)} must be a JSON pointer such as #/components/schemas/Pet`,
		};
	}
	const value = pointerGet(ctx.root, pointer);
	if (value === undefined)
		return { ok: false, message: `unresolvable $ref ${JSON.stringify(ref)}: nothing at ${pointer}` };
	return { ok: true, value, pointer };
}

/**
 * Follows `$ref` chains on a non-schema object (parameter, request body, path item).
 * Reports and returns null when a ref is broken or loops.
 */
export function derefObject(
	ctx: SpecContext,
	node: unknown,
	pointer: string,
): { value: Record<string, unknown>; pointer: string } | null {
	let current = node;
	let at = pointer;
	const visited: string[] = [];
	while (isRecord(current) && typeof current.$ref === "string") {
		const target = resolveRef(ctx, current.$ref);
		if (!target.ok) {
			report(ctx, "problem", pointerJoin(at, "$ref"), target.message);
			return null;
		}
		if (visited.includes(target.pointer)) {
			report(
				ctx,
				"problem",
				pointerJoin(at, "$ref"),
				`$ref ${JSON.stringify(current.$ref)} loops back on itself`,
			);
			return null;
		}
		visited.push(target.pointer);
		current = target.value;
		at = target.pointer;
	}
	if (!isRecord(current)) {
		report(ctx, "problem", at, "must be an object");
		return null;
	}
	return { value: current, pointer: at };
}
