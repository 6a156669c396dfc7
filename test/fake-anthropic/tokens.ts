import type { MessageParam, TextBlock, ToolUseBlock, Usage } from "@anthropic-ai/sdk/resources/messages";
import type { MessageRequest } from "./requests.ts";

function textOf(message: MessageParam): string {
	if (typeof message.content === "string") return message.content;
	return message.content
		.flatMap((b) => (b.type === "text" ? [b.text] : []))
		.join("\n")
		.trim();
}

/** Text of the first user message: where a test puts the marker that selects its script. */
export function firstUserText(messages: MessageParam[]): string {
	const first = messages.find((m) => m.role === "user");
	return first ? textOf(first) : "";
}

export function lastUserText(messages: MessageParam[]): string {
	for (let i = messages.length - 1; i >= 0; i--) {
		const message = messages[i];
		if (message?.role !== "user") continue;
		const text = textOf(message);
		if (text) return text;
	}
	return "";
}

/**
 * Input tokens: a quarter of the JSON length of system, messages and tools. Deterministic and the same for
 * `count_tokens` and `messages`, so a test can predict what a token budget will do.
 */
export function estimateInputTokens(body: { system?: unknown; messages: unknown; tools?: unknown }): number {
	let chars = JSON.stringify(body.messages).length;
	if (body.system !== undefined) chars += JSON.stringify(body.system).length;
	if (body.tools !== undefined) chars += JSON.stringify(body.tools).length;
	return Math.ceil(chars / 4);
}

/** Text of the tool_result blocks of the request's last user message (what the model just learned). */
function lastToolResults(messages: MessageRequest["messages"]): string {
	const last = messages.at(-1);
	if (last?.role !== "user" || typeof last.content === "string") return "";
	return last.content
		.map((block) => {
			if (block.type !== "tool_result") return "";
			if (typeof block.content === "string") return block.content;
			return (block.content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("\n");
		})
		.join("\n");
}

/**
 * A scripted tool input can use what the previous tool returned, as a real model would: any string
 * `${result:<key>}` becomes the first string value of `"<key>"` in the last tool results (e.g. `${result:quote_id}`).
 */
export function fillFromResults(input: unknown, messages: MessageRequest["messages"]): unknown {
	const text = JSON.stringify(input);
	if (!text.includes("${result:")) return input;
	const results = lastToolResults(messages);
	return JSON.parse(
		text.replace(/\$\{result:([A-Za-z0-9_]+)\}/g, (_, key: string) => {
			const found = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(results);
			return found?.[1] ?? "";
		}),
	);
}

/** Output tokens: a quarter of the generated text and tool-input JSON, at least 1. */
export function estimateOutputTokens(content: (TextBlock | ToolUseBlock)[]): number {
	const chars = content.reduce(
		(sum, block) => sum + (block.type === "text" ? block.text.length : JSON.stringify(block.input).length),
		0,
	);
	return Math.max(1, Math.ceil(chars / 4));
}

export function usageOf(input: number, output: number): Usage {
	return {
		input_tokens: input,
		output_tokens: output,
		cache_creation_input_tokens: 0,
		cache_read_input_tokens: 0,
		cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
		inference_geo: null,
		output_tokens_details: null,
		server_tool_use: null,
		service_tier: "standard",
		speed: null,
	};
}
