import type { CompileProblem } from "@penumbra/core/registry";

/** One edit scaffold made, in a file it writes: where, what was there, what is there now, and why. */
export interface ScaffoldChange {
	/** The file inside the provider folder: `openapi.yaml` or `provider.yaml`. */
	file: string;
	/** RFC 6901 pointer into that file. */
	pointer: string;
	/** The old value; absent when the field was added. */
	before?: unknown;
	/** The new value; absent when the field was removed. */
	after?: unknown;
	reason: string;
	/** A guess the operator should confirm before going live (JSONPaths, auth, category). */
	check?: boolean;
}

/** What the normalisation steps share while they edit one document. */
export interface ScaffoldContext {
	doc: Record<string, unknown>;
	/** How problems name the input spec (a file path or URL). */
	source: string;
	changes: ScaffoldChange[];
	problems: CompileProblem[];
	warnings: CompileProblem[];
	progress: (step: string) => void;
}

export const SPEC_FILE = "openapi.yaml";
export const MANIFEST_FILE = "provider.yaml";

export function specChange(ctx: ScaffoldContext, change: Omit<ScaffoldChange, "file">): void {
	ctx.changes.push({ file: SPEC_FILE, ...change });
}
