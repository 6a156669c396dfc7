import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseEnv } from "node:util";
import { providerSecretName } from "@penumbra/core/upstream-request";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { chatDevVars, gatewayDevVars, mcpDevVars } from "./dev-vars.ts";
import { freePort, indent, isPortFree, type ManagedProcess, type Supervisor } from "./proc.ts";

/** Every local process listens on loopback only. */
export const HOST = "127.0.0.1";

/** Inspector (devtools) port of a Worker = its HTTP port + this; parallel wrangler starts race for 9229 otherwise. */
export const INSPECTOR_PORT_OFFSET = 10000;

/**
 * One Worker of the local stack. To add a Worker to `npm start` and the bench, add one entry here;
 * entries whose config file does not exist yet are skipped.
 */
export interface WorkerEntry {
	/** Log prefix and key in `ports`. */
	name: string;
	/** Shown in the ready box. */
	title: string;
	/** Wrangler config, relative to the repository root. */
	config: string;
	defaultPort: number;
	/** Environment variable that overrides the port for `npm start`. */
	portEnv: string;
	/** GET route that answers 2xx once the Worker is ready. */
	healthPath: string;
	/**
	 * `--var` values of a local run: development mode (the committed configs are production; scripts/lib/dev-vars.ts)
	 * and what depends on where the other Workers listen.
	 */
	vars?: (ports: Readonly<Record<string, number>>, options: StackOptions) => Record<string, string>;
	/**
	 * A Cloudflare Pages project instead of a Worker: `vite build` of `config`'s folder, then `wrangler pages dev
	 * <output>` there (Pages reads its wrangler.toml from the working directory). Skipped while `source` is missing.
	 */
	site?: { source: string; output: string };
	/**
	 * Names of other planned Workers run inside this Worker's `wrangler dev` process (`-c` their configs after this
	 * one), so calls between them are in-process RPC instead of hops through the dev registry. Only the first config
	 * gets an HTTP port: the auxiliaries are reached through this Worker (its service bindings). The bench uses it.
	 */
	auxiliaries?: readonly string[];
}

export const WORKERS: readonly WorkerEntry[] = [
	{
		name: "sandbox",
		title: "Sandbox merchants",
		config: "workers/sandbox/wrangler.toml",
		defaultPort: 8791,
		portEnv: "PENUMBRA_SANDBOX_PORT",
		healthPath: "/health",
	},
	{
		name: "gateway",
		title: "Gateway API",
		config: "wrangler.toml",
		defaultPort: 8787,
		portEnv: "PENUMBRA_GATEWAY_PORT",
		healthPath: "/v1/health",
		// Development mode (the committed config is production). The registry points upstreams at the sandbox; the
		// gateway refuses plain-http loopback upstreams unless they are allowlisted, so follow the sandbox (and any
		// local upstream the run adds).
		vars: (ports, options) => gatewayDevVars(ports, options.upstreamAllowlist),
	},
	{
		name: "mcp",
		title: "MCP server",
		config: "workers/mcp/wrangler.toml",
		defaultPort: 8788,
		portEnv: "PENUMBRA_MCP_PORT",
		healthPath: "/health",
		// OAuth tokens are bound to the server's own URL, and the links it prints point at the other Workers.
		vars: (ports) => mcpDevVars(ports),
	},
	{
		name: "chat",
		title: "Chat API",
		config: "workers/chat/wrangler.toml",
		defaultPort: 8789,
		portEnv: "PENUMBRA_CHAT_PORT",
		healthPath: "/health",
		// CORS and the session cookie are for the chat site, wherever it listens; the site shows the MCP URL.
		vars: (ports) => chatDevVars(ports),
	},
	{
		name: "web",
		title: "Chat site",
		config: "web/wrangler.toml",
		defaultPort: 8790,
		portEnv: "PENUMBRA_WEB_PORT",
		healthPath: "/",
		site: { source: "web/src", output: "dist" },
	},
];

/** A Worker of this run, with its ports decided. */
export interface PlannedWorker extends WorkerEntry {
	port: number;
	inspectorPort: number;
	origin: string;
}

