/**
 * A local stand-in for the Anthropic Messages API (`/v1/messages`, streaming and not, `/v1/messages/count_tokens`)
 * plus `/_fake/*` routes through which tests script the model. Nothing here can reach api.anthropic.com, so the
 * chat Worker and its tests point `ANTHROPIC_BASE_URL` at this server; the SDK cannot tell the difference.
 *
 * Control routes:
 *   POST   /_fake/scripts           register a script (ScriptInput); same id replaces
 *   DELETE /_fake/scripts/<id>      drop one script and its calls (safe while other test files run)
 *   DELETE /_fake/scripts           drop every script and call
 *   GET    /_fake/calls?script=<id>&kind=messages|count_tokens|all   recorded requests (default kind: messages)
 *   GET    /_fake/sent?script=<id>  each delta chunk streamed (for that script), with when it was written (SentChunk)
 *   GET    /_fake/rejected          the last requests refused with 4xx before reaching the model (debugging)
 *   GET    /_fake/health
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
	type ApiErrorBody,
	FakeApiError,
	FakeModel,
	parseCountBody,
	parseMessageBody,
	type Reply,
	streamEvents,
} from "./script.ts";

export interface FakeAnthropicOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	host?: string;
	/** When set, `x-api-key` must equal it (401 otherwise). A request without any key is refused either way. */
	apiKey?: string;
}

export interface FakeAnthropic {
	url: string;
	port: number;
	close(): Promise<void>;
	/** Drops every script and recorded call. */
	reset(): void;
}

export interface Rejection {
	method: string;
	path: string;
	status: number;
	type: string;
	message: string;
}

const MAX_BODY = 32 * 1024 * 1024;
const MAX_REJECTIONS = 100;

