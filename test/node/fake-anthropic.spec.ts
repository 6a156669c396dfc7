import { spawn } from "node:child_process";
import { once } from "node:events";
import Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, Tool, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeModel, fromResult } from "../fake-anthropic/client.ts";
import { estimateInputTokens } from "../fake-anthropic/script.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../fake-anthropic/server.ts";

/** The fake Messages API seen through the real SDK: what the chat Worker will see. */

const KEY = "sk-ant-test-key";
const MODEL = "claude-test-model";
const TOOLS: Tool[] = [
	{
		name: "search_services",
		description: "Find services",
		input_schema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
	},
	{ name: "list_tools", input_schema: { type: "object", properties: { service: { type: "string" } } } },
];

let fake: FakeAnthropic;
let sdk: Anthropic;
let model: ReturnType<typeof fakeModel>;

beforeAll(async () => {
	fake = await startFakeAnthropic({ apiKey: KEY });
	sdk = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
	model = fakeModel(fake.url);
});

afterAll(async () => {
	await fake.close();
});

const user = (content: MessageParam["content"]): MessageParam => ({ role: "user", content });

describe("streaming", () => {
	it("streams scripted text in chunks and ends with the final message and usage", async () => {
		const text = "Here are three places that deliver sushi near you tonight.";
		await model.script({ id: "s-text", match: "[s-text]", steps: [{ text, chunk_size: 5 }] });
		const stream = sdk.messages.stream({
			model: MODEL,
			max_tokens: 512,
			system: "You are Penumbra.",
			messages: [user("[s-text] find me sushi")],
		});
		const deltas: string[] = [];
		stream.on("text", (delta) => deltas.push(delta));
		const final = await stream.finalMessage();

		expect(deltas.join("")).toBe(text);
		expect(deltas).toHaveLength(Math.ceil(text.length / 5));
		expect(final.id).toMatch(/^msg_/);
		expect(final.model).toBe(MODEL);
		expect(final.content).toEqual([{ type: "text", text, citations: null }]);
		expect(final.stop_reason).toBe("end_turn");
		expect(final.usage.output_tokens).toBe(Math.ceil(text.length / 4));
		expect(final.usage.input_tokens).toBe(
			estimateInputTokens({ system: "You are Penumbra.", messages: [user("[s-text] find me sushi")] }),
		);
	});

	it("streams tool_use blocks whose input the SDK parses from input_json_delta chunks", async () => {
		const input = { query: "sushi delivery", filters: { open_now: true, max_price: 30 } };
		await model.script({
			id: "s-tool",
			match: "[s-tool]",
			steps: [
				{
					text: "Let me search.",
					tool_uses: [
						{ name: "search_services", input },
						{ name: "list_tools", input: { service: "fooddash" }, id: "toolu_fixed_1" },
					],
					chunk_size: 4,
				},
			],
		});
		const stream = sdk.messages.stream({
			model: MODEL,
			max_tokens: 512,
			tools: TOOLS,
			messages: [user([{ type: "text", text: "[s-tool] sushi please" }])],
		});
		const events: string[] = [];
		const partials: string[] = [];
		stream.on("streamEvent", (event) => events.push(event.type));
		stream.on("inputJson", (partial) => partials.push(partial));
		const final = await stream.finalMessage();

		expect(final.stop_reason).toBe("tool_use");
		const uses = final.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
		expect(uses.map((u) => [u.name, u.input])).toEqual([
			["search_services", input],
			["list_tools", { service: "fooddash" }],
		]);
		expect(uses[0]?.id).toMatch(/^toolu_[A-Za-z0-9]{20,}$/);
		expect(uses[1]?.id).toBe("toolu_fixed_1");
		expect(partials.join("")).toBe(JSON.stringify(input) + JSON.stringify({ service: "fooddash" }));
		expect(events[0]).toBe("message_start");
		expect(events.slice(-2)).toEqual(["message_delta", "message_stop"]);
		expect(events.filter((e) => e === "content_block_start")).toHaveLength(3);
		expect(events.filter((e) => e === "content_block_stop")).toHaveLength(3);
	});

	it("ends a stream with an SSE error event mid-response, which the SDK raises", async () => {
		await model.script({
			id: "s-midfail",
			match: "[s-midfail]",
			steps: [
				{
					text: "0123456789abcdef",
					chunk_size: 4,
					error: { status: 529, type: "overloaded_error", message: "Overloaded", after_chunks: 2 },
				},
			],
		});
		const stream = sdk.messages.stream({ model: MODEL, max_tokens: 100, messages: [user("[s-midfail] hi")] });
		const deltas: string[] = [];
		stream.on("text", (delta) => deltas.push(delta));
		const failure = await stream.finalMessage().catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(Anthropic.APIError);
		expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
		expect(deltas).toEqual(["0123", "4567"]);
	});
	it("stops generating when the client cuts a slow stream, and keeps serving", async () => {
		await model.script({
			id: "s-cut",
			match: "[s-cut]",
			steps: [{ text: "a slow answer that nobody waits for", chunk_size: 2, delay_ms_per_chunk: 20 }],
		});
		const stream = sdk.messages.stream({ model: MODEL, max_tokens: 100, messages: [user("[s-cut] hi")] });
		const deltas: string[] = [];
		stream.on("text", (delta) => {
			deltas.push(delta);
			stream.abort();
		});
		await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
		expect(deltas).toEqual(["a "]);
		const next = await sdk.messages.create({
			model: MODEL,
			max_tokens: 100,
			messages: [user("still there?")],
		});
		expect(next.content).toEqual([{ type: "text", text: "You said: still there?", citations: null }]);
	});
});

