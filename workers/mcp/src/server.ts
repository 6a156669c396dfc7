import {
	type CallToolResult,
	type InputRequiredResult,
	inputRequired,
	type McpRequestContext,
	McpServer,
	type ServerContext,
} from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import type { Problem } from "@penumbra/core/errors";
import { z } from "zod";
import { confirmationUrl } from "./auth/confirm.ts";
import { currentSession, type SessionProps } from "./auth/props.ts";
import { connectHelp, type Links, linksOf, toolError, toolResult } from "./errors.ts";
import { Gateway } from "./gateway.ts";
import { serviceSearch } from "./search.ts";
import { capSize, project } from "./shape.ts";

export const SERVER_INFO = { name: "penumbra", version: "0.1.0" } as const;

export const INSTRUCTIONS =
	"Penumbra lets you find and use real-world services (food delivery, rides, restaurant tables, shopping, weather, travel…) and buy from them with the user's prepaid balance. Start with get_started, find a service with search_services, see its tools with list_tools, then call one with execute. Purchases always return a quote first; the user's spend controls decide what needs their confirmation.";

const ServiceId = z
	.string()
	.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a service id from search_services, e.g. fooddash")
	.describe("Service id from search_services, e.g. `fooddash`.");

const ToolName = z
	.string()
	.regex(/^[A-Za-z0-9_.-]{1,64}$/, "a tool name from list_tools")
	.describe("Tool name from list_tools.");

interface ToolView {
	name: string;
	summary: string;
	description: string;
	input_schema: Record<string, unknown>;
	fee_cents: number;
	auth_level: "anonymous" | "identified" | "authenticated";
	purchase: { kind: "precheck" | "purchase"; precheck?: string } | null;
}

interface QuoteView {
	quote_id: string;
	service: string;
	tool: string;
	merchant: string;
	amount_cents: number;
	currency: "USD";
	expires_at: string;
	requires_confirmation: boolean;
	details: unknown;
}

function dollars(cents: number): string {
	return `$${(cents / 100).toFixed(2)}`;
}

function clientIp(ctx: McpRequestContext): string | undefined {
	return ctx.requestInfo?.headers.get("cf-connecting-ip") ?? undefined;
}

function resultLimit(env: McpEnv): number {
	const n = Number(env.RESULT_LIMIT_BYTES);
	return Number.isInteger(n) && n >= 1024 ? n : 24 * 1024;
}

async function getStarted(gateway: Gateway, links: Links): Promise<CallToolResult> {
	const session = gateway.session;
	const health = await gateway.get<{ services: number }>("/v1/health");
	const steps = [
		"search_services(query) — find services by what the user wants, in plain words (typos are fine).",
		"list_tools(service) — the service's tools with their input schemas, fees and purchase flags.",
		"execute(service, tool, parameters) — run a tool. Use `fields` to ask for only the parts you need.",
		"Purchases: execute without quote_id returns a quote (amount, expiry); tell the user the price, then call execute again with the same arguments plus quote_id to buy and get a receipt.",
		"Above the owner's auto-approve threshold a human must confirm: you will get a confirmation link (or your client asks the user directly). You cannot confirm on the user's behalf.",
	];
	const common = {
		services: health.ok ? health.data.services : null,
		steps,
		money:
			"All amounts are integer cents in USD. Tool calls may carry a small usage fee (shown by list_tools).",
	};
	if (!session) {
		return toolResult({
			auth_level: "anonymous",
			signed_in: false,
			...common,
			can: [
				"get_started",
				"search_services",
				"list_tools",
				"health",
				"execute on tools marked auth_level anonymous",
			],
			connect: connectHelp(links),
		});
	}
	const account = await gateway.get<{
		balance_cents: number;
		available_cents: number;
		spent_today_cents: number;
		controls: Record<string, unknown>;
	}>("/v1/account");
	if (!account.ok) return toolError(account.problem, links);
	const { balance_cents, available_cents, spent_today_cents, controls } = account.data;
	return toolResult({
		auth_level: session.level,
		signed_in: true,
		email: session.email,
		account: {
			balance_cents,
			available_cents,
			spent_today_cents,
			balance: dollars(balance_cents),
			top_up_url: links.topUpUrl,
		},
		controls,
		...common,
	});
}

