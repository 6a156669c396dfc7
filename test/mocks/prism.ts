import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";

/** A mock upstream started for a test run. */
export interface MockServer {
	origin: string;
	stop: () => Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released before the mock binds it). */
export async function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const server = createServer();
		server.once("error", fail);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => done(port));
		});
	});
}

async function waitForHttp(origin: string, child: ChildProcess, log: () => string): Promise<void> {
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`prism exited with ${child.exitCode}:\n${log()}`);
		try {
			// Any HTTP answer (404, 401, …) means Prism is listening.
			await fetch(origin, { signal: AbortSignal.timeout(1000) });
			return;
		} catch {
			await new Promise((r) => setTimeout(r, 200));
		}
	}
	throw new Error(`prism did not answer on ${origin} within 60 s:\n${log()}`);
}

/**
 * Starts Prism (`@stoplight/prism-cli`) mocking `spec` on 127.0.0.1: it validates each request against the spec,
 * including its security requirements (401 without the declared credential) and `Accept` (406), and answers the
 * spec's examples. `dynamic` answers generated data instead of examples.
 */
export async function startPrism(spec: string, options: { port?: number; dynamic?: boolean } = {}) {
	const port = options.port ?? (await freePort());
	const origin = `http://127.0.0.1:${port}`;
	const args = ["mock", "-h", "127.0.0.1", "-p", String(port), ...(options.dynamic ? ["-d"] : []), spec];
	const child = spawn(resolve("node_modules/.bin/prism"), args, { stdio: ["ignore", "pipe", "pipe"] });
	let output = "";
	const keep = (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-8000);
	};
	child.stdout?.on("data", keep);
	child.stderr?.on("data", keep);
	try {
		await waitForHttp(origin, child, () => output);
	} catch (error) {
		child.kill("SIGKILL");
		throw error;
	}
	const stop = async () => {
		if (child.exitCode !== null) return;
		const exited = new Promise((r) => child.once("exit", r));
		child.kill("SIGTERM");
		await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
		if (child.exitCode === null) child.kill("SIGKILL");
	};
	return { origin, stop } satisfies MockServer;
}