describe("scripted steps", () => {
	it("picks the step by the number of assistant messages, the same for a retried request", async () => {
		await model.script({
			id: "s-steps",
			match: "[s-steps]",
			steps: [
				{ tool_uses: [{ name: "search_services", input: { query: "table for two" } }] },
				{ text: "I found TableBook." },
			],
		});
		const first: MessageParam[] = [user("[s-steps] book a table")];
		const a = await sdk.messages.create({ model: MODEL, max_tokens: 256, tools: TOOLS, messages: first });
		const again = await sdk.messages.create({ model: MODEL, max_tokens: 256, tools: TOOLS, messages: first });
		expect(a.stop_reason).toBe("tool_use");
		const use = a.content[0] as ToolUseBlock;
		expect(again.content).toEqual(a.content);

		const second: MessageParam[] = [
			...first,
			{ role: "assistant", content: a.content.map((b) => b as ToolUseBlock) },
			user([{ type: "tool_result", tool_use_id: use.id, content: '{"services":["tablebook"]}' }]),
		];
		const b = await sdk.messages.create({ model: MODEL, max_tokens: 256, tools: TOOLS, messages: second });
		expect(b.content).toEqual([{ type: "text", text: "I found TableBook.", citations: null }]);
		expect(b.stop_reason).toBe("end_turn");

		const third = await sdk.messages.create({
			model: MODEL,
			max_tokens: 256,
			messages: [...second, { role: "assistant", content: "I found TableBook." }, user("thanks")],
		});
		expect(third.content).toEqual([{ type: "text", text: "(script finished)", citations: null }]);

		const calls = await model.calls("s-steps");
		expect(calls.map((c) => c.step)).toEqual([0, 0, 1, 2]);
		expect(calls[2]).toMatchObject({ kind: "messages", model: MODEL, stream: false, max_tokens: 256 });
		expect(calls[2]?.messages).toEqual(second);
		expect(calls[2]?.tools).toEqual(TOOLS);
	});

	it("answers scripted HTTP errors with the API's status and type, and `times` lets a retry through", async () => {
		await model.script({
			id: "s-errors",
			match: "[s-errors]",
			steps: [
				{
					text: "finally",
					error: { status: 529, type: "overloaded_error", message: "Overloaded", times: 1 },
				},
			],
		});
		const body = { model: MODEL, max_tokens: 64, messages: [user("[s-errors] go")] };
		await expect(sdk.messages.create(body)).rejects.toBeInstanceOf(Anthropic.InternalServerError);
		await expect(sdk.messages.create(body)).resolves.toMatchObject({ content: [{ text: "finally" }] });

		await model.script({
			id: "s-errors",
			match: "[s-errors]",
			steps: [
				{
					text: "after retry",
					error: { status: 429, type: "rate_limit_error", message: "slow down", times: 1, retry_after: 0.01 },
				},
			],
		});
		const retrying = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 1 });
		await expect(retrying.messages.create(body)).resolves.toMatchObject({
			content: [{ text: "after retry" }],
		});
		expect((await model.calls("s-errors")).map((c) => c.status)).toEqual([429, 200]);

		await model.script({
			id: "s-errors",
			match: "[s-errors]",
			steps: [{ error: { status: 429, type: "rate_limit_error", message: "slow down" } }],
		});
		const limited = await sdk.messages.create(body).catch((error: unknown) => error);
		expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
		expect((limited as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
			type: "error",
			error: { type: "rate_limit_error", message: "slow down" },
		});
	});

	it("cuts output at max_tokens with stop_reason max_tokens", async () => {
		await model.script({ id: "s-long", match: "[s-long]", steps: [{ text: "x".repeat(100) }] });
		const message = await sdk.messages.create({ model: MODEL, max_tokens: 5, messages: [user("[s-long]")] });
		expect(message.stop_reason).toBe("max_tokens");
		expect(message.content).toEqual([{ type: "text", text: "x".repeat(20), citations: null }]);
	});
});

