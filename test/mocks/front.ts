import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { type MockServer, startPrism } from "./prism.ts";

/** One request as a fixture's gate sees it, before Prism does. */
export interface FrontRequest {
	method: string;
	url: URL;
	headers: Headers;
	body: string;
}

/** What a gate answers instead of Prism: a status and a JSON body. */
export interface FrontAnswer {
	status: number;
	body: unknown;
}

/** Checks a request the way the real API would (its credential, its signature); `undefined` lets Prism answer. */
export type Gate = (request: FrontRequest) => FrontAnswer | undefined;

/** The fixture's test-only secrets (`secrets.json` beside its manifest). */
export function fixtureSecrets(dir: string): Record<string, string> {
	return JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"));
}

/** The whole body of a request to a mock, as text. */
export async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(Buffer.from(chunk));
	return Buffer.concat(chunks).toString("utf8");
}

/** A request's headers as Fetch `Headers`, without the hop-specific `host` and `content-length`. */
export function headersOf(request: IncomingMessage): Headers {
	const headers = new Headers();
	for (const [name, value] of Object.entries(request.headers)) {
		if (value === undefined || name === "host" || name === "content-length") continue;
		headers.set(name, Array.isArray(value) ? value.join(", ") : value);
	}
	return headers;
}

/**
 * A mock upstream that checks what Prism cannot (the credential's value, an HMAC signature, OAuth tokens it issued)
 * with `gate`, then lets Prism (started on its own port) answer from the spec.
 */
export async function startFront(spec: string, port: number, gate: Gate): Promise<MockServer> {
	const origin = `http://127.0.0.1:${port}`;
	let prism: MockServer | undefined;
	const server = createServer(async (incoming, outgoing) => {
		try {
			const body = await readBody(incoming);
			const request: FrontRequest = {
				method: incoming.method ?? "GET",
				url: new URL(incoming.url ?? "/", origin),
				headers: headersOf(incoming),
				body,
			};
			const answer = gate(request);
			if (answer) {
				outgoing.writeHead(answer.status, { "content-type": "application/json" });
				outgoing.end(JSON.stringify(answer.body));
				return;
			}
			if (!prism) throw new Error("prism is not up yet");
			const upstream = await fetch(`${prism.origin}${request.url.pathname}${request.url.search}`, {
				method: request.method,
				headers: request.headers,
				...(body && request.method !== "GET" && request.method !== "HEAD" ? { body } : {}),
			});
			outgoing.writeHead(upstream.status, {
				"content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
			});
			outgoing.end(Buffer.from(await upstream.arrayBuffer()));
		} catch (error) {
			outgoing.writeHead(500, { "content-type": "application/json" });
			outgoing.end(JSON.stringify({ message: `mock front failed: ${String(error)}` }));
		}
	});
	// Bound before Prism asks for a free port, so the two never get the same one.
	await new Promise<void>((ready) => server.listen(port, "127.0.0.1", ready));
	const stopFront = () => new Promise((closed) => server.close(closed));
	try {
		prism = await startPrism(spec);
	} catch (error) {
		await stopFront();
		throw error;
	}
	const started = prism;
	return {
		origin,
		stop: async () => {
			await stopFront();
			await started.stop();
		},
	};
}