export interface StackOptions {
	root: string;
	/** Absolute; shared by every process so D1/KV/DO state lines up. */
	persistTo: string;
	/** Absolute; keeps this stack's Workers from meeting another project's (or another stack's) in the dev registry. */
	registryPath: string;
	workers: PlannedWorker[];
	/** Echo child output with `[name]` prefixes; otherwise it is kept only for error messages. */
	echo: boolean;
	/** wrangler's `--log-level`; `warn` silences the per-request log lines (needed for benchmarks). */
	logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
	/** Extra `--var` values per Worker name, over the table's. */
	vars?: Record<string, Record<string, string>>;
	/** Origins the gateway may call besides the sandbox (PENUMBRA_UPSTREAM_ALLOWLIST for `npm start`). */
	upstreamAllowlist?: readonly string[];
	/** The providers folder to seed (default: `providers` under `root`). */
	providersDir?: string;
	/**
	 * Run the Workers as they deploy: without the table's development vars, each from its config in `configs`
	 * (absolute; default: its committed `wrangler.toml`). For the production-mode tests.
	 */
	production?: { configs?: Record<string, string> };
	/** Output lines kept per Worker (default 40, for error messages); the production test reads every line. */
	keepLines?: number;
}

/** Parses a port from the environment, or returns the fallback. */
export function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 1 || port + INSPECTOR_PORT_OFFSET > 65535) {
		throw new Error(`${name}=${raw} is not a usable port (1-${65535 - INSPECTOR_PORT_OFFSET})`);
	}
	return port;
}

/**
 * The Workers of `entries` (default: the `npm start` table) whose config exists, with ports from `portOf`.
 * `onSkip` hears about a site whose config exists but whose source does not (yet).
 */
export function planWorkers(
	root: string,
	portOf: (entry: WorkerEntry) => number,
	entries: readonly WorkerEntry[] = WORKERS,
	onSkip?: (entry: WorkerEntry, reason: string) => void,
): PlannedWorker[] {
	return entries
		.filter((entry) => existsSync(join(root, entry.config)))
		.filter((entry) => {
			if (!entry.site || existsSync(join(root, entry.site.source))) return true;
			onSkip?.(entry, `${entry.site.source} does not exist yet`);
			return false;
		})
		.map((entry) => {
			const port = portOf(entry);
			return {
				...entry,
				port,
				inspectorPort: port + INSPECTOR_PORT_OFFSET,
				origin: `http://${HOST}:${port}`,
			};
		});
}

/**
 * Like planWorkers, but every HTTP and inspector port is one the OS has free right now (tests and benchmarks run
 * beside a developer's `npm start`). `names` picks the entries.
 */
export async function planOnFreePorts(
	root: string,
	names: readonly string[],
	entries: readonly WorkerEntry[] = WORKERS,
	onSkip?: (entry: WorkerEntry, reason: string) => void,
): Promise<PlannedWorker[]> {
	const used = new Set<number>();
	const nextPort = async (): Promise<number> => {
		for (;;) {
			const port = await freePort(HOST);
			if (!used.has(port)) {
				used.add(port);
				return port;
			}
		}
	};
	const planned = planWorkers(
		root,
		() => 0,
		entries.filter((e) => names.includes(e.name)),
		onSkip,
	);
	for (const worker of planned) {
		worker.port = await nextPort();
		worker.inspectorPort = await nextPort();
		worker.origin = `http://${HOST}:${worker.port}`;
	}
	return planned;
}

export function portsOf(workers: readonly PlannedWorker[]): Record<string, number> {
	return Object.fromEntries(workers.map((w) => [w.name, w.port]));
}

