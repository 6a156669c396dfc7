/**
 * The fake Messages API's model: scripts, request validation, token estimates and the exact response shapes of
 * the real API (typed against `@anthropic-ai/sdk`, so a drift in the SDK's wire types fails type checking here).
 * No Node imports: the test client imports these types from inside workerd.
 */
import type {
	Message,
	MessageParam,
	RawMessageStreamEvent,
	StopReason,
	TextBlock,
	ToolUseBlock,
	Usage,
} from "@anthropic-ai/sdk/resources/messages";
import { type ZodError, z } from "zod";

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
}

export interface ApiErrorBody {
	type: "error";
	error: { type: string; message: string };
	request_id: string;
}

/** An API error answer: HTTP status + the body the real API sends. */
export class FakeApiError extends Error {
	readonly status: number;
	readonly type: string;
	readonly retryAfter: number | undefined;

	constructor(status: number, type: string, message: string, retryAfter?: number) {
		super(message);
		this.status = status;
		this.type = type;
		this.retryAfter = retryAfter;
	}
}

// ---- request bodies ----

const cacheControl = z.looseObject({ type: z.literal("ephemeral") }).nullable();
const textBlockParam = z.looseObject({
	type: z.literal("text"),
	text: z.string(),
	cache_control: cacheControl.optional(),
});
const systemSchema = z.union([z.string(), z.array(textBlockParam)]);
const blockShape = z.looseObject({ type: z.string() });
const messageSchema = z.strictObject({
	role: z.enum(["user", "assistant", "system"]),
	content: z.union([z.string(), z.array(blockShape)]),
});
const customTool = z.looseObject({
	name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
	description: z.string().optional(),
	input_schema: z.looseObject({ type: z.literal("object") }),
	type: z.union([z.literal("custom"), z.null()]).optional(),
});
/** Custom tools are checked; server tools (typed `web_search_…` and the like) only need their type and name. */
const toolSchema = z.union([
	customTool,
	z.looseObject({ type: z.string().regex(/_\d{8}$/), name: z.string() }),
]);
const toolChoiceSchema = z.union([
	z.looseObject({ type: z.enum(["auto", "any", "none"]) }),
	z.looseObject({ type: z.literal("tool"), name: z.string() }),
]);

const countFields = {
	model: z.string().min(1),
	messages: z.array(messageSchema).min(1),
	system: systemSchema.optional(),
	tools: z.array(toolSchema).optional(),
	tool_choice: toolChoiceSchema.optional(),
	cache_control: cacheControl.optional(),
	output_config: z.looseObject({}).optional(),
	speed: z.enum(["standard", "fast"]).nullable().optional(),
	thinking: z.looseObject({ type: z.string() }).optional(),
};

const countBodySchema = z.strictObject(countFields);

const messageBodySchema = z.strictObject({
	...countFields,
	max_tokens: z.int().min(1),
	stream: z.boolean().optional(),
	container: z.unknown().optional(),
	diagnostics: z.unknown().optional(),
	inference_geo: z.string().nullable().optional(),
	metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
	service_tier: z.enum(["auto", "standard_only"]).optional(),
	stop_sequences: z.array(z.string()).optional(),
	// Not in the SDK's types any more; the API still takes them for older models.
	temperature: z.number().min(0).max(1).optional(),
	top_k: z.int().min(0).optional(),
	top_p: z.number().min(0).max(1).optional(),
});

/** Zod issues in the API's own style: `messages.0.content: Field required`. */
function describeIssues(error: ZodError, prefix: readonly (string | number)[] = []): string {
	return error.issues
		.map((issue) => {
			const at = [...prefix, ...issue.path].map(String).join(".");
			if (issue.code === "unrecognized_keys") {
				return issue.keys
					.map((key) => `${at ? `${at}.` : ""}${key}: Extra inputs are not permitted`)
					.join("; ");
			}
			const missing = issue.code === "invalid_type" && issue.message.includes("received undefined");
			return `${at || "body"}: ${missing ? "Field required" : issue.message}`;
		})
		.join("; ");
}

function invalid(message: string): FakeApiError {
	return new FakeApiError(400, "invalid_request_error", message);
}

/** A validated `count_tokens` body; messages typed as the SDK's once their blocks passed the checks below. */
export type CountRequest = Omit<z.infer<typeof countBodySchema>, "messages"> & { messages: MessageParam[] };
export type MessageRequest = Omit<z.infer<typeof messageBodySchema>, "messages"> & {
	messages: MessageParam[];
};

export function parseCountBody(raw: unknown): CountRequest {
	const parsed = countBodySchema.safeParse(raw);
	if (!parsed.success) throw invalid(describeIssues(parsed.error));
	return checked(parsed.data);
}

export function parseMessageBody(raw: unknown): MessageRequest {
	const parsed = messageBodySchema.safeParse(raw);
	if (!parsed.success) throw invalid(describeIssues(parsed.error));
	return checked(parsed.data);
}

function checked<T extends { messages: z.infer<typeof messageSchema>[]; tools?: { name: string }[] }>(
	body: T,
): Omit<T, "messages"> & { messages: MessageParam[] } {
	body.messages.forEach((message, i) => {
		if (typeof message.content === "string") return;
		message.content.forEach((block, j) => {
			const parsed = BLOCK_CHECKS[block.type]?.safeParse(block);
			if (parsed && !parsed.success)
				throw invalid(describeIssues(parsed.error, ["messages", i, "content", j]));
		});
	});
	const seen = new Set<string>();
	for (const tool of body.tools ?? []) {
		if (seen.has(tool.name)) throw invalid("tools: Tool names must be unique.");
		seen.add(tool.name);
	}
	// The blocks the fake reads were checked above; the others pass through untouched.
	const messages = body.messages as MessageParam[];
	checkConversation(messages);
	return { ...body, messages };
}

