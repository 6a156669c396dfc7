import type {
	InputJSONDelta,
	Message,
	RawMessageStreamEvent,
	TextBlock,
	TextDelta,
	ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages";
import type { ApiErrorBody } from "./errors.ts";
import type { Reply } from "./script.ts";
import { usageOf } from "./tokens.ts";

export type SseEvent =
	| { event: RawMessageStreamEvent["type"]; data: RawMessageStreamEvent; delta: boolean }
	| { event: "ping"; data: { type: "ping" }; delta: false }
	| { event: "error"; data: Omit<ApiErrorBody, "request_id">; delta: false };

function chunks(text: string, size: number): string[] {
	const out: string[] = [];
	for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
	return out;
}

/**
 * The SSE events of a reply in the API's order: message_start, then per block start / deltas / stop (a ping after
 * the first start), message_delta (stop reason, final usage), message_stop. `delta` marks the chunks a delay goes before.
 */
export function* streamEvents(reply: Reply): Generator<SseEvent> {
	const { message } = reply;
	yield {
		event: "message_start",
		data: {
			type: "message_start",
			message: {
				...message,
				content: [],
				stop_reason: null,
				usage: usageOf(message.usage.input_tokens, 1),
			},
		},
		delta: false,
	};
	let sent = 0;
	let pinged = false;
	const stopAfter = reply.streamError?.afterChunks;
	for (const [index, block] of message.content.entries()) {
		if (block.type !== "text" && block.type !== "tool_use") continue;
		yield blockStart(index, block);
		if (!pinged) {
			yield { event: "ping", data: { type: "ping" }, delta: false };
			pinged = true;
		}
		for (const delta of blockDeltas(block, reply.chunkSize)) {
			if (stopAfter !== undefined && sent >= stopAfter) break;
			yield {
				event: "content_block_delta",
				data: { type: "content_block_delta", index, delta },
				delta: true,
			};
			sent++;
		}
		if (stopAfter !== undefined && sent >= stopAfter) break;
		yield { event: "content_block_stop", data: { type: "content_block_stop", index }, delta: false };
	}
	if (reply.streamError) {
		const { type, message: text } = reply.streamError;
		yield { event: "error", data: { type: "error", error: { type, message: text } }, delta: false };
		return;
	}
	yield messageDelta(message);
	yield { event: "message_stop", data: { type: "message_stop" }, delta: false };
}

function blockStart(index: number, block: TextBlock | ToolUseBlock): SseEvent {
	if (block.type === "text") {
		return {
			event: "content_block_start",
			data: {
				type: "content_block_start",
				index,
				content_block: { type: "text", text: "", citations: null },
			},
			delta: false,
		};
	}
	return {
		event: "content_block_start",
		data: { type: "content_block_start", index, content_block: { ...block, input: {} } },
		delta: false,
	};
}

function blockDeltas(block: TextBlock | ToolUseBlock, size: number): (TextDelta | InputJSONDelta)[] {
	return block.type === "text"
		? chunks(block.text, size).map((text) => ({ type: "text_delta" as const, text }))
		: ["", ...chunks(JSON.stringify(block.input), size)].map((partial_json) => ({
				type: "input_json_delta" as const,
				partial_json,
			}));
}

function messageDelta(message: Message): SseEvent {
	return {
		event: "message_delta",
		data: {
			type: "message_delta",
			delta: { stop_reason: message.stop_reason, stop_sequence: null, stop_details: null, container: null },
			usage: {
				input_tokens: message.usage.input_tokens,
				output_tokens: message.usage.output_tokens,
				cache_creation_input_tokens: 0,
				cache_read_input_tokens: 0,
				output_tokens_details: null,
				server_tool_use: null,
			},
		},
		delta: false,
	};
}
