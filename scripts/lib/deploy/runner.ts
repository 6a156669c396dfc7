import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { z } from "zod";

export interface CommandResult {
	code: number;
	stdout: string;
	stderr: string;
}

export interface RunOptions {
	/** Working directory (absolute); default: the repository root. */
	cwd?: string;
	/** Keep the output for the caller instead of showing it (lists, JSON). */
	capture?: boolean;
	env?: Record<string, string>;
}

/**
 * Everything `npm run deploy` does outside this process goes through here: wrangler commands, the few Cloudflare
 * API calls wrangler has no command for (with wrangler's own credentials), local build tools and questions to the
 * operator. The deploy test replaces it with a recording stand-in for an account (test/node/deploy.spec.ts).
 */
export interface DeployRunner {
	wrangler(args: readonly string[], options?: RunOptions): Promise<CommandResult>;
	/** `GET|POST|PUT https://api.cloudflare.com/client/v4<path>`; resolves with the envelope's `result`. */
	api(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<ApiAnswer>;
	/** A local build tool of this checkout (`node_modules/<tool>/bin/<tool>.js`: vite). */
	local(tool: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
	/** Asks the operator for a value (empty answer: skip); resolves with "" when nobody can answer (no TTY). */
	ask(question: string): Promise<string>;
}

export type ApiAnswer =
	| { ok: true; result: unknown }
	| { ok: false; status: number; codes: number[]; message: string };

const EnvelopeSchema = z.object({
	success: z.boolean(),
	result: z.unknown().optional(),
	errors: z.array(z.object({ code: z.number(), message: z.string() })).default([]),
});

const TokenSchema = z.union([
	z.object({ type: z.enum(["oauth", "api_token"]), token: z.string() }),
	z.object({ type: z.literal("api_key"), key: z.string(), email: z.string() }),
]);

/** The real runner: wrangler and vite of this checkout, on this Node (Node 24 from node_modules). */
export function processRunner(root: string): DeployRunner {
	let auth: Promise<Record<string, string>> | undefined;
	const run = (command: string, args: readonly string[], options: RunOptions = {}) =>
		spawnCommand(process.execPath, [command, ...args], { cwd: root, ...options });
	const wrangler = (args: readonly string[], options?: RunOptions) =>
		run(join(root, "node_modules", "wrangler", "bin", "wrangler.js"), args, options);
	return {
		wrangler,
		async api(method, path, body) {
			auth ??= authHeaders(wrangler);
			const response = await fetch(`https://api.cloudflare.com/client/v4${path}`, {
				method,
				headers: { ...(await auth), ...(body === undefined ? {} : { "content-type": "application/json" }) },
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: AbortSignal.timeout(30_000),
			});
			const envelope = EnvelopeSchema.safeParse(await response.json().catch(() => ({})));
			if (response.ok && envelope.success && envelope.data.success)
				return { ok: true, result: envelope.data.result };
			const errors = envelope.success ? envelope.data.errors : [];
			return {
				ok: false,
				status: response.status,
				codes: errors.map((e) => e.code),
				message: errors.map((e) => e.message).join("; ") || `HTTP ${response.status}`,
			};
		},
		local: (tool, args, options) => run(join(root, "node_modules", tool, "bin", `${tool}.js`), args, options),
		async ask(question) {
			if (!process.stdin.isTTY) return "";
			const rl = createInterface({ input: process.stdin, output: process.stdout });
			try {
				return (await rl.question(question)).trim();
			} finally {
				rl.close();
			}
		},
	};
}

/** wrangler's own credentials (`wrangler login` or CLOUDFLARE_API_TOKEN) as request headers. */
async function authHeaders(
	wrangler: (args: readonly string[], options?: RunOptions) => Promise<CommandResult>,
): Promise<Record<string, string>> {
	const answer = await wrangler(["auth", "token", "--json"], { capture: true });
	if (answer.code !== 0)
		throw new Error(`wrangler auth token failed: ${answer.stderr.trim() || answer.stdout.trim()}`);
	const token = TokenSchema.parse(JSON.parse(answer.stdout.slice(answer.stdout.indexOf("{"))));
	return token.type === "api_key"
		? { "x-auth-key": token.key, "x-auth-email": token.email }
		: { authorization: `Bearer ${token.token}` };
}

function spawnCommand(
	command: string,
	args: readonly string[],
	options: RunOptions & { cwd: string },
): Promise<CommandResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...options.env },
			stdio: options.capture ? ["ignore", "pipe", "pipe"] : ["inherit", "inherit", "inherit"],
		});
		let stdout = "";
		let stderr = "";
		child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
			stdout += chunk;
		});
		child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
			stderr += chunk;
		});
		child.on("error", reject);
		child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stdout, stderr }));
	});
}
