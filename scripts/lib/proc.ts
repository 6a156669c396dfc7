import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const COLORS = [36, 35, 33, 32, 34, 31];
let nextColor = 0;

/** Writes lines with a `[name]` prefix, colored when the terminal supports it. */
export function makePrefixer(name: string): (line: string) => void {
	const color = COLORS[nextColor++ % COLORS.length];
	const tag = process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[${color}m[${name}]\x1b[0m` : `[${name}]`;
	return (line) => process.stdout.write(`${tag} ${line}\n`);
}

export interface ManagedProcessOptions {
	name: string;
	command: string;
	args: string[];
	cwd: string;
	env?: Record<string, string>;
	/** Echo output lines with the name as prefix (otherwise they are only kept for error messages). */
	echo?: boolean;
	/** How many trailing output lines to keep for error messages. */
	keepLines?: number;
}

/**
 * A child process in its own process group, so that stopping it also stops what it spawned
 * (wrangler's workerd), and so that a terminal Ctrl-C reaches only us and we stop children in order.
 */
export class ManagedProcess {
	readonly name: string;
	readonly child: ChildProcess;
	readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	private readonly tail: string[] = [];
	/** Every line reporting an uncaught error in a Worker (workerd prints `Uncaught …`), kept whole. */
	readonly uncaught: string[] = [];
	private readonly keepLines: number;
	private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

	constructor(options: ManagedProcessOptions) {
		this.name = options.name;
		this.keepLines = options.keepLines ?? 40;
		const print = options.echo === false ? undefined : makePrefixer(options.name);
		this.child = spawn(options.command, options.args, {
			cwd: options.cwd,
			env: { ...process.env, ...options.env },
			stdio: ["ignore", "pipe", "pipe"],
			detached: true,
		});
		this.exited = new Promise((resolve) => {
			this.child.once("exit", (code, signal) => {
				this.exitInfo = { code, signal };
				resolve(this.exitInfo);
			});
			// A spawn failure (missing binary) emits "error" and never "exit".
			this.child.once("error", (error) => {
				this.remember(`spawn failed: ${error.message}`);
				this.exitInfo = { code: -1, signal: null };
				resolve(this.exitInfo);
			});
		});
		for (const stream of [this.child.stdout, this.child.stderr]) {
			let partial = "";
			stream?.setEncoding("utf8");
			stream?.on("data", (chunk: string) => {
				const lines = (partial + chunk).split(/\r?\n/);
				partial = lines.pop() ?? "";
				for (const line of lines) {
					this.remember(line);
					print?.(line);
				}
			});
			stream?.on("end", () => {
				if (partial) {
					this.remember(partial);
					print?.(partial);
				}
			});
		}
	}

	get running(): boolean {
		return this.exitInfo === undefined;
	}

	get exitDescription(): string {
		if (!this.exitInfo) return "still running";
		return this.exitInfo.signal
			? `killed by ${this.exitInfo.signal}`
			: `exited with code ${this.exitInfo.code}`;
	}

	/** The last output lines, for error messages. */
	lastLines(count = 20): string[] {
		return this.tail.slice(-count);
	}

	/**
	 * SIGTERM to the whole group, then wait until no live process is left in it (workerd can
	 * outlive wrangler by a second or two); SIGKILL whatever remains after `graceMs`.
	 */
	async stop(graceMs = 5000): Promise<void> {
		const pgid = this.child.pid;
		if (pgid === undefined) return;
		signalGroup(pgid, "SIGTERM");
		if (await waitGroupEmpty(pgid, graceMs)) return;
		signalGroup(pgid, "SIGKILL");
		await waitGroupEmpty(pgid, 2000);
	}

	private remember(line: string): void {
		// biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal color codes from kept lines
		const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
		this.tail.push(plain);
		if (this.tail.length > this.keepLines) this.tail.shift();
		if (/\bUncaught\b/.test(plain)) this.uncaught.push(plain.trim());
	}
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		// ESRCH: the group is already gone.
	}
}

/** True when some non-zombie process still belongs to the group. */
function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
	} catch {
		return false;
	}
	// kill(0) also succeeds for zombies, which an init that does not reap (containers) leaves
	// behind forever; on Linux look at the members' states instead.
	let entries: string[];
	try {
		entries = readdirSync("/proc");
	} catch {
		return true;
	}
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		let stat: string;
		try {
			stat = readFileSync(`/proc/${entry}/stat`, "utf8");
		} catch {
			continue;
		}
		// Fields after the parenthesised command name: state ppid pgrp ...
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true;
	}
	return false;
}

async function waitGroupEmpty(pgid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (groupAlive(pgid)) {
		if (Date.now() > deadline) return false;
		await sleep(100);
	}
	return true;
}

/**
 * Owns every child process of a run, so that one signal handler can stop them all,
 * including a migration or seed step that is still running.
 */
export class Supervisor {
	private readonly processes = new Set<ManagedProcess>();
	private stopping: Promise<void> | undefined;

	get isStopping(): boolean {
		return this.stopping !== undefined;
	}

	spawn(options: ManagedProcessOptions): ManagedProcess {
		if (this.stopping) throw new Error("shutting down");
		const proc = new ManagedProcess(options);
		this.processes.add(proc);
		void proc.exited.then(() => {
			if (!this.stopping) this.processes.delete(proc);
		});
		return proc;
	}

	/** Runs a command to completion; throws with its last output lines when it fails. */
	async run(options: ManagedProcessOptions): Promise<void> {
		const proc = this.spawn(options);
		const { code, signal } = await proc.exited;
		if (this.stopping) throw new Error(`${options.name} interrupted`);
		if (code !== 0) {
			const detail = options.echo === false ? `. Its last output:\n${indent(proc.lastLines())}` : "";
			throw new Error(
				`${options.name} failed (${signal ? `killed by ${signal}` : `exit code ${code}`})${detail}`,
			);
		}
	}

	/** Stops every process (in parallel); safe to call more than once. */
	stopAll(): Promise<void> {
		this.stopping ??= Promise.all([...this.processes].map((proc) => proc.stop())).then(() => undefined);
		return this.stopping;
	}
}

export function indent(lines: string[], prefix = "    "): string {
	return lines.map((line) => `${prefix}${line}`).join("\n");
}

/** Resolves when the port can be bound on the address, i.e. nothing else listens there. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(false));
		server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
	});
}

/** A port the OS considers free right now. */
export function freePort(host = "127.0.0.1"): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen({ port: 0, host, exclusive: true }, () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}