/** Fails early, with the variable to change, when a port is taken (typically by another `npm start`). */
export async function assertPortsFree(workers: readonly PlannedWorker[]): Promise<void> {
	const taken: string[] = [];
	for (const w of workers) {
		if (!(await isPortFree(w.port))) taken.push(`${w.name}: port ${w.port} is in use (set ${w.portEnv})`);
		if (!(await isPortFree(w.inspectorPort))) {
			taken.push(`${w.name}: inspector port ${w.inspectorPort} is in use (change ${w.portEnv})`);
		}
	}
	if (taken.length > 0) {
		throw new Error(`Cannot start: another process (another \`npm start\`?) holds\n${indent(taken)}`);
	}
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest's literal placeholder, not a template
const SANDBOX_PLACEHOLDER = "${SANDBOX_ORIGIN}";

/** Just what `.dev.vars` needs from a manifest; malformed ones are left for the seed step to report. */
const SandboxManifestSchema = z.object({
	id: z.string(),
	upstream: z.string(),
	auth: z.object({ scheme: z.string() }),
});

/** Secret names of providers served by the sandbox whose upstream wants a key (any non-empty one works there). */
function sandboxProviderSecrets(root: string): string[] {
	const dir = join(root, "providers");
	if (!existsSync(dir)) return [];
	const names: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const file = join(dir, entry.name, "provider.yaml");
		if (!entry.isDirectory() || !existsSync(file)) continue;
		let raw: unknown;
		try {
			raw = parseYaml(readFileSync(file, "utf8"));
		} catch {
			continue;
		}
		const manifest = SandboxManifestSchema.safeParse(raw);
		if (!manifest.success || manifest.data.auth.scheme === "none") continue;
		if (!manifest.data.upstream.includes(SANDBOX_PLACEHOLDER)) continue;
		names.push(providerSecretName(manifest.data.id));
	}
	return names;
}

/**
 * Makes sure `.dev.vars` (gitignored, read by `wrangler dev` for the root config) holds an
 * ADMIN_TOKEN and a QUOTE_SIGNING_KEY (random on first run) and a key for each sandbox provider that needs one.
 * Existing values are never changed. Returns the admin token and the names it added.
 */
export function ensureDevVars(root: string): { adminToken: string; added: string[] } {
	const file = join(root, ".dev.vars");
	const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
	const current = parseEnv(existing);
	const additions: Record<string, string> = {};
	const adminToken = current.ADMIN_TOKEN || `adm_${randomBytes(24).toString("base64url")}`;
	if (!current.ADMIN_TOKEN) additions.ADMIN_TOKEN = adminToken;
	if (!current.QUOTE_SIGNING_KEY) additions.QUOTE_SIGNING_KEY = randomBytes(32).toString("base64url");
	for (const name of sandboxProviderSecrets(root)) {
		if (!current[name]) additions[name] = `sandbox_${randomBytes(12).toString("base64url")}`;
	}
	const added = Object.keys(additions);
	if (added.length > 0) {
		const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
		const lines = Object.entries(additions).map(([name, value]) => `${name}="${value}"\n`);
		writeFileSync(file, `${existing}${separator}${lines.join("")}`, { mode: 0o600 });
	}
	return { adminToken, added };
}