async function searchServices(
	env: McpEnv,
	gateway: Gateway,
	args: { query: string; category?: string | undefined; limit?: number | undefined },
): Promise<CallToolResult> {
	const search = await serviceSearch(env);
	if (!search) {
		return toolResult({
			query: args.query,
			results: [],
			corrected: [],
			expanded: [],
			categories: [],
			empty_reason: "empty_registry",
			hint: "No services are registered yet.",
		});
	}
	const answer = search.search(args.query, {
		...(args.category ? { category: args.category } : {}),
		...(args.limit ? { limit: args.limit } : {}),
	});
	const needsAccount = !gateway.session && answer.results.some((r) => r.has_purchases || r.requires_auth);
	return toolResult({
		...answer,
		...(needsAccount
			? { auth_note: "Browsing is open; buying or account-only tools need the user to connect an account." }
			: {}),
	});
}

async function listTools(env: McpEnv, gateway: Gateway, service: string): Promise<CallToolResult> {
	const links = linksOf(env);
	const answer = await gateway.get<{ service: string; tools: ToolView[] }>(
		`/v1/services/${encodeURIComponent(service)}/tools`,
	);
	if (!answer.ok) return toolError(answer.problem, links);
	const signedIn = gateway.session !== null;
	return toolResult({
		service: answer.data.service,
		tools: answer.data.tools.map((t) => ({
			name: t.name,
			summary: t.summary,
			...(t.description && t.description !== t.summary ? { description: t.description } : {}),
			input_schema: t.input_schema,
			fee_cents: t.fee_cents,
			auth_level: t.auth_level,
			...(t.purchase?.kind === "purchase"
				? { purchase: true, how: "execute without quote_id returns a quote; then execute with quote_id buys" }
				: {}),
			...(t.purchase?.kind === "precheck" ? { prices_a_purchase: true } : {}),
			...(!signedIn && t.auth_level !== "anonymous" ? { needs_account: true } : {}),
		})),
	});
}

interface ExecuteArgs {
	service: string;
	tool: string;
	parameters: Record<string, unknown>;
	quote_id?: string | undefined;
	fields?: string[] | undefined;
}

function quoteResult(env: McpEnv, quote: QuoteView): CallToolResult {
	const confirm = quote.requires_confirmation
		? {
				needs_owner_confirmation: true,
				confirmation_url: confirmationUrl(env, quote.quote_id),
			}
		: {};
	return toolResult(
		{
			status: "quoted",
			quote: {
				quote_id: quote.quote_id,
				merchant: quote.merchant,
				service: quote.service,
				tool: quote.tool,
				amount_cents: quote.amount_cents,
				amount: dollars(quote.amount_cents),
				currency: quote.currency,
				expires_at: quote.expires_at,
				details: quote.details,
			},
			...confirm,
			next: quote.requires_confirmation
				? `This is above the owner's auto-approve threshold: tell the user the price and ask them to confirm at ${confirmationUrl(env, quote.quote_id)}, then call execute again with the same arguments plus quote_id.`
				: "Tell the user the price. To buy, call execute again with the same service, tool and parameters plus this quote_id.",
		},
		`Quote ${quote.quote_id}: ${dollars(quote.amount_cents)} at ${quote.merchant}, valid until ${quote.expires_at}. Nothing has been charged.`,
	);
}

function shapedResult(
	env: McpEnv,
	body: Record<string, unknown>,
	fields: string[] | undefined,
): CallToolResult {
	const { result, ...meta } = body;
	let value = result;
	let missing: string[] = [];
	if (fields && fields.length > 0) ({ value, missing } = project(result, fields));
	const shaped = capSize(value, resultLimit(env));
	const notes = [
		...(shaped.note ? [shaped.note] : []),
		...(missing.length ? [`No such field(s) in the answer: ${missing.join(", ")}.`] : []),
	];
	return toolResult(
		{
			...meta,
			result: shaped.value,
			...(shaped.truncated ? { truncated: true } : {}),
			...(notes.length ? { note: notes.join(" ") } : {}),
		},
		notes.length ? notes.join(" ") : undefined,
	);
}

/**
 * Puts a quote above the auto-approve threshold to the human through the client, and records their decision with
 * the gateway as the owner (the session is the owner's). Null when the client cannot ask.
 */
