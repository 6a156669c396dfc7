import type { MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";
import { describeIssues, FakeApiError } from "./errors.ts";

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