/** Environment for every child: offline wrangler, this stack's dev registry, our Node first on PATH. */
export function childEnv(options: StackOptions, extra: Record<string, string> = {}): Record<string, string> {
	return {
		CLOUDFLARE_CF_FETCH_ENABLED: "false",
		WRANGLER_SEND_METRICS: "false",
		WRANGLER_REGISTRY_PATH: options.registryPath,
		// wrangler's local trace collector keeps one SQLite store per persist dir; with several
		// processes writing it at once, workerd logs SQLITE_BUSY errors (and every request pays
		// for the trace). Opt back in with X_LOCAL_OBSERVABILITY=true.
		X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
		// Tools with a `#!/usr/bin/env node` shebang must find Node 24, not the machine's Node 20.
		PATH: [join(options.root, "node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter),
		...extra,
	};
}

export function wranglerCommand(root: string, args: string[]): { command: string; args: string[] } {
	return {
		command: process.execPath,
		args: [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args],
	};
}

/** `wrangler d1 migrations apply DB --local` into the stack's state. */
export function applyMigrations(supervisor: Supervisor, options: StackOptions): Promise<void> {
	const { command, args } = wranglerCommand(options.root, [
		"d1",
		"migrations",
		"apply",
		"DB",
		"--local",
		"--persist-to",
		options.persistTo,
	]);
	return supervisor.run({
		name: "migrate",
		command,
		args,
		cwd: options.root,
		env: childEnv(options, { CI: "true" }),
		echo: options.echo,
	});
}

/**
 * Builds providers/ and writes the registry into the stack's local KV, with upstreams pointing
 * at this stack's sandbox. Must run before the Workers start: two KV writers lose writes.
 */
export function seedRegistry(supervisor: Supervisor, options: StackOptions): Promise<void> {
	const sandbox = options.workers.find((w) => w.name === "sandbox");
	return supervisor.run({
		name: "seed",
		command: process.execPath,
		args: [
			join(options.root, "packages", "cli", "bin", "penumbra.js"),
			"providers",
			"seed",
			"--local",
			"--persist-to",
			options.persistTo,
			...(options.providersDir ? ["--dir", options.providersDir] : []),
		],
		cwd: options.root,
		env: childEnv(options, sandbox ? { SANDBOX_ORIGIN: sandbox.origin } : {}),
		echo: options.echo,
	});
}

export interface RunningWorker {
	worker: PlannedWorker;
	proc: ManagedProcess;
}

/** `vite build` of every site among the planned Workers (into its output folder), one after the other. */
export async function buildSites(
	supervisor: Supervisor,
	options: StackOptions,
	say: (line: string) => void = () => {},
): Promise<void> {
	for (const worker of options.workers) {
		if (!worker.site) continue;
		const dir = dirname(join(options.root, worker.config));
		const output = relative(options.root, join(dir, worker.site.output));
		say(
			`building the ${worker.title.toLowerCase()}: vite build ${relative(options.root, dir)}/ → ${output}/…`,
		);
		const started = Date.now();
		await supervisor.run({
			name: `${worker.name}:build`,
			command: process.execPath,
			args: [join(options.root, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"],
			cwd: dir,
			env: childEnv(options),
			echo: options.echo,
		});
		say(`built ${output}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}
}

/**
 * A copy of an auxiliary Worker's config that carries its local vars: wrangler applies `--var` and `--env-file` to
 * the first config of a process only, and reads `.dev.vars` next to each config. So the copy, in a folder of its own
 * beside the state (`<persistTo>-<name>-config`), has `main` made absolute and a `.dev.vars` that is the
 * repository's (the gateway's secrets) followed by `vars` (later lines win).
 */
function auxiliaryConfig(options: StackOptions, worker: PlannedWorker, vars: Record<string, string>): string {
	const dir = `${options.persistTo}-${worker.name}-config`;
	mkdirSync(dir, { recursive: true });
	const source = join(options.root, worker.config);
	const toml = readFileSync(source, "utf8");
	const main = /^main = "([^"]+)"$/m.exec(toml)?.[1];
	if (!main) throw new Error(`${worker.config} has no main = "…" line to make absolute`);
	const config = join(dir, "wrangler.toml");
	writeFileSync(
		config,
		toml.replace(/^main = "[^"]+"$/m, `main = ${JSON.stringify(join(dirname(source), main))}`),
	);
	const devVars = join(dirname(source), ".dev.vars");
	const secrets = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
	const lines = Object.entries(vars).map(([key, value]) => `${key}=${JSON.stringify(value)}\n`);
	writeFileSync(
		join(dir, ".dev.vars"),
		`${secrets}${secrets.endsWith("\n") || secrets === "" ? "" : "\n"}${lines.join("")}`,
		{
			mode: 0o600,
		},
	);
	return config;
}

/** The `--var` values of one Worker in a local run: its table vars (unless production), then the options'. */
function varsOf(worker: PlannedWorker, options: StackOptions): Record<string, string> {
	const devVars = options.production ? {} : worker.vars?.(portsOf(options.workers), options);
	return { ...devVars, ...options.vars?.[worker.name] };
}

/**
 * Starts every planned Worker at once: `wrangler dev` for a Worker, `wrangler pages dev` for a site (its service
 * bindings reach the other processes through the shared dev registry).
 */
export function startWorkers(
	supervisor: Supervisor,
	options: StackOptions,
	only: readonly PlannedWorker[] = options.workers,
): RunningWorker[] {
	return only.map((worker) => {
		const values = Object.entries(varsOf(worker, options));
		const config = options.production?.configs?.[worker.name] ?? join(options.root, worker.config);
		const auxiliaries = (worker.auxiliaries ?? []).map((name) => {
			const aux = options.workers.find((w) => w.name === name);
			if (!aux) throw new Error(`${worker.name}: auxiliary Worker ${name} is not planned`);
			return auxiliaryConfig(options, aux, varsOf(aux, options));
		});
		const common = [
			"--ip",
			HOST,
			"--port",
			String(worker.port),
			"--inspector-port",
			String(worker.inspectorPort),
			"--persist-to",
			// A site keeps no data of its own (its bindings reach the Workers through the dev registry), and a
			// second workerd opening the shared SQLite files at start-up races the others (SQLITE_BUSY): its own folder.
			worker.site ? `${options.persistTo}-${worker.name}` : options.persistTo,
			"--show-interactive-dev-session=false",
			...(options.logLevel ? ["--log-level", options.logLevel] : []),
		];
		const { command, args } = worker.site
			? wranglerCommand(options.root, [
					"pages",
					"dev",
					worker.site.output,
					...common,
					...values.flatMap(([key, value]) => ["--binding", `${key}=${value}`]),
				])
			: wranglerCommand(options.root, [
					"dev",
					"-c",
					config,
					...auxiliaries.flatMap((c) => ["-c", c]),
					...common,
					...values.flatMap(([key, value]) => ["--var", `${key}:${value}`]),
				]);
		const proc = supervisor.spawn({
			name: worker.name,
			command,
			args,
			cwd: worker.site ? dirname(join(options.root, worker.config)) : options.root,
			env: childEnv(options),
			echo: options.echo,
			...(options.keepLines ? { keepLines: options.keepLines } : {}),
		});
		return { worker, proc };
	});
}

/**
 * Starts the planned Workers one after another, each once the one before answers its health route: workerd
 * processes opening the shared SQLite state at the same moment can fail at start-up with SQLITE_BUSY (seen in CI).
 */
export async function startWorkersInOrder(
	supervisor: Supervisor,
	options: StackOptions,
	timeoutMs: number,
	only: readonly PlannedWorker[] = options.workers,
): Promise<RunningWorker[]> {
	const running: RunningWorker[] = [];
	for (const worker of only) {
		const started = startWorkers(supervisor, options, [worker]);
		running.push(...started);
		await waitHealthy(started, timeoutMs);
	}
	return running;
}

/**
 * Polls each Worker's own health route (wrangler accepts connections before the Worker is
 * ready, so an open port proves nothing). Throws naming the Worker, with its last output lines.
 */
export async function waitHealthy(running: readonly RunningWorker[], timeoutMs: number): Promise<void> {
	await Promise.all(
		running.map(async ({ worker, proc }) => {
			const url = `${worker.origin}${worker.healthPath}`;
			const deadline = Date.now() + timeoutMs;
			let last = "no answer yet";
			while (Date.now() < deadline) {
				if (!proc.running) {
					throw new Error(
						`${worker.name} (${worker.config}) ${proc.exitDescription} before answering GET ${url}. Its last output:\n${indent(proc.lastLines())}`,
					);
				}
				try {
					const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
					await response.body?.cancel();
					if (response.ok) return;
					last = `HTTP ${response.status}`;
				} catch (error) {
					last = describeFetchError(error);
				}
				await sleep(200);
			}
			throw new Error(
				`${worker.name} (${worker.config}) did not answer GET ${url} with 2xx within ${Math.round(timeoutMs / 1000)} s (last: ${last}). Its last output:\n${indent(proc.lastLines())}`,
			);
		}),
	);
}

/** Resolves with the first Worker that exits on its own. */
export function firstExit(running: readonly RunningWorker[]): Promise<RunningWorker> {
	return Promise.race(running.map((r) => r.proc.exited.then(() => r)));
}

export function describeFetchError(error: unknown): string {
	if (error instanceof Error) {
		const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
		return `${error.message}${cause}`;
	}
	return String(error);
}