async function askHuman(
	gateway: Gateway,
	quoteId: string,
	confirm: HumanConfirm | undefined,
): Promise<
	| { kind: "accept" | "decline" }
	| { kind: "asking"; result: InputRequiredResult }
	| { kind: "failed"; problem: Problem }
	| null
> {
	if (!confirm) return null;
	const quotePath = `/v1/quotes/${encodeURIComponent(quoteId)}`;
	const quote = await gateway.get<PendingPurchase>(quotePath);
	if (!quote.ok) return { kind: "failed", problem: quote.problem };
	const answer = await confirm(quote.data);
	if (answer === null) return null;
	if (answer !== "accept" && answer !== "decline") return { kind: "asking", result: answer };
	const decided = await gateway.post(`${quotePath}/${answer === "accept" ? "confirm" : "decline"}`);
	return decided.ok ? { kind: answer } : { kind: "failed", problem: decided.problem };
}

async function execute(
	env: McpEnv,
	gateway: Gateway,
	args: ExecuteArgs,
	confirm?: HumanConfirm,
): Promise<CallToolResult | InputRequiredResult> {
	const links = linksOf(env);
	const serviceId = encodeURIComponent(args.service);
	const listed = await gateway.get<{ tools: ToolView[] }>(`/v1/services/${serviceId}/tools`);
	if (!listed.ok) return toolError(listed.problem, links);
	const tool = listed.data.tools.find((t) => t.name === args.tool);
	if (tool && tool.auth_level !== "anonymous" && gateway.session === null) {
		return toolError(
			{
				type: "",
				title: "",
				status: 401,
				code: "AUTH_REQUIRED",
				detail: `${args.service}.${args.tool} needs a connected account (${tool.auth_level} level). Nothing was called.`,
				required_level: tool.auth_level,
			},
			links,
		);
	}
	const fail = (problem: Problem) => toolError(problem, links);
	if (tool?.purchase?.kind === "purchase") {
		if (!args.quote_id) {
			const quote = await gateway.post<QuoteView>("/v1/quotes", {
				service: args.service,
				tool: args.tool,
				parameters: args.parameters,
			});
			return quote.ok ? quoteResult(env, quote.data) : fail(quote.problem);
		}
		const buy = () =>
			gateway.post<Record<string, unknown>>(`/v1/services/${serviceId}/tools/${args.tool}`, {
				parameters: args.parameters,
				quote_id: args.quote_id,
			});
		let bought = await buy();
		if (!bought.ok && bought.problem.code === "CONFIRMATION_REQUIRED") {
			const asked = await askHuman(gateway, args.quote_id, confirm);
			if (asked?.kind === "accept") bought = await buy();
			else if (asked?.kind === "decline") {
				return toolResult({
					status: "declined",
					quote_id: args.quote_id,
					note: "The user declined this purchase.",
				});
			} else if (asked?.kind === "failed") return fail(asked.problem);
			else if (asked?.kind === "asking") return asked.result;
			else {
				const url = confirmationUrl(env, args.quote_id);
				return toolError(
					{
						...bought.problem,
						detail: `${bought.problem.detail} Ask the user to open ${url}, confirm, and tell you; then call execute again with the same arguments.`,
						confirmation_url: url,
					},
					links,
				);
			}
		}
		if (!bought.ok) return fail(bought.problem);
		const receipt = bought.data.receipt as { amount_cents?: number } | undefined;
		const status = bought.data.replayed ? "already_bought" : "bought";
		const result = shapedResult(env, { status, ...bought.data }, args.fields);
		return receipt?.amount_cents !== undefined ? withReceiptNote(result, receipt.amount_cents) : result;
	}
	const ran = await gateway.post<Record<string, unknown>>(`/v1/services/${serviceId}/tools/${args.tool}`, {
		parameters: args.parameters,
	});
	return ran.ok ? shapedResult(env, ran.data, args.fields) : fail(ran.problem);
}

function withReceiptNote(result: CallToolResult, amountCents: number): CallToolResult {
	const first = result.content[0];
	if (first?.type === "text")
		first.text = `Bought for ${dollars(amountCents)}. Receipt below.\n${first.text}`;
	return result;
}