function requestId(): string {
	return `req_01${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size > MAX_BODY)
			throw new FakeApiError(413, "request_too_large", "Request exceeds the maximum allowed size");
		chunks.push(buffer);
	}
	return Buffer.concat(chunks).toString("utf8");
}

async function readJson(req: IncomingMessage): Promise<unknown> {
	const text = await readBody(req);
	try {
		return JSON.parse(text);
	} catch {
		throw new FakeApiError(
			400,
			"invalid_request_error",
			"There was an error parsing the body of your request",
		);
	}
}

function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		"content-type": "application/json",
		"content-length": Buffer.byteLength(text),
		...headers,
	});
	res.end(text);
}

function sendError(res: ServerResponse, error: FakeApiError, id: string): void {
	const body: ApiErrorBody = {
		type: "error",
		error: { type: error.type, message: error.message },
		request_id: id,
	};
	const headers: Record<string, string> = { "request-id": id };
	if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
	sendJson(res, error.status, body, headers);
}

async function sendStream(
	res: ServerResponse,
	reply: Reply,
	id: string,
	model: FakeModel,
	requestedAt: number,
): Promise<void> {
	// The client going away (a test cutting the stream) stops generation, as it does at the API.
	const gone = new AbortController();
	res.on("close", () => gone.abort());
	const stream = model.nextStream();
	res.writeHead(200, {
		"content-type": "text/event-stream; charset=utf-8",
		"cache-control": "no-cache",
		"request-id": id,
	});
	for (const item of streamEvents(reply)) {
		if (item.delta && reply.delayMs > 0)
			await sleep(reply.delayMs, undefined, { signal: gone.signal }).catch(() => {});
		if (gone.signal.aborted) return;
		if (item.data.type === "content_block_delta") {
			const { index, delta } = item.data;
			const chunk =
				delta.type === "text_delta"
					? { type: delta.type, text: delta.text }
					: delta.type === "input_json_delta"
						? { type: delta.type, text: delta.partial_json }
						: null;
			const at = performance.timeOrigin + performance.now();
			if (chunk)
				model.recordSent({
					stream,
					script: reply.script,
					step: reply.step,
					index,
					...chunk,
					at,
					requested_at_ms: requestedAt,
				});
		}
		res.write(`event: ${item.event}\ndata: ${JSON.stringify(item.data)}\n\n`);
	}
	res.end();
}

/** Starts the fake on `host:port` (127.0.0.1 and a free port by default). */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
	const model = new FakeModel();
	const rejections: Rejection[] = [];

	async function api(req: IncomingMessage, res: ServerResponse, path: string, id: string): Promise<void> {
		const requestedAt = performance.timeOrigin + performance.now();
		if (req.method !== "POST") {
			throw new FakeApiError(405, "invalid_request_error", `Method ${req.method} not allowed for ${path}`);
		}
		const key = req.headers["x-api-key"];
		const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, "");
		const presented = typeof key === "string" && key !== "" ? key : bearer;
		if (!presented) throw new FakeApiError(401, "authentication_error", "x-api-key header is required");
		if (options.apiKey !== undefined && presented !== options.apiKey) {
			throw new FakeApiError(401, "authentication_error", "invalid x-api-key");
		}
		if (!req.headers["anthropic-version"]) {
			throw new FakeApiError(400, "invalid_request_error", "anthropic-version: header is required");
		}
		const raw = await readJson(req);
		if (path === "/v1/messages/count_tokens") {
			sendJson(res, 200, { input_tokens: model.countTokens(parseCountBody(raw)) }, { "request-id": id });
			return;
		}
		const body = parseMessageBody(raw);
		const reply = model.reply(body);
		// A scripted failure is the model's answer, not a refusal: it stays out of the rejections list.
		if (reply.error) sendError(res, reply.error, id);
		else if (body.stream) {
			await sendStream(res, reply, id, model, requestedAt);
		} else {
			sendJson(res, 200, reply.message, { "request-id": id });
		}
	}

	async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const path = url.pathname;
		if (path === "/_fake/health" && req.method === "GET") {
			sendJson(res, 200, { ok: true, scripts: model.scriptCount });
		} else if (path === "/_fake/scripts" && req.method === "POST") {
			const script = model.register(await readJson(req));
			sendJson(res, 201, { id: script.id, match: script.match, steps: script.steps.length });
		} else if (path === "/_fake/scripts" && req.method === "DELETE") {
			model.reset();
			rejections.length = 0;
			res.writeHead(204).end();
		} else if (path.startsWith("/_fake/scripts/") && req.method === "DELETE") {
			model.remove(decodeURIComponent(path.slice("/_fake/scripts/".length)));
			res.writeHead(204).end();
		} else if (path === "/_fake/calls" && req.method === "GET") {
			const kind = url.searchParams.get("kind") ?? "messages";
			if (kind !== "messages" && kind !== "count_tokens" && kind !== "all") {
				throw new FakeApiError(400, "invalid_request_error", "kind: messages, count_tokens or all");
			}
			const script = url.searchParams.get("script") ?? undefined;
			sendJson(res, 200, { calls: model.listCalls({ script, kind }) });
		} else if (path === "/_fake/sent" && req.method === "GET") {
			sendJson(res, 200, { sent: model.listSent(url.searchParams.get("script") ?? undefined) });
		} else if (path === "/_fake/rejected" && req.method === "GET") {
			sendJson(res, 200, { rejected: rejections });
		} else {
			throw new FakeApiError(404, "not_found_error", `No fake route ${req.method} ${path}`);
		}
	}

	const server = createServer((req, res) => {
		const id = requestId();
		const url = new URL(req.url ?? "/", "http://fake");
		const path = url.pathname.replace(/\/+$/, "") || "/";
		const handle =
			path === "/v1/messages" || path === "/v1/messages/count_tokens"
				? api(req, res, path, id)
				: path.startsWith("/_fake/")
					? control(req, res, url)
					: Promise.reject(new FakeApiError(404, "not_found_error", "Not Found"));
		handle.catch((error: unknown) => {
			const failure =
				error instanceof FakeApiError
					? error
					: new FakeApiError(500, "api_error", error instanceof Error ? error.message : String(error));
			if (failure.status < 500 && !path.startsWith("/_fake/")) {
				rejections.push({
					method: req.method ?? "",
					path,
					status: failure.status,
					type: failure.type,
					message: failure.message,
				});
				if (rejections.length > MAX_REJECTIONS) rejections.shift();
			}
			if (res.headersSent) res.destroy();
			else sendError(res, failure, id);
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
			server.off("error", reject);
			resolve();
		});
	});
	const address = server.address() as AddressInfo;
	const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
	return {
		url: `http://${host}:${address.port}`,
		port: address.port,
		reset: () => {
			model.reset();
			rejections.length = 0;
		},
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				// Open streams (a slow script) and idle keep-alive sockets would hold close() forever.
				server.closeAllConnections();
			}),
	};
}
