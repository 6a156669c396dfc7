/**
 * A recording stand-in for an alert webhook (Slack's incoming webhook): every POST to `/hooks/<id>` is kept with the
 * status it was answered, and `GET /hooks/<id>` lists them, so a test owns its hook by choosing a fresh id.
 * `?fail=<n>` on the hook URL answers 503 to its first n deliveries (a webhook that is down for a while).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
	status: number;
	content_type: string;
	body: unknown;
}

async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString("utf8");
}

function parse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/** Starts the receiver on a free port of `host`; `close` stops it. */
export async function startWebhookReceiver(
	host = "127.0.0.1",
): Promise<{ url: string; close: () => Promise<void> }> {
	const hooks = new Map<string, Delivery[]>();
	const handle = async (request: IncomingMessage, response: ServerResponse) => {
		const url = new URL(request.url ?? "/", "http://receiver");
		const id = /^\/hooks\/([\w-]{1,64})$/.exec(url.pathname)?.[1];
		if (!id) {
			response.writeHead(404).end();
			return;
		}
		const deliveries = hooks.get(id) ?? [];
		hooks.set(id, deliveries);
		if (request.method === "GET") {
			response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ deliveries }));
			return;
		}
		const body = parse(await readBody(request));
		const status = deliveries.length < Number(url.searchParams.get("fail") ?? 0) ? 503 : 200;
		deliveries.push({ status, content_type: request.headers["content-type"] ?? "", body });
		response.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "unavailable");
	};
	const server = createServer((request, response) => {
		handle(request, response).catch(() => response.writeHead(500).end());
	});
	await new Promise<void>((resolve) => server.listen(0, host, resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://${host}:${port}`,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