async function health(env: McpEnv, gateway: Gateway): Promise<CallToolResult> {
	const started = Date.now();
	const answer = await gateway
		.get<{
			status: "ok" | "degraded";
			services: number;
			registry: { built_at: string; age_seconds: number; stale_services: string[] };
		}>("/v1/health")
		.catch(() => null);
	const latency = Date.now() - started;
	const search = await serviceSearch(env).catch(() => null);
	if (!answer?.ok) {
		return toolResult({
			status: "down",
			gateway: { reachable: false, ...(answer && !answer.ok ? { error: answer.problem.detail } : {}) },
			search_index: { loaded: search !== null, services: search?.size ?? 0 },
		});
	}
	const { status, services, registry } = answer.data;
	return toolResult({
		status,
		services,
		registry,
		gateway: { reachable: true, latency_ms: latency },
		search_index: { loaded: search !== null, services: search?.size ?? 0 },
		server: SERVER_INFO,
	});
}

const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false } as const;

/** Who is calling and from where; resolved per call, so one definition serves every transport. */
export interface CallContext {
	env: McpEnv;
	session: SessionProps | null;
	clientIp?: string | undefined;
	/** Asks the human (not the model) to confirm a purchase, when the client can be asked. */
	confirm?: HumanConfirm | undefined;
}

/** What a purchase confirmation shows the human. */
export interface PendingPurchase {
	quote_id: string;
	service: string;
	tool: string;
	amount_cents: number;
	expires_at: string;
}

/**
 * The human's answer; or a result to hand the client while it asks (multi-round-trip elicitation); or null when
 * this client cannot be asked (then the owner confirms through a link).
 */
export type HumanConfirm = (
	purchase: PendingPurchase,
) => Promise<"accept" | "decline" | InputRequiredResult | null>;

export function confirmMessage(purchase: PendingPurchase): string {
	return `Confirm purchase: ${dollars(purchase.amount_cents)} with ${purchase.service} (${purchase.tool}). The quote expires at ${purchase.expires_at}.`;
}

export const ConfirmSchema = z.object({ confirm: z.boolean().describe("Yes, buy it") });

function gatewayOf(call: CallContext): Gateway {
	return new Gateway(call.env, call.session, call.clientIp);
}

const SearchInput = z.object({
	query: z.string().min(1).max(200).describe("What the user wants, in plain words."),
	category: z.string().max(64).optional().describe("Only this category, e.g. food, travel."),
	limit: z.number().int().min(1).max(20).optional().describe("Results to return (default 5)."),
});

const ExecuteInput = z.object({
	service: ServiceId,
	tool: ToolName,
	parameters: z
		.record(z.string(), z.unknown())
		.default({})
		.describe("The tool's input, as its input_schema describes."),
	quote_id: z
		.string()
		.max(200)
		.optional()
		.describe("For purchase tools: the quote_id of a quote for exactly these arguments."),
	fields: z
		.array(z.string().max(200))
		.max(50)
		.optional()
		.describe("Dotted paths to keep from the result, e.g. ['items.name', 'items.price_cents']."),
});

/**
 * The five meta-tools, transport-neutral: the Streamable HTTP server (below) and the legacy SSE session register
 * the same definitions.
 */
export const TOOLS = {
	get_started: {
		title: "Get started",
		description:
			"How to use Penumbra, and the caller's account: auth level, balance and spend controls. Call this first.",
		inputSchema: z.object({}),
		annotations: readOnly,
		run: (call: CallContext) => getStarted(gatewayOf(call), linksOf(call.env)),
	},
	search_services: {
		title: "Search services",
		description:
			"Find services for what the user wants, in plain words (e.g. 'order some food', 'get me a cab'). Typos are corrected and concepts expanded. Returns services best first with why they matched, prices and their best-matching tools.",
		inputSchema: SearchInput,
		annotations: readOnly,
		run: (call: CallContext, args: z.infer<typeof SearchInput>) =>
			searchServices(call.env, gatewayOf(call), args),
	},
	list_tools: {
		title: "List a service's tools",
		description:
			"A service's tools: name, summary, JSON input schema, usage fee in cents, required auth level and whether it is a purchase.",
		inputSchema: z.object({ service: ServiceId }),
		annotations: readOnly,
		run: (call: CallContext, args: { service: string }) => listTools(call.env, gatewayOf(call), args.service),
	},
	execute: {
		title: "Run a service's tool",
		description:
			"Run one tool of a service with parameters matching its input schema (from list_tools). Purchase tools: without quote_id you get a quote and nothing is charged; call again with the same arguments plus quote_id to buy and get a receipt. Some purchases need the user's confirmation first. Big answers are cut to a size limit: pass fields to get only what you need.",
		inputSchema: ExecuteInput,
		annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
		run: (call: CallContext, args: z.infer<typeof ExecuteInput>) =>
			execute(call.env, gatewayOf(call), args, call.confirm),
	},
	health: {
		title: "Health",
		description: "System status: gateway reachability, registry freshness and service count.",
		inputSchema: z.object({}),
		annotations: readOnly,
		run: (call: CallContext) => health(call.env, gatewayOf(call)),
	},
} as const;

