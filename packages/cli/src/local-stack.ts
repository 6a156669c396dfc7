import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { PenumbraError, toErrorMessage } from "@penumbra/core/errors";
import { z } from "zod";
import { usageError } from "./output.ts";

/*
 * The one place where the CLI learns where the local stack listens. `npm start` records what it runs in
 * `.penumbra/stack.json` (gitignored) and deletes it on exit. Each URL resolves to the first of: the command's flag,
 * the part's URL variable, its port variable (the one `npm start` reads), the stack file while its `npm start` is
 * alive, the default port. Paths are relative to the working directory, like `.dev.vars` and `providers/`.
 */

/** Where `npm start` records the running stack. */
export const STACK_FILE = path.join(".penumbra", "stack.json");

/** The setting that adds origins to the gateway's upstream allowlist under `npm start`. */
export const ALLOWLIST_SETTING = "PENUMBRA_UPSTREAM_ALLOWLIST";

const HOST = "127.0.0.1";

interface PartSpec {
	/** Full URL (origin) override; the sandbox's is the manifests' own `${SANDBOX_ORIGIN}` placeholder. */
	urlEnv: string;
	portEnv: string;
	defaultPort: number;
}

/** Every process `npm start` opens a port for, with the variables that move it (README, "Run it"). */
export const PARTS = {
	gateway: { urlEnv: "PENUMBRA_GATEWAY_URL", portEnv: "PENUMBRA_GATEWAY_PORT", defaultPort: 8787 },
	mcp: { urlEnv: "PENUMBRA_MCP_URL", portEnv: "PENUMBRA_MCP_PORT", defaultPort: 8788 },
	chat: { urlEnv: "PENUMBRA_CHAT_URL", portEnv: "PENUMBRA_CHAT_PORT", defaultPort: 8789 },
	web: { urlEnv: "PENUMBRA_WEB_URL", portEnv: "PENUMBRA_WEB_PORT", defaultPort: 8790 },
	sandbox: { urlEnv: "SANDBOX_ORIGIN", portEnv: "PENUMBRA_SANDBOX_PORT", defaultPort: 8791 },
	fake_model: { urlEnv: "PENUMBRA_FAKE_MODEL_URL", portEnv: "PENUMBRA_FAKE_MODEL_PORT", defaultPort: 8792 },
	fake_stripe: {
		urlEnv: "PENUMBRA_FAKE_STRIPE_URL",
		portEnv: "PENUMBRA_FAKE_STRIPE_PORT",
		defaultPort: 8793,
	},
} as const satisfies Record<string, PartSpec>;

export type StackPart = keyof typeof PARTS;
export const PART_NAMES = Object.keys(PARTS) as StackPart[];

const StackFileSchema = z.object({
	version: z.literal(1),
	/** The `npm start` process; a file whose process is gone is stale and ignored. */
	pid: z.number().int().positive(),
	started_at: z.string(),
	/** Origins of the parts that run, by part name (the fakes only when they are used). */
	urls: z.record(z.string(), z.url()),
	/** The gateway's UPSTREAM_ALLOWLIST: the sandbox and PENUMBRA_UPSTREAM_ALLOWLIST. */
	upstream_allowlist: z.array(z.string()),
});

export type StackFile = z.infer<typeof StackFileSchema>;

/** Where to look: the working directory and the environment (tests pass their own). */
export interface StackContext {
	cwd: string;
	env: Readonly<Record<string, string | undefined>>;
}

const here = (): StackContext => ({ cwd: process.cwd(), env: process.env });

/** A problem with the environment or a file, not with how a command was called: exit 1, no `--help` pointer. */
function configError(detail: string): PenumbraError {
	return new PenumbraError("VALIDATION_FAILED", { detail });
}

/** The stack file with whether its `npm start` still runs, or null when there is none. */
export function readStackFile(ctx: StackContext = here()): { stack: StackFile; alive: boolean } | null {
	const file = path.join(ctx.cwd, STACK_FILE);
	if (!existsSync(file)) return null;
	let parsed: ReturnType<typeof StackFileSchema.safeParse>;
	try {
		parsed = StackFileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
	} catch (error) {
		throw configError(
			`${STACK_FILE} is not JSON (${toErrorMessage(error)}); delete it (npm start writes it)`,
		);
	}
	if (!parsed.success) {
		throw configError(
			`${STACK_FILE} is not a stack file written by npm start (${parsed.error.issues[0]?.message}); delete it`,
		);
	}
	return { stack: parsed.data, alive: isAlive(parsed.data.pid) };
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: alive, owned by someone else.
		return error instanceof Error && "code" in error && error.code === "EPERM";
	}
}

/** Records the running stack (by `npm start`, once every part answers); `urls` by part name. */
export function writeStackFile(root: string, stack: Omit<StackFile, "version">): void {
	const file = path.join(root, STACK_FILE);
	const checked = StackFileSchema.parse({ version: 1, ...stack });
	mkdirSync(path.dirname(file), { recursive: true });
	writeFileSync(file, `${JSON.stringify(checked, null, "\t")}\n`);
}

/** Deletes the stack file if process `pid` wrote it (a newer `npm start` may have replaced it). */
export function removeStackFile(root: string, pid: number): void {
	let found: ReturnType<typeof readStackFile>;
	try {
		found = readStackFile({ cwd: root, env: {} });
	} catch {
		return; // unreadable: the CLI reports it to whoever reads it next; a shutdown must go on
	}
	if (found?.stack.pid === pid) rmSync(path.join(root, STACK_FILE), { force: true });
}

