/**
 * The fake Messages API's model: scripts, request validation, token estimates and the exact response shapes of
 * the real API (typed against `@anthropic-ai/sdk`, so a drift in the SDK's wire types fails type checking here).
 * Request validation (requests.ts), token estimates (tokens.ts) and SSE framing (stream.ts) are re-exported here.
 * No Node imports in any of them: the test client imports these types from inside workerd.
 */
import type {
	Message,
	MessageParam,
	StopReason,
	TextBlock,
	ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";
import { describeIssues, FakeApiError } from "./errors.ts";
import type { CountRequest, MessageRequest } from "./requests.ts";
import {
	estimateInputTokens,
	estimateOutputTokens,
	fillFromResults,
	firstUserText,
	lastUserText,
	usageOf,
} from "./tokens.ts";

export { type ApiErrorBody, FakeApiError } from "./errors.ts";
export { type CountRequest, type MessageRequest, parseCountBody, parseMessageBody } from "./requests.ts";
export { type SseEvent, streamEvents } from "./stream.ts";
export { estimateInputTokens, estimateOutputTokens, firstUserText } from "./tokens.ts";

const stepErrorSchema = z.strictObject({
	status: z.int().min(400).max(599),
	type: z.string().min(1),
	message: z.string(),
	/** Answer with the error only the first `times` requests that reach this step, then normally (a retry succeeds). */
	times: z.int().min(1).optional(),
	/**
	 * Streaming only: answer 200, send this many delta chunks, then an SSE `error` event and end the stream, as the
	 * API does when it fails mid-response. Non-streaming requests get the HTTP error.
	 */
	after_chunks: z.int().min(0).optional(),
	/** Seconds, sent as `retry-after` (the SDK waits that long before retrying). */
	retry_after: z.number().min(0).optional(),
});

const stepSchema = z.strictObject({
	text: z.string().optional(),
	tool_uses: z
		.array(
			z.strictObject({
				name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
				input: z.unknown(),
				id: z
					.string()
					.regex(/^[a-zA-Z0-9_-]+$/)
					.optional(),
			}),
		)
		.optional(),
	stop_reason: z.enum(["end_turn", "tool_use", "max_tokens"]).optional(),
	usage: z
		.strictObject({ input_tokens: z.int().min(0).optional(), output_tokens: z.int().min(0).optional() })
		.optional(),
	delay_ms_per_chunk: z.number().min(0).max(60_000).optional(),
	chunk_size: z.int().min(1).optional(),
	error: stepErrorSchema.optional(),
});

export const scriptSchema = z.strictObject({
	id: z.string().min(1).max(200),
	/** Substring of the first user message's text that selects this script; defaults to `id`. */
	match: z.string().min(1).optional(),
	steps: z.array(stepSchema),
});

export type Step = z.infer<typeof stepSchema>;
export type StepError = z.infer<typeof stepErrorSchema>;
/** What a test registers (POST /_fake/scripts). */
export type ScriptInput = z.input<typeof scriptSchema>;
export interface Script {
	id: string;
	match: string;
	steps: Step[];
}

export type CallKind = "messages" | "count_tokens";

/** A request the fake answered (GET /_fake/calls). */
export interface RecordedCall {
	seq: number;
	kind: CallKind;
	/** The script that answered, or null for the default model (and for count_tokens without a match). */
	script: string | null;
	/** Index of the step used (assistant messages in the request); null for count_tokens. */
	step: number | null;
	model: string;
	system: MessageRequest["system"];
	messages: MessageParam[];
	tools: MessageRequest["tools"];
	tool_choice: MessageRequest["tool_choice"];
	stream: boolean;
	max_tokens: number | null;
	/** HTTP status of the answer (200 also when a stream later ended with an `error` event). */
	status: number;
}

/**
 * A delta chunk the fake wrote to a stream (GET /_fake/sent): with its send time a bench can tell what a relay
 * between the model and a client adds, matching chunks to what the client received by content order.
 */
export interface SentChunk {
	/** Streamed responses this server has answered, counted from 1: tells a script's streams apart. */
	stream: number;
	script: string | null;
	step: number | null;
	/** The content block the chunk belongs to. */
	index: number;
	type: "text_delta" | "input_json_delta";
	/** The chunk's text, or its partial JSON for a tool input. */
	text: string;
	/** `performance.timeOrigin + performance.now()` when the fake wrote it: epoch ms, comparable on one machine. */
	at: number;
	/** The same clock when the request that this stream answers arrived (the bench splits a turn's start with it). */
	requested_at_ms: number;
}

/** What one request gets: chosen by the fake, rendered as JSON or as SSE. */
export interface Reply {
	script: string | null;
	step: number | null;
	message: Message;
	/** Thrown as an HTTP error instead of answering. */
	error?: FakeApiError;
	/** Streaming only: end the stream with this `error` event after `afterChunks` delta chunks. */
	streamError?: { type: string; message: string; afterChunks: number };
	delayMs: number;
	chunkSize: number;
}

const DEFAULT_CHUNK = 8;
const MAX_CALLS = 5000;
const MAX_SENT = 50_000;

function hash(text: string): string {
	// FNV-1a twice with different seeds: 16 hex chars, stable across processes.
	let a = 0x811c9dc5;
	let b = 0x01000193 ^ 0x5bd1e995;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		a = Math.imul(a ^ c, 0x01000193);
		b = Math.imul(b ^ c, 0x5bd1e995);
	}
	return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

function randomId(prefix: string): string {
	return `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/** Scripts and the call log; one per fake server. */
export class FakeModel {
	private scripts = new Map<string, Script>();
	private calls: RecordedCall[] = [];
	private sent: SentChunk[] = [];
	private streams = 0;
	private seq = 0;
	/** Scripted errors already served, per `script#step`, for `error.times`. */
	private errorsServed = new Map<string, number>();

	register(input: unknown): Script {
		const parsed = scriptSchema.safeParse(input);
		if (!parsed.success) throw new FakeApiError(400, "invalid_request_error", describeIssues(parsed.error));
		const script: Script = {
			id: parsed.data.id,
			match: parsed.data.match ?? parsed.data.id,
			steps: parsed.data.steps,
		};
		// Re-registering moves the script to the front (newest wins when markers overlap) and restarts its counters.
		this.remove(script.id);
		this.scripts.set(script.id, script);
		return script;
	}

	remove(id: string): boolean {
		for (const key of this.errorsServed.keys()) if (key.startsWith(`${id}#`)) this.errorsServed.delete(key);
		this.calls = this.calls.filter((c) => c.script !== id);
		this.sent = this.sent.filter((c) => c.script !== id);
		return this.scripts.delete(id);
	}

	reset(): void {
		this.scripts.clear();
		this.calls = [];
		this.sent = [];
		this.errorsServed.clear();
	}

	get scriptCount(): number {
		return this.scripts.size;
	}

	listCalls(filter: { script?: string; kind?: CallKind | "all" }): RecordedCall[] {
		const kind = filter.kind ?? "messages";
		return this.calls.filter(
			(c) =>
				(kind === "all" || c.kind === kind) && (filter.script === undefined || c.script === filter.script),
		);
	}

	/** Numbers a new streamed response, for its SentChunk records. */
	nextStream(): number {
		return ++this.streams;
	}

	recordSent(chunk: SentChunk): void {
		this.sent.push(chunk);
		if (this.sent.length > MAX_SENT) this.sent.splice(0, this.sent.length - MAX_SENT);
	}

	listSent(script?: string): SentChunk[] {
		return script === undefined ? [...this.sent] : this.sent.filter((c) => c.script === script);
	}

	private find(messages: MessageParam[]): Script | undefined {
		const text = firstUserText(messages);
		return [...this.scripts.values()].reverse().find((s) => text.includes(s.match));
	}

	private record(call: Omit<RecordedCall, "seq">): void {
		this.calls.push({ seq: ++this.seq, ...call });
		if (this.calls.length > MAX_CALLS) this.calls.splice(0, this.calls.length - MAX_CALLS);
	}

	countTokens(body: CountRequest): number {
		const script = this.find(body.messages);
		this.record({
			kind: "count_tokens",
			script: script?.id ?? null,
			step: null,
			model: body.model,
			system: body.system,
			messages: body.messages,
			tools: body.tools,
			tool_choice: body.tool_choice,
			stream: false,
			max_tokens: null,
			status: 200,
		});
		return estimateInputTokens(body);
	}

	/** Chooses the answer to a `POST /v1/messages` and records the call. */
	reply(body: MessageRequest): Reply {
		const script = this.find(body.messages);
		const stepIndex = body.messages.filter((m) => m.role === "assistant").length;
		const step: Step = script
			? (script.steps[stepIndex] ?? { text: "(script finished)" })
			: { text: `You said: ${lastUserText(body.messages).slice(0, 200)}` };
		const inputTokens = step.usage?.input_tokens ?? estimateInputTokens(body);

		const { error, streamError } = this.scriptedError(
			`${script?.id}#${stepIndex}`,
			step,
			body.stream ?? false,
		);

		// Ids depend on the request, so a retried request gets the same ones and two conversations get different ones.
		const seed = `${script?.id}|${stepIndex}|${JSON.stringify(body.messages[0])}|${body.messages.length}`;
		const content = contentOf(step, seed, body.messages);
		let stopReason: StopReason = step.stop_reason ?? (step.tool_uses?.length ? "tool_use" : "end_turn");
		// As the API does: output past max_tokens is cut and the turn stops with "max_tokens".
		if (cutToMaxTokens(content, body.max_tokens)) stopReason = "max_tokens";
		const outputTokens = step.usage?.output_tokens ?? estimateOutputTokens(content);

		this.record({
			kind: "messages",
			script: script?.id ?? null,
			step: script ? stepIndex : null,
			model: body.model,
			system: body.system,
			messages: body.messages,
			tools: body.tools,
			tool_choice: body.tool_choice,
			stream: body.stream ?? false,
			max_tokens: body.max_tokens,
			status: error?.status ?? 200,
		});

		return {
			script: script?.id ?? null,
			step: script ? stepIndex : null,
			message: {
				id: randomId("msg_01"),
				type: "message",
				role: "assistant",
				model: body.model,
				content,
				stop_reason: stopReason,
				stop_sequence: null,
				stop_details: null,
				container: null,
				diagnostics: null,
				usage: usageOf(inputTokens, outputTokens),
			},
			error,
			streamError,
			delayMs: step.delay_ms_per_chunk ?? 0,
			chunkSize: step.chunk_size ?? DEFAULT_CHUNK,
		};
	}

	/** The step's scripted error, while its `times` last; keyed by `script#step`. */
	private scriptedError(key: string, step: Step, stream: boolean): Pick<Reply, "error" | "streamError"> {
		if (!step.error) return {};
		const served = this.errorsServed.get(key) ?? 0;
		if (step.error.times !== undefined && served >= step.error.times) return {};
		this.errorsServed.set(key, served + 1);
		const { status, type, message, after_chunks, retry_after } = step.error;
		if (stream && after_chunks !== undefined)
			return { streamError: { type, message, afterChunks: after_chunks } };
		return { error: new FakeApiError(status, type, message, retry_after) };
	}
}

function contentOf(
	step: Step,
	seed: string,
	messages: MessageRequest["messages"],
): (TextBlock | ToolUseBlock)[] {
	const content: (TextBlock | ToolUseBlock)[] = [];
	if (step.text) content.push({ type: "text", text: step.text, citations: null });
	(step.tool_uses ?? []).forEach((use, i) => {
		content.push({
			type: "tool_use",
			id: use.id ?? `toolu_01${hash(`${seed}|${i}`)}${hash(`${i}|${seed}`).slice(0, 8)}`,
			name: use.name,
			input: fillFromResults(use.input ?? {}, messages),
			caller: { type: "direct" },
		});
	});
	return content;
}

/** Cuts `content` to the max_tokens budget in place; true when something was cut. */
function cutToMaxTokens(content: (TextBlock | ToolUseBlock)[], maxTokens: number): boolean {
	let budget = maxTokens * 4;
	for (let i = 0; i < content.length; i++) {
		const block = content[i]!;
		const size = block.type === "text" ? block.text.length : JSON.stringify(block.input).length;
		if (size <= budget) {
			budget -= size;
			continue;
		}
		if (block.type === "text" && budget > 0) {
			content[i] = { ...block, text: block.text.slice(0, budget) };
			i++;
		}
		content.splice(i);
		return true;
	}
	return false;
}