/**
 * Confirmation by elicitation on the 2026-07-28 protocol (stateless: the client retries the call with the human's
 * answer). The answer counts only with the single-use state we minted for this quote and caller, so a client cannot
 * send a ready-made "accept" on the first call. Older Streamable HTTP clients cannot be asked: null.
 */
function multiRoundTripConfirm(
	env: McpEnv,
	server: McpServer,
	ctx: McpRequestContext,
	extra: ServerContext,
): HumanConfirm | undefined {
	const session = currentSession();
	if (ctx.era !== "modern" || !session || !server.server.getClientCapabilities()?.elicitation)
		return undefined;
	return async (purchase) => {
		const state = extra.mcpReq.requestState<string>();
		const response = extra.mcpReq.inputResponses?.confirm;
		if (typeof state === "string" && /^[A-Za-z0-9_-]{16,64}$/.test(state) && response !== undefined) {
			const key = `elicit:${state}`;
			const minted = await env.OAUTH_KV.get<{ quote_id: string; credential_id: string }>(key, "json");
			if (minted?.quote_id === purchase.quote_id && minted.credential_id === session.credential_id) {
				await env.OAUTH_KV.delete(key);
				const parsed = z
					.object({ action: z.enum(["accept", "decline", "cancel"]), content: ConfirmSchema.optional() })
					.safeParse(response);
				return parsed.success && parsed.data.action === "accept" && parsed.data.content?.confirm === true
					? "accept"
					: "decline";
			}
		}
		const nonce = crypto.randomUUID().replaceAll("-", "");
		await env.OAUTH_KV.put(
			`elicit:${nonce}`,
			JSON.stringify({ quote_id: purchase.quote_id, credential_id: session.credential_id }),
			{ expirationTtl: 600 },
		);
		return inputRequired({
			inputRequests: {
				confirm: inputRequired.elicit({ message: confirmMessage(purchase), requestedSchema: ConfirmSchema }),
			},
			requestState: nonce,
		});
	};
}

/** A fresh server per request (stateless Streamable HTTP): the five meta-tools, acting as the request's caller. */
export function buildServer(env: McpEnv, ctx: McpRequestContext): McpServer {
	const server = new McpServer(SERVER_INFO, {
		instructions: INSTRUCTIONS,
		jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
	});
	const call = (): CallContext => ({ env, session: currentSession(), clientIp: clientIp(ctx) });
	const { run: _gs, ...getStartedDef } = TOOLS.get_started;
	server.registerTool("get_started", getStartedDef, async () => TOOLS.get_started.run(call()));
	const { run: _ss, ...searchDef } = TOOLS.search_services;
	server.registerTool("search_services", searchDef, async (args) => TOOLS.search_services.run(call(), args));
	const { run: _lt, ...listDef } = TOOLS.list_tools;
	server.registerTool("list_tools", listDef, async (args) => TOOLS.list_tools.run(call(), args));
	const { run: _ex, ...executeDef } = TOOLS.execute;
	server.registerTool("execute", executeDef, async (args, extra) =>
		TOOLS.execute.run({ ...call(), confirm: multiRoundTripConfirm(env, server, ctx, extra) }, args),
	);
	const { run: _h, ...healthDef } = TOOLS.health;
	server.registerTool("health", healthDef, async () => TOOLS.health.run(call()));
	return server;
}