/** A resolved URL (an origin, no trailing slash) and where it came from, for messages and `penumbra stack`. */
export interface Resolved {
	url: string;
	source: string;
}

/**
 * Where `part` listens: `flag` (the command's option, e.g. `{ name: "--url", value }`), then the environment, then
 * a live stack file, then the default port.
 */
export function resolveUrl(
	part: StackPart,
	flag?: { name: string; value: string | undefined },
	ctx: StackContext = here(),
): Resolved {
	const spec: PartSpec = PARTS[part];
	if (flag?.value !== undefined) {
		return {
			url: httpUrl(flag.value, () =>
				usageError(`${flag.name} ${JSON.stringify(flag.value)} is not an http(s) URL`),
			),
			source: flag.name,
		};
	}
	const fromEnv = ctx.env[spec.urlEnv];
	if (fromEnv) {
		return {
			url: httpUrl(fromEnv, () => configError(`${spec.urlEnv}=${fromEnv} is not an http(s) URL`)),
			source: spec.urlEnv,
		};
	}
	const port = ctx.env[spec.portEnv];
	if (port) return { url: `http://${HOST}:${portNumber(spec.portEnv, port)}`, source: spec.portEnv };
	const found = readStackFile(ctx);
	const recorded = found?.alive ? found.stack.urls[part] : undefined;
	if (recorded) return { url: recorded, source: `${STACK_FILE} (npm start, pid ${found?.stack.pid})` };
	return { url: `http://${HOST}:${spec.defaultPort}`, source: "default" };
}

function httpUrl(raw: string, fail: () => PenumbraError): string {
	const url = URL.canParse(raw) ? new URL(raw) : null;
	if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw fail();
	return url.href.replace(/\/+$/, "");
}

function portNumber(name: string, raw: string): number {
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 1 || port > 65535) throw configError(`${name}=${raw} is not a port`);
	return port;
}

/** One variable of `.dev.vars` in `cwd` (gitignored; `npm start` writes it), or undefined. */
export function devVar(name: string, cwd = process.cwd()): string | undefined {
	const file = path.join(cwd, ".dev.vars");
	if (!existsSync(file)) return undefined;
	return parseEnv(readFileSync(file, "utf8"))[name] || undefined;
}

/**
 * The origins PENUMBRA_UPSTREAM_ALLOWLIST adds for `npm start`: from the environment, else from `.dev.vars`.
 * Every entry must be a bare http(s) origin; a wrong one is an error naming it and the fix, never skipped (the
 * gateway would refuse that upstream with a less helpful message).
 */
export function configuredUpstreams(ctx: StackContext = here()): { origins: string[]; from: string | null } {
	const fromEnv = ctx.env[ALLOWLIST_SETTING];
	if (fromEnv !== undefined && fromEnv.trim() !== "") {
		return { origins: parseOrigins(fromEnv, "the environment"), from: "the environment" };
	}
	const fromFile = devVar(ALLOWLIST_SETTING, ctx.cwd);
	if (fromFile !== undefined) return { origins: parseOrigins(fromFile, ".dev.vars"), from: ".dev.vars" };
	return { origins: [], from: null };
}

/** Comma- (or space-) separated origins, normalised; throws listing every entry that is not one. */
export function parseOrigins(value: string, where: string): string[] {
	const origins: string[] = [];
	const wrong: string[] = [];
	for (const entry of value.split(/[\s,]+/)) {
		if (entry === "") continue;
		const reason = notAnOrigin(entry);
		if (reason) wrong.push(`${JSON.stringify(entry)} ${reason}`);
		else {
			const origin = new URL(entry).origin;
			if (!origins.includes(origin)) origins.push(origin);
		}
	}
	if (wrong.length > 0) {
		throw configError(
			`${ALLOWLIST_SETTING} (from ${where}) lists origins separated by commas, like http://127.0.0.1:4010; ${wrong.join("; ")}`,
		);
	}
	return origins;
}

function notAnOrigin(entry: string): string | null {
	// `localhost:4010` parses as a URL with scheme "localhost:"; what was meant is clearer from the missing "//".
	if (!URL.canParse(entry) || !entry.includes("://")) return "is not an absolute URL (start it with http://)";
	const url = new URL(entry);
	if (url.protocol !== "http:" && url.protocol !== "https:") {
		return `has scheme ${url.protocol.slice(0, -1)} (http or https only)`;
	}
	if (url.username !== "" || url.password !== "") return "has credentials; write the origin only";
	if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
		return `has a path, query or fragment; write the origin only: ${url.origin}`;
	}
	return null;
}

/**
 * The upstream allowlist of `npm start`'s gateway: the sandbox's origin and PENUMBRA_UPSTREAM_ALLOWLIST. A setting in
 * the environment wins; otherwise a running stack's own list (it may have been started with the variable set),
 * otherwise `.dev.vars`.
 */
export function localAllowlist(sandbox: Resolved, ctx: StackContext = here()): string[] {
	const found = readStackFile(ctx);
	const configured = configuredUpstreams(ctx);
	if (configured.from !== "the environment" && found?.alive) return found.stack.upstream_allowlist;
	return [...new Set([new URL(sandbox.url).origin, ...configured.origins])];
}