const BLOCK_CHECKS: Record<string, z.ZodType> = {
	text: z.looseObject({ text: z.string() }),
	tool_use: z.looseObject({
		id: z.string().regex(/^[a-zA-Z0-9_-]+$/),
		name: z.string().min(1),
		input: z.record(z.string(), z.unknown()),
	}),
	tool_result: z.looseObject({
		tool_use_id: z.string().min(1),
		content: z.union([z.string(), z.array(blockShape)]).optional(),
		is_error: z.boolean().optional(),
	}),
};

/**
 * The rules the real API enforces on a conversation beyond its JSON shape, which a tool loop most easily breaks:
 * non-empty content, every tool_use answered by a tool_result in the next message and no stray tool_result.
 */
function checkConversation(messages: MessageParam[]): void {
	const reject = (message: string): never => {
		throw invalid(message);
	};
	messages.forEach((message, i) => {
		const last = i === messages.length - 1;
		const blocks = typeof message.content === "string" ? [] : message.content;
		const empty =
			typeof message.content === "string" ? message.content.length === 0 : message.content.length === 0;
		if (empty && !(last && message.role === "assistant")) {
			reject(
				`messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
			);
		}
		for (const block of blocks) {
			if (block.type !== "text") continue;
			if (block.text.length === 0) reject("messages: text content blocks must be non-empty");
			if (block.text.trim().length === 0)
				reject("messages: text content blocks must contain non-whitespace text");
		}
		if (last && message.role === "assistant") {
			const text = typeof message.content === "string" ? message.content : blocks.at(-1);
			const tail = typeof text === "string" ? text : text?.type === "text" ? text.text : "";
			if (/\s$/.test(tail)) reject("messages: final assistant content cannot end with trailing whitespace");
		}
		const previous = messages[i - 1];
		const askedIds = previous?.role === "assistant" ? toolUseIds(previous) : [];
		if (message.role === "user") {
			const stray = blocks
				.filter((b) => b.type === "tool_result")
				.map((b) => (b.type === "tool_result" ? b.tool_use_id : ""))
				.filter((id) => !askedIds.includes(id));
			if (stray.length > 0) {
				reject(
					`messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
				);
			}
		}
		if (message.role === "assistant" && !last) {
			const next = messages[i + 1];
			const answered = new Set(
				next?.role === "user" && typeof next.content !== "string"
					? next.content.flatMap((b) => (b.type === "tool_result" ? [b.tool_use_id] : []))
					: [],
			);
			const unanswered = toolUseIds(message).filter((id) => !answered.has(id));
			if (unanswered.length > 0) {
				reject(
					`messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
				);
			}
		}
	});
}

function toolUseIds(message: MessageParam): string[] {
	if (typeof message.content === "string") return [];
	return message.content.flatMap((b) => (b.type === "tool_use" ? [b.id] : []));
}

// ---- text and tokens ----

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

function lastUserText(messages: MessageParam[]): string {
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
function fillFromResults(input: unknown, messages: MessageRequest["messages"]): unknown {
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

// ---- the model ----

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

function usageOf(input: number, output: number): Usage {
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

		let error: FakeApiError | undefined;
		let streamError: Reply["streamError"];
		if (step.error) {
			const key = `${script?.id}#${stepIndex}`;
			const served = this.errorsServed.get(key) ?? 0;
			if (step.error.times === undefined || served < step.error.times) {
				this.errorsServed.set(key, served + 1);
				const { status, type, message, after_chunks, retry_after } = step.error;
				if (body.stream && after_chunks !== undefined)
					streamError = { type, message, afterChunks: after_chunks };
				else error = new FakeApiError(status, type, message, retry_after);
			}
		}

		// Ids depend on the request, so a retried request gets the same ones and two conversations get different ones.
		const seed = `${script?.id}|${stepIndex}|${JSON.stringify(body.messages[0])}|${body.messages.length}`;
		const content: (TextBlock | ToolUseBlock)[] = [];
		if (step.text) content.push({ type: "text", text: step.text, citations: null });
		(step.tool_uses ?? []).forEach((use, i) => {
			content.push({
				type: "tool_use",
				id: use.id ?? `toolu_01${hash(`${seed}|${i}`)}${hash(`${i}|${seed}`).slice(0, 8)}`,
				name: use.name,
				input: fillFromResults(use.input ?? {}, body.messages),
				caller: { type: "direct" },
			});
		});
		let stopReason: StopReason = step.stop_reason ?? (step.tool_uses?.length ? "tool_use" : "end_turn");
		// As the API does: output past max_tokens is cut and the turn stops with "max_tokens".
		let budget = body.max_tokens * 4;
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
			stopReason = "max_tokens";
			break;
		}
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
}

// ---- streaming ----

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
		if (block.type === "text") {
			yield {
				event: "content_block_start",
				data: {
					type: "content_block_start",
					index,
					content_block: { type: "text", text: "", citations: null },
				},
				delta: false,
			};
		} else if (block.type === "tool_use") {
			yield {
				event: "content_block_start",
				data: { type: "content_block_start", index, content_block: { ...block, input: {} } },
				delta: false,
			};
		} else continue;
		if (!pinged) {
			yield { event: "ping", data: { type: "ping" }, delta: false };
			pinged = true;
		}
		const parts =
			block.type === "text"
				? chunks(block.text, reply.chunkSize).map((text) => ({ type: "text_delta" as const, text }))
				: ["", ...chunks(JSON.stringify(block.input), reply.chunkSize)].map((partial_json) => ({
						type: "input_json_delta" as const,
						partial_json,
					}));
		for (const delta of parts) {
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
	yield {
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
	yield { event: "message_stop", data: { type: "message_stop" }, delta: false };
}
