import type Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import type { Usage } from "@penumbra/core/contracts";

export interface Fitted {
	messages: MessageParam[];
	/** True when the middle of the conversation was replaced by a summary (the caller stores the new transcript). */
	summarized: boolean;
	/**
	 * Input tokens of the messages as sent: Anthropic's count, or the upper bound of {@link inputTokenBound} when
	 * that is already within the budget (then nothing was counted).
	 */
	input_tokens: number;
	/** What the summary cost. */
	usage: Usage;
}

interface FitOptions {
	anthropic: Anthropic;
	model: string;
	system: string;
	tools: Tool[];
	messages: MessageParam[];
	budget: number;
	signal?: AbortSignal | undefined;
}

const SUMMARY_PREFIX =
	"Summary of the earlier conversation (older turns were condensed to fit the context budget):";
const RENDER_LIMIT = 40_000;

/**
 * Input tokens a request may take beyond the bytes of its JSON: the tool-use system prompt the API adds (a few
 * hundred tokens) and the framing of each message (the JSON's own quotes and keys already outweigh the role markers).
 * Generous on purpose: it only decides whether counting can be skipped, never what is sent.
 */
export const FRAMING_TOKENS = 2_000;

/** Block types whose tokens are their text: anything else (an image, a document) may cost more tokens than bytes. */
const TEXT_BLOCKS = new Set(["text", "tool_use", "tool_result"]);

function textOnly(messages: MessageParam[]): boolean {
	return messages.every(
		(m) =>
			typeof m.content === "string" ||
			m.content.every(
				(block) =>
					TEXT_BLOCKS.has(block.type) &&
					(block.type !== "tool_result" ||
						typeof block.content !== "object" ||
						(block.content ?? []).every((part) => part.type === "text")),
			),
	);
}

/**
 * An upper bound on the request's input tokens, without asking Anthropic: every token stands for at least one byte
 * of the text it encodes, so a text-only request takes at most the UTF-8 bytes of its JSON plus
 * {@link FRAMING_TOKENS}. Null when a block is not text (then only counting tells).
 */
export function inputTokenBound(system: string, tools: Tool[], messages: MessageParam[]): number | null {
	if (!textOnly(messages)) return null;
	return new TextEncoder().encode(JSON.stringify({ system, tools, messages })).length + FRAMING_TOKENS;
}

/** A user message that starts a turn: the person's own words, not tool results. */
function startsTurn(message: MessageParam): boolean {
	if (message.role !== "user") return false;
	if (typeof message.content === "string") return true;
	return message.content.every((block) => block.type !== "tool_result");
}

function charsOf(value: unknown): number {
	return JSON.stringify(value).length;
}

/** The middle of a conversation as plain text for the summarizer: words, tool calls, short tool results. */
function render(messages: MessageParam[]): string {
	const lines: string[] = [];
	for (const m of messages) {
		const blocks = typeof m.content === "string" ? [{ type: "text" as const, text: m.content }] : m.content;
		for (const block of blocks) {
			if (block.type === "text") lines.push(`${m.role}: ${block.text}`);
			else if (block.type === "tool_use")
				lines.push(`assistant called ${block.name} ${JSON.stringify(block.input)}`);
			else if (block.type === "tool_result") {
				const text = typeof block.content === "string" ? block.content : JSON.stringify(block.content ?? "");
				lines.push(`tool result: ${text.slice(0, 300)}`);
			}
		}
	}
	const text = lines.join("\n");
	return text.length > RENDER_LIMIT ? `${text.slice(0, RENDER_LIMIT)}\n…` : text;
}

/** Without a usable model summary: the first words of each of the person's messages. */
function extractive(messages: MessageParam[]): string {
	return messages
		.filter(startsTurn)
		.map(
			(m) =>
				`- The user said: ${render([m])
					.replace(/^user: /, "")
					.slice(0, 200)}`,
		)
		.join("\n");
}

/**
 * Keeps a conversation under the token budget: a request whose {@link inputTokenBound} is within it goes as it is,
 * uncounted (no round trip before the model call); otherwise it counts with Anthropic's count-tokens endpoint, and
 * over the budget keeps the most recent whole turns that fit in about half of it and replaces the middle with a
 * model-written summary (the system prompt and tools are sent separately and always kept).
 */
export async function fitToBudget(options: FitOptions): Promise<Fitted> {
	const { anthropic, model, system, tools, messages, budget } = options;
	const none: Usage = { input_tokens: 0, output_tokens: 0, model_calls: 0 };
	const bound = inputTokenBound(system, tools, messages);
	if (bound !== null && bound <= budget) {
		return { messages, summarized: false, input_tokens: bound, usage: none };
	}
	const count = await anthropic.messages.countTokens(
		{ model, system, tools, messages },
		{ signal: options.signal },
	);
	if (count.input_tokens <= budget) {
		return { messages, summarized: false, input_tokens: count.input_tokens, usage: none };
	}
	// Tokens per character of this conversation, to choose the cut without counting every candidate.
	const perChar = count.input_tokens / Math.max(1, charsOf({ system, tools, messages }));
	const fixed = charsOf({ system, tools }) * perChar;
	const target = budget / 2;
	const starts = messages.flatMap((m, i) => (startsTurn(m) && i > 0 ? [i] : []));
	let cut = starts.at(-1) ?? 0;
	for (const start of [...starts].reverse()) {
		if (fixed + charsOf(messages.slice(start)) * perChar > target) break;
		cut = start;
	}
	if (cut === 0) return { messages, summarized: false, input_tokens: count.input_tokens, usage: none };
	const middle = messages.slice(0, cut);
	let summary = "";
	const usage: Usage = { ...none };
	try {
		const answer = await anthropic.messages.create(
			{
				model,
				max_tokens: 600,
				system:
					"Summarize this conversation between a user and a shopping assistant for the assistant's own memory: what the user wants, what was found, quotes, purchases and receipts (with amounts), and open questions. Plain sentences, under 200 words.",
				messages: [{ role: "user", content: render(middle) }],
			},
			{ signal: options.signal },
		);
		usage.input_tokens = answer.usage.input_tokens;
		usage.output_tokens = answer.usage.output_tokens;
		usage.model_calls = 1;
		summary = answer.content
			.map((b) => (b.type === "text" ? b.text : ""))
			.join("")
			.trim();
	} catch (error) {
		if (options.signal?.aborted) throw error;
	}
	const trimmed: MessageParam[] = [
		{ role: "user", content: `${SUMMARY_PREFIX}\n${summary || extractive(middle)}` },
		{ role: "assistant", content: "Understood: I have the summary of our earlier conversation." },
		...messages.slice(cut),
	];
	const after = await anthropic.messages.countTokens(
		{ model, system, tools, messages: trimmed },
		{ signal: options.signal },
	);
	return { messages: trimmed, summarized: true, input_tokens: after.input_tokens, usage };
}