describe("the rest of the API", () => {
	it("without a script echoes the last user text, streaming or not", async () => {
		const messages = [user("what is the weather in Lisbon?")];
		const plain = await sdk.messages.create({ model: MODEL, max_tokens: 64, messages });
		expect(plain.content).toEqual([
			{ type: "text", text: "You said: what is the weather in Lisbon?", citations: null },
		]);
		expect(plain.stop_reason).toBe("end_turn");
		const streamed = await sdk.messages.stream({ model: MODEL, max_tokens: 64, messages }).finalText();
		expect(streamed).toBe("You said: what is the weather in Lisbon?");
	});

	it("count_tokens returns the input_tokens that a message call then reports", async () => {
		const params = {
			model: MODEL,
			system: "You are Penumbra.",
			tools: TOOLS,
			messages: [user("count me, please"), { role: "assistant" as const, content: "Sure." }, user("again")],
		};
		const counted = await sdk.messages.countTokens(params);
		const message = await sdk.messages.create({ ...params, max_tokens: 32 });
		expect(counted).toEqual({ input_tokens: estimateInputTokens(params) });
		expect(message.usage.input_tokens).toBe(counted.input_tokens);
		const longer = await sdk.messages.countTokens({
			...params,
			messages: [...params.messages, user("x".repeat(400))],
		});
		expect(longer.input_tokens).toBeGreaterThan(counted.input_tokens + 99);
	});

	it("refuses a wrong or missing key with 401 authentication_error", async () => {
		const wrong = new Anthropic({ apiKey: "sk-ant-wrong", baseURL: fake.url, maxRetries: 0 });
		const failure = await wrong.messages
			.create({ model: MODEL, max_tokens: 8, messages: [user("hi")] })
			.catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(Anthropic.AuthenticationError);
		expect((failure as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
			type: "error",
			error: { type: "authentication_error", message: "invalid x-api-key" },
		});

		const bare = await fetch(`${fake.url}/v1/messages`, {
			method: "POST",
			headers: { "anthropic-version": "2023-06-01", "content-type": "application/json" },
			body: JSON.stringify({ model: MODEL, max_tokens: 8, messages: [user("hi")] }),
		});
		expect(bare.status).toBe(401);
		expect(await bare.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
	});

	it("refuses bad bodies and a missing anthropic-version with 400 invalid_request_error", async () => {
		const post = (body: unknown, headers: Record<string, string> = { "anthropic-version": "2023-06-01" }) =>
			fetch(`${fake.url}/v1/messages`, {
				method: "POST",
				headers: { "x-api-key": KEY, "content-type": "application/json", ...headers },
				body: JSON.stringify(body),
			}).then(async (r) => ({
				status: r.status,
				body: (await r.json()) as { error: { type: string; message: string } },
			}));

		const noVersion = await post({ model: MODEL, max_tokens: 8, messages: [user("hi")] }, {});
		expect(noVersion).toMatchObject({
			status: 400,
			body: { error: { message: "anthropic-version: header is required" } },
		});
		const noMax = await post({ model: MODEL, messages: [user("hi")] });
		expect(noMax).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error" } } });
		expect(noMax.body.error.message).toContain("max_tokens: Field required");

		// A tool_use the next message does not answer: the mistake a tool loop makes.
		const unanswered = sdk.messages.create({
			model: MODEL,
			max_tokens: 8,
			messages: [
				user("hi"),
				{
					role: "assistant",
					content: [{ type: "tool_use", id: "toolu_abc", name: "list_tools", input: {} }],
				},
				user("and?"),
			],
		});
		await expect(unanswered).rejects.toBeInstanceOf(Anthropic.BadRequestError);
		await expect(unanswered).rejects.toThrow(
			/tool_use` ids were found without `tool_result` blocks.*toolu_abc/,
		);
		const rejected = (await (await fetch(`${fake.url}/_fake/rejected`)).json()) as {
			rejected: { status: number }[];
		};
		expect(rejected.rejected.length).toBeGreaterThanOrEqual(3);
	});

	it("records calls per script and kind, and forgets a script on reset", async () => {
		await model.script({ id: "s-calls", match: "[s-calls]", steps: [{ text: "ok" }] });
		const messages = [user("[s-calls] hello")];
		await sdk.messages.countTokens({ model: MODEL, messages });
		await sdk.messages.stream({ model: MODEL, max_tokens: 16, messages }).finalMessage();
		expect((await model.calls("s-calls")).map((c) => [c.kind, c.stream])).toEqual([["messages", true]]);
		expect((await model.calls("s-calls", "all")).map((c) => c.kind)).toEqual(["count_tokens", "messages"]);

		await model.reset("s-calls");
		expect(await model.calls("s-calls", "all")).toEqual([]);
		const after = await sdk.messages.create({ model: MODEL, max_tokens: 64, messages });
		expect(after.content).toEqual([{ type: "text", text: "You said: [s-calls] hello", citations: null }]);
	});

	it("lists each streamed delta chunk with its send time, per script and stream, for relay benchmarks", async () => {
		await model.script({
			id: "s-sent",
			match: "[s-sent]",
			steps: [{ text: "abcdefghij", chunk_size: 4, tool_uses: [{ name: "list_tools", input: { s: "x" } }] }],
		});
		const messages = [user("[s-sent] hi")];
		const before = performance.timeOrigin + performance.now();
		const received: { text: string; at: number }[] = [];
		const stream = sdk.messages.stream({ model: MODEL, max_tokens: 64, messages });
		stream.on("text", (text) => received.push({ text, at: performance.timeOrigin + performance.now() }));
		await stream.finalMessage();
		await sdk.messages.stream({ model: MODEL, max_tokens: 64, messages }).finalMessage();
		await sdk.messages.create({ model: MODEL, max_tokens: 64, messages });

		const sent = await model.sent("s-sent");
		const streams = [...new Set(sent.map((c) => c.stream))];
		expect(streams).toHaveLength(2);
		const first = sent.filter((c) => c.stream === streams[0]);
		expect(first.map((c) => [c.index, c.type, c.text])).toEqual([
			[0, "text_delta", "abcd"],
			[0, "text_delta", "efgh"],
			[0, "text_delta", "ij"],
			[1, "input_json_delta", ""],
			[1, "input_json_delta", '{"s"'],
			[1, "input_json_delta", ':"x"'],
			[1, "input_json_delta", "}"],
		]);
		expect(first.every((c) => c.script === "s-sent" && c.step === 0)).toBe(true);
		// Same clock as this process: each chunk was written after the request began and before the SDK saw it.
		expect(received.map((r) => r.text)).toEqual(["abcd", "efgh", "ij"]);
		received.forEach((r, i) => {
			const at = first[i]?.at ?? Number.NaN;
			expect(at).toBeGreaterThanOrEqual(before);
			expect(at).toBeLessThanOrEqual(r.at);
			// The request arrived after it was sent and before its first chunk was written.
			const requested = first[i]?.requested_at_ms ?? Number.NaN;
			expect(requested).toBeGreaterThanOrEqual(before);
			expect(requested).toBeLessThanOrEqual(first[0]?.at ?? Number.NaN);
		});
		expect((await model.sent()).filter((c) => c.script === "s-sent")).toEqual(sent);

		await model.reset("s-sent");
		expect(await model.sent("s-sent")).toEqual([]);
	});

	it("runs as a process that prints its URL (npm start)", async () => {
		const child = spawn(process.execPath, ["scripts/fake-anthropic.ts", "--port", "0"], {
			stdio: ["ignore", "pipe", "inherit"],
		});
		try {
			const [line] = (await once(child.stdout, "data")) as [Buffer];
			const url = line.toString().trim();
			expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(await fakeModel(url).health()).toEqual({ ok: true, scripts: 0 });
		} finally {
			child.kill("SIGTERM");
			await once(child, "exit");
		}
	});
});

describe("scripted tool inputs", () => {
	it("fill fromResult(key) placeholders from the last tool results, as a model uses what a tool returned", async () => {
		await model.script({
			id: "s-fill",
			match: "[s-fill]",
			steps: [
				{ tool_uses: [{ name: "search_services", input: { query: "food" } }] },
				{
					tool_uses: [
						{ name: "list_tools", input: { service: fromResult("id"), missing: fromResult("nope") } },
					],
				},
			],
		});
		const first = await sdk.messages.create({
			model: MODEL,
			max_tokens: 256,
			tools: TOOLS,
			messages: [user("[s-fill] food please")],
		});
		const use = first.content.find((b): b is ToolUseBlock => b.type === "tool_use");
		if (!use) throw new Error("no tool_use");
		const second = await sdk.messages.create({
			model: MODEL,
			max_tokens: 256,
			tools: TOOLS,
			messages: [
				user("[s-fill] food please"),
				{ role: "assistant", content: first.content },
				user([
					{ type: "tool_result", tool_use_id: use.id, content: 'Found 1.\n{"results":[{"id":"fooddash"}]}' },
				]),
			],
		});
		const next = second.content.find((b): b is ToolUseBlock => b.type === "tool_use");
		expect(next?.input).toEqual({ service: "fooddash", missing: "" });
	});
});
