import { z } from "zod";
import { FAKE_KEY, MODEL, TURN_TIMEOUT_MS } from "./config.ts";

/** Epoch ms, on the same clock as the fake's `SentChunk.at`. */
export const now = () => performance.timeOrigin + performance.now();

interface Frame {
	event: string;
	data: string;
	/** When the bytes that completed the frame arrived. */
	at: number;
}

/** SSE frames of a response body, each stamped with the arrival of its last bytes. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let buffer = "";
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return;
		const at = now();
		buffer += decoder.decode(value, { stream: true });
		let end = buffer.indexOf("\n\n");
		while (end >= 0) {
			const raw = buffer.slice(0, end);
			buffer = buffer.slice(end + 2);
			let event = "message";
			const data: string[] = [];
			for (const line of raw.split("\n")) {
				if (line.startsWith("event:")) event = line.slice(6).trim();
				else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
			}
			if (data.length > 0) yield { event, data: data.join("\n"), at };
			end = buffer.indexOf("\n\n");
		}
	}
}

export interface Trace {
	/** When the request was sent. */
	sent: number;
	deltas: { text: string; at: number }[];
	/** Final text and when the terminal event arrived; absent when the stream failed. */
	completed?: { text: string; at: number };
	error?: string;
}

const DeltaData = z.object({ text: z.string() });
const CompletedData = z.object({ message: z.object({ text: z.string() }) });
const ErrorData = z.object({ code: z.string(), message: z.string() });
const AnthropicEvent = z.object({
	type: z.string(),
	delta: z.object({ type: z.string().optional(), text: z.string().optional() }).optional(),
});

async function failed(trace: Trace, response: Response): Promise<Trace> {
	const body = await response.text().catch(() => "");
	return { ...trace, error: `HTTP ${response.status}: ${body.slice(0, 200)}` };
}

/** One turn through the chat Worker: POST /api/chat, read to the turn's terminal event. */
export async function chatTurn(origin: string, key: string, message: string): Promise<Trace> {
	const trace: Trace = { sent: now(), deltas: [] };
	try {
		const response = await fetch(`${origin}/api/chat`, {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify({ message }),
			signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
		});
		if (response.status !== 200 || !response.body) return await failed(trace, response);
		for await (const frame of frames(response.body)) {
			if (frame.event === "assistant.delta") {
				trace.deltas.push({ text: DeltaData.parse(JSON.parse(frame.data)).text, at: frame.at });
			} else if (frame.event === "assistant.completed") {
				trace.completed = { text: CompletedData.parse(JSON.parse(frame.data)).message.text, at: frame.at };
			} else if (frame.event === "error" || frame.event === "purchase.confirmation_required") {
				const error = ErrorData.safeParse(JSON.parse(frame.data));
				trace.error = error.success ? `${error.data.code}: ${error.data.message}` : frame.event;
			}
		}
		if (!trace.completed && !trace.error) trace.error = "the stream ended without assistant.completed";
	} catch (error) {
		trace.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	}
	return trace;
}

/** The same chunks straight from the fake: `/v1/messages` with stream: true, read with Node fetch. */
export async function directTurn(fakeUrl: string, message: string): Promise<Trace> {
	const trace: Trace = { sent: now(), deltas: [] };
	try {
		const response = await fetch(`${fakeUrl}/v1/messages`, {
			method: "POST",
			headers: {
				"x-api-key": FAKE_KEY,
				"anthropic-version": "2023-06-01",
				"content-type": "application/json",
			},
			body: JSON.stringify({
				model: MODEL,
				max_tokens: 2048,
				stream: true,
				messages: [{ role: "user", content: message }],
			}),
			signal: AbortSignal.timeout(TURN_TIMEOUT_MS),
		});
		if (response.status !== 200 || !response.body) return await failed(trace, response);
		for await (const frame of frames(response.body)) {
			const event = AnthropicEvent.parse(JSON.parse(frame.data));
			if (event.type === "content_block_delta" && event.delta?.type === "text_delta") {
				trace.deltas.push({ text: event.delta.text ?? "", at: frame.at });
			} else if (event.type === "message_stop") {
				trace.completed = { text: trace.deltas.map((d) => d.text).join(""), at: frame.at };
			} else if (event.type === "error") trace.error = frame.data.slice(0, 200);
		}
		if (!trace.completed && !trace.error) trace.error = "the stream ended without message_stop";
	} catch (error) {
		trace.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	}
	return trace;
}

/** What went wrong with a finished trace, against the text the script streams; null when nothing. */
export function problemOf(trace: Trace, expected: string): string | null {
	if (trace.error) return trace.error;
	if (trace.completed?.text !== expected) return "final text differs from the script";
	if (trace.deltas.map((d) => d.text).join("") !== expected)
		return "deltas do not add up to the script's text";
	return null;
}
